#pragma once
// The dashboard's files (registry/ui/*.html, *.css, *.js, *.svg), built into
// the binary: embed_assets.cmake turns them into ui_assets.cpp at build
// time. Plain data: what serves them over HTTP is registry/http/ui_route.

#include <string_view>

namespace gemstone::registry::ui {

struct Asset {
  std::string_view name;          ///< file name under /ui/, e.g. "app.js"
  std::string_view content_type;  ///< e.g. "text/javascript; charset=utf-8"
  std::string_view body;
  std::string_view etag;  ///< a quoted hash of the body, e.g. "\"1f0c...\""
};

/// The asset called `name`, or nullptr.
const Asset* find_asset(std::string_view name);

}  // namespace gemstone::registry::ui

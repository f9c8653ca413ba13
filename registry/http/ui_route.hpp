#pragma once
// The dashboard over HTTP: GET /ui/ and its files (built into the binary,
// registry/ui/ui_assets.hpp), and GET / redirecting there. Every answer
// carries a Content-Security-Policy that lets the page load only its own
// files and call only this server: the page has no inline script or style.

#include <string_view>

#include "registry/http/http_message.hpp"

namespace gemstone::registry::http {

/// Whether `path` is the dashboard's: "/", "/ui" or under "/ui/".
bool is_ui_path(std::string_view path);

/// Answers a GET or HEAD of a dashboard path: the file (200, or 304 when
/// If-None-Match names its ETag), a redirect to /ui/, or 404.
void answer_ui(const RequestHead& head, Response& response);

}  // namespace gemstone::registry::http

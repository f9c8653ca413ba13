#include "registry/http/ui_route.hpp"

#include <string>

#include "gemstone/ascii.hpp"
#include "registry/ui/ui_assets.hpp"

namespace gemstone::registry::http {
namespace {

constexpr std::string_view kPrefix = "/ui/";

// The page and its files may come only from here, and it may talk only to
// here; nosniff keeps a browser from reading a file as another type; the
// page never needs to be framed. no-cache: a browser revalidates by ETag,
// so an upgraded daemon's page is never mixed with an old script.
constexpr std::string_view kSecurityHeaders =
    "Content-Security-Policy: default-src 'self'\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\n"
    "Referrer-Policy: no-referrer\r\n";

// If-None-Match is a list of entity tags, or "*"; weak tags match too.
bool matches_etag(std::string_view if_none_match, std::string_view etag) {
  while (!if_none_match.empty()) {
    const std::size_t comma = if_none_match.find(',');
    std::string_view tag = ascii::trim(if_none_match.substr(0, comma));
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

bool is_ui_path(std::string_view path) {
  return path == "/" || path == "/ui" || path.substr(0, kPrefix.size()) == kPrefix;
}

void answer_ui(const RequestHead& head, Response& response) {
  const std::string_view path = head.path();
  if (path == "/" || path == "/ui") {
    // Found, not Moved Permanently: a browser would remember a permanent
    // one even after the dashboard is turned off.
    response.status = 302;
    response.headers = "Location: /ui/\r\n";
    return;
  }
  std::string_view name = path.substr(kPrefix.size());
  if (name.empty()) name = "index.html";
  const ui::Asset* asset = ui::find_asset(name);
  if (asset == nullptr) {
    response.status = 404;
    return;
  }
  response.headers.reserve(kSecurityHeaders.size() + 64);
  response.headers.append(kSecurityHeaders);
  response.headers.append("Cache-Control: no-cache\r\nETag: ").append(asset->etag).append("\r\n");
  if (matches_etag(head.header("If-None-Match").value_or(""), asset->etag)) {
    response.status = 304;
    return;
  }
  response.content_type = asset->content_type;
  response.body = std::string(asset->body);
}

}  // namespace gemstone::registry::http

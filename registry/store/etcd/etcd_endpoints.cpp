#include "registry/store/etcd/etcd_endpoints.hpp"

#include "gemstone/ascii.hpp"

namespace gemstone::registry::etcd {
namespace {

constexpr int kEtcdClientPort = 2379;

Result<Url, std::string> parse_one(std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  const std::size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return quoted + " must be an http:// or https:// URL";
  // Nothing after the authority but an optional "/": etcd's gateway paths are fixed.
  const std::size_t path = text.find('/', scheme_end + 3);
  if (path != std::string_view::npos && path + 1 != text.size()) {
    return quoted + " must not have a path";
  }
  auto url = parse_url(text);
  if (!url.ok()) return quoted + " " + url.error();
  // parse_url gives a URL without a port the scheme's default; etcd's is 2379.
  const std::string_view authority = text.substr(scheme_end + 3, path == std::string_view::npos
                                                                     ? std::string_view::npos
                                                                     : path - scheme_end - 3);
  const std::size_t colon = authority.rfind(':');
  const std::size_t bracket = authority.rfind(']');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket)) {
    url.value().port = kEtcdClientPort;
  }
  url.value().path = "/";
  return url;
}

}  // namespace

Result<std::vector<Url>, std::string> parse_endpoints(std::string_view text) {
  std::vector<Url> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string_view entry = ascii::trim(
        text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (entry.empty()) return std::string("must be a comma-separated list of http(s) URLs");
    auto url = parse_one(entry);
    if (!url.ok()) return std::move(url).error();
    if (!out.empty() && out.front().tls != url.value().tls) {
      return std::string("must not mix http:// and https:// URLs");
    }
    out.push_back(std::move(url).value());
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace gemstone::registry::etcd

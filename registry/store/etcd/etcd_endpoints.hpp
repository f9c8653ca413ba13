#pragma once
// The etcd_endpoints option: comma-separated http:// or https:// URLs of
// the members of one etcd cluster, each naming only a host and a port.

#include <string>
#include <string_view>
#include <vector>

#include "gemstone/result.hpp"
#include "gemstone/url.hpp"

namespace gemstone::registry::etcd {

/// Parses "http://10.0.0.1:2379,http://10.0.0.2:2379" (spaces around the
/// commas allowed; a URL without a port gets 2379). Refused, with a reason
/// naming the URL: an empty list or entry, another scheme, a path other
/// than "/", http and https mixed.
Result<std::vector<Url>, std::string> parse_endpoints(std::string_view text);

}  // namespace gemstone::registry::etcd

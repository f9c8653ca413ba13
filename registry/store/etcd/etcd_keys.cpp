#include "registry/store/etcd/etcd_keys.hpp"

#include <utility>

namespace gemstone::registry::etcd {

KeyLayout::KeyLayout(std::string prefix)
    : prefix_(std::move(prefix)), instances_(prefix_ + "instances/"), marker_(prefix_ + "unregistered") {}

std::string KeyLayout::instance_key(std::string_view name, std::string_view host,
                                    std::uint16_t port) const {
  std::string key;
  key.reserve(instances_.size() + name.size() + host.size() + 8);
  key.append(instances_).append(name).append(1, '/').append(host).append(1, '/');
  key.append(std::to_string(port));
  return key;
}

std::optional<Identity> KeyLayout::identity(std::string_view key) const {
  if (key.size() <= instances_.size() || key.compare(0, instances_.size(), instances_) != 0) {
    return std::nullopt;
  }
  key.remove_prefix(instances_.size());
  const std::size_t port_at = key.rfind('/');
  if (port_at == std::string_view::npos) return std::nullopt;
  const std::string_view port = key.substr(port_at + 1);
  const std::size_t host_at = port_at == 0 ? std::string_view::npos : key.rfind('/', port_at - 1);
  if (host_at == std::string_view::npos || host_at == 0 || host_at + 1 == port_at) {
    return std::nullopt;  // no name, or no host
  }
  if (port.empty() || port.size() > 5 || port.front() == '0') return std::nullopt;
  unsigned number = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return std::nullopt;
    number = number * 10 + static_cast<unsigned>(c - '0');
  }
  if (number < 1 || number > 65535) return std::nullopt;
  Identity out;
  out.name = std::string(key.substr(0, host_at));
  out.host = std::string(key.substr(host_at + 1, port_at - host_at - 1));
  out.port = static_cast<std::uint16_t>(number);
  return out;
}

}  // namespace gemstone::registry::etcd

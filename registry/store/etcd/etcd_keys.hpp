#pragma once
// Where the registry keeps what in etcd, under its prefix P (ends with '/'):
//
//   P instances/<name>/<host>/<port>   one key per instance, value from
//                                      instance_value(), with its own lease
//   P unregistered                     the key of the instance last
//                                      unregistered, written in the same
//                                      revision as its delete
//
// A host and a port never hold '/', so a key splits from its end back into
// exactly one (name, host, port), whatever the name holds.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gemstone::registry::etcd {

struct Identity {
  std::string name;
  std::string host;
  std::uint16_t port = 0;
};

class KeyLayout {
 public:
  explicit KeyLayout(std::string prefix);

  const std::string& prefix() const { return prefix_; }
  /// Every instance key starts with this.
  const std::string& instances() const { return instances_; }
  const std::string& marker() const { return marker_; }

  std::string instance_key(std::string_view name, std::string_view host, std::uint16_t port) const;
  /// The identity an instance key stands for; nothing for any other key.
  std::optional<Identity> identity(std::string_view key) const;

 private:
  std::string prefix_;
  std::string instances_;
  std::string marker_;
};

}  // namespace gemstone::registry::etcd

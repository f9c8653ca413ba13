#include "cli/registry_session.hpp"

#include <cstdlib>

#include "cli/options.hpp"

namespace gemstone::cli {

Result<RegistryClient, int> open_registry(const std::vector<std::string>& registry_flags,
                                          const ClientOptions& options, Output& out) {
  auto registry =
      RegistryClient::open(registry_urls(registry_flags, std::getenv("GEMSTONE_REGISTRY")), options);
  if (!registry.ok()) return out.fail(registry.error());
  registry.value().set_observer([&out](const ClientError& skipped) {
    out.note(skipped.describe() + "; trying the next registry");
  });
  return std::move(registry).value();
}

}  // namespace gemstone::cli

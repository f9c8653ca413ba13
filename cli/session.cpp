#include "cli/session.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace gemstone::cli {

Result<Output, int> make_output(const PrintFlags& print, bool raw) {
  auto options = output_options(print, ::isatty(STDOUT_FILENO) == 1, std::getenv(kNoColorEnv));
  if (!options.ok()) return Output().usage(options.error());
  options.value().raw = raw;
  return Output(options.value());
}

Result<ClientOptions, int> command_options(const TransportFlags& transport, const Output& out) {
  auto options = client_options(transport, std::getenv(kTokenEnv));
  if (!options.ok()) return out.usage(options.error());
  return std::move(options).value();
}

Result<RemoteService, int> identify_service(const std::string& url, const ClientOptions& options,
                                            const Deadline& deadline, const Output& out) {
  auto service = RemoteService::open(url, options);
  if (!service.ok()) return out.fail(service.error());
  auto identified = service.value().identify(deadline);
  if (!identified.ok()) return out.fail(identified.error());
  return std::move(service).value();
}

Result<RegistryClient, int> open_registry(const std::vector<std::string>& registry_flags,
                                          const ClientOptions& options, Output& out) {
  auto registry =
      RegistryClient::open(registry_urls(registry_flags, std::getenv("GEMSTONE_REGISTRY")), options);
  if (!registry.ok()) return out.fail(registry.error());
  registry.value().set_observer([&out](const ClientError& skipped, RegistryClient::Skipped what) {
    out.note(skipped.describe() + (what == RegistryClient::Skipped::kInstance ? "; trying the next instance"
                                                                             : "; trying the next registry"));
  });
  return std::move(registry).value();
}

Result<RegistrySession, int> open_session(const std::vector<std::string>& registry_flags,
                                          const TransportFlags& transport, Output& out) {
  auto options = command_options(transport, out);
  if (!options.ok()) return options.error();
  auto registry = open_registry(registry_flags, options.value(), out);
  if (!registry.ok()) return registry.error();
  return RegistrySession{std::move(registry).value(), carries_token(options.value())};
}

Result<RegistrationSession, int> open_registration(const std::vector<std::string>& registry_flags,
                                                   const InstanceArgs& instance,
                                                   const TransportFlags& transport, const Output& out) {
  auto registration = instance_registration(instance);
  if (!registration.ok()) return out.usage(registration.error());
  auto options = command_options(transport, out);
  if (!options.ok()) return options.error();
  const bool token_sent = carries_token(options.value());
  return RegistrationSession{std::move(registration).value(),
                             registry_urls(registry_flags, std::getenv("GEMSTONE_REGISTRY")),
                             std::move(options).value(), token_sent};
}

}  // namespace gemstone::cli

// gemstone services [PATTERN]: service names with their live instance counts.

#include <cstdlib>
#include <memory>

#include <CLI/CLI.hpp>

#include "cli/options.hpp"
#include "cli/output.hpp"
#include "cli/commands/commands.hpp"
#include "gemstone/registry_client.hpp"
#include "cli/registry_session.hpp"

namespace gemstone::cli {

Command add_services_command(CLI::App& app) {
  struct Flags {
    std::vector<std::string> registries;
    std::string pattern = "*";
    bool json = false;
    bool compact = false;
    TransportFlags transport;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("services", "List the registered services and their instance counts");
  cmd->footer(
      "Examples:\n"
      "  gemstone services\n"
      "  gemstone services 'billing.*' --json");
  add_registry_flag(*cmd, flags->registries);
  cmd->add_option("PATTERN", flags->pattern, "Service name pattern (glob, default *)")->type_name("");
  cmd->add_flag("--json", flags->json, "Print JSON (an array of {name, instances}) instead of a table");
  cmd->add_flag("--compact", flags->compact, "With --json: one line");
  add_transport_flags(*cmd, flags->transport);

  return {cmd, [flags]() -> int {
            Output out(OutputOptions{false, false, flags->compact});
            auto options = client_options(flags->transport, std::getenv(kTokenEnv));
            if (!options.ok()) return out.usage(options.error());
            auto registry = open_registry(flags->registries, options.value(), out);
            if (!registry.ok()) return registry.error();
            auto listed = registry.value().list_services(flags->pattern);
            if (!listed.ok()) return out.fail_registry(listed.error(), carries_token(options.value()));
            if (flags->json) {
              rapidjson::Document doc(rapidjson::kArrayType);
              auto& a = doc.GetAllocator();
              for (const ServiceSummary& s : listed.value()) {
                rapidjson::Value v(rapidjson::kObjectType);
                v.AddMember("name", rapidjson::Value(s.name.c_str(), a), a);
                v.AddMember("instances", static_cast<uint64_t>(s.instances), a);
                doc.PushBack(v, a);
              }
              out.json(doc);
            } else if (!listed.value().empty()) {
              std::vector<std::vector<std::string>> rows;
              for (const ServiceSummary& s : listed.value()) {
                rows.push_back({s.name, std::to_string(s.instances)});
              }
              out.text(format_table({"NAME", "INSTANCES"}, rows));
            } else {
              out.warn("no service matches '" + flags->pattern + "' in " + registry.value().current_url());
            }
            return kExitOk;
          }};
}

}  // namespace gemstone::cli

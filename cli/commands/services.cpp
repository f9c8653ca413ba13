// gemstone services [PATTERN]: service names with their live instance counts.

#include <memory>

#include <CLI/CLI.hpp>

#include "cli/options.hpp"
#include "cli/output.hpp"
#include "cli/commands/commands.hpp"
#include "gemstone/registry_client.hpp"
#include "cli/session.hpp"

namespace gemstone::cli {

Command add_services_command(CLI::App& app) {
  struct Flags {
    std::vector<std::string> registries;
    std::string pattern = "*";
    PrintFlags print;
    TransportFlags transport;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("services", "List the registered services and their instance counts");
  cmd->footer(
      "Examples:\n"
      "  gemstone services\n"
      "  gemstone services -o json 'billing.*'");
  add_registry_flag(*cmd, flags->registries);
  cmd->add_option("PATTERN", flags->pattern, "Service name pattern (glob, default *)")->type_name("");
  add_print_flags(*cmd, flags->print, "an array of {name, instances} instead of a table");
  add_transport_flags(*cmd, flags->transport);

  return {cmd, [flags]() -> int {
            auto made = make_output(flags->print);
            if (!made.ok()) return made.error();
            Output& out = made.value();
            auto session = open_session(flags->registries, flags->transport, out);
            if (!session.ok()) return session.error();
            RegistryClient& registry = session.value().registry;
            auto listed = registry.list_services(flags->pattern);
            if (!listed.ok()) return session.value().fail(listed.error(), out);
            if (out.options().json) {
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
              out.warn("no service matches '" + flags->pattern + "' in " + registry.current_url());
            }
            return kExitOk;
          }};
}

}  // namespace gemstone::cli

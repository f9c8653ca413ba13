// gemstone locate PATTERN: the live instances matching PATTERN with the
// time they have left. Exit 3 when none matches.

#include <cstdlib>
#include <memory>

#include <CLI/CLI.hpp>

#include "cli/options.hpp"
#include "cli/output.hpp"
#include "cli/commands/commands.hpp"
#include "gemstone/registry_client.hpp"
#include "cli/registry_session.hpp"

namespace gemstone::cli {
namespace {

rapidjson::Document to_json(const std::vector<Instance>& instances) {
  rapidjson::Document doc(rapidjson::kArrayType);
  auto& a = doc.GetAllocator();
  for (const Instance& i : instances) {
    rapidjson::Value v(rapidjson::kObjectType);
    v.AddMember("name", rapidjson::Value(i.name.c_str(), a), a);
    v.AddMember("host", rapidjson::Value(i.host.c_str(), a), a);
    v.AddMember("port", i.port, a);
    v.AddMember("url", rapidjson::Value(i.url.c_str(), a), a);
    v.AddMember("expires_in", i.expires_in, a);
    doc.PushBack(v, a);
  }
  return doc;
}

}  // namespace

Command add_locate_command(CLI::App& app) {
  struct Flags {
    std::vector<std::string> registries;
    std::string pattern;
    bool json = false;
    bool compact = false;
    TransportFlags transport;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("locate", "List the live instances of services matching a pattern");
  cmd->footer(
      "Exit status 3 when no live instance matches.\n"
      "Examples:\n"
      "  gemstone locate 'calculator*'\n"
      "  gemstone locate --json worker | jq -r '.[].url'");
  add_registry_flag(*cmd, flags->registries);
  cmd->add_option("PATTERN", flags->pattern, "Service name pattern (glob)")->required()->type_name("");
  cmd->add_flag("--json", flags->json, "Print JSON (an array of instances) instead of a table");
  cmd->add_flag("--compact", flags->compact, "With --json: one line");
  add_transport_flags(*cmd, flags->transport);

  return {cmd, [flags]() -> int {
            Output out(OutputOptions{false, false, flags->compact});
            auto options = client_options(flags->transport, std::getenv(kTokenEnv));
            if (!options.ok()) return out.usage(options.error());
            auto registry = open_registry(flags->registries, options.value(), out);
            if (!registry.ok()) return registry.error();
            auto located = registry.value().locate(flags->pattern);
            if (!located.ok()) return out.fail_registry(located.error(), carries_token(options.value()));
            const std::vector<Instance>& instances = located.value();
            if (flags->json) {
              out.json(to_json(instances));
            } else if (!instances.empty()) {
              std::vector<std::vector<std::string>> rows;
              for (const Instance& i : instances) {
                rows.push_back({i.name, i.host, std::to_string(i.port), i.url, format_seconds(i.expires_in)});
              }
              out.text(format_table({"NAME", "HOST", "PORT", "URL", "EXPIRES IN"}, rows));
            }
            if (instances.empty()) {
              out.warn(ClientError::no_instance(registry.value().current_url(), flags->pattern).describe());
              return kExitNoInstance;
            }
            return kExitOk;
          }};
}

}  // namespace gemstone::cli

// gemstone locate PATTERN: the live instances matching PATTERN with the
// time they have left. Exit 3 when none matches.

#include <memory>

#include <CLI/CLI.hpp>

#include "cli/meta_flags.hpp"
#include "cli/options.hpp"
#include "cli/output.hpp"
#include "cli/commands/commands.hpp"
#include "gemstone/registry_client.hpp"
#include "cli/session.hpp"

namespace gemstone::cli {

Command add_locate_command(CLI::App& app) {
  struct Flags {
    std::vector<std::string> registries;
    std::string pattern;
    JsonFlags print;
    TransportFlags transport;
    std::vector<std::string> meta;  // --meta KEY=VALUE
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
  add_json_flags(*cmd, flags->print, "Print JSON (an array of instances) instead of a table");
  add_transport_flags(*cmd, flags->transport);
  add_meta_flag(*cmd, flags->meta, "Only instances whose metadata has KEY=VALUE (repeatable)");

  return {cmd, [flags]() -> int {
            Output out(OutputOptions{false, false, flags->print.compact});
            auto meta = parse_meta_flags(flags->meta);
            if (!meta.ok()) return out.usage(meta.error());
            auto session = open_session(flags->registries, flags->transport, out);
            if (!session.ok()) return session.error();
            RegistryClient& registry = session.value().registry;
            auto located = registry.locate_matching(flags->pattern, meta.value());
            if (!located.ok()) return session.value().fail(located.error(), out);
            const std::vector<Instance>& instances = located.value();
            if (flags->print.json) {
              rapidjson::Document doc(rapidjson::kArrayType);
              for (const Instance& i : instances) doc.PushBack(instance_json(i, doc.GetAllocator()), doc.GetAllocator());
              out.json(doc);
            } else if (!instances.empty()) {
              std::vector<std::vector<std::string>> rows;
              for (const Instance& i : instances) {
                rows.push_back({i.name, i.host, std::to_string(i.port), i.url, format_seconds(i.expires_in)});
              }
              out.text(format_table({"NAME", "HOST", "PORT", "URL", "EXPIRES IN"}, rows));
            }
            if (instances.empty()) {
              out.warn(ClientError::no_instance(registry.current_url(), flags->pattern).describe());
              return kExitNoInstance;
            }
            return kExitOk;
          }};
}

}  // namespace gemstone::cli

// gemstone locate PATTERN: the live instances matching PATTERN with the
// time they have left, from the first registry that has any (--all: from
// every registry, merged, saying which holds what). Exit 3 when none
// matches, 4 when no registry could be asked.

#include <algorithm>
#include <memory>

#include <CLI/CLI.hpp>

#include "cli/meta_flags.hpp"
#include "cli/options.hpp"
#include "cli/output.hpp"
#include "cli/commands/commands.hpp"
#include "gemstone/registry_client.hpp"
#include "cli/session.hpp"

namespace gemstone::cli {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// --all: every registry asked at once, the answers merged.
int locate_everywhere(RegistrySession& session, const std::string& pattern, const InstanceMeta& filter,
                      bool json, Output& out) {
  const std::vector<RegistryAnswer> answers = session.registry.locate_all(pattern);
  const ClientError* refusal = nullptr;  // a JSON-RPC error says more than a timeout
  const ClientError* failure = nullptr;
  bool answered = false;
  for (const RegistryAnswer& a : answers) {
    if (a.instances.ok()) {
      answered = true;
      out.note(a.registry_url + ": " + std::to_string(a.instances.value().size()) + " instance(s)");
      continue;
    }
    out.note(a.instances.error().describe() + "; left out");
    if (!a.instances.error().is_transport() && refusal == nullptr) refusal = &a.instances.error();
    failure = &a.instances.error();
  }
  if (!answered) return session.fail(refusal != nullptr ? *refusal : *failure, out);

  std::vector<LocatedInstance> merged = merge_located(answers);
  merged.erase(std::remove_if(merged.begin(), merged.end(),
                              [&filter](const LocatedInstance& m) {
                                return !std::all_of(filter.begin(), filter.end(), [&m](const auto& pair) {
                                  auto it = m.instance.meta.find(pair.first);
                                  return it != m.instance.meta.end() && it->second == pair.second;
                                });
                              }),
               merged.end());
  if (json) {
    rapidjson::Document doc(rapidjson::kArrayType);
    auto& alloc = doc.GetAllocator();
    for (const LocatedInstance& m : merged) {
      rapidjson::Value v = instance_json(m.instance, alloc);
      rapidjson::Value registries(rapidjson::kArrayType);
      for (const std::string& r : m.registries) registries.PushBack(rapidjson::Value(r.c_str(), alloc), alloc);
      v.AddMember("registries", registries, alloc);
      doc.PushBack(v, alloc);
    }
    out.json(doc);
  } else if (!merged.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const LocatedInstance& m : merged) {
      const Instance& i = m.instance;
      rows.push_back({i.name, i.host, std::to_string(i.port), i.url, format_seconds(i.expires_in),
                      joined(m.registries)});
    }
    out.text(format_table({"NAME", "HOST", "PORT", "URL", "EXPIRES IN", "REGISTRIES"}, rows));
  }
  if (merged.empty()) {
    out.warn("no live instance matches '" + pattern + "' in any registry that answered");
    return kExitNoInstance;
  }
  return kExitOk;
}

}  // namespace

Command add_locate_command(CLI::App& app) {
  struct Flags {
    std::vector<std::string> registries;
    std::string pattern;
    bool all = false;
    PrintFlags print;
    TransportFlags transport;
    std::vector<std::string> meta;  // --meta KEY=VALUE
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("locate", "List the live instances of services matching a pattern");
  cmd->footer(
      "Registries are asked in order; one that cannot be reached or has no match is skipped\n"
      "for the next. --all asks every registry and merges their answers, one row per\n"
      "instance with the registries that hold it.\n"
      "Exit status 3 when no live instance matches, 4 when no registry could be reached.\n"
      "Examples:\n"
      "  gemstone locate 'calculator*'\n"
      "  gemstone locate --all --registry http://10.0.0.5:8000/api --registry http://10.0.0.6:8000/api '*'\n"
      "  gemstone locate -o json worker | jq -r '.[].url'");
  add_registry_flag(*cmd, flags->registries);
  cmd->add_option("PATTERN", flags->pattern, "Service name pattern (glob)")->required()->type_name("");
  cmd->add_flag("--all", flags->all,
                "Ask every registry and merge the answers, saying which registries hold each instance");
  add_print_flags(*cmd, flags->print,
                  "an array of instances (with --all each has \"registries\") instead of a table");
  add_transport_flags(*cmd, flags->transport);
  add_meta_flag(*cmd, flags->meta, "Only instances whose metadata has KEY=VALUE (repeatable)");

  return {cmd, [flags]() -> int {
            auto made = make_output(flags->print);
            if (!made.ok()) return made.error();
            Output& out = made.value();
            auto meta = parse_meta_flags(flags->meta);
            if (!meta.ok()) return out.usage(meta.error());
            auto session = open_session(flags->registries, flags->transport, out);
            if (!session.ok()) return session.error();
            RegistryClient& registry = session.value().registry;
            if (flags->all) {
              return locate_everywhere(session.value(), flags->pattern, meta.value(), out.options().json, out);
            }
            const bool several = registry.urls().size() > 1;
            auto located = registry.locate_matching(flags->pattern, meta.value());
            if (!located.ok()) return session.value().fail(located.error(), out);
            const std::vector<Instance>& instances = located.value();
            if (out.options().json) {
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
              if (several) {
                out.warn("no live instance matches '" + flags->pattern + "' in any registry that answered");
              } else {
                out.warn(ClientError::no_instance(registry.current_url(), flags->pattern).describe());
              }
              return kExitNoInstance;
            }
            if (several) out.note("answered by " + registry.current_url());
            return kExitOk;
          }};
}

}  // namespace gemstone::cli

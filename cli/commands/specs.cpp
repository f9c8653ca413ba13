// gemstone specs URL: what a service says of itself (get_service_specs).

#include <memory>

#include <CLI/CLI.hpp>

#include "cli/options.hpp"
#include "cli/output.hpp"
#include "cli/commands/commands.hpp"
#include "gemstone/jsonrpc/json.hpp"
#include "gemstone/remote_service.hpp"
#include "cli/session.hpp"

namespace gemstone::cli {
namespace {

std::string scalar_text(const rapidjson::Value& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  return jsonrpc::to_json(v);
}

std::string readable(const RemoteService& service) {
  const rapidjson::Value& raw = service.specs().raw;
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"url", service.url()});
  if (raw.IsObject()) {
    for (const auto& m : raw.GetObject()) {
      const std::string key(m.name.GetString(), m.name.GetStringLength());
      if (key == "methods") continue;
      rows.push_back({key, scalar_text(m.value)});
    }
  }
  std::string text;
  std::size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row[0].size());
  for (const auto& row : rows) text += row[0] + std::string(width - row[0].size() + 2, ' ') + row[1] + "\n";

  const auto methods = raw.IsObject() ? raw.FindMember("methods") : raw.MemberEnd();
  if (raw.IsObject() && methods != raw.MemberEnd()) {
    text += "\n";
    std::vector<std::vector<std::string>> method_rows;
    if (methods->value.IsObject()) {
      for (const auto& m : methods->value.GetObject()) {
        method_rows.push_back({std::string(m.name.GetString(), m.name.GetStringLength()),
                               scalar_text(m.value)});
      }
    } else if (methods->value.IsArray()) {
      for (const auto& m : methods->value.GetArray()) method_rows.push_back({scalar_text(m), ""});
    }
    text += format_table({"METHOD", "DESCRIPTION"}, method_rows);
  }
  return text;
}

}  // namespace

Command add_specs_command(CLI::App& app) {
  struct Flags {
    std::string url;
    PrintFlags print;
    TransportFlags transport;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = app.add_subcommand("specs", "Show what a service says of itself (get_service_specs)");
  cmd->footer(
      "Examples:\n"
      "  gemstone specs http://127.0.0.1:8000/api\n"
      "  gemstone specs -o json http://127.0.0.1:9000/api | jq '.methods | keys'");
  cmd->add_option("URL", flags->url, "The service's JSON-RPC endpoint")->required()->type_name("");
  add_print_flags(*cmd, flags->print, "the get_service_specs result as it came");
  add_transport_flags(*cmd, flags->transport);

  return {cmd, [flags]() -> int {
            auto made = make_output(flags->print);
            if (!made.ok()) return made.error();
            const Output& out = made.value();
            auto options = command_options(flags->transport, out);
            if (!options.ok()) return options.error();
            const Deadline deadline = Deadline::in(options.value().timeout);
            auto service = identify_service(flags->url, options.value(), deadline, out);
            if (!service.ok()) return service.error();
            const ServiceSpecs& specs = service.value().specs();
            if (!specs.available) {
              jsonrpc::Error error = specs.error.value_or(jsonrpc::Error{});
              out.warn("the service has no get_service_specs");
              return out.fail(ClientError::from_rpc(service.value().url(), std::move(error)));
            }
            if (out.options().json) {
              out.json(specs.raw);
            } else {
              out.text(readable(service.value()));
            }
            return kExitOk;
          }};
}

}  // namespace gemstone::cli

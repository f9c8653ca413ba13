#include "cli/registration.hpp"

#include <CLI/CLI.hpp>

#include "cli/meta_flags.hpp"
#include "gemstone/url.hpp"

namespace gemstone::cli {

void add_instance_args(CLI::App& command, InstanceArgs& args, bool with_meta) {
  command.add_option("NAME", args.name, "Service name")->required()->type_name("");
  command.add_option("HOST", args.host, "Host name or IP address of the instance (or give --url)")
      ->type_name("");
  command.add_option("PORT", args.port, "Port of the instance (or give --url)")->type_name("");
  command.add_option("--url", args.url,
                     "The instance's URL instead of HOST and PORT, for https or another path than /api")
      ->type_name("URL");
  if (with_meta) {
    add_meta_flag(command, args.meta, "Metadata the instance carries, e.g. --meta zone=eu-1 (repeatable)");
  }
}

Result<Registration, std::string> instance_registration(const InstanceArgs& args) {
  auto meta = parse_meta_flags(args.meta);
  if (!meta.ok()) return std::move(meta).error();
  if (!args.url.empty()) {
    if (!args.host.empty()) return std::string("give HOST and PORT, or --url, not both");
    if (auto url = parse_url(args.url); !url.ok()) return "--url " + url.error();
    return Registration::by_url(args.name, args.url).with_meta(std::move(meta).value());
  }
  if (args.host.empty() || args.port.empty()) {
    return std::string("HOST and PORT are required (or --url URL)");
  }
  const auto port = parse_port(args.port);
  if (!port) return "PORT must be a port number 1..65535, not '" + args.port + "'";
  return Registration::at(args.name, args.host, *port).with_meta(std::move(meta).value());
}

std::string describe_instance(const Registration& r) {
  if (!r.url.empty()) return r.name + " (" + r.url + ")";
  return r.name + " (" + r.host + ":" + std::to_string(r.port) + ")";
}

void print_event_json(const RegistrarEvent& event, const Output& out) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& alloc = doc.GetAllocator();
  doc.AddMember("registry", rapidjson::Value(event.registry_url.c_str(), alloc), alloc);
  doc.AddMember("event", rapidjson::StringRef(to_string(event.kind)), alloc);
  if (event.instance) doc.AddMember("instance", instance_json(*event.instance, alloc), alloc);
  if (event.error) doc.AddMember("error", rapidjson::Value(event.error->describe().c_str(), alloc), alloc);
  if (event.kind == RegistrarEvent::Kind::kUnregistered) doc.AddMember("removed", event.removed, alloc);
  out.json_line(doc);
}

}  // namespace gemstone::cli

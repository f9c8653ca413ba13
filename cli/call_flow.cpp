#include "cli/call_flow.hpp"

#include <iostream>
#include <iterator>

#include <CLI/CLI.hpp>

#include "cli/session.hpp"
#include "cli/verbose.hpp"

namespace gemstone::cli {
namespace {

std::string read_all_stdin() {
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

void print_identification(const RemoteService& service, const Output& out,
                          std::chrono::duration<double> elapsed) {
  const ServiceSpecs& specs = service.specs();
  if (specs.available) {
    out.timing("Service identification", elapsed);
    out.note("Service name: " + specs.name);
  } else {
    std::string why = " (the service has no get_service_specs)";
    if (specs.error && specs.error->code != jsonrpc::kMethodNotFound) {
      why = " (get_service_specs failed: error " + std::to_string(specs.error->code) + ": " +
            specs.error->message + ")";
    }
    out.timing("Service identification", elapsed, why);
    out.note("Service name: (unknown)");
  }
  out.note("Service URL : " + service.url());
}

}  // namespace

void add_call_flags(CLI::App& command, CallFlags& flags) {
  command.add_option("METHOD", flags.method, "The method to call")->required()->type_name("");
  command.add_option("PARAMS", flags.params.pairs,
                     "key=value (a string) or key:=JSON (a typed value); key=@FILE and key:=@FILE "
                     "read the value from FILE")
      ->type_name("");
  command.add_option("-p,--positional", flags.params.positional,
                     "A positional parameter: a string, or :=JSON for a typed value (repeatable)")
      ->type_name("VALUE")
      ->allow_extra_args(false)  // one value per occurrence, so it never swallows positionals
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  command.add_option("--params-json", flags.params.json,
                     "All parameters as one JSON object or array ('-' reads stdin, @FILE a file)")
      ->type_name("JSON");
  command.add_flag("--notify", flags.notify,
                   "Send as a notification: no answer, exit 0 when the server accepts it");
  add_print_flags(command, flags.print, "the result is JSON either way");
  command.add_flag("-r,--raw", flags.raw, "Print a string result without quotes");
  add_verbose_flag(command, flags.verbose);
  add_transport_flags(command, flags.transport);
}

Result<PreparedCall, int> prepare_call(const CallFlags& flags, const Output& out) {
  auto params = build_params(flags.params, read_all_stdin);
  if (!params.ok()) return out.usage(params.error());
  auto options = command_options(flags.transport, out);
  if (!options.ok()) return options.error();
  if (flags.verbose) options.value().on_exchange = verbose_observer(out);
  const Deadline deadline = Deadline::in(options.value().timeout);
  return PreparedCall{std::move(params).value(), std::move(options).value(), deadline};
}

int finish_call(RemoteService& service, const CallFlags& flags, const CallParams& params,
                const Output& out, const Deadline& deadline,
                std::chrono::duration<double> identification) {
  print_identification(service, out, identification);

  const auto started = Deadline::Clock::now();
  if (flags.notify) {
    auto sent = service.notify(flags.method, params, deadline);
    out.timing("Method call", Deadline::Clock::now() - started, " (notification)");
    if (!sent.ok()) return out.fail(sent.error());
    return kExitOk;
  }
  auto result = service.call(flags.method, params, deadline);
  out.timing("Method call", Deadline::Clock::now() - started);
  if (!result.ok()) return out.fail(result.error());
  out.note("Result:");
  out.result(result.value());
  return kExitOk;
}

}  // namespace gemstone::cli

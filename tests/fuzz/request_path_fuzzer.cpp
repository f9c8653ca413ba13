// libFuzzer target over the registry's whole request path, twice per input:
// - the input as a request body: JSON decode -> dispatch -> methods ->
//   store -> encode;
// - the input as the bytes of a connection: HTTP framing (pipelined and
//   malformed heads included) -> each complete request's body through the
//   same path.
// The framing alone is fuzzed differentially by http_request_parser_fuzzer.
//
// Invariants checked beyond "no crash, no sanitizer report": every answer
// is valid JSON (an object or a batch array), and an empty answer only
// comes for notifications.
//
// A watch hub is attached, so every change goes through its ring and
// filters; calls go through handle(), which never parks, so a
// watch_services call answers at once and no input can hang the fuzzer.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "gemstone/jsonrpc/dispatcher.hpp"
#include "gemstone/jsonrpc/json.hpp"
#include "registry/store/memory_store.hpp"
#include "registry/api/registry_methods.hpp"
#include "registry/api/watch_hub.hpp"
#include "registry/daemon/config.hpp"
#include "registry/daemon/options_from_config.hpp"
#include "registry/http/request_parser.hpp"

namespace {

struct Registry {
  gemstone::registry::MemoryStore store{1000};
  gemstone::registry::WatchHub hub{store, 100};
  gemstone::jsonrpc::Dispatcher dispatcher;
  gemstone::registry::Clock::time_point now = gemstone::registry::Clock::now();

  Registry() {
    gemstone::registry::Config config;
    config.ttl = 0.5;
    auto options = gemstone::registry::methods_options_from(config, 8000);
    options.now = [this] { return now; };
    hub.attach();
    gemstone::registry::add_registry_methods(dispatcher, store, options, {}, &hub);
  }
};

Registry& registry() {
  static Registry r;
  return r;
}

[[noreturn]] void fail(const char* why, std::string_view input, const std::string& output) {
  std::fprintf(stderr, "invariant broken: %s\ninput: %.*s\noutput: %s\n", why,
               static_cast<int>(input.size()), input.data(), output.c_str());
  std::abort();
}

void dispatch(Registry& r, std::string_view body, std::string_view input) {
  const std::string output = r.dispatcher.handle(body);
  if (!output.empty()) {
    auto parsed = gemstone::jsonrpc::parse_json(output);
    if (!parsed.ok()) fail("the response is not valid JSON", input, output);
    if (!parsed.value().IsObject() && !parsed.value().IsArray()) {
      fail("the response is neither an object nor an array", input, output);
    }
  }
}

// Every complete request in `input`, in order, until the bytes run out or
// the parser refuses one (after which a connection reads nothing more).
void dispatch_framed(Registry& r, std::string_view input) {
  namespace http = gemstone::registry::http;
  http::ParseLimits limits;
  limits.max_head_bytes = 4096;
  limits.max_body_bytes = 64 * 1024;
  http::RequestParser parser(limits);
  std::string_view rest = input;
  for (int requests = 0; requests < 64 && !rest.empty(); ++requests) {
    if (parser.parse(rest) != http::RequestParser::Status::kComplete) return;
    if (parser.consumed() == 0 || parser.consumed() > rest.size()) fail("bad framing", input, "");
    dispatch(r, parser.body(), input);
    rest.remove_prefix(parser.consumed());
    parser.reset();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Registry& r = registry();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  dispatch(r, input, input);
  dispatch_framed(r, input);
  // Let time pass so that expiry and the sweeper's path are exercised too.
  r.now += std::chrono::milliseconds(100);
  r.store.expire(r.now, 100);
  return 0;
}

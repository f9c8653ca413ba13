// Uses the installed headers and library: the server-side dispatcher and
// the client codec in process, RemoteService and Registrar over the network.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include <gemstone/client.hpp>
#include <gemstone/jsonrpc/client_codec.hpp>
#include <gemstone/jsonrpc/dispatcher.hpp>

namespace {

// A loopback port nothing listens on: bound (so no one else gets it from
// the kernel meanwhile) but never listened on, so connecting is refused.
struct ClosedPort {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int port = 0;
  ClosedPort() {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port = ntohs(addr.sin_port);
    }
  }
  ~ClosedPort() { close(fd); }
};

}  // namespace

int main() {
  namespace rpc = gemstone::jsonrpc;

  rpc::Dispatcher dispatcher;
  dispatcher.add({"add", {"a", "b"}, 2, "Adds two integers.",
                  [](const rpc::Params& p, rpc::Allocator&) -> rpc::MethodResult {
                    return rapidjson::Value(p[0]->GetInt() + p[1]->GetInt());
                  }});
  const auto params = gemstone::CallParams::named().add("a", 1).add("b", 2);
  const std::string answer = dispatcher.handle(rpc::encode_request({"add", params.value(), 1}));
  auto reply = rpc::decode_response(answer, 1);
  if (!reply.ok() || !reply.value().ok() || reply.value().result.GetInt() != 3) {
    std::fprintf(stderr, "in-process call failed: %s\n", answer.c_str());
    return 1;
  }

  // Nothing listens there: a transport error, as a value.
  const ClosedPort closed;
  if (closed.port == 0) return 1;
  auto service = gemstone::RemoteService::open("http://127.0.0.1:" + std::to_string(closed.port) + "/api");
  if (!service.ok()) return 1;
  auto result = service.value().call("add", params, gemstone::Deadline::in(std::chrono::seconds(5)));
  if (result.ok() || !result.error().is_transport()) {
    std::fprintf(stderr, "expected a transport error\n");
    return 1;
  }
  // The Registrar and one-shot pings from the installed headers: nothing
  // listens, so every registry's ping fails, as a value.
  const std::string closed_url = "http://127.0.0.1:" + std::to_string(closed.port) + "/api";
  const auto me = gemstone::Registration::at("consumer.svc", "127.0.0.1", 9);
  auto pings = gemstone::ping_every_registry({closed_url}, me, gemstone::ClientOptions{});
  if (pings.size() != 1 || pings[0].kind != gemstone::RegistrarEvent::Kind::kFailed) {
    std::fprintf(stderr, "expected one failed ping\n");
    return 1;
  }
  auto registrar = gemstone::Registrar::start({closed_url}, me);
  if (!registrar.ok() || !registrar.value().stop().empty()) {
    std::fprintf(stderr, "expected a registrar that never registered\n");
    return 1;
  }
  std::printf("gemstone %s client works (%s)\n", gemstone::kVersion, result.error().describe().c_str());
  return 0;
}

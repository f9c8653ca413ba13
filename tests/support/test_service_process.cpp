#include "test_service_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <stdexcept>

namespace gemstone::testing {

std::string gemstone_binary() { return GEMSTONE_CLI_BIN; }
std::string test_service_binary() { return GEMSTONE_TEST_SERVICE_BIN; }

TestServiceProcess::TestServiceProcess(std::vector<std::string> args) {
  process_ = Process::start(test_service_binary(), args);
  static const std::regex listening(R"(listening on (https?)://127\.0\.0\.1:(\d+)/api)");
  std::smatch m;
  const bool ready = process_->wait_for_stderr(
      [&](const std::string& err) { return std::regex_search(err, m, listening); },
      std::chrono::seconds(10));
  if (!ready) throw std::runtime_error("test service did not start; stderr: " + process_->err());
  const std::string err = process_->err();
  std::regex_search(err, m, listening);
  port_ = std::stoi(m[2].str());
  url_ = m[1].str() + "://127.0.0.1:" + m[2].str() + "/api";
}

RunResult run_gemstone(const std::vector<std::string>& args, ProcessOptions options,
                       std::chrono::milliseconds timeout) {
  options.env.emplace("GEMSTONE_REGISTRY", std::nullopt);
  options.env.emplace("GEMSTONE_TOKEN", std::nullopt);  // a developer's own token must not leak in
  return run(gemstone_binary(), args, options, timeout);
}

std::string closed_port_url() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("cannot find a free port");
  }
  const int port = ntohs(addr.sin_port);
  close(fd);
  return "http://127.0.0.1:" + std::to_string(port) + "/api";
}

}  // namespace gemstone::testing

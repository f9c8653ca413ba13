#include "registry_process.hpp"

#include <signal.h>

#include <regex>
#include <stdexcept>

#include <gtest/gtest.h>

namespace gemstone::testing {

std::string registry_binary() { return GEMSTONE_REGISTRY_BIN; }

RegistryProcess::RegistryProcess(std::vector<std::string> args, ProcessOptions options) {
  std::vector<std::string> full = {"--host", "127.0.0.1", "--port", "0"};
  full.insert(full.end(), args.begin(), args.end());
  // A config file on the test machine must not change what we test.
  options.env.emplace("GEMSTONE_REGISTRY_CONFIG", "/dev/null");
  process_ = Process::start(registry_binary(), full, options);
  static const std::regex listening(R"(listening on https?://127\.0\.0\.1:(\d+)/api)");
  std::smatch m;
  const bool ready = process_->wait_for_stderr(
      [&](const std::string& err) { return std::regex_search(err, m, listening); },
      std::chrono::seconds(10));
  if (!ready) {
    throw std::runtime_error("gemstone-registry did not start; stderr: " + process_->err());
  }
  const std::string err = process_->err();
  std::regex_search(err, m, listening);
  port_ = std::stoi(m[1].str());
}

std::string RegistryProcess::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
std::string RegistryProcess::api_url() const { return base_url() + "/api"; }

httplib::Result RegistryProcess::post(const std::string& body, const std::string& content_type) {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  client.set_tcp_nodelay(true);
  return client.Post("/api", body, content_type.c_str());
}

httplib::Result RegistryProcess::get(const std::string& path) {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  client.set_tcp_nodelay(true);
  return client.Get(path.c_str());
}

rapidjson::Document RegistryProcess::call(const std::string& method, const std::string& params_json,
                                          int id) {
  auto res = post(request_body(method, params_json, id));
  if (!res) {
    ADD_FAILURE() << "POST " << method << " failed: " << httplib::to_string(res.error());
    return rapidjson::Document();
  }
  return parse(res->body);
}

int RegistryProcess::stop(std::chrono::milliseconds timeout) {
  process_->send_signal(SIGTERM);
  auto status = process_->wait(timeout);
  return status ? *status : -1;
}

std::size_t located_count(RegistryProcess& registry, const std::string& pattern) {
  auto doc = registry.call("locate_service", "{\"name\":\"" + pattern + "\"}");
  return doc.HasMember("result") && doc["result"].IsArray() ? doc["result"].Size() : 0;
}

void register_local(RegistryProcess& registry, const std::string& name, int port) {
  registry.call("ping", "{\"name\":\"" + name + "\",\"host\":\"127.0.0.1\",\"port\":" +
                            std::to_string(port) + "}");
}

}  // namespace gemstone::testing

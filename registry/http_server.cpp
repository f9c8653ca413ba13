#include "http_server.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <string_view>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "elastic_task_queue.hpp"

namespace gemstone::registry {
namespace {

constexpr const char* kJson = "application/json";

// JSON-RPC over HTTP has used three media types; accept them all, with
// parameters such as "; charset=utf-8".
bool is_json_content_type(std::string_view value) {
  const std::size_t semi = value.find(';');
  std::string_view type = value.substr(0, semi);
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back()))) type.remove_suffix(1);
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.front()))) type.remove_prefix(1);
  std::string lower(type);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "application/json" || lower == "application/json-rpc" ||
         lower == "application/jsonrequest";
}

}  // namespace

HttpServer::HttpServer(HttpServerOptions options, const jsonrpc::Dispatcher& dispatcher,
                       Metrics& metrics, std::function<std::string()> health_body,
                       std::function<Metrics::Gauges()> gauges)
    : options_(std::move(options)),
      dispatcher_(dispatcher),
      metrics_(metrics),
      health_body_(std::move(health_body)),
      gauges_(std::move(gauges)),
      server_(std::make_unique<httplib::Server>()) {
  install_routes();
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::install_routes() {
  httplib::Server& s = *server_;
  const std::size_t min_threads = options_.min_threads;
  const std::size_t max_threads = options_.max_threads;
  s.new_task_queue = [min_threads, max_threads] {
    return new ElasticTaskQueue(min_threads, max_threads);
  };
  // Without TCP_NODELAY every response waits for Nagle + delayed ACK (~40 ms);
  // the library's keep-alive cap of 5 requests would force reconnects.
  s.set_tcp_nodelay(true);
  // The library's default also sets SO_REUSEPORT, which lets a second daemon
  // bind the same port and silently share the traffic; refuse instead.
  s.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.set_keep_alive_max_count(1000000);
  s.set_keep_alive_timeout(options_.keep_alive_timeout.count());
  s.set_read_timeout(options_.read_timeout.count(), 0);
  s.set_payload_max_length(options_.max_body_bytes);

  s.Post("/api", [this](const httplib::Request& req, httplib::Response& res) {
    const auto started = std::chrono::steady_clock::now();
    if (!is_json_content_type(req.get_header_value("Content-Type"))) {
      metrics_.record_rejection(Rejection::kContentType);
      res.status = 415;
      res.set_content(dispatcher_.error_response(jsonrpc::Error::invalid_request(
                          "Content-Type must be application/json")),
                      kJson);
      return;
    }
    std::string body = dispatcher_.handle(req.body);
    if (body.empty()) {
      res.status = 204;  // only notifications: nothing to answer
    } else {
      res.set_content(std::move(body), kJson);
    }
    metrics_.record_latency(std::chrono::steady_clock::now() - started);
  });

  auto wrong_verb = [this](const httplib::Request& req, httplib::Response& res) {
    metrics_.record_rejection(Rejection::kHttpMethod);
    res.status = 405;
    res.set_header("Allow", "POST");
    res.set_content(dispatcher_.error_response(jsonrpc::Error::invalid_request(
                        req.method + " is not allowed, use POST")),
                    kJson);
  };
  s.Get("/api", wrong_verb);
  s.Put("/api", wrong_verb);
  s.Delete("/api", wrong_verb);
  s.Patch("/api", wrong_verb);
  s.Options("/api", wrong_verb);

  s.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(health_body_(), kJson);
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.render(gauges_()), "text/plain; version=0.0.4; charset=utf-8");
  });

  if (options_.access_log) {
    s.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      spdlog::info("access {}:{} \"{} {}\" {} {}B in, {}B out", req.remote_addr,
                   req.remote_port, req.method, req.path, res.status, req.body.size(),
                   res.body.size());
    });
  }

  s.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 413) {
      metrics_.record_rejection(Rejection::kBodyTooLarge);
      res.set_content(dispatcher_.error_response(jsonrpc::Error::invalid_request(
                          "body larger than " + std::to_string(options_.max_body_bytes) +
                          " bytes")),
                      kJson);
    } else if (res.body.empty() && req.path == "/api") {
      res.set_content(dispatcher_.error_response(
                          jsonrpc::Error::invalid_request("HTTP " + std::to_string(res.status))),
                      kJson);
    }
  });
}

std::optional<std::string> HttpServer::bind() {
  errno = 0;
  if (options_.port == 0) {
    bound_port_ = server_->bind_to_any_port(options_.host);
  } else {
    bound_port_ = server_->bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (bound_port_ <= 0) {
    const int err = errno;
    std::string reason = "cannot listen on " + options_.host + ":" + std::to_string(options_.port);
    if (err != 0) reason += ": " + std::string(std::strerror(err));
    return reason;
  }
  return std::nullopt;
}

void HttpServer::serve() { server_->listen_after_bind(); }

void HttpServer::stop() {
  if (server_) server_->stop();
}

}  // namespace gemstone::registry

#include "registry/http/routes.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

#include "gemstone/ascii.hpp"
#include "registry/http/ui_route.hpp"

namespace gemstone::registry::http {
namespace {

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kMetricsType = "text/plain; version=0.0.4; charset=utf-8";

// JSON-RPC over HTTP has used three media types; accept them all, with
// parameters such as "; charset=utf-8".
bool is_json_content_type(std::string_view value) {
  const std::string_view type = ascii::trim(value.substr(0, value.find(';')));
  return ascii::equals_ignoring_case(type, "application/json") ||
         ascii::equals_ignoring_case(type, "application/json-rpc") ||
         ascii::equals_ignoring_case(type, "application/jsonrequest");
}

// A batch, however many calls it holds: its first byte that is not
// whitespace is '['.
bool is_batch(std::string_view body) {
  for (const char c : body) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return c == '[';
  }
  return false;
}

// The calls of one request: the method that labels its latency and, while
// access logging is on, the note the access log shows ("ping",
// "ping,locate_service(-32001)"). Only the dispatcher's own method names go
// in: what a client sends is never written to the log or made a label.
class CallsSeen final : public jsonrpc::CallSink {
 public:
  explicit CallsSeen(bool describe) : describe_(describe) {}

  void called(const jsonrpc::CallRecord& call) override { see(call); }
  void parked(const jsonrpc::CallRecord& call) override { see(call); }

  std::size_t first_method() const { return first_; }
  std::string take_note() {
    if (count_ > kListed) text_ += ",... (" + std::to_string(count_) + " calls)";
    return std::move(text_);
  }

 private:
  static constexpr std::size_t kListed = 10;

  void see(const jsonrpc::CallRecord& call) {
    if (count_++ == 0) first_ = call.index;
    if (!describe_ || count_ > kListed) return;
    if (!text_.empty()) text_ += ',';
    text_ += call.method.empty() ? std::string_view("?") : call.method;
    if (call.code != 0) text_ += "(" + std::to_string(call.code) + ")";
  }

  const bool describe_;
  std::size_t count_ = 0;
  std::size_t first_ = jsonrpc::kNoMethod;
  std::string text_;
};

}  // namespace

Routes::Routes(RoutesOptions options, const jsonrpc::Dispatcher& dispatcher, Metrics& metrics,
               std::function<Health()> health, std::function<Metrics::Gauges()> gauges)
    : options_(std::move(options)),
      access_(options_.access),
      access_log_(options_.access_log),
      dispatcher_(dispatcher),
      metrics_(metrics),
      health_(std::move(health)),
      gauges_(std::move(gauges)) {}

void Routes::add(std::string path, RouteHandler handler) {
  extra_.emplace_back(std::move(path), std::move(handler));
}

Response Routes::error(int status, std::string message) const {
  Response response;
  response.status = status;
  response.content_type = kJson;
  response.body = dispatcher_.error_response(jsonrpc::Error::invalid_request(std::move(message)));
  return response;
}

void Routes::handle(const Request& request, Response& response) const {
  const std::string_view path = request.head.path();
  const std::string_view method = request.head.method;
  if (path == "/api") {
    if (method == "POST") return api(request, response);
    metrics_.record_rejection(Rejection::kHttpMethod);
    response = error(405, std::string(method) + " is not allowed, use POST");
    response.allow = "POST";
    return;
  }
  const bool ui = options_.ui && is_ui_path(path);
  if (path == "/health" || path == "/metrics" || ui) {
    if (method != "GET" && method != "HEAD") {
      response = error(405, std::string(method) + " is not allowed, use GET");
      response.allow = "GET, HEAD";
      return;
    }
    if (path == "/health") {
      response.content_type = kJson;
      Health health = health_();
      response.status = health.status;
      response.body = std::move(health.body);
    } else if (path == "/metrics") {
      response.content_type = kMetricsType;
      response.body = metrics_.render(gauges_());
    } else {
      answer_ui(request.head, response);
    }
    return;
  }
  for (const auto& [route, handler] : extra_) {
    if (route == path) return handler(request, response);
  }
  response.status = 404;
}

void Routes::api(const Request& request, Response& response) const {
  const auto started = std::chrono::steady_clock::now();
  const RequestHead& head = request.head;
  if (!is_json_content_type(head.header("Content-Type").value_or(""))) {
    metrics_.record_rejection(Rejection::kContentType);
    response = error(415, "Content-Type must be application/json");
    return;
  }
  // Methods are refused per call (a batch may mix reads and writes), so the
  // decision is the dispatcher's guard, fed with this request's token.
  const auto token = presented_token(head.header("Authorization").value_or(""),
                                     head.header("X-Api-Token").value_or(""));
  // A request the dispatcher hands to its worker pool (a write to etcd) is
  // checked there, after this request's buffers are gone, and maybe after a
  // reload: its guard keeps the token and the tokens in force now.
  const jsonrpc::Guard guard =
      dispatcher_.offloads()
          ? make_lasting_guard(access_.share(),
                               token ? std::optional<std::string>(*token) : std::nullopt)
          : make_guard(access_.get(), token);
  // A call that waits (watch_services) parks the request: its body comes
  // later from another thread. Every other call is answered right here.
  jsonrpc::Dispatcher::Parker park;
  if (request.deferral != nullptr) park = [&request] {
    const Completion completion = request.defer();
    return jsonrpc::Dispatcher::Parked{
        [completion](std::string body) {
          Response later;
          if (body.empty()) {
            later.status = 204;  // only notifications: nothing to answer
          } else {
            later.content_type = kJson;
          }
          later.body = std::move(body);
          completion.complete(std::move(later));
        },
        [completion] { return completion.abandoned(); }};
  };
  const bool describe = access_log();
  CallsSeen calls(describe);
  auto answered = dispatcher_.handle_async(request.body, guard, park, &calls);
  if (describe) response.log_note = calls.take_note();  // a parked call's too
  if (!answered) return;  // parked: its wait is not request latency
  response.body = std::move(*answered);
  if (response.body.empty()) {
    response.status = 204;  // only notifications: nothing to answer
  } else {
    response.content_type = kJson;
  }
  metrics_.record_latency(std::chrono::steady_clock::now() - started, calls.first_method(),
                          is_batch(request.body));
}

std::optional<Response> Routes::check_head(const RequestHead& head) const {
  std::size_t bytes = 0;
  for (const Header& h : head.headers) bytes += h.name.size() + h.value.size() + 4;
  if (bytes <= options_.max_header_bytes) return std::nullopt;
  metrics_.record_rejection(Rejection::kHeaderTooLarge);
  Response response =
      error(431, "headers larger than " + std::to_string(options_.max_header_bytes) + " bytes");
  response.close = true;
  return response;
}

Response Routes::refuse(const ParseError& parse_error) const {
  std::string message;
  if (parse_error.status == 413) {
    metrics_.record_rejection(Rejection::kBodyTooLarge);
    message = "body larger than " + std::to_string(options_.max_body_bytes) + " bytes";
  } else if (parse_error.status == 431) {
    metrics_.record_rejection(Rejection::kHeaderTooLarge);
    message = "headers larger than " + std::to_string(options_.max_header_bytes) + " bytes";
  } else if (!parse_error.reason.empty()) {
    message = parse_error.reason;
  } else {
    message = "HTTP " + std::to_string(parse_error.status);
  }
  Response response = error(parse_error.status, std::move(message));
  response.close = true;
  return response;
}

Response Routes::timed_out(double seconds) const {
  char text[64];
  std::snprintf(text, sizeof text, "request not received within %g s", seconds);
  Response response = error(408, text);
  response.close = true;
  return response;
}

void Routes::log_access(std::string_view peer, std::string_view method, std::string_view path,
                        const Response& response, std::size_t body_in,
                        std::chrono::nanoseconds elapsed) const {
  spdlog::info("access {} \"{} {}\" {} {}B in, {}B out, {:.3f} ms{}{}", peer, method, path,
               response.status, body_in, response.body.size(),
               std::chrono::duration<double, std::milli>(elapsed).count(),
               response.log_note.empty() ? "" : ", rpc ", response.log_note);
}

}  // namespace gemstone::registry::http

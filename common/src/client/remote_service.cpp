#include "gemstone/remote_service.hpp"

#include <atomic>
#include <utility>

#include "gemstone/http_client.hpp"
#include "gemstone/jsonrpc/client_codec.hpp"

namespace gemstone {
namespace {

// A short, printable beginning of a body, for error messages.
std::string excerpt(std::string_view body) {
  constexpr std::size_t kMax = 60;
  std::string out;
  for (const char c : body.substr(0, kMax)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  if (body.size() > kMax) out += "...";
  return out;
}

// Why an HTTP answer is not a successful JSON-RPC exchange, or nothing.
std::optional<ClientError> check_status(const std::string& url, const HttpResponse& http) {
  if (http.status >= 200 && http.status < 300) return std::nullopt;
  std::string why = "HTTP " + std::to_string(http.status);
  // Servers often explain a refusal with a JSON-RPC error body.
  auto reply = jsonrpc::decode_response(http.body, 0);
  if (reply.ok() && reply.value().error) {
    why += " (" + reply.value().error->message + ")";
  } else if (!http.body.empty()) {
    why += " (" + excerpt(http.body) + ")";
  }
  return ClientError::http_status_error(url, http.status, why);
}

ClientError malformed(const std::string& url, const HttpResponse& http, const std::string& reason) {
  std::string why = "not a JSON-RPC answer: " + reason;
  if (!http.body.empty() && reason.rfind("not JSON", 0) == 0) {
    why += "; the body";
    if (!http.content_type.empty()) why += " (" + http.content_type + ")";
    why += " begins \"" + excerpt(http.body) + "\"";
  }
  return ClientError::malformed(url, why);
}

CallResult to_call_result(const std::string& url, jsonrpc::Reply&& reply) {
  if (reply.error) return ClientError::from_rpc(url, std::move(*reply.error));
  return std::move(reply.result);
}

}  // namespace

struct RemoteService::State {
  explicit State(HttpClient client) : http(std::move(client)) {}

  Deadline deadline_or_default(const std::optional<Deadline>& deadline) const {
    return deadline ? *deadline : Deadline::in(http.options().timeout);
  }

  Result<HttpResponse, ClientError> post(const std::string& body, const Deadline& deadline) {
    auto http_answer = http.post(body, deadline);
    if (!http_answer.ok()) return std::move(http_answer).error();
    if (auto refused = check_status(http.url().text, http_answer.value())) return std::move(*refused);
    return std::move(http_answer).value();
  }

  CallResult call(std::string_view method, const rapidjson::Value* params, const Deadline& deadline) {
    const jsonrpc::RequestId id = next_id++;
    auto answer = post(jsonrpc::encode_request({method, params, id}), deadline);
    if (!answer.ok()) return std::move(answer).error();
    auto reply = jsonrpc::decode_response(answer.value().body, id);
    if (!reply.ok()) return malformed(http.url().text, answer.value(), reply.error().reason);
    return to_call_result(http.url().text, std::move(reply).value());
  }

  HttpClient http;
  ServiceSpecs specs;
  std::atomic<jsonrpc::RequestId> next_id{1};
};

RemoteService::RemoteService(std::shared_ptr<State> state) : state_(std::move(state)) {}

Result<RemoteService, ClientError> RemoteService::open(std::string_view url, ClientOptions options) {
  auto client = HttpClient::open(url, std::move(options));
  if (!client.ok()) return std::move(client).error();
  return RemoteService(std::make_shared<State>(std::move(client).value()));
}

Result<RemoteService, ClientError> RemoteService::connect(std::string_view url, ClientOptions options,
                                                          std::optional<Deadline> deadline) {
  auto service = open(url, std::move(options));
  if (!service.ok()) return service;
  auto identified = service.value().identify(deadline);
  if (!identified.ok()) return std::move(identified).error();
  return service;
}

Result<bool, ClientError> RemoteService::identify(std::optional<Deadline> deadline) {
  State& s = *state_;
  CallResult answer = s.call("get_service_specs", nullptr, s.deadline_or_default(deadline));
  ServiceSpecs specs;
  if (!answer.ok()) {
    if (answer.error().kind != ErrorKind::kRpc) return std::move(answer).error();
    specs.error = std::move(answer.error().rpc);
    s.specs = std::move(specs);
    return false;
  }
  specs.available = true;
  specs.raw = std::move(answer).value();
  if (specs.raw.IsObject()) {
    const auto name = specs.raw.FindMember("name");
    if (name != specs.raw.MemberEnd() && name->value.IsString()) {
      specs.name.assign(name->value.GetString(), name->value.GetStringLength());
    }
    const auto methods = specs.raw.FindMember("methods");
    if (methods != specs.raw.MemberEnd() && methods->value.IsObject()) {
      for (const auto& m : methods->value.GetObject()) {
        specs.methods.emplace_back(m.name.GetString(), m.name.GetStringLength());
      }
    } else if (methods != specs.raw.MemberEnd() && methods->value.IsArray()) {
      for (const auto& m : methods->value.GetArray()) {
        if (m.IsString()) specs.methods.emplace_back(m.GetString(), m.GetStringLength());
      }
    }
  }
  s.specs = std::move(specs);
  return true;
}

CallResult RemoteService::call(std::string_view method, const CallParams& params,
                               std::optional<Deadline> deadline) {
  return state_->call(method, params.value(), state_->deadline_or_default(deadline));
}

Result<std::monostate, ClientError> RemoteService::notify(std::string_view method,
                                                          const CallParams& params,
                                                          std::optional<Deadline> deadline) {
  State& s = *state_;
  auto answer = s.post(jsonrpc::encode_request({method, params.value(), std::nullopt}),
                       s.deadline_or_default(deadline));
  if (!answer.ok()) return std::move(answer).error();
  return std::monostate{};
}

std::future<CallResult> RemoteService::call_async(std::string method, CallParams params,
                                                  std::optional<Deadline> deadline) {
  // The deadline starts now, not when the thread gets to run.
  const Deadline until = state_->deadline_or_default(deadline);
  return std::async(std::launch::async,
                    [state = state_, method = std::move(method), params = std::move(params), until] {
                      return state->call(method, params.value(), until);
                    });
}

Result<std::vector<CallResult>, ClientError> RemoteService::batch(const std::vector<BatchCall>& calls,
                                                                  std::optional<Deadline> deadline) {
  State& s = *state_;
  std::vector<jsonrpc::OutgoingCall> outgoing;
  std::vector<jsonrpc::RequestId> ids;
  outgoing.reserve(calls.size());
  for (const BatchCall& call : calls) {
    std::optional<jsonrpc::RequestId> id;
    if (!call.notification) {
      id = s.next_id++;
      ids.push_back(*id);
    }
    outgoing.push_back({call.method, call.params.value(), id});
  }
  auto answer = s.post(jsonrpc::encode_batch(outgoing), s.deadline_or_default(deadline));
  if (!answer.ok()) return std::move(answer).error();

  std::vector<CallResult> out;
  out.reserve(calls.size());
  if (ids.empty()) {
    for (std::size_t i = 0; i < calls.size(); ++i) out.emplace_back(rapidjson::Document());
    return out;
  }
  auto replies = jsonrpc::decode_batch(answer.value().body, ids);
  if (!replies.ok()) return malformed(s.http.url().text, answer.value(), replies.error().reason);
  std::size_t next = 0;
  for (const BatchCall& call : calls) {
    if (call.notification) {
      out.emplace_back(rapidjson::Document());
    } else {
      out.push_back(to_call_result(s.http.url().text, std::move(replies.value()[next++])));
    }
  }
  return out;
}

const std::string& RemoteService::url() const { return state_->http.url().text; }
const ServiceSpecs& RemoteService::specs() const { return state_->specs; }
const ClientOptions& RemoteService::options() const { return state_->http.options(); }
std::size_t RemoteService::connections_opened() const { return state_->http.connections_opened(); }

bool RemoteService::has_method(std::string_view method) const {
  for (const std::string& m : state_->specs.methods) {
    if (m == method) return true;
  }
  return false;
}

}  // namespace gemstone

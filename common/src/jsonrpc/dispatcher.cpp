#include "gemstone/jsonrpc/dispatcher.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <stdexcept>
#include <utility>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace gemstone::jsonrpc {

namespace {

// A response's "error" member, and the "result": null the gemstone style
// writes before it.
template <class JsonWriter>
void write_error_members(JsonWriter& json, ResponseStyle style, const Error& error) {
  if (style == ResponseStyle::kGemstone) {
    json.Key("result");
    json.Null();
  }
  json.Key("error");
  json.StartObject();
  json.Key("code");
  json.Int(error.code);
  json.Key("message");
  json.String(error.message.data(), static_cast<rapidjson::SizeType>(error.message.size()));
  if (!error.data.empty()) {
    json.Key("data");
    json.RawValue(error.data.data(), error.data.size(), rapidjson::kObjectType);
  }
  json.EndObject();
}

}  // namespace

// Writes response objects into one buffer, a batch as an array. Tracks how
// many responses were written so an all-notification batch yields nothing,
// and keeps the body within max_response_bytes: a result that would pass it
// is taken back and replaced by a kResponseTooLarge error.
class Dispatcher::Writer {
 public:
  Writer(ResponseStyle style, std::size_t max_bytes)
      : style_(style), max_bytes_(max_bytes), json_(buffer_) {}

  void start_batch() {
    batch_ = true;
    json_.StartArray();
  }
  void end_batch() { json_.EndArray(); }

  // `result` is a value or, when that is null, JSON text.
  void result(const rapidjson::Value* value, const JsonText* text, const rapidjson::Value* id,
              std::string_view id_text) {
    const std::size_t before = buffer_.GetSize();
    if (!over_) {
      start();
      json_.Key("result");
      if (value != nullptr) {
        value->Accept(json_);
      } else {
        json_.RawValue(text->text.data(), text->text.size(), rapidjson::kObjectType);
      }
      if (style_ == ResponseStyle::kGemstone) {
        json_.Key("error");
        json_.Null();
      }
      finish(id, id_text);
      if (max_bytes_ == 0 || buffer_.GetSize() <= max_bytes_) return;
      over_ = true;
      take_back(before);
    }
    error(Error{kResponseTooLarge, "Response too large",
                "{\"limit\":" + std::to_string(max_bytes_) + "}"},
          id, id_text);
  }

  void error(const Error& error, const rapidjson::Value* id, std::string_view id_text = {}) {
    start();
    write_error_members(json_, style_, error);
    finish(id, id_text);
  }

  std::size_t count() const { return count_; }
  std::string take() const { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  void start() {
    ++count_;
    json_.StartObject();
    json_.Key("jsonrpc");
    json_.String("2.0", 3);
  }
  void finish(const rapidjson::Value* id, std::string_view id_text) {
    json_.Key("id");
    if (id == nullptr) {
      json_.Null();
    } else if (!id_text.empty()) {
      json_.RawValue(id_text.data(), id_text.size(), rapidjson::kNumberType);
    } else {
      id->Accept(json_);
    }
    json_.EndObject();
  }

  // Drops what was written since `size`. Inside a batch the writer still
  // counts the dropped element, which only means the next one gets the
  // comma the dropped one had; a single response starts over.
  void take_back(std::size_t size) {
    --count_;
    buffer_.Pop(buffer_.GetSize() - size);
    if (!batch_) json_.Reset(buffer_);
  }

  ResponseStyle style_;
  std::size_t max_bytes_;
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> json_;
  std::size_t count_ = 0;
  bool batch_ = false;
  bool over_ = false;
};

Dispatcher::Dispatcher(DispatcherOptions options) : options_(options) {}

void Dispatcher::add(Method method) {
  // Params holds kMaxParams slots; more would be written out of bounds.
  if (method.params.size() > kMaxParams) {
    throw std::invalid_argument("method " + method.name + " declares more than " +
                                std::to_string(kMaxParams) + " parameters");
  }
  auto blocking = std::find(blocking_.begin(), blocking_.end(), method.name);
  if (method.blocking && blocking == blocking_.end()) blocking_.push_back(method.name);
  if (!method.blocking && blocking != blocking_.end()) blocking_.erase(blocking);
  auto found = index_.find(method.name);
  if (found != index_.end()) {
    methods_[found->second] = std::move(method);
    return;
  }
  index_.emplace(method.name, methods_.size());
  methods_.push_back(std::move(method));
}

void Dispatcher::set_observer(std::function<void(const CallRecord&)> observer) {
  observer_ = std::move(observer);
}

void Dispatcher::observe(CallSink* sink, const CallRecord& call) const {
  if (observer_) observer_(call);
  if (sink != nullptr) sink->called(call);
}

struct Responder::State {
  std::string id;  // as JSON text
  ResponseStyle style = ResponseStyle::kGemstone;
  std::size_t max_bytes = 0;
  std::string method;
  std::size_t index = kNoMethod;
  std::function<void(const CallRecord&)> observer;
  std::function<void(std::string)> deliver;
  std::function<bool()> abandoned;
  std::atomic<bool> done{false};
};

bool Responder::abandoned() const { return state_ && state_->abandoned && state_->abandoned(); }

void Responder::result_json(std::string_view json) const {
  if (!state_ || state_->done.exchange(true)) return;
  std::string body;
  body.reserve(json.size() + state_->id.size() + 48);
  body.append("{\"jsonrpc\":\"2.0\",\"result\":").append(json);
  if (state_->style == ResponseStyle::kGemstone) body.append(",\"error\":null");
  body.append(",\"id\":").append(state_->id).append("}");
  if (state_->max_bytes != 0 && body.size() > state_->max_bytes) {
    state_->done = false;
    return error(Error{kResponseTooLarge, "Response too large",
                       "{\"limit\":" + std::to_string(state_->max_bytes) + "}"});
  }
  if (state_->observer) state_->observer(CallRecord{state_->method, 0, state_->index});
  state_->deliver(std::move(body));
}

void Responder::error(const Error& error) const {
  if (!state_ || state_->done.exchange(true)) return;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
  json.StartObject();
  json.Key("jsonrpc");
  json.String("2.0", 3);
  write_error_members(json, state_->style, error);
  json.Key("id");
  json.RawValue(state_->id.data(), state_->id.size(), rapidjson::kStringType);
  json.EndObject();
  if (state_->observer) state_->observer(CallRecord{state_->method, error.code, state_->index});
  state_->deliver(std::string(buffer.GetString(), buffer.GetSize()));
}

std::string Dispatcher::handle(std::string_view body, const Guard& guard) const {
  return handle_body(body, guard, nullptr, nullptr, nullptr);
}

std::optional<std::string> Dispatcher::handle_async(std::string_view body, const Guard& guard,
                                                    const Parker& park, CallSink* calls) const {
  bool parked = false;
  std::string out = handle_body(body, guard, park ? &park : nullptr, &parked, calls);
  if (parked) return std::nullopt;
  return out;
}

std::string Dispatcher::handle_body(std::string_view body, const Guard& guard, const Parker* park,
                                    bool* parked, CallSink* sink) const {
  Writer out(options_.style, options_.max_response_bytes);
  auto parsed = parse_request_body(body, options_.max_depth);
  if (!parsed.ok()) {
    out.error(parsed.error(), nullptr);
    observe(sink, {{}, parsed.error().code});
    return out.take();
  }
  const rapidjson::Document& doc = parsed.value().doc;
  if (park != nullptr && parked != nullptr && offload_ && calls_blocking(doc)) {
    // Handled again, whole, on the offload's thread; answered from there.
    Parked later = (*park)();
    *parked = true;
    if (sink != nullptr) tell_offloaded(doc, *sink);
    offload_([this, text = std::string(body), guard, deliver = std::move(later.deliver)] {
      deliver(handle(text, guard));
    });
    return std::string();
  }
  const std::vector<std::string>& id_texts = parsed.value().id_texts;
  auto id_text = [&id_texts](std::size_t i) {
    return i < id_texts.size() ? std::string_view(id_texts[i]) : std::string_view();
  };
  if (doc.IsArray()) {
    if (doc.Empty()) {
      out.error(Error::invalid_request("empty batch"), nullptr);
      observe(sink, {{}, kInvalidRequest});
      return out.take();
    }
    if (doc.Size() > options_.max_batch) {
      out.error(Error::invalid_request("batch of " + std::to_string(doc.Size()) +
                                       " requests exceeds the limit of " +
                                       std::to_string(options_.max_batch)),
                nullptr);
      observe(sink, {{}, kInvalidRequest});
      return out.take();
    }
    out.start_batch();
    for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
      handle_one(doc[i], id_text(i), guard, out, sink);
    }
    out.end_batch();
  } else {
    handle_one(doc, id_text(0), guard, out, sink, park, parked);
    if (parked != nullptr && *parked) return std::string();
  }
  return out.count() == 0 ? std::string() : out.take();
}

std::string Dispatcher::error_response(const Error& error) const {
  Writer out(options_.style, 0);
  out.error(error, nullptr);
  return out.take();
}

namespace {

bool valid_id(const rapidjson::Value& id) {
  return id.IsString() || id.IsNumber() || id.IsNull();
}

}  // namespace

void Dispatcher::handle_one(const rapidjson::Value& request, std::string_view id_text,
                            const Guard& guard, Writer& out, CallSink* sink, const Parker* park,
                            bool* parked) const {
  if (!request.IsObject()) {
    out.error(Error::invalid_request("a request must be an object"), nullptr);
    observe(sink, {{}, kInvalidRequest});
    return;
  }
  const auto id_member = request.FindMember("id");
  const bool is_notification = id_member == request.MemberEnd();
  const rapidjson::Value* id = is_notification ? nullptr : &id_member->value;
  if (id != nullptr && !valid_id(*id)) {
    out.error(Error::invalid_request("id must be a string, a number or null"), nullptr);
    observe(sink, {{}, kInvalidRequest});
    return;
  }
  // Only a valid request without an id is a notification: an invalid one is
  // answered whatever its id (JSON-RPC 2.0, section 6 example `{"foo": "boo"}`).
  auto invalid = [&](const Error& error) {
    out.error(error, id, id_text);
    observe(sink, {{}, error.code});
  };
  // Errors in a notification are not answered (section 4.1), but are observed.
  std::size_t index = kNoMethod;
  auto fail = [&](const Error& error, std::string_view method) {
    if (!is_notification) out.error(error, id, id_text);
    observe(sink, {method, error.code, index});
  };
  if (auto repeated = find_repeated_member(request)) {
    return invalid(Error::invalid_request("member \"" + *repeated + "\" appears twice"));
  }

  const auto version = request.FindMember("jsonrpc");
  if (version == request.MemberEnd() || !version->value.IsString() ||
      std::string_view(version->value.GetString(), version->value.GetStringLength()) != "2.0") {
    return invalid(Error::invalid_request("\"jsonrpc\" must be \"2.0\""));
  }
  const auto method_member = request.FindMember("method");
  if (method_member == request.MemberEnd() || !method_member->value.IsString()) {
    return invalid(Error::invalid_request("\"method\" must be a string"));
  }
  const std::string name(method_member->value.GetString(),
                         method_member->value.GetStringLength());
  const auto params_member = request.FindMember("params");
  const rapidjson::Value* params = nullptr;
  if (params_member != request.MemberEnd()) {
    params = &params_member->value;
    if (!params->IsObject() && !params->IsArray()) {
      return invalid(Error::invalid_request("\"params\" must be an array or an object"));
    }
    if (auto key = find_duplicate_key(*params)) {
      return invalid(Error::invalid_params(*key, "appears twice in one object"));
    }
  }
  const auto found = index_.find(name);
  if (found == index_.end()) return fail(Error::method_not_found(name), {});
  index = found->second;
  const Method& method = methods_[index];
  if (guard) {
    if (auto refused = guard(method)) return fail(*refused, method.name);
  }

  auto bound = bind(method, params);
  if (!bound.ok()) return fail(bound.error(), method.name);

  // The result's allocations, in a pool whose first chunk is on the stack:
  // an answer of a few instances needs no heap (RapidJSON's default pool
  // mallocs a 64 KiB chunk for the first value, on every call).
  alignas(8) char first_chunk[4096];
  Allocator scratch(first_chunk, sizeof first_chunk);
  try {
    std::optional<MethodResult> answer;
    if (method.deferred) {
      Park parker;
      if (park != nullptr && parked != nullptr && !is_notification) {
        parker = [&]() -> Responder {
          Responder reply;
          reply.state_ = std::make_shared<Responder::State>();
          Responder::State& state = *reply.state_;
          if (!id_text.empty()) {
            state.id = std::string(id_text);
          } else {
            rapidjson::StringBuffer buffer;
            rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
            id->Accept(json);
            state.id.assign(buffer.GetString(), buffer.GetSize());
          }
          state.style = options_.style;
          state.max_bytes = options_.max_response_bytes;
          state.method = method.name;
          state.index = index;
          state.observer = observer_;
          Parked parked_call = (*park)();
          state.deliver = std::move(parked_call.deliver);
          state.abandoned = std::move(parked_call.abandoned);
          *parked = true;
          if (sink != nullptr) sink->parked(CallRecord{method.name, 0, index});
          return reply;
        };
      }
      answer = method.deferred(bound.value(), scratch, parker);
      if (!answer) {
        if (parked != nullptr && *parked) return;  // the Responder answers later
        return fail(Error::internal_error("a deferred method neither answered nor parked"),
                    method.name);
      }
    } else {
      answer = method.handler(bound.value(), scratch);
    }
    MethodResult& result = *answer;
    if (!result.ok()) return fail(result.error(), method.name);
    if (!is_notification) out.result(result.value(), result.json(), id, id_text);
    observe(sink, {method.name, 0, index});
  } catch (const std::exception& e) {
    fail(Error::internal_error(e.what()), method.name);
  } catch (...) {
    fail(Error::internal_error("unknown exception"), method.name);
  }
}

void Dispatcher::tell_offloaded(const rapidjson::Value& request, CallSink& sink) const {
  if (request.IsArray()) {
    for (const auto& member : request.GetArray()) tell_offloaded(member, sink);
    return;
  }
  std::size_t index = kNoMethod;
  if (request.IsObject()) {
    const auto method = request.FindMember("method");
    if (method != request.MemberEnd() && method->value.IsString()) {
      const auto found =
          index_.find(std::string(method->value.GetString(), method->value.GetStringLength()));
      if (found != index_.end()) index = found->second;
    }
  }
  sink.parked(CallRecord{index == kNoMethod ? std::string_view() : methods_[index].name, 0, index});
}

bool Dispatcher::calls_blocking(const rapidjson::Value& request) const {
  if (blocking_.empty()) return false;
  if (request.IsArray()) {
    for (const auto& member : request.GetArray()) {
      if (member.IsObject() && calls_blocking(member)) return true;
    }
    return false;
  }
  if (!request.IsObject()) return false;
  const auto method = request.FindMember("method");
  if (method == request.MemberEnd() || !method->value.IsString()) return false;
  const std::string_view name(method->value.GetString(), method->value.GetStringLength());
  return std::find(blocking_.begin(), blocking_.end(), name) != blocking_.end();
}

Result<Params, Error> Dispatcher::bind(const Method& method,
                                       const rapidjson::Value* params) const {
  Params bound;
  const std::size_t declared = method.params.size();
  if (params != nullptr && params->IsArray()) {
    bound.positional_ = true;
    bound.given_ = params->Size();
    if (params->Size() > declared) {
      return Error{kInvalidParams,
                   "Invalid params: " + method.name + " takes at most " +
                       std::to_string(declared) + " parameters, " +
                       std::to_string(params->Size()) + " given",
                   {}};
    }
    for (rapidjson::SizeType i = 0; i < params->Size(); ++i) bound.values_[i] = &(*params)[i];
  } else if (params != nullptr) {
    for (const auto& member : params->GetObject()) {
      const std::string_view key(member.name.GetString(), member.name.GetStringLength());
      std::size_t i = 0;
      while (i < declared && method.params[i] != key) ++i;
      if (i == declared) return Error::invalid_params(std::string(key), "is not a parameter of " + method.name);
      bound.values_[i] = &member.value;
      ++bound.given_;
    }
  }
  for (std::size_t i = 0; i < method.required; ++i) {
    if (bound.values_[i] == nullptr) return Error::invalid_params(method.params[i], "is required");
  }
  return bound;
}

}  // namespace gemstone::jsonrpc

#include "gemstone/jsonrpc/client_codec.hpp"

#include <limits>
#include <utility>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "gemstone/jsonrpc/json.hpp"

namespace gemstone::jsonrpc {
namespace {

// Answers may carry more structure than requests; the limit only guards
// the recursive walks (printing, copying) that follow.
constexpr unsigned kResponseMaxDepth = 4 * kDefaultMaxDepth;

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_call(Writer& json, const OutgoingCall& call) {
  json.StartObject();
  json.Key("jsonrpc");
  json.String("2.0", 3);
  json.Key("method");
  json.String(call.method.data(), static_cast<rapidjson::SizeType>(call.method.size()));
  if (call.params != nullptr) {
    json.Key("params");
    call.params->Accept(json);
  }
  if (call.id) {
    json.Key("id");
    json.Uint64(*call.id);
  }
  json.EndObject();
}

std::string describe_id(const rapidjson::Value& id) { return to_json(id); }

// The error object of a response, or nullopt when it carries none (absent
// or null, the gemstone style on success).
Result<std::optional<Error>, MalformedResponse> read_error(const rapidjson::Value& response) {
  const auto member = response.FindMember("error");
  if (member == response.MemberEnd() || member->value.IsNull()) return std::optional<Error>();
  const rapidjson::Value& e = member->value;
  if (!e.IsObject()) return MalformedResponse{"\"error\" is not an object"};
  const auto code = e.FindMember("code");
  if (code == e.MemberEnd() || !code->value.IsInt()) {
    return MalformedResponse{"\"error\" has no integer \"code\""};
  }
  Error error;
  error.code = code->value.GetInt();
  const auto message = e.FindMember("message");
  if (message != e.MemberEnd()) {
    if (!message->value.IsString()) return MalformedResponse{"\"error.message\" is not a string"};
    error.message.assign(message->value.GetString(), message->value.GetStringLength());
  }
  const auto data = e.FindMember("data");
  if (data != e.MemberEnd()) error.data = to_json(data->value);
  return std::optional<Error>(std::move(error));
}

// Checks the shape of one response object and reads its error, leaving the
// result where it is.
Result<std::optional<Error>, MalformedResponse> check_response(const rapidjson::Value& response) {
  if (!response.IsObject()) return MalformedResponse{"a response is not a JSON object"};
  auto error = read_error(response);
  if (!error.ok()) return error;
  if (!error.value() && !response.HasMember("result")) {
    return MalformedResponse{"the response has neither \"result\" nor \"error\""};
  }
  return error;
}

// The id of a response as one of ours, nullopt for null or absent; an error
// for anything else.
Result<std::optional<RequestId>, MalformedResponse> read_id(const rapidjson::Value& response) {
  const auto id = response.FindMember("id");
  if (id == response.MemberEnd() || id->value.IsNull()) return std::optional<RequestId>();
  if (id->value.IsUint64()) return std::optional<RequestId>(id->value.GetUint64());
  return MalformedResponse{"unexpected response id " + describe_id(id->value)};
}

Result<rapidjson::Document, MalformedResponse> parse(std::string_view body) {
  if (body.empty()) return MalformedResponse{"empty body"};
  auto parsed = parse_json(body, kResponseMaxDepth);
  if (!parsed.ok()) return MalformedResponse{"not JSON (" + parsed.error().message + ")"};
  return std::move(parsed).value();
}

Reply copy_reply(const rapidjson::Value& response, std::optional<Error> error) {
  Reply reply;
  reply.error = std::move(error);
  if (!reply.error) reply.result.CopyFrom(response["result"], reply.result.GetAllocator());
  return reply;
}

}  // namespace

std::string encode_request(const OutgoingCall& call) {
  rapidjson::StringBuffer buffer;
  Writer json(buffer);
  write_call(json, call);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string encode_batch(const std::vector<OutgoingCall>& calls) {
  rapidjson::StringBuffer buffer;
  Writer json(buffer);
  json.StartArray();
  for (const OutgoingCall& call : calls) write_call(json, call);
  json.EndArray();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<Reply, MalformedResponse> decode_response(std::string_view body, RequestId id) {
  auto parsed = parse(body);
  if (!parsed.ok()) return std::move(parsed).error();
  rapidjson::Document& doc = parsed.value();
  if (doc.IsArray()) return MalformedResponse{"expected one response object, got an array"};
  auto error = check_response(doc);
  if (!error.ok()) return std::move(error).error();
  auto answered = read_id(doc);
  if (!answered.ok()) return std::move(answered).error();
  if (answered.value() && *answered.value() != id) {
    return MalformedResponse{"response id " + std::to_string(*answered.value()) +
                             " does not match request id " + std::to_string(id)};
  }
  Reply reply;
  reply.error = std::move(error).value();
  if (!reply.error) {
    // Make the result the root of the document it was parsed into: no copy.
    rapidjson::Value result;
    result.Swap(doc["result"]);
    static_cast<rapidjson::Value&>(doc).Swap(result);
    reply.result = std::move(doc);
  }
  return reply;
}

Result<std::vector<Reply>, MalformedResponse> decode_batch(std::string_view body,
                                                           const std::vector<RequestId>& ids) {
  auto parsed = parse(body);
  if (!parsed.ok()) return std::move(parsed).error();
  const rapidjson::Document& doc = parsed.value();

  std::vector<std::optional<Reply>> replies(ids.size());
  std::optional<Error> unmatched_error;  // answered with a null id
  auto slot_of = [&ids](RequestId id) -> std::size_t {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] == id) return i;
    }
    return ids.size();
  };

  if (doc.IsObject()) {
    auto error = check_response(doc);
    if (!error.ok()) return std::move(error).error();
    if (!error.value()) return MalformedResponse{"expected an array of responses to a batch"};
    unmatched_error = std::move(error).value();
  } else if (doc.IsArray()) {
    for (const auto& response : doc.GetArray()) {
      auto error = check_response(response);
      if (!error.ok()) return std::move(error).error();
      auto id = read_id(response);
      if (!id.ok()) return std::move(id).error();
      if (!id.value()) {
        if (!error.value()) return MalformedResponse{"a result was answered with a null id"};
        if (!unmatched_error) unmatched_error = std::move(error).value();
        continue;
      }
      const std::size_t slot = slot_of(*id.value());
      if (slot == ids.size()) {
        return MalformedResponse{"response id " + std::to_string(*id.value()) +
                                 " matches no request of the batch"};
      }
      if (replies[slot]) {
        return MalformedResponse{"two responses with id " + std::to_string(*id.value())};
      }
      replies[slot] = copy_reply(response, std::move(error).value());
    }
  } else {
    return MalformedResponse{"expected an array of responses to a batch"};
  }

  std::vector<Reply> out;
  out.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (replies[i]) {
      out.push_back(std::move(*replies[i]));
    } else if (unmatched_error) {
      Reply reply;
      reply.error = unmatched_error;
      out.push_back(std::move(reply));
    } else {
      return MalformedResponse{"no response for request id " + std::to_string(ids[i])};
    }
  }
  return out;
}

}  // namespace gemstone::jsonrpc

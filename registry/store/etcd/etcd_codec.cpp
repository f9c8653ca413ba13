#include "registry/store/etcd/etcd_codec.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <utility>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "gemstone/jsonrpc/json.hpp"

namespace gemstone::registry::etcd {
namespace {

using rapidjson::Value;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// ---- writing ----

void write_string(JsonWriter& json, std::string_view s) {
  json.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
void write_bytes(JsonWriter& json, std::string_view bytes) { write_string(json, base64_encode(bytes)); }
// 64-bit numbers go as strings, as the gateway writes them.
void write_int64(JsonWriter& json, std::int64_t n) { write_string(json, std::to_string(n)); }

template <class Fill>
std::string object(Fill&& fill) {
  rapidjson::StringBuffer buffer;
  JsonWriter json(buffer);
  json.StartObject();
  fill(json);
  json.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

void write_put(JsonWriter& json, std::string_view key, std::string_view value, std::int64_t lease) {
  json.Key("key");
  write_bytes(json, key);
  json.Key("value");
  write_bytes(json, value);
  if (lease != 0) {
    json.Key("lease");
    write_int64(json, lease);
  }
}

// ---- reading ----

const Value* member(const Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// A 64-bit number as the gateway writes it (a string), or as a plain JSON
// number; absent is 0.
Result<std::int64_t, std::string> int64_of(const Value& object, const char* name) {
  const Value* v = member(object, name);
  if (v == nullptr) return std::int64_t{0};
  if (v->IsInt64()) return v->GetInt64();
  if (v->IsString()) {
    const std::string text(v->GetString(), v->GetStringLength());
    errno = 0;
    char* end = nullptr;
    const long long n = std::strtoll(text.c_str(), &end, 10);
    if (!text.empty() && errno == 0 && *end == '\0') return static_cast<std::int64_t>(n);
  }
  return std::string(name) + " is not an integer";
}

bool bool_of(const Value& object, const char* name) {
  const Value* v = member(object, name);
  return v != nullptr && v->IsBool() && v->GetBool();
}

// The bytes of a base64 field into `out` (absent: empty); whether it was base64.
bool bytes_of(const Value& object, const char* name, std::string& out) {
  const Value* v = member(object, name);
  if (v == nullptr) {
    out.clear();
    return true;
  }
  if (!v->IsString()) return false;
  auto decoded = base64_decode(std::string_view(v->GetString(), v->GetStringLength()));
  if (!decoded) return false;
  out = std::move(*decoded);
  return true;
}

std::int64_t header_revision(const Value& answer) {
  const Value* header = member(answer, "header");
  if (header == nullptr) return 0;
  auto revision = int64_of(*header, "revision");
  return revision.ok() ? revision.value() : 0;
}

Result<KeyValue, std::string> key_value_of(const Value& v) {
  if (!v.IsObject()) return std::string("a key-value is not an object");
  KeyValue kv;
  if (!bytes_of(v, "key", kv.key)) return std::string("key is not base64");
  if (!bytes_of(v, "value", kv.value)) return std::string("value is not base64");
  for (auto [name, field] : {std::pair{"lease", &kv.lease}, std::pair{"create_revision", &kv.create_revision},
                             std::pair{"mod_revision", &kv.mod_revision}}) {
    auto n = int64_of(v, name);
    if (!n.ok()) return std::move(n).error();
    *field = n.value();
  }
  return kv;
}

Result<rapidjson::Document, std::string> parse(std::string_view body) {
  auto doc = jsonrpc::parse_json(body);
  if (!doc.ok()) return "not JSON: " + doc.error().message;
  if (!doc.value().IsObject()) return std::string("not a JSON object");
  if (auto error = member(doc.value(), "error")) {
    const Value* message = member(doc.value(), "message");
    const Value* text = message != nullptr && message->IsString() ? message : error;
    return "etcd: " + (text->IsString() ? std::string(text->GetString(), text->GetStringLength())
                                        : std::string("error"));
  }
  return std::move(doc).value();
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  const std::size_t left = bytes.size() - i;
  if (left > 0) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (left == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += left == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const int pad = last ? (text[i + 3] == '=') + (text[i + 2] == '=') : 0;
    if (pad == 1 && text[i + 2] == '=') return std::nullopt;  // "x=y=" is not base64
    unsigned n = 0;
    for (int j = 0; j < 4 - pad; ++j) {
      const int s = sextet(text[i + j]);
      if (s < 0) return std::nullopt;
      n |= static_cast<unsigned>(s) << (18 - 6 * j);
    }
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

std::string prefix_range_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) < 0xff) {
      end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
      return end;
    }
    end.pop_back();  // 0xff cannot grow: the range ends after the shorter prefix
  }
  return std::string(1, '\0');  // every key (etcd's convention)
}

std::string range_request(std::string_view key, std::string_view range_end, std::int64_t limit,
                          std::int64_t revision) {
  return object([&](JsonWriter& json) {
    json.Key("key");
    write_bytes(json, key);
    json.Key("range_end");
    write_bytes(json, range_end);
    if (limit > 0) {
      json.Key("limit");
      write_int64(json, limit);
    }
    if (revision > 0) {
      json.Key("revision");
      write_int64(json, revision);
    }
  });
}

std::string lease_grant_request(std::int64_t ttl_seconds) {
  return object([&](JsonWriter& json) {
    json.Key("TTL");
    write_int64(json, ttl_seconds);
  });
}

std::string lease_id_request(std::int64_t lease) {
  return object([&](JsonWriter& json) {
    json.Key("ID");
    write_int64(json, lease);
  });
}

std::string put_request(std::string_view key, std::string_view value, std::int64_t lease) {
  return object([&](JsonWriter& json) { write_put(json, key, value, lease); });
}

namespace {

// "compare": [ the key's create_revision `result` 0 ] ("EQUAL": absent, "GREATER": present)
void write_created_compare(JsonWriter& json, std::string_view key, const char* result) {
  json.Key("compare");
  json.StartArray();
  json.StartObject();
  json.Key("key");
  write_bytes(json, key);
  json.Key("target");
  json.String("CREATE");
  json.Key("result");
  json.String(result);
  json.Key("create_revision");
  write_int64(json, 0);
  json.EndObject();
  json.EndArray();
}

// One element of a txn's success or failure list: {"<kind>": {<body>}}.
template <class Body>
void write_op(JsonWriter& json, const char* kind, Body&& body) {
  json.StartObject();
  json.Key(kind);
  json.StartObject();
  body();
  json.EndObject();
  json.EndObject();
}

}  // namespace

std::string create_if_absent_request(std::string_view key, std::string_view value,
                                     std::int64_t lease) {
  return object([&](JsonWriter& json) {
    write_created_compare(json, key, "EQUAL");
    json.Key("success");
    json.StartArray();
    write_op(json, "request_put", [&] { write_put(json, key, value, lease); });
    json.EndArray();
    json.Key("failure");
    json.StartArray();
    write_op(json, "request_range", [&] {
      json.Key("key");
      write_bytes(json, key);
    });
    json.EndArray();
  });
}

std::string delete_with_marker_request(std::string_view key, std::string_view marker_key) {
  return object([&](JsonWriter& json) {
    write_created_compare(json, key, "GREATER");
    json.Key("success");
    json.StartArray();
    write_op(json, "request_delete_range", [&] {
      json.Key("key");
      write_bytes(json, key);
    });
    write_op(json, "request_put", [&] { write_put(json, marker_key, key, 0); });
    json.EndArray();
  });
}

std::string watch_request(std::string_view key, std::string_view range_end,
                          std::int64_t start_revision) {
  return object([&](JsonWriter& json) {
    json.Key("create_request");
    json.StartObject();
    json.Key("key");
    write_bytes(json, key);
    json.Key("range_end");
    write_bytes(json, range_end);
    json.Key("start_revision");
    write_int64(json, start_revision);
    json.Key("prev_kv");
    json.Bool(true);
    json.EndObject();
  });
}

std::optional<GatewayError> parse_error(std::string_view body) {
  auto doc = jsonrpc::parse_json(body);
  if (!doc.ok() || !doc.value().IsObject()) return std::nullopt;
  const Value* error = member(doc.value(), "error");
  if (error == nullptr) return std::nullopt;
  GatewayError out;
  const Value* message = member(doc.value(), "message");
  if (message == nullptr || !message->IsString()) message = error;
  if (message->IsString()) out.message.assign(message->GetString(), message->GetStringLength());
  if (const Value* code = member(doc.value(), "code"); code != nullptr && code->IsInt()) {
    out.code = code->GetInt();
  }
  return out;
}

Result<RangeAnswer, std::string> parse_range(std::string_view body) {
  auto doc = parse(body);
  if (!doc.ok()) return std::move(doc).error();
  RangeAnswer out;
  out.revision = header_revision(doc.value());
  out.more = bool_of(doc.value(), "more");
  if (const Value* kvs = member(doc.value(), "kvs")) {
    if (!kvs->IsArray()) return std::string("kvs is not an array");
    out.kvs.reserve(kvs->Size());
    for (const Value& v : kvs->GetArray()) {
      auto kv = key_value_of(v);
      if (!kv.ok()) return std::move(kv).error();
      out.kvs.push_back(std::move(kv).value());
    }
  }
  return out;
}

namespace {

Result<LeaseAnswer, std::string> lease_of(const Value& v) {
  LeaseAnswer out;
  out.revision = header_revision(v);
  auto id = int64_of(v, "ID");
  if (!id.ok()) return std::move(id).error();
  out.id = id.value();
  auto ttl = int64_of(v, "TTL");
  if (!ttl.ok()) return std::move(ttl).error();
  out.ttl = std::max<std::int64_t>(ttl.value(), 0);
  return out;
}

}  // namespace

Result<LeaseAnswer, std::string> parse_lease_grant(std::string_view body) {
  auto doc = parse(body);
  if (!doc.ok()) return std::move(doc).error();
  return lease_of(doc.value());
}

Result<LeaseAnswer, std::string> parse_keepalive(std::string_view body) {
  // One message, possibly followed by a newline.
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.remove_suffix(1);
  auto doc = parse(body);
  if (!doc.ok()) return std::move(doc).error();
  const Value* result = member(doc.value(), "result");
  if (result == nullptr || !result->IsObject()) return std::string("no result");
  return lease_of(*result);
}

Result<TxnAnswer, std::string> parse_txn(std::string_view body) {
  auto doc = parse(body);
  if (!doc.ok()) return std::move(doc).error();
  TxnAnswer out;
  out.revision = header_revision(doc.value());
  out.succeeded = bool_of(doc.value(), "succeeded");
  const Value* responses = member(doc.value(), "responses");
  if (responses == nullptr || !responses->IsArray()) return out;
  for (const Value& response : responses->GetArray()) {
    if (const Value* range = member(response, "response_range")) {
      if (const Value* kvs = member(*range, "kvs"); kvs != nullptr && kvs->IsArray() && !kvs->Empty()) {
        auto kv = key_value_of((*kvs)[0]);
        if (!kv.ok()) return std::move(kv).error();
        out.existing = std::move(kv).value();
      }
    }
    if (const Value* deleted = member(response, "response_delete_range")) {
      auto n = int64_of(*deleted, "deleted");
      if (!n.ok()) return std::move(n).error();
      out.deleted += n.value();
    }
  }
  return out;
}

Result<std::int64_t, std::string> parse_put(std::string_view body) {
  auto doc = parse(body);
  if (!doc.ok()) return std::move(doc).error();
  return header_revision(doc.value());
}

Result<WatchMessage, std::string> parse_watch_message(std::string_view line) {
  auto doc = parse(line);
  if (!doc.ok()) return std::move(doc).error();
  const Value* result = member(doc.value(), "result");
  if (result == nullptr || !result->IsObject()) return std::string("no result");
  WatchMessage out;
  out.revision = header_revision(*result);
  out.created = bool_of(*result, "created");
  out.canceled = bool_of(*result, "canceled");
  auto compact = int64_of(*result, "compact_revision");
  if (!compact.ok()) return std::move(compact).error();
  out.compact_revision = compact.value();
  if (const Value* reason = member(*result, "cancel_reason"); reason != nullptr && reason->IsString()) {
    out.cancel_reason.assign(reason->GetString(), reason->GetStringLength());
  }
  if (const Value* events = member(*result, "events")) {
    if (!events->IsArray()) return std::string("events is not an array");
    for (const Value& e : events->GetArray()) {
      WatchEvent event;
      const Value* type = member(e, "type");
      event.deleted = type != nullptr && type->IsString() && std::string_view(type->GetString()) == "DELETE";
      const Value* kv = member(e, "kv");
      if (kv == nullptr) return std::string("an event without kv");
      auto parsed = key_value_of(*kv);
      if (!parsed.ok()) return std::move(parsed).error();
      event.kv = std::move(parsed).value();
      if (const Value* prev = member(e, "prev_kv")) {
        auto before = key_value_of(*prev);
        if (!before.ok()) return std::move(before).error();
        event.prev = std::move(before).value();
      }
      out.events.push_back(std::move(event));
    }
  }
  return out;
}

std::string instance_value(std::string_view url, const Meta& meta, std::int64_t ttl) {
  return object([&](JsonWriter& json) {
    json.Key("url");
    write_string(json, url);
    json.Key("meta");
    json.StartObject();
    for (const auto& [key, value] : meta) {
      json.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
      write_string(json, value);
    }
    json.EndObject();
    json.Key("ttl");
    json.Int64(ttl);
  });
}

Result<InstanceValue, std::string> parse_instance_value(std::string_view text) {
  auto doc = jsonrpc::parse_json(text);
  if (!doc.ok() || !doc.value().IsObject()) return std::string("the value is not a JSON object");
  InstanceValue out;
  const Value* url = member(doc.value(), "url");
  if (url == nullptr || !url->IsString()) return std::string("the value has no url");
  out.url.assign(url->GetString(), url->GetStringLength());
  if (const Value* meta = member(doc.value(), "meta")) {
    if (!meta->IsObject()) return std::string("the value's meta is not an object");
    for (const auto& pair : meta->GetObject()) {
      if (!pair.value.IsString()) return std::string("the value's meta holds a non-string");
      out.meta.emplace_back(std::string(pair.name.GetString(), pair.name.GetStringLength()),
                            std::string(pair.value.GetString(), pair.value.GetStringLength()));
    }
    std::sort(out.meta.begin(), out.meta.end());
  }
  if (const Value* ttl = member(doc.value(), "ttl"); ttl != nullptr && ttl->IsInt64()) {
    out.ttl = ttl->GetInt64();
  }
  return out;
}

}  // namespace gemstone::registry::etcd

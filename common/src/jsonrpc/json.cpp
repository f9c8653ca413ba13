#include "gemstone/jsonrpc/json.hpp"

#include <algorithm>
#include <cstring>

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace gemstone::jsonrpc {
namespace {

constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag |
                                 rapidjson::kParseValidateEncodingFlag |
                                 rapidjson::kParseStopWhenDoneFlag;

// Forwards SAX events to a Document while counting depth: the iterative
// parser itself has no limit, and a deep tree would make later recursive
// walks (Accept, CopyFrom) overflow the stack.
//
// With `id_texts`, it also keeps the text of each request's numeric id that
// arrives as a double: the number's bytes end where the stream stands when
// the parser reports it.
class DepthLimitedHandler {
 public:
  DepthLimitedHandler(rapidjson::Document& doc, unsigned max_depth,
                      const rapidjson::MemoryStream* stream = nullptr,
                      std::vector<std::string>* id_texts = nullptr)
      : doc_(doc), max_depth_(max_depth), stream_(stream), id_texts_(id_texts) {}

  bool too_deep() const { return too_deep_; }
  bool bad_escape() const { return bad_escape_; }

  bool Null() { return value(), doc_.Null(); }
  bool Bool(bool b) { return value(), doc_.Bool(b); }
  bool Int(int i) { return value(), doc_.Int(i); }
  bool Uint(unsigned u) { return value(), doc_.Uint(u); }
  bool Int64(int64_t i) { return value(), doc_.Int64(i); }
  bool Uint64(uint64_t u) { return value(), doc_.Uint64(u); }
  bool Double(double d) {
    if (id_texts_ != nullptr && at_id()) keep_id_text();
    return value(), doc_.Double(d);
  }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return value(), doc_.RawNumber(s, n, copy);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    return value(), valid_text(s, n) && doc_.String(s, n, copy);
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    if (id_texts_ != nullptr && depth_ == request_depth()) {
      key_is_id_ = std::string_view(s, n) == "id";
    }
    return valid_text(s, n) && doc_.Key(s, n, copy);
  }
  bool StartObject() { return value(), enter() && doc_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) { --depth_; return doc_.EndObject(n); }
  bool StartArray() {
    if (depth_ == 0) root_is_array_ = true;
    return value(), enter() && doc_.StartArray();
  }
  bool EndArray(rapidjson::SizeType n) { --depth_; return doc_.EndArray(n); }

 private:
  bool enter() {
    if (++depth_ > max_depth_) {
      too_deep_ = true;
      return false;
    }
    return true;
  }

  // Requests are the root object, or the elements of the root array.
  unsigned request_depth() const { return root_is_array_ ? 2 : 1; }
  bool at_id() const { return key_is_id_ && depth_ == request_depth(); }

  // Every value: counts the batch's elements, and ends an "id" member.
  void value() {
    if (root_is_array_ && depth_ == 1) ++element_;
    if (depth_ == request_depth()) key_is_id_ = false;
  }

  void keep_id_text() {
    const std::size_t end = stream_->Tell();
    const char* begin = stream_->begin_;
    std::size_t start = end;
    while (start > 0 && std::strchr("0123456789+-.eE", begin[start - 1]) != nullptr) --start;
    const std::size_t index = root_is_array_ ? element_ - 1 : 0;
    if (id_texts_->size() <= index) id_texts_->resize(index + 1);
    (*id_texts_)[index].assign(begin + start, end - start);
  }

  // kParseValidateEncodingFlag checks raw bytes only; RapidJSON 1.1.0 lets
  // an escaped lone low surrogate ("\udc00") through as invalid UTF-8.
  // An encoded surrogate is the only way that can appear: ED A0..BF.
  bool valid_text(const char* s, rapidjson::SizeType n) {
    for (rapidjson::SizeType i = 0; i + 1 < n; ++i) {
      if (static_cast<unsigned char>(s[i]) == 0xED && static_cast<unsigned char>(s[i + 1]) >= 0xA0) {
        bad_escape_ = true;
        return false;
      }
    }
    return true;
  }

  rapidjson::Document& doc_;
  unsigned max_depth_;
  const rapidjson::MemoryStream* stream_;
  std::vector<std::string>* id_texts_;
  unsigned depth_ = 0;
  bool too_deep_ = false;
  bool bad_escape_ = false;
  bool root_is_array_ = false;
  bool key_is_id_ = false;
  std::size_t element_ = 0;  // of the root array, counted from 1
};

bool only_whitespace(std::string_view rest) {
  for (char c : rest) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

}  // namespace

namespace {

Result<rapidjson::Document, Error> parse(std::string_view text, unsigned max_depth,
                                         std::vector<std::string>* id_texts) {
  rapidjson::Document doc;
  rapidjson::MemoryStream stream(text.data(), text.size());
  rapidjson::Reader reader;
  bool too_deep = false;
  bool bad_escape = false;
  rapidjson::ParseResult parsed;
  auto generate = [&](rapidjson::Document& handler) {
    DepthLimitedHandler limited(handler, max_depth, &stream, id_texts);
    parsed = reader.Parse<kParseFlags>(stream, limited);
    too_deep = limited.too_deep();
    bad_escape = limited.bad_escape();
    return !parsed.IsError();
  };
  doc.Populate(generate);

  if (too_deep) {
    return Error::parse_error("nesting deeper than " + std::to_string(max_depth) + " levels");
  }
  if (bad_escape) {
    return Error::parse_error("a string escapes a lone surrogate (not valid UTF-8) near offset " +
                              std::to_string(parsed.Offset()));
  }
  if (parsed.IsError()) {
    return Error::parse_error(std::string(rapidjson::GetParseError_En(parsed.Code())) +
                              " at offset " + std::to_string(parsed.Offset()));
  }
  // kParseStopWhenDoneFlag lets us report trailing garbage ourselves, and
  // also catches a NUL byte that would otherwise end a MemoryStream early.
  if (!only_whitespace(text.substr(stream.Tell()))) {
    return Error::parse_error("unexpected data after the JSON value at offset " +
                              std::to_string(stream.Tell()));
  }
  return doc;
}

bool has_duplicate(const rapidjson::Value& object, std::string& name) {
  const auto begin = object.MemberBegin();
  const auto end = object.MemberEnd();
  auto found = [&name](const rapidjson::Value& key) {
    name.assign(key.GetString(), key.GetStringLength());
    return true;
  };
  // Requests and params have a handful of members: pairwise is cheapest
  // there; a large object is sorted, so a hostile one costs n log n.
  if (object.MemberCount() <= 16) {
    for (auto a = begin; a != end; ++a) {
      for (auto b = begin; b != a; ++b) {
        if (a->name == b->name) return found(a->name);
      }
    }
    return false;
  }
  std::vector<std::string_view> names;
  names.reserve(object.MemberCount());
  for (auto m = begin; m != end; ++m) names.emplace_back(m->name.GetString(), m->name.GetStringLength());
  std::sort(names.begin(), names.end());
  const auto twice = std::adjacent_find(names.begin(), names.end());
  if (twice == names.end()) return false;
  name.assign(twice->data(), twice->size());
  return true;
}

}  // namespace

Result<rapidjson::Document, Error> parse_json(std::string_view text, unsigned max_depth) {
  return parse(text, max_depth, nullptr);
}

Result<RequestBody, Error> parse_request_body(std::string_view text, unsigned max_depth) {
  RequestBody body;
  auto parsed = parse(text, max_depth, &body.id_texts);
  if (!parsed.ok()) return parsed.error();
  body.doc = std::move(parsed).value();
  return body;
}

std::optional<std::string> find_repeated_member(const rapidjson::Value& object) {
  std::string name;
  if (object.IsObject() && object.MemberCount() > 1 && has_duplicate(object, name)) return name;
  return std::nullopt;
}

std::optional<std::string> find_duplicate_key(const rapidjson::Value& value) {
  // Depth-first without recursion: parsed documents are depth-limited, but
  // an explicit stack costs nothing and needs no such assumption.
  std::vector<const rapidjson::Value*> pending{&value};
  std::string name;
  while (!pending.empty()) {
    const rapidjson::Value* v = pending.back();
    pending.pop_back();
    if (v->IsObject()) {
      if (v->MemberCount() > 1 && has_duplicate(*v, name)) return name;
      for (const auto& member : v->GetObject()) {
        if (member.value.IsObject() || member.value.IsArray()) pending.push_back(&member.value);
      }
    } else if (v->IsArray()) {
      for (const auto& element : v->GetArray()) {
        if (element.IsObject() || element.IsArray()) pending.push_back(&element);
      }
    }
  }
  return std::nullopt;
}

std::string to_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string to_pretty_json(const rapidjson::Value& value, unsigned indent) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', indent);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace gemstone::jsonrpc

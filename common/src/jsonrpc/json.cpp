#include "gemstone/jsonrpc/json.hpp"

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
class DepthLimitedHandler {
 public:
  DepthLimitedHandler(rapidjson::Document& doc, unsigned max_depth)
      : doc_(doc), max_depth_(max_depth) {}

  bool too_deep() const { return too_deep_; }
  bool bad_escape() const { return bad_escape_; }

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(int64_t i) { return doc_.Int64(i); }
  bool Uint64(uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return doc_.RawNumber(s, n, copy);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    return valid_text(s, n) && doc_.String(s, n, copy);
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    return valid_text(s, n) && doc_.Key(s, n, copy);
  }
  bool StartObject() { return enter() && doc_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) { --depth_; return doc_.EndObject(n); }
  bool StartArray() { return enter() && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { --depth_; return doc_.EndArray(n); }

 private:
  bool enter() {
    if (++depth_ > max_depth_) {
      too_deep_ = true;
      return false;
    }
    return true;
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
  unsigned depth_ = 0;
  bool too_deep_ = false;
  bool bad_escape_ = false;
};

bool only_whitespace(std::string_view rest) {
  for (char c : rest) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

}  // namespace

Result<rapidjson::Document, Error> parse_json(std::string_view text, unsigned max_depth) {
  rapidjson::Document doc;
  rapidjson::MemoryStream stream(text.data(), text.size());
  rapidjson::Reader reader;
  bool too_deep = false;
  bool bad_escape = false;
  rapidjson::ParseResult parsed;
  auto generate = [&](rapidjson::Document& handler) {
    DepthLimitedHandler limited(handler, max_depth);
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

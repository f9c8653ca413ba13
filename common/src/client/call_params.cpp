#include "gemstone/call_params.hpp"

#include <cassert>

#include "gemstone/jsonrpc/json.hpp"

namespace gemstone {

rapidjson::Value JsonArg::to_value(rapidjson::MemoryPoolAllocator<>& alloc) const {
  struct Visitor {
    rapidjson::MemoryPoolAllocator<>& alloc;
    rapidjson::Value operator()(std::nullptr_t) const { return rapidjson::Value(); }
    rapidjson::Value operator()(bool b) const { return rapidjson::Value(b); }
    rapidjson::Value operator()(std::int64_t i) const { return rapidjson::Value(static_cast<int64_t>(i)); }
    rapidjson::Value operator()(std::uint64_t u) const { return rapidjson::Value(static_cast<uint64_t>(u)); }
    rapidjson::Value operator()(double d) const { return rapidjson::Value(d); }
    rapidjson::Value operator()(std::string_view s) const {
      return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), alloc);
    }
    rapidjson::Value operator()(const rapidjson::Value* v) const {
      rapidjson::Value copy;
      copy.CopyFrom(*v, alloc);
      return copy;
    }
  };
  return std::visit(Visitor{alloc}, v_);
}

CallParams CallParams::named() {
  CallParams p;
  p.kind_ = Kind::kNamed;
  p.doc_.SetObject();
  return p;
}

CallParams CallParams::positional() {
  CallParams p;
  p.kind_ = Kind::kPositional;
  p.doc_.SetArray();
  return p;
}

Result<CallParams, std::string> CallParams::from_json(std::string_view text) {
  auto parsed = jsonrpc::parse_json(text);
  if (!parsed.ok()) return parsed.error().message;
  CallParams p;
  if (parsed.value().IsObject()) {
    p.kind_ = Kind::kNamed;
  } else if (parsed.value().IsArray()) {
    p.kind_ = Kind::kPositional;
  } else {
    return std::string("params must be a JSON object or array");
  }
  p.doc_ = std::move(parsed).value();
  return p;
}

CallParams::CallParams(const CallParams& other) : kind_(other.kind_) {
  doc_.CopyFrom(other.doc_, doc_.GetAllocator());
}

CallParams& CallParams::operator=(const CallParams& other) {
  if (this != &other) {
    kind_ = other.kind_;
    rapidjson::Document fresh;
    fresh.CopyFrom(other.doc_, fresh.GetAllocator());
    doc_ = std::move(fresh);
  }
  return *this;
}

CallParams& CallParams::add(std::string_view name, const JsonArg& value) {
  assert(kind_ != Kind::kPositional);
  if (kind_ == Kind::kNone) *this = named();
  auto& alloc = doc_.GetAllocator();
  rapidjson::Value v = value.to_value(alloc);
  const auto found = doc_.FindMember(
      rapidjson::Value(rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))));
  if (found != doc_.MemberEnd()) {
    found->value = v;
  } else {
    doc_.AddMember(rapidjson::Value(name.data(), static_cast<rapidjson::SizeType>(name.size()), alloc),
                   v, alloc);
  }
  return *this;
}

CallParams& CallParams::add(const JsonArg& value) {
  assert(kind_ != Kind::kNamed);
  if (kind_ == Kind::kNone) *this = positional();
  auto& alloc = doc_.GetAllocator();
  rapidjson::Value v = value.to_value(alloc);
  doc_.PushBack(v, alloc);
  return *this;
}

std::size_t CallParams::size() const {
  switch (kind_) {
    case Kind::kNamed: return doc_.MemberCount();
    case Kind::kPositional: return doc_.Size();
    case Kind::kNone: break;
  }
  return 0;
}

bool CallParams::has(std::string_view name) const {
  if (kind_ != Kind::kNamed) return false;
  return doc_.FindMember(rapidjson::Value(
             rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size())))) !=
         doc_.MemberEnd();
}

}  // namespace gemstone

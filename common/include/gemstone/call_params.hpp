#pragma once
// CallParams: the parameters of one call, by name (a JSON object), by
// position (a JSON array), or none, built without touching RapidJSON's
// allocators:
//
//   auto p = gemstone::CallParams::named().add("a", 1).add("b", "two");
//   auto q = gemstone::CallParams::positional().add(1).add(2.5).add(nullptr);
//   auto r = gemstone::CallParams::from_json(R"({"ids": [1, 2]})");

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include <rapidjson/document.h>

#include "gemstone/result.hpp"

namespace gemstone {

/// One JSON value handed to CallParams::add: null, a boolean, a number, a
/// string or any RapidJSON value (copied, strings included).
class JsonArg {
 public:
  JsonArg(std::nullptr_t) : v_(nullptr) {}                           // NOLINT: implicit by design
  JsonArg(bool b) : v_(b) {}                                         // NOLINT
  JsonArg(int i) : v_(static_cast<std::int64_t>(i)) {}               // NOLINT
  JsonArg(long i) : v_(static_cast<std::int64_t>(i)) {}              // NOLINT
  JsonArg(long long i) : v_(static_cast<std::int64_t>(i)) {}         // NOLINT
  JsonArg(unsigned i) : v_(static_cast<std::uint64_t>(i)) {}         // NOLINT
  JsonArg(unsigned long i) : v_(static_cast<std::uint64_t>(i)) {}    // NOLINT
  JsonArg(unsigned long long i) : v_(static_cast<std::uint64_t>(i)) {}  // NOLINT
  JsonArg(double d) : v_(d) {}                                       // NOLINT
  JsonArg(const char* s) : v_(std::string_view(s)) {}                // NOLINT
  JsonArg(std::string_view s) : v_(s) {}                             // NOLINT
  JsonArg(const std::string& s) : v_(std::string_view(s)) {}         // NOLINT
  JsonArg(const rapidjson::Value& v) : v_(&v) {}                     // NOLINT

  /// A copy of the value, allocated with `alloc`.
  rapidjson::Value to_value(rapidjson::MemoryPoolAllocator<>& alloc) const;

 private:
  std::variant<std::nullptr_t, bool, std::int64_t, std::uint64_t, double, std::string_view,
               const rapidjson::Value*>
      v_;
};

class CallParams {
 public:
  enum class Kind { kNone, kNamed, kPositional };

  /// No parameters: the request has no "params" member.
  CallParams() = default;
  static CallParams none() { return CallParams(); }
  /// An empty object, filled by add(name, value).
  static CallParams named();
  /// An empty array, filled by add(value).
  static CallParams positional();
  /// A JSON object or array given as text; the error says why it is not one.
  static Result<CallParams, std::string> from_json(std::string_view text);

  CallParams(const CallParams& other);
  CallParams& operator=(const CallParams& other);
  CallParams(CallParams&&) noexcept = default;
  CallParams& operator=(CallParams&&) noexcept = default;

  /// Adds (or replaces) a named parameter. Turns "none" into "named";
  /// must not be used on positional params (asserts).
  CallParams& add(std::string_view name, const JsonArg& value);
  /// Appends a positional parameter. Turns "none" into "positional"; must
  /// not be used on named params (asserts).
  CallParams& add(const JsonArg& value);

  Kind kind() const { return kind_; }
  /// How many parameters there are.
  std::size_t size() const;
  /// Whether a named parameter `name` is present.
  bool has(std::string_view name) const;
  /// The object or array, or nullptr for no parameters.
  const rapidjson::Value* value() const { return kind_ == Kind::kNone ? nullptr : &doc_; }

 private:
  Kind kind_ = Kind::kNone;
  rapidjson::Document doc_;
};

}  // namespace gemstone

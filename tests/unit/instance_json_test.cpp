// The instance writer must write what RapidJSON's Writer writes for the same
// values, byte for byte: clients (and the CLI's output tests) saw that text
// before the registry wrote it itself.
#include "registry/api/instance_json.hpp"

#include <chrono>
#include <cmath>
#include <string>

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace gemstone::registry {
namespace {

using rapidjson::Value;
using Alloc = rapidjson::MemoryPoolAllocator<>;

std::string rapidjson_text(const Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

Value str(const std::string& s, Alloc& a) {
  return Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

// How the methods built an instance before they wrote text (the reference).
std::string reference(const Instance& i, Clock::time_point now) {
  Alloc a;
  Value v(rapidjson::kObjectType);
  v.AddMember("name", str(i.name, a), a);
  v.AddMember("host", str(i.host, a), a);
  v.AddMember("port", i.port, a);
  v.AddMember("url", str(i.url, a), a);
  const double left = std::chrono::duration<double>(i.expires_at - now).count();
  v.AddMember("expires_in", std::round(std::max(left, 0.0) * 1000.0) / 1000.0, a);
  Value meta(rapidjson::kObjectType);
  for (const auto& [key, value] : i.meta) meta.AddMember(str(key, a), str(value, a), a);
  v.AddMember("meta", meta, a);
  return rapidjson_text(v);
}

std::string string_text(const std::string& s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(InstanceJson, StringsEscapeEveryByteAsRapidJsonDoes) {
  for (int c = 0; c < 256; ++c) {
    const std::string s = std::string("a") + static_cast<char>(c) + "b";
    Alloc a;
    EXPECT_EQ(string_text(s), rapidjson_text(str(s, a))) << "byte " << c;
  }
  const std::string mixed = "quote\" back\\slash\ttab\nnl \x01\x1f\x7f é ☃ /slash";
  Alloc a;
  EXPECT_EQ(string_text(mixed), rapidjson_text(str(mixed, a)));
  EXPECT_EQ(string_text(""), "\"\"");
  EXPECT_EQ(string_text(std::string("\0x", 2)), "\"\\u0000x\"");
}

TEST(InstanceJson, SecondsAreWrittenAsTheRoundedDouble) {
  // Every millisecond of the first 100 s, and a spread up to a year (the
  // longest ttl), against RapidJSON's shortest text of the same double.
  auto check = [](double seconds) {
    std::string ours;
    append_json_seconds(ours, seconds);
    const double rounded = std::round(std::max(seconds, 0.0) * 1000.0) / 1000.0;
    EXPECT_EQ(ours, rapidjson_text(Value(rounded))) << seconds;
  };
  for (int ms = 0; ms <= 100000; ++ms) check(ms / 1000.0);
  for (double s = 0.0004; s < 31536000.0; s = s * 1.37 + 0.0001) check(s);
  check(31536000.0);
  check(89.9995);   // rounds up to 90.0
  check(-5.0);      // past: 0.0
  std::string zero;  // never "-0.0" (RapidJSON would write the sign)
  append_json_seconds(zero, -0.0);
  EXPECT_EQ(zero, "0.0");
}

TEST(InstanceJson, InstancesMatchTheValueTheMethodsBuilt) {
  const Clock::time_point now = Clock::now();
  Instance plain{"svc.12.3", "127.0.0.1", 10003, "http://127.0.0.1:10003/api",
                 now + std::chrono::milliseconds(29998), {}};
  Instance rich{"a\"b\\c", "::1", 65535, "https://[::1]:65535/x?q=\"1\"",
                now + std::chrono::seconds(90), {{"version", "1.2"}, {"zone", "eu\n1"}, {"é", "☃"}}};
  Instance expired{"old", "h", 1, "http://h:1/api", now - std::chrono::seconds(3), {{"k", ""}}};
  for (const Instance* i : {&plain, &rich, &expired}) {
    std::string ours;
    append_instance_json(ours, *i, now);
    EXPECT_EQ(ours, reference(*i, now));
    rapidjson::Document parsed;
    parsed.Parse(ours.c_str());
    EXPECT_FALSE(parsed.HasParseError()) << ours;
  }
}

TEST(InstanceJson, ChangesNameTheEventAndWhyAnInstanceWent) {
  Instance i{"svc", "10.0.0.1", 80, "http://10.0.0.1:80/api", {}, {}};
  Change added{7, ChangeKind::kAdded, RemovalReason::kNone, std::nullopt, i};
  Change expired{8, ChangeKind::kRemoved, RemovalReason::kExpired, i, std::nullopt};
  Change gone{9, ChangeKind::kRemoved, RemovalReason::kUnregistered, i, std::nullopt};
  std::string out;
  append_change_json(out, added);
  EXPECT_EQ(out, R"({"index":7,"event":"added","name":"svc","host":"10.0.0.1","port":80})");
  out.clear();
  append_change_json(out, expired);
  EXPECT_EQ(out, R"({"index":8,"event":"removed","name":"svc","host":"10.0.0.1","port":80,"reason":"expired"})");
  out.clear();
  append_change_json(out, gone);
  EXPECT_EQ(out, R"({"index":9,"event":"removed","name":"svc","host":"10.0.0.1","port":80,"reason":"unregistered"})");
}

}  // namespace
}  // namespace gemstone::registry

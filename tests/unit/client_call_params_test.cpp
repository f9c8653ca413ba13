// CallParams: named, positional and none, without RapidJSON allocators.

#include <gtest/gtest.h>

#include <string>

#include "gemstone/call_params.hpp"
#include "gemstone/jsonrpc/json.hpp"

namespace gemstone {
namespace {

std::string json_of(const CallParams& p) {
  return p.value() == nullptr ? "<none>" : jsonrpc::to_json(*p.value());
}

TEST(ClientCallParams, NoneHasNoValue) {
  CallParams p;
  EXPECT_EQ(p.kind(), CallParams::Kind::kNone);
  EXPECT_EQ(p.value(), nullptr);
  EXPECT_EQ(p.size(), 0u);
}

TEST(ClientCallParams, NamedOfEveryType) {
  const std::string owned = "owned";
  auto p = CallParams::named()
               .add("i", 1)
               .add("u", 4000000000u)
               .add("l", -5000000000LL)
               .add("d", 1.5)
               .add("b", true)
               .add("n", nullptr)
               .add("s", "text")
               .add("o", owned)
               .add("v", std::string_view("view"));
  EXPECT_EQ(json_of(p),
            R"({"i":1,"u":4000000000,"l":-5000000000,"d":1.5,"b":true,"n":null,"s":"text","o":"owned","v":"view"})");
  EXPECT_TRUE(p.has("s"));
  EXPECT_FALSE(p.has("zz"));
}

TEST(ClientCallParams, StringsAreCopied) {
  CallParams p;
  {
    std::string temporary = "gone soon";
    p.add("s", temporary);
    temporary.assign("XXXXXXXXX");
  }
  EXPECT_EQ(json_of(p), R"({"s":"gone soon"})");
}

TEST(ClientCallParams, AddingANameTwiceReplaces) {
  auto p = CallParams::named().add("a", 1).add("a", 2);
  EXPECT_EQ(json_of(p), R"({"a":2})");
}

TEST(ClientCallParams, PositionalInOrder) {
  auto p = CallParams::positional().add(1).add("two").add(nullptr);
  EXPECT_EQ(p.kind(), CallParams::Kind::kPositional);
  EXPECT_EQ(json_of(p), R"([1,"two",null])");
}

TEST(ClientCallParams, RapidJsonValuesAreDeepCopied) {
  CallParams p;
  {
    auto doc = jsonrpc::parse_json(R"({"nested":["x",{"y":1}]})");
    p.add("v", doc.value());
  }
  EXPECT_EQ(json_of(p), R"({"v":{"nested":["x",{"y":1}]}})");
}

TEST(ClientCallParams, FromJsonAcceptsObjectsAndArraysOnly) {
  EXPECT_EQ(CallParams::from_json(R"({"a":1})").value().kind(), CallParams::Kind::kNamed);
  EXPECT_EQ(CallParams::from_json("[1]").value().kind(), CallParams::Kind::kPositional);
  EXPECT_FALSE(CallParams::from_json("1").ok());
  EXPECT_FALSE(CallParams::from_json("{").ok());
}

TEST(ClientCallParams, CopiesAreIndependent) {
  auto a = CallParams::named().add("x", 1);
  CallParams b = a;
  b.add("y", 2);
  EXPECT_EQ(json_of(a), R"({"x":1})");
  EXPECT_EQ(json_of(b), R"({"x":1,"y":2})");
  a = b;
  EXPECT_EQ(json_of(a), R"({"x":1,"y":2})");
}

}  // namespace
}  // namespace gemstone

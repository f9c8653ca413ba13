#include "gemstone/jsonrpc/dispatcher.hpp"

#include <atomic>
#include <functional>
#include <optional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "gemstone/jsonrpc/json.hpp"
#include "rpc_messages.hpp"

namespace gemstone::jsonrpc {
namespace {

using gemstone::testing::parse;
using rapidjson::Value;

// Asserts that `response` is a JSON-RPC error object with `code` and returns its error member.
void expect_error(const Value& response, int code) {
  ASSERT_TRUE(response.IsObject());
  ASSERT_TRUE(response.HasMember("jsonrpc"));
  EXPECT_STREQ(response["jsonrpc"].GetString(), "2.0");
  ASSERT_TRUE(response.HasMember("error"));
  ASSERT_TRUE(response["error"].IsObject()) << to_json(response);
  ASSERT_TRUE(response["error"]["code"].IsInt());
  EXPECT_EQ(response["error"]["code"].GetInt(), code) << to_json(response);
  ASSERT_TRUE(response["error"].HasMember("message"));
  EXPECT_TRUE(response["error"]["message"].IsString());
  EXPECT_TRUE(response.HasMember("id"));
}

void expect_null_id(const Value& response) {
  ASSERT_TRUE(response.HasMember("id")) << to_json(response);
  EXPECT_TRUE(response["id"].IsNull()) << to_json(response);
}

const Value* find_by_id(const Value& batch, const char* id) {
  for (const auto& r : batch.GetArray()) {
    if (r.HasMember("id") && r["id"].IsString() && std::string_view(r["id"].GetString()) == id) {
      return &r;
    }
  }
  return nullptr;
}

// The methods of the examples in section 7 of the JSON-RPC 2.0 specification.
class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { add_methods(dispatcher_); }

  void add_methods(Dispatcher& d) {
    d.add({"subtract", {"minuend", "subtrahend"}, 2, "minuend - subtrahend",
           [](const Params& p, Allocator&) -> MethodResult {
             return Value(p[0]->GetInt() - p[1]->GetInt());
           }});
    d.add({"sum", {"a", "b", "c"}, 0, "a + b + c",
           [](const Params& p, Allocator&) -> MethodResult {
             int total = 0;
             for (std::size_t i = 0; i < 3; ++i) {
               if (p[i] != nullptr) total += p[i]->GetInt();
             }
             return Value(total);
           }});
    d.add({"update", {"a", "b", "c", "d", "e"}, 0, "",
           [this](const Params&, Allocator&) -> MethodResult {
             ++updates_;
             return Value();
           }});
    d.add({"notify_hello", {"n"}, 0, "",
           [this](const Params&, Allocator&) -> MethodResult {
             ++updates_;
             return Value();
           }});
    d.add({"foobar", {}, 0, "",
           [this](const Params&, Allocator&) -> MethodResult {
             ++updates_;
             return Value();
           }});
    d.add({"get_data", {}, 0, "",
           [](const Params&, Allocator& alloc) -> MethodResult {
             Value out(rapidjson::kArrayType);
             out.PushBack("hello", alloc);
             out.PushBack(5, alloc);
             return out;
           }});
  }

  Dispatcher dispatcher_;
  std::atomic<int> updates_{0};
};

// --- The examples of section 7 of the specification, one test each ---

TEST_F(DispatcherTest, PositionalParamsCallReturnsResult) {
  auto r = parse(dispatcher_.handle(
      R"({"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1})"));
  EXPECT_STREQ(r["jsonrpc"].GetString(), "2.0");
  EXPECT_EQ(r["result"].GetInt(), 19);
  EXPECT_EQ(r["id"].GetInt(), 1);

  auto r2 = parse(dispatcher_.handle(
      R"({"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2})"));
  EXPECT_EQ(r2["result"].GetInt(), -19);
  EXPECT_EQ(r2["id"].GetInt(), 2);
}

TEST_F(DispatcherTest, NamedParamsCallReturnsResultWhateverTheOrder) {
  auto r = parse(dispatcher_.handle(
      R"({"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3})"));
  EXPECT_EQ(r["result"].GetInt(), 19);
  EXPECT_EQ(r["id"].GetInt(), 3);

  auto r2 = parse(dispatcher_.handle(
      R"({"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4})"));
  EXPECT_EQ(r2["result"].GetInt(), 19);
  EXPECT_EQ(r2["id"].GetInt(), 4);
}

TEST_F(DispatcherTest, NotificationGetsNoResponse) {
  EXPECT_EQ(dispatcher_.handle(R"({"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]})"),
            "");
  EXPECT_EQ(updates_.load(), 1) << "the notification's method must still run";
}

TEST_F(DispatcherTest, NotificationWithoutParamsGetsNoResponse) {
  EXPECT_EQ(dispatcher_.handle(R"({"jsonrpc": "2.0", "method": "foobar"})"), "");
  EXPECT_EQ(updates_.load(), 1);
}

TEST_F(DispatcherTest, NotificationOfUnknownMethodGetsNoResponse) {
  EXPECT_EQ(dispatcher_.handle(R"({"jsonrpc": "2.0", "method": "nope"})"), "");
}

TEST_F(DispatcherTest, NonExistentMethodGetsMethodNotFound) {
  auto r = parse(dispatcher_.handle(R"({"jsonrpc": "2.0", "method": "foobar2", "id": "1"})"));
  expect_error(r, kMethodNotFound);
  EXPECT_STREQ(r["id"].GetString(), "1");
}

TEST_F(DispatcherTest, InvalidJsonGetsParseErrorWithNullId) {
  auto r = parse(dispatcher_.handle(R"({"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz])"));
  expect_error(r, kParseError);
  expect_null_id(r);
}

// A request without "id" is a notification only when it is a valid Request:
// the specification answers this one with -32600 and a null id.
TEST_F(DispatcherTest, InvalidRequestObjectGetsInvalidRequestWithNullId) {
  const std::string body =
      dispatcher_.handle(R"({"jsonrpc": "2.0", "method": 1, "params": "bar"})");
  ASSERT_FALSE(body.empty()) << "an invalid Request object without id got no response";
  auto r = parse(body);
  expect_error(r, kInvalidRequest);
  expect_null_id(r);
}

TEST_F(DispatcherTest, InvalidRequestObjectWithIdGetsInvalidRequest) {
  auto r = parse(dispatcher_.handle(R"({"jsonrpc": "2.0", "method": 1, "params": "bar", "id": 1})"));
  expect_error(r, kInvalidRequest);
}

TEST_F(DispatcherTest, BatchWithInvalidJsonGetsOneParseError) {
  auto r = parse(dispatcher_.handle(R"([
    {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
    {"jsonrpc": "2.0", "method"
  ])"));
  ASSERT_TRUE(r.IsObject());
  expect_error(r, kParseError);
  expect_null_id(r);
}

TEST_F(DispatcherTest, EmptyArrayGetsOneInvalidRequest) {
  auto r = parse(dispatcher_.handle("[]"));
  ASSERT_TRUE(r.IsObject()) << "an empty batch is answered with a single error, not an array";
  expect_error(r, kInvalidRequest);
  expect_null_id(r);
}

TEST_F(DispatcherTest, InvalidBatchOfOneGetsArrayOfOneInvalidRequest) {
  auto r = parse(dispatcher_.handle("[1]"));
  ASSERT_TRUE(r.IsArray());
  ASSERT_EQ(r.Size(), 1u);
  expect_error(r[0], kInvalidRequest);
  expect_null_id(r[0]);
}

TEST_F(DispatcherTest, InvalidBatchOfThreeGetsThreeInvalidRequests) {
  auto r = parse(dispatcher_.handle("[1,2,3]"));
  ASSERT_TRUE(r.IsArray());
  ASSERT_EQ(r.Size(), 3u);
  for (const auto& item : r.GetArray()) {
    expect_error(item, kInvalidRequest);
    expect_null_id(item);
  }
}

// {"foo": "boo"} has no id but is not a valid Request, so it is answered with
// -32600 (see InvalidRequestObjectGetsInvalidRequestWithNullId).
TEST_F(DispatcherTest, MixedBatchAnswersEveryRequestButTheNotifications) {
  auto r = parse(dispatcher_.handle(R"([
    {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
    {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
    {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
    {"foo": "boo"},
    {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
    {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
  ])"));
  ASSERT_TRUE(r.IsArray());
  const Value* one = find_by_id(r, "1");
  ASSERT_NE(one, nullptr);
  EXPECT_EQ((*one)["result"].GetInt(), 7);
  const Value* two = find_by_id(r, "2");
  ASSERT_NE(two, nullptr);
  EXPECT_EQ((*two)["result"].GetInt(), 19);
  const Value* five = find_by_id(r, "5");
  ASSERT_NE(five, nullptr);
  expect_error(*five, kMethodNotFound);
  const Value* nine = find_by_id(r, "9");
  ASSERT_NE(nine, nullptr);
  ASSERT_TRUE((*nine)["result"].IsArray());
  EXPECT_STREQ((*nine)["result"][0].GetString(), "hello");
  EXPECT_EQ((*nine)["result"][1].GetInt(), 5);
  EXPECT_EQ(updates_.load(), 1) << "notify_hello must run";

  int null_id_errors = 0;
  for (const auto& item : r.GetArray()) {
    if (item["id"].IsNull()) {
      expect_error(item, kInvalidRequest);
      ++null_id_errors;
    }
  }
  EXPECT_EQ(null_id_errors, 1) << "{\"foo\": \"boo\"} got no -32600 response";
  EXPECT_EQ(r.Size(), 5u);
}

TEST_F(DispatcherTest, AllNotificationBatchGetsEmptyString) {
  EXPECT_EQ(dispatcher_.handle(R"([
    {"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},
    {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}
  ])"),
            "");
  EXPECT_EQ(updates_.load(), 1);
}

TEST_F(DispatcherTest, BatchAnswersInRequestOrder) {
  auto r = parse(dispatcher_.handle(R"([
    {"jsonrpc": "2.0", "method": "subtract", "params": [3, 1], "id": "a"},
    {"jsonrpc": "2.0", "method": "subtract", "params": [5, 1], "id": "b"}
  ])"));
  ASSERT_TRUE(r.IsArray());
  ASSERT_EQ(r.Size(), 2u);
  EXPECT_STREQ(r[0]["id"].GetString(), "a");
  EXPECT_EQ(r[0]["result"].GetInt(), 2);
  EXPECT_STREQ(r[1]["id"].GetString(), "b");
  EXPECT_EQ(r[1]["result"].GetInt(), 4);
}

TEST_F(DispatcherTest, NestedBatchMemberIsInvalidRequest) {
  auto r = parse(dispatcher_.handle(R"([[{"jsonrpc": "2.0", "method": "foobar", "id": 1}]])"));
  ASSERT_TRUE(r.IsArray());
  ASSERT_EQ(r.Size(), 1u);
  expect_error(r[0], kInvalidRequest);
}

// --- id ---

TEST_F(DispatcherTest, EchoesStringId) {
  auto r = parse(dispatcher_.handle(R"({"jsonrpc":"2.0","method":"get_data","id":"abc-1"})"));
  ASSERT_TRUE(r["id"].IsString());
  EXPECT_STREQ(r["id"].GetString(), "abc-1");
}

TEST_F(DispatcherTest, EchoesNumberId) {
  auto r = parse(dispatcher_.handle(R"({"jsonrpc":"2.0","method":"get_data","id":-42})"));
  ASSERT_TRUE(r["id"].IsInt());
  EXPECT_EQ(r["id"].GetInt(), -42);
}

TEST_F(DispatcherTest, EchoesLargeNumberId) {
  auto r = parse(
      dispatcher_.handle(R"({"jsonrpc":"2.0","method":"get_data","id":9007199254740993})"));
  ASSERT_TRUE(r["id"].IsUint64());
  EXPECT_EQ(r["id"].GetUint64(), 9007199254740993ull);
}

TEST_F(DispatcherTest, NullIdIsARequestNotANotification) {
  const std::string body =
      dispatcher_.handle(R"({"jsonrpc":"2.0","method":"subtract","params":[2,1],"id":null})");
  ASSERT_FALSE(body.empty());
  auto r = parse(body);
  EXPECT_EQ(r["result"].GetInt(), 1);
  expect_null_id(r);
}

TEST_F(DispatcherTest, ObjectIdIsInvalidRequestWithNullId) {
  auto r = parse(dispatcher_.handle(R"({"jsonrpc":"2.0","method":"foobar","id":{"a":1}})"));
  expect_error(r, kInvalidRequest);
  expect_null_id(r);
  EXPECT_EQ(updates_.load(), 0);
}

TEST_F(DispatcherTest, ArrayIdIsInvalidRequestWithNullId) {
  auto r = parse(dispatcher_.handle(R"({"jsonrpc":"2.0","method":"foobar","id":[1]})"));
  expect_error(r, kInvalidRequest);
  expect_null_id(r);
  EXPECT_EQ(updates_.load(), 0);
}

TEST_F(DispatcherTest, BoolIdIsInvalidRequestWithNullId) {
  auto r = parse(dispatcher_.handle(R"({"jsonrpc":"2.0","method":"foobar","id":true})"));
  expect_error(r, kInvalidRequest);
  expect_null_id(r);
  EXPECT_EQ(updates_.load(), 0);
}

// --- the request object ---

TEST_F(DispatcherTest, MissingJsonrpcIsInvalidRequest) {
  auto r = parse(dispatcher_.handle(R"({"method":"foobar","id":1})"));
  expect_error(r, kInvalidRequest);
  EXPECT_EQ(updates_.load(), 0);
}

TEST_F(DispatcherTest, JsonrpcOneIsInvalidRequest) {
  auto r = parse(dispatcher_.handle(R"({"jsonrpc":"1.0","method":"foobar","id":1})"));
  expect_error(r, kInvalidRequest);
  EXPECT_EQ(updates_.load(), 0);
}

TEST_F(DispatcherTest, JsonrpcAsNumberIsInvalidRequest) {
  auto r = parse(dispatcher_.handle(R"({"jsonrpc":2.0,"method":"foobar","id":1})"));
  expect_error(r, kInvalidRequest);
}

TEST_F(DispatcherTest, MissingMethodIsInvalidRequest) {
  auto r = parse(dispatcher_.handle(R"({"jsonrpc":"2.0","id":1})"));
  expect_error(r, kInvalidRequest);
}

TEST_F(DispatcherTest, NonStringMethodIsInvalidRequest) {
  auto r = parse(dispatcher_.handle(R"({"jsonrpc":"2.0","method":["foobar"],"id":1})"));
  expect_error(r, kInvalidRequest);
}

TEST_F(DispatcherTest, StringParamsAreInvalidRequest) {
  auto r = parse(dispatcher_.handle(R"({"jsonrpc":"2.0","method":"foobar","params":"bar","id":1})"));
  expect_error(r, kInvalidRequest);
  EXPECT_EQ(updates_.load(), 0);
}

TEST_F(DispatcherTest, NumberParamsAreInvalidRequest) {
  auto r = parse(dispatcher_.handle(R"({"jsonrpc":"2.0","method":"foobar","params":3,"id":1})"));
  expect_error(r, kInvalidRequest);
  EXPECT_EQ(updates_.load(), 0);
}

TEST_F(DispatcherTest, NullParamsAreInvalidRequest) {
  auto r = parse(dispatcher_.handle(R"({"jsonrpc":"2.0","method":"foobar","params":null,"id":1})"));
  expect_error(r, kInvalidRequest);
}

TEST_F(DispatcherTest, TooDeepBodyIsParseError) {
  auto r = parse(dispatcher_.handle(std::string(100000, '[')));
  ASSERT_TRUE(r.IsObject());
  expect_error(r, kParseError);
  expect_null_id(r);
}

TEST_F(DispatcherTest, HonoursMaxDepthOption) {
  Dispatcher shallow(DispatcherOptions{ResponseStyle::kGemstone, 2, 100});
  add_methods(shallow);
  auto ok = parse(shallow.handle(R"({"jsonrpc":"2.0","method":"sum","params":[1],"id":1})"));
  EXPECT_EQ(ok["result"].GetInt(), 1);
  auto deep = parse(shallow.handle(R"({"jsonrpc":"2.0","method":"sum","params":[[1]],"id":1})"));
  expect_error(deep, kParseError);
}

// --- parameter binding ---

TEST_F(DispatcherTest, UnknownNamedParamIsInvalidParamsNamingIt) {
  auto r = parse(dispatcher_.handle(
      R"({"jsonrpc":"2.0","method":"subtract","params":{"minuend":1,"subtrahend":2,"bogus":3},"id":1})"));
  expect_error(r, kInvalidParams);
  ASSERT_TRUE(r["error"].HasMember("data"));
  ASSERT_TRUE(r["error"]["data"].IsObject());
  EXPECT_STREQ(r["error"]["data"]["field"].GetString(), "bogus");
  EXPECT_EQ(r["id"].GetInt(), 1);
}

TEST_F(DispatcherTest, TooManyPositionalParamsIsInvalidParams) {
  auto r = parse(
      dispatcher_.handle(R"({"jsonrpc":"2.0","method":"subtract","params":[1,2,3],"id":1})"));
  expect_error(r, kInvalidParams);
}

TEST_F(DispatcherTest, MissingRequiredPositionalParamIsInvalidParamsNamingIt) {
  auto r =
      parse(dispatcher_.handle(R"({"jsonrpc":"2.0","method":"subtract","params":[1],"id":1})"));
  expect_error(r, kInvalidParams);
  ASSERT_TRUE(r["error"]["data"].IsObject());
  EXPECT_STREQ(r["error"]["data"]["field"].GetString(), "subtrahend");
}

TEST_F(DispatcherTest, MissingRequiredNamedParamIsInvalidParamsNamingIt) {
  auto r = parse(dispatcher_.handle(
      R"({"jsonrpc":"2.0","method":"subtract","params":{"subtrahend":1},"id":1})"));
  expect_error(r, kInvalidParams);
  ASSERT_TRUE(r["error"]["data"].IsObject());
  EXPECT_STREQ(r["error"]["data"]["field"].GetString(), "minuend");
}

TEST_F(DispatcherTest, AbsentParamsWithRequiredParamIsInvalidParams) {
  auto r = parse(dispatcher_.handle(R"({"jsonrpc":"2.0","method":"subtract","id":1})"));
  expect_error(r, kInvalidParams);
  EXPECT_STREQ(r["error"]["data"]["field"].GetString(), "minuend");
}

TEST_F(DispatcherTest, OptionalParamsMayBeLeftOut) {
  auto positional =
      parse(dispatcher_.handle(R"({"jsonrpc":"2.0","method":"sum","params":[1],"id":1})"));
  EXPECT_EQ(positional["result"].GetInt(), 1);
  auto named = parse(dispatcher_.handle(R"({"jsonrpc":"2.0","method":"sum","params":{"c":5},"id":1})"));
  EXPECT_EQ(named["result"].GetInt(), 5);
  auto none = parse(dispatcher_.handle(R"({"jsonrpc":"2.0","method":"sum","id":1})"));
  EXPECT_EQ(none["result"].GetInt(), 0);
}

TEST(DispatcherBindingTest, HandlerSeesParamsBoundToDeclaredSlots) {
  Dispatcher d;
  struct Seen {
    bool positional = false;
    std::size_t given = 0;
    std::string slots;
  } seen;
  d.add({"probe", {"x", "y", "z"}, 0, "",
         [&seen](const Params& p, Allocator&) -> MethodResult {
           seen.positional = p.positional();
           seen.given = p.given();
           seen.slots.clear();
           for (std::size_t i = 0; i < 3; ++i) {
             seen.slots += p[i] == nullptr ? std::string("-") : std::string(p[i]->GetString());
           }
           return Value(true);
         }});
  d.handle(R"({"jsonrpc":"2.0","method":"probe","params":{"z":"c","x":"a"},"id":1})");
  EXPECT_FALSE(seen.positional);
  EXPECT_EQ(seen.given, 2u);
  EXPECT_EQ(seen.slots, "a-c");

  d.handle(R"({"jsonrpc":"2.0","method":"probe","params":["a","b"],"id":1})");
  EXPECT_TRUE(seen.positional);
  EXPECT_EQ(seen.given, 2u);
  EXPECT_EQ(seen.slots, "ab-");
}

TEST(DispatcherBindingTest, BindsAllOfKMaxParamsPositionalParams) {
  Dispatcher d;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < kMaxParams; ++i) names.push_back("p" + std::to_string(i));
  d.add({"max", names, kMaxParams, "", [](const Params& p, Allocator&) -> MethodResult {
           int total = 0;
           for (std::size_t i = 0; i < kMaxParams; ++i) total += p[i]->GetInt();
           return Value(total);
         }});
  auto r = parse(d.handle(R"({"jsonrpc":"2.0","method":"max","params":[1,2,3,4,5,6,7,8],"id":1})"));
  EXPECT_EQ(r["result"].GetInt(), 36);
}

// Params holds at most kMaxParams values (a fixed array), so add() refuses a
// method declaring more: binding a call to it would write past the array.
TEST(DispatcherBindingTest, AddRefusesMoreThanKMaxParams) {
  Dispatcher d;
  std::vector<std::string> names;
  for (std::size_t i = 0; i <= kMaxParams; ++i) names.push_back("p" + std::to_string(i));
  EXPECT_ANY_THROW(d.add({"too_many", names, 0, "",
                          [](const Params&, Allocator&) -> MethodResult { return Value(); }}))
      << "a method with kMaxParams + 1 parameters was registered";
}

// --- handlers ---

TEST(DispatcherHandlerTest, ThrowingHandlerGivesInternalError) {
  Dispatcher d;
  d.add({"boom", {}, 0, "", [](const Params&, Allocator&) -> MethodResult {
           throw std::runtime_error("kaboom");
         }});
  auto r = parse(d.handle(R"({"jsonrpc":"2.0","method":"boom","id":7})"));
  expect_error(r, kInternalError);
  EXPECT_EQ(r["id"].GetInt(), 7);
  EXPECT_NE(std::string(r["error"]["message"].GetString()).find("kaboom"), std::string::npos);
}

TEST(DispatcherHandlerTest, HandlerThrowingANonExceptionGivesInternalError) {
  Dispatcher d;
  d.add({"boom", {}, 0, "", [](const Params&, Allocator&) -> MethodResult { throw 42; }});
  auto r = parse(d.handle(R"({"jsonrpc":"2.0","method":"boom","id":7})"));
  expect_error(r, kInternalError);
  EXPECT_EQ(r["id"].GetInt(), 7);
}

TEST(DispatcherHandlerTest, HandlerErrorIsSentWithCodeMessageAndData) {
  Dispatcher d;
  d.add({"deny", {}, 0, "", [](const Params&, Allocator&) -> MethodResult {
           return Error{-32001, "Access denied", R"({"why":"no"})"};
         }});
  auto r = parse(d.handle(R"({"jsonrpc":"2.0","method":"deny","id":"x"})"));
  expect_error(r, -32001);
  EXPECT_STREQ(r["error"]["message"].GetString(), "Access denied");
  EXPECT_STREQ(r["error"]["data"]["why"].GetString(), "no");
  EXPECT_STREQ(r["id"].GetString(), "x");
}

TEST(DispatcherHandlerTest, HandlerErrorWithoutDataHasNoDataMember) {
  Dispatcher d;
  d.add({"deny", {}, 0, "", [](const Params&, Allocator&) -> MethodResult {
           return Error{-32001, "Access denied", {}};
         }});
  auto r = parse(d.handle(R"({"jsonrpc":"2.0","method":"deny","id":1})"));
  expect_error(r, -32001);
  EXPECT_FALSE(r["error"].HasMember("data"));
}

TEST(DispatcherHandlerTest, LaterMethodOfTheSameNameReplacesTheEarlier) {
  Dispatcher d;
  d.add({"v", {}, 0, "", [](const Params&, Allocator&) -> MethodResult { return Value(1); }});
  d.add({"v", {}, 0, "", [](const Params&, Allocator&) -> MethodResult { return Value(2); }});
  EXPECT_EQ(d.methods().size(), 1u);
  auto r = parse(d.handle(R"({"jsonrpc":"2.0","method":"v","id":1})"));
  EXPECT_EQ(r["result"].GetInt(), 2);
}

TEST(DispatcherHandlerTest, ResultAllocatedWithTheGivenAllocatorIsWritten) {
  Dispatcher d;
  d.add({"obj", {"s"}, 1, "", [](const Params& p, Allocator& alloc) -> MethodResult {
           Value out(rapidjson::kObjectType);
           out.AddMember("echo", Value(p[0]->GetString(), alloc), alloc);
           out.AddMember("list", Value(rapidjson::kArrayType).PushBack(1, alloc), alloc);
           return out;
         }});
  auto r = parse(d.handle(R"({"jsonrpc":"2.0","method":"obj","params":["hi"],"id":1})"));
  EXPECT_STREQ(r["result"]["echo"].GetString(), "hi");
  EXPECT_EQ(r["result"]["list"][0].GetInt(), 1);
}

TEST(DispatcherHandlerTest, ResultGivenAsJsonTextIsCarriedAsIs) {
  DispatcherOptions options;
  options.max_response_bytes = 200;
  Dispatcher d(options);
  d.add({"text", {"n"}, 1, "", [](const Params& p, Allocator&) -> MethodResult {
           return JsonText{"[" + std::string(p[0]->GetUint(), '1') + "]"};
         }});
  EXPECT_EQ(d.handle(R"({"jsonrpc":"2.0","method":"text","params":[3],"id":7})"),
            R"({"jsonrpc":"2.0","result":[111],"error":null,"id":7})");
  // In a batch, beside a value, and held to the response size limit like one.
  auto batch = parse(d.handle(R"([{"jsonrpc":"2.0","method":"text","params":[2],"id":"a"},)"
                              R"({"jsonrpc":"2.0","method":"text","params":[500],"id":"b"}])"));
  ASSERT_TRUE(batch.IsArray());
  ASSERT_EQ(batch.Size(), 2u);
  EXPECT_EQ(find_by_id(batch, "a")->operator[]("result")[0].GetInt(), 11);
  expect_error(*find_by_id(batch, "b"), kResponseTooLarge);
}

// --- batch limit ---

std::string batch_of(std::size_t n) {
  std::string body = "[";
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) body += ',';
    body += R"({"jsonrpc":"2.0","method":"n","id":)" + std::to_string(i) + "}";
  }
  return body + "]";
}

TEST(DispatcherBatchLimitTest, BatchAtTheLimitIsAnswered) {
  Dispatcher d(DispatcherOptions{ResponseStyle::kGemstone, kDefaultMaxDepth, 3});
  d.add({"n", {}, 0, "", [](const Params&, Allocator&) -> MethodResult { return Value(1); }});
  auto r = parse(d.handle(batch_of(3)));
  ASSERT_TRUE(r.IsArray());
  EXPECT_EQ(r.Size(), 3u);
}

TEST(DispatcherBatchLimitTest, BatchOverTheLimitGetsOneInvalidRequest) {
  Dispatcher d(DispatcherOptions{ResponseStyle::kGemstone, kDefaultMaxDepth, 3});
  int calls = 0;
  d.add({"n", {}, 0, "", [&calls](const Params&, Allocator&) -> MethodResult {
           ++calls;
           return Value(1);
         }});
  auto r = parse(d.handle(batch_of(4)));
  ASSERT_TRUE(r.IsObject());
  expect_error(r, kInvalidRequest);
  expect_null_id(r);
  EXPECT_EQ(calls, 0);
}

// --- response styles (exact bytes matter here) ---

class ResponseStyleTest : public ::testing::Test {
 protected:
  static Dispatcher make(ResponseStyle style) {
    Dispatcher d(DispatcherOptions{style, kDefaultMaxDepth, 100});
    d.add({"one", {}, 0, "", [](const Params&, Allocator&) -> MethodResult { return Value(1); }});
    return d;
  }
};

TEST_F(ResponseStyleTest, GemstoneSuccessAlsoWritesNullError) {
  EXPECT_EQ(make(ResponseStyle::kGemstone).handle(R"({"jsonrpc":"2.0","method":"one","id":1})"),
            R"({"jsonrpc":"2.0","result":1,"error":null,"id":1})");
}

TEST_F(ResponseStyleTest, GemstoneErrorAlsoWritesNullResult) {
  auto r = parse(
      make(ResponseStyle::kGemstone).handle(R"({"jsonrpc":"2.0","method":"nope","id":1})"));
  ASSERT_TRUE(r.HasMember("result"));
  EXPECT_TRUE(r["result"].IsNull());
  expect_error(r, kMethodNotFound);
}

TEST_F(ResponseStyleTest, StrictSuccessWritesOnlyResult) {
  EXPECT_EQ(make(ResponseStyle::kStrict).handle(R"({"jsonrpc":"2.0","method":"one","id":1})"),
            R"({"jsonrpc":"2.0","result":1,"id":1})");
}

TEST_F(ResponseStyleTest, StrictErrorWritesOnlyError) {
  auto r =
      parse(make(ResponseStyle::kStrict).handle(R"({"jsonrpc":"2.0","method":"nope","id":1})"));
  EXPECT_FALSE(r.HasMember("result"));
  expect_error(r, kMethodNotFound);
}

TEST_F(ResponseStyleTest, ErrorResponseInGemstoneStyle) {
  auto r = parse(make(ResponseStyle::kGemstone).error_response(Error::invalid_request("bad type")));
  expect_error(r, kInvalidRequest);
  expect_null_id(r);
  ASSERT_TRUE(r.HasMember("result"));
  EXPECT_TRUE(r["result"].IsNull());
  EXPECT_NE(std::string(r["error"]["message"].GetString()).find("bad type"), std::string::npos);
}

TEST_F(ResponseStyleTest, ErrorResponseInStrictStyle) {
  auto r = parse(make(ResponseStyle::kStrict).error_response(Error{-32600, "too big", {}}));
  expect_error(r, kInvalidRequest);
  expect_null_id(r);
  EXPECT_FALSE(r.HasMember("result"));
  EXPECT_STREQ(r["error"]["message"].GetString(), "too big");
}

// --- observer ---

class DispatcherObserverTest : public DispatcherTest {
 protected:
  void SetUp() override {
    DispatcherTest::SetUp();
    dispatcher_.set_observer([this](const CallRecord& record) {
      std::lock_guard lock(mutex_);
      seen_.emplace_back(std::string(record.method), record.code);
    });
  }
  std::vector<std::pair<std::string, int>> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

  std::mutex mutex_;
  std::vector<std::pair<std::string, int>> seen_;
};

TEST_F(DispatcherObserverTest, SeesASuccessfulCall) {
  dispatcher_.handle(R"({"jsonrpc":"2.0","method":"subtract","params":[2,1],"id":1})");
  const auto calls = seen();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].first, "subtract");
  EXPECT_EQ(calls[0].second, 0);
}

TEST_F(DispatcherObserverTest, SeesAFailedCallWithItsCode) {
  dispatcher_.handle(R"({"jsonrpc":"2.0","method":"subtract","params":[2],"id":1})");
  const auto calls = seen();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].first, "subtract");
  EXPECT_EQ(calls[0].second, kInvalidParams);
}

TEST_F(DispatcherObserverTest, SeesAParseError) {
  dispatcher_.handle("{");
  const auto calls = seen();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].first, "");
  EXPECT_EQ(calls[0].second, kParseError);
}

TEST_F(DispatcherObserverTest, SeesAnUnknownMethod) {
  dispatcher_.handle(R"({"jsonrpc":"2.0","method":"nope","id":1})");
  const auto calls = seen();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].second, kMethodNotFound);
}

TEST_F(DispatcherObserverTest, SeesANotification) {
  dispatcher_.handle(R"({"jsonrpc":"2.0","method":"foobar"})");
  const auto calls = seen();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].first, "foobar");
  EXPECT_EQ(calls[0].second, 0);
}

TEST_F(DispatcherObserverTest, SeesEachBatchMember) {
  dispatcher_.handle(R"([
    {"jsonrpc":"2.0","method":"subtract","params":[2,1],"id":1},
    {"jsonrpc":"2.0","method":"foobar"},
    {"jsonrpc":"2.0","method":"nope","id":2},
    5
  ])");
  const auto calls = seen();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0], std::make_pair(std::string("subtract"), 0));
  EXPECT_EQ(calls[1], std::make_pair(std::string("foobar"), 0));
  EXPECT_EQ(calls[2].second, kMethodNotFound);
  EXPECT_EQ(calls[3].second, kInvalidRequest);
}

// The index names the method by its position in methods(), so that a
// counter can be picked without comparing names.
TEST_F(DispatcherObserverTest, RecordsCarryTheMethodsPosition) {
  std::vector<std::size_t> indexes;
  dispatcher_.set_observer([&](const CallRecord& record) { indexes.push_back(record.index); });
  dispatcher_.handle(R"([
    {"jsonrpc":"2.0","method":"sum","params":[1],"id":1},
    {"jsonrpc":"2.0","method":"subtract","params":[2],"id":2},
    {"jsonrpc":"2.0","method":"nope","id":3},
    5
  ])");
  ASSERT_EQ(indexes.size(), 4u);
  EXPECT_EQ(dispatcher_.methods()[indexes[0]].name, "sum");
  EXPECT_EQ(dispatcher_.methods()[indexes[1]].name, "subtract");
  EXPECT_EQ(indexes[2], kNoMethod);
  EXPECT_EQ(indexes[3], kNoMethod);
}

// What one request's sink is told, besides the observer.
class SinkLog final : public CallSink {
 public:
  void called(const CallRecord& call) override { seen.push_back("called " + describe(call)); }
  void parked(const CallRecord& call) override { seen.push_back("parked " + describe(call)); }
  std::vector<std::string> seen;

 private:
  static std::string describe(const CallRecord& call) {
    return std::string(call.method) + " " + std::to_string(call.code);
  }
};

TEST_F(DispatcherObserverTest, ASinkSeesTheCallsOfItsRequestOnly) {
  SinkLog sink;
  dispatcher_.handle_async(R"([
    {"jsonrpc":"2.0","method":"subtract","params":[2,1],"id":1},
    {"jsonrpc":"2.0","method":"subtract","params":[2],"id":2},
    {"jsonrpc":"2.0","method":"foobar"}
  ])",
                           {}, {}, &sink);
  dispatcher_.handle_async("{", {}, {});  // no sink: only the observer
  EXPECT_EQ(sink.seen, (std::vector<std::string>{"called subtract 0",
                                                 "called subtract " + std::to_string(kInvalidParams),
                                                 "called foobar 0"}));
  EXPECT_EQ(seen().size(), 4u);
  SinkLog parse_error;
  dispatcher_.handle_async("{", {}, {}, &parse_error);
  EXPECT_EQ(parse_error.seen, std::vector<std::string>{"called  " + std::to_string(kParseError)});
}

}  // namespace
}  // namespace gemstone::jsonrpc

namespace gemstone::jsonrpc {
namespace {

// A guard sees the method (and its scope) before params are bound, and its
// error replaces the call.
class DispatcherGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dispatcher_.add({"write_it", {"x"}, 1, "", [this](const Params&, Allocator&) -> MethodResult {
                       ++runs_;
                       return rapidjson::Value(true);
                     }, Scope::kWrite});
    dispatcher_.add({"read_it", {}, 0, "", [this](const Params&, Allocator&) -> MethodResult {
                       ++runs_;
                       return rapidjson::Value(1);
                     }, Scope::kRead});
  }
  Guard deny_writes_ = [](const Method& m) -> std::optional<Error> {
    if (m.scope == Scope::kWrite) return Error{-32001, "Access denied", {}};
    return std::nullopt;
  };
  Dispatcher dispatcher_;
  int runs_ = 0;
};

TEST_F(DispatcherGuardTest, RefusedCallGetsTheGuardsErrorAndDoesNotRun) {
  const std::string out =
      dispatcher_.handle(R"({"jsonrpc":"2.0","method":"write_it","params":[1],"id":1})", deny_writes_);
  EXPECT_NE(out.find("\"code\":-32001"), std::string::npos) << out;
  EXPECT_NE(out.find("\"id\":1"), std::string::npos) << out;
  EXPECT_EQ(runs_, 0);
}

TEST_F(DispatcherGuardTest, RefusalComesBeforeParamValidation) {
  const std::string out =
      dispatcher_.handle(R"({"jsonrpc":"2.0","method":"write_it","params":{"bogus":1},"id":1})", deny_writes_);
  EXPECT_NE(out.find("\"code\":-32001"), std::string::npos) << out;
}

TEST_F(DispatcherGuardTest, AllowedCallRuns) {
  const std::string out = dispatcher_.handle(R"({"jsonrpc":"2.0","method":"read_it","id":2})", deny_writes_);
  EXPECT_NE(out.find("\"result\":1"), std::string::npos) << out;
  EXPECT_EQ(runs_, 1);
}

TEST_F(DispatcherGuardTest, GuardDecidesPerBatchMember) {
  const std::string out = dispatcher_.handle(
      R"([{"jsonrpc":"2.0","method":"write_it","params":[1],"id":1},{"jsonrpc":"2.0","method":"read_it","id":2}])",
      deny_writes_);
  EXPECT_NE(out.find("\"code\":-32001"), std::string::npos) << out;
  EXPECT_NE(out.find("\"result\":1"), std::string::npos) << out;
  EXPECT_EQ(runs_, 1);
}

TEST_F(DispatcherGuardTest, NoGuardAllowsEverything) {
  dispatcher_.handle(R"({"jsonrpc":"2.0","method":"write_it","params":[1],"id":1})");
  EXPECT_EQ(runs_, 1);
}

// A method that parks when it may, and answers at once otherwise.
Method waiting_method(Responder* kept) {
  Method m{"wait", {}, 0, "waits", {}, Scope::kRead};
  m.deferred = [kept](const Params&, Allocator&, const Park& park) -> std::optional<MethodResult> {
    if (!park) return MethodResult(Value("now"));
    *kept = park();
    return std::nullopt;
  };
  return m;
}

TEST(DispatcherDeferredTest, ASingleCallParksAndIsAnsweredLater) {
  Dispatcher dispatcher;
  Responder kept;
  dispatcher.add(waiting_method(&kept));
  std::string delivered;
  int parks = 0;
  auto answer = dispatcher.handle_async(R"({"jsonrpc":"2.0","method":"wait","id":"x7"})", {}, [&] {
    ++parks;
    return Dispatcher::Parked{[&](std::string body) { delivered = std::move(body); },
                              [] { return false; }};
  });
  EXPECT_FALSE(answer.has_value());
  EXPECT_EQ(parks, 1);
  ASSERT_TRUE(kept);
  EXPECT_FALSE(kept.abandoned());
  kept.result_json(R"({"index":5})");
  kept.result_json(R"({"index":6})");  // only the first answer counts
  auto doc = parse(delivered);
  EXPECT_EQ(doc["result"]["index"].GetInt(), 5);
  EXPECT_STREQ(doc["id"].GetString(), "x7");
  EXPECT_TRUE(doc["error"].IsNull());
}

TEST(DispatcherDeferredTest, TheSinkIsToldOfTheParkingAndOnlyTheObserverOfTheAnswer) {
  Dispatcher dispatcher;
  Responder kept;
  dispatcher.add(waiting_method(&kept));
  std::vector<std::size_t> observed;
  dispatcher.set_observer([&](const CallRecord& call) { observed.push_back(call.index); });
  SinkLog sink;
  auto answer = dispatcher.handle_async(R"({"jsonrpc":"2.0","method":"wait","id":1})", {},
                                        [] { return Dispatcher::Parked{[](std::string) {}, {}}; },
                                        &sink);
  EXPECT_FALSE(answer.has_value());
  EXPECT_EQ(sink.seen, std::vector<std::string>{"parked wait 0"});
  EXPECT_TRUE(observed.empty());
  kept.result_json("1");
  EXPECT_EQ(sink.seen.size(), 1u);
  EXPECT_EQ(observed, std::vector<std::size_t>{0});
}

TEST(DispatcherDeferredTest, BatchesNotificationsAndHandleAnswerAtOnce) {
  Dispatcher dispatcher;
  Responder kept;
  dispatcher.add(waiting_method(&kept));
  auto never = [] () -> Dispatcher::Parked {
    ADD_FAILURE() << "parked";
    return {};
  };
  auto batch = dispatcher.handle_async(R"([{"jsonrpc":"2.0","method":"wait","id":1}])", {}, never);
  ASSERT_TRUE(batch.has_value());
  EXPECT_STREQ(parse(*batch)[0]["result"].GetString(), "now");
  auto notification = dispatcher.handle_async(R"({"jsonrpc":"2.0","method":"wait"})", {}, never);
  ASSERT_TRUE(notification.has_value());
  EXPECT_TRUE(notification->empty());
  EXPECT_STREQ(parse(dispatcher.handle(R"({"jsonrpc":"2.0","method":"wait","id":1})"))["result"].GetString(),
               "now");
}

TEST(DispatcherDeferredTest, AParkedErrorKeepsTheNumericIdAsSent) {
  Dispatcher dispatcher(DispatcherOptions{ResponseStyle::kStrict});
  Responder kept;
  dispatcher.add(waiting_method(&kept));
  std::string delivered;
  auto answer = dispatcher.handle_async(R"({"jsonrpc":"2.0","method":"wait","id":12345678901234567890})", {},
                                        [&] {
                                          return Dispatcher::Parked{
                                              [&](std::string body) { delivered = std::move(body); }, {}};
                                        });
  EXPECT_FALSE(answer.has_value());
  kept.error(Error{-32004, "Too many watchers", {}});
  EXPECT_NE(delivered.find(R"("id":12345678901234567890)"), std::string::npos) << delivered;
  EXPECT_EQ(delivered.find("result"), std::string::npos);
}

}  // namespace
}  // namespace gemstone::jsonrpc

namespace gemstone::jsonrpc {
namespace {

// A dispatcher with one blocking method ("write") and one other ("read"),
// whose offload queues work for the test to run.
struct OffloadFixture {
  OffloadFixture() {
    Method write{"write", {}, 0, "", [](const Params&, Allocator&) { return MethodResult(Value(1)); }};
    write.blocking = true;
    dispatcher.add(std::move(write));
    dispatcher.add({"read", {}, 0, "", [](const Params&, Allocator&) { return MethodResult(Value(2)); }});
    dispatcher.set_offload([this](std::function<void()> work) { queued.push_back(std::move(work)); });
  }
  std::optional<std::string> handle(std::string_view body, const Guard& guard = {}) {
    return dispatcher.handle_async(body, guard, [this] {
      ++parks;
      return Dispatcher::Parked{[this](std::string body) { delivered.push_back(std::move(body)); },
                                [] { return false; }};
    });
  }
  Dispatcher dispatcher;
  std::vector<std::function<void()>> queued;
  std::vector<std::string> delivered;
  int parks = 0;
};

TEST(DispatcherOffloadTest, ARequestCallingABlockingMethodRunsOnTheOffloadAndIsAnsweredFromThere) {
  OffloadFixture f;
  EXPECT_FALSE(f.handle(R"({"jsonrpc":"2.0","method":"write","id":1})"));
  EXPECT_EQ(f.parks, 1);
  ASSERT_EQ(f.queued.size(), 1u);
  EXPECT_TRUE(f.delivered.empty());  // nothing ran on the caller's thread
  f.queued[0]();
  ASSERT_EQ(f.delivered.size(), 1u);
  EXPECT_EQ(parse(f.delivered[0])["result"].GetInt(), 1);
}

TEST(DispatcherOffloadTest, BatchesAndNotificationsWithABlockingCallGoWholeAndOthersStay) {
  OffloadFixture f;
  EXPECT_FALSE(f.handle(R"([{"jsonrpc":"2.0","method":"read","id":1},{"jsonrpc":"2.0","method":"write","id":2}])"));
  EXPECT_FALSE(f.handle(R"({"jsonrpc":"2.0","method":"write"})"));
  auto read = f.handle(R"({"jsonrpc":"2.0","method":"read","id":3})");
  ASSERT_TRUE(read);  // answered here, no offload
  EXPECT_EQ(parse(*read)["result"].GetInt(), 2);
  ASSERT_EQ(f.queued.size(), 2u);
  for (auto& work : f.queued) work();
  ASSERT_EQ(f.delivered.size(), 2u);
  auto batch = parse(f.delivered[0]);
  ASSERT_TRUE(batch.IsArray());
  EXPECT_EQ(batch.Size(), 2u);
  EXPECT_EQ(f.delivered[1], "");  // a notification: nothing to send
}

TEST(DispatcherOffloadTest, TheGuardStillDecidesOnTheOffload) {
  OffloadFixture f;
  const Guard refuse = [](const Method&) -> std::optional<Error> { return Error{-32001, "Access denied", {}}; };
  EXPECT_FALSE(f.handle(R"({"jsonrpc":"2.0","method":"write","id":1})", refuse));
  ASSERT_EQ(f.queued.size(), 1u);
  f.queued[0]();
  ASSERT_EQ(f.delivered.size(), 1u);
  EXPECT_NE(f.delivered[0].find("-32001"), std::string::npos) << f.delivered[0];
}

}  // namespace
}  // namespace gemstone::jsonrpc

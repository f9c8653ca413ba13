// Requests built to make two readers disagree, or to make a small request
// cost a large answer: duplicate member names, ids a double cannot hold
// exactly, results past the response size limit.

#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "gemstone/jsonrpc/dispatcher.hpp"
#include "gemstone/jsonrpc/json.hpp"

namespace gemstone::jsonrpc {
namespace {

class DispatcherHostileInputTest : public ::testing::Test {
 protected:
  void SetUp() override { add(dispatcher_, 0); }

  // Methods that count their runs: a refused request must run nothing.
  void add(Dispatcher& d, std::size_t big_size) {
    d.add({"first", {"a", "b"}, 0, "", [this](const Params& p, Allocator& alloc) -> MethodResult {
             ++first_runs_;
             rapidjson::Value out(rapidjson::kObjectType);
             if (p[0] != nullptr) out.AddMember("a", rapidjson::Value(*p[0], alloc), alloc);
             return out;
           }, Scope::kRead});
    d.add({"second", {}, 0, "", [this](const Params&, Allocator&) -> MethodResult {
             ++second_runs_;
             return rapidjson::Value(2);
           }, Scope::kRead});
    d.add({"big", {}, 0, "", [this, big_size](const Params&, Allocator& alloc) -> MethodResult {
             ++big_runs_;
             const std::string text(big_size, 'x');
             return rapidjson::Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), alloc);
           }, Scope::kRead});
  }

  static rapidjson::Document parse(const std::string& body) {
    auto parsed = parse_json(body);
    EXPECT_TRUE(parsed.ok()) << body;
    return parsed.ok() ? std::move(parsed).value() : rapidjson::Document();
  }

  static int code_of(const rapidjson::Value& response) {
    if (!response.IsObject() || !response.HasMember("error") || !response["error"].IsObject()) return 0;
    return response["error"]["code"].GetInt();
  }

  Dispatcher dispatcher_;
  int first_runs_ = 0;
  int second_runs_ = 0;
  int big_runs_ = 0;
};

TEST_F(DispatcherHostileInputTest, RepeatedMethodMemberIsAnInvalidRequestAndRunsNothing) {
  const std::string body = dispatcher_.handle(
      R"({"jsonrpc":"2.0","method":"first","method":"second","id":1})");
  const auto response = parse(body);
  EXPECT_EQ(code_of(response), kInvalidRequest) << body;
  EXPECT_NE(body.find("method"), std::string::npos) << body;
  EXPECT_EQ(first_runs_, 0);
  EXPECT_EQ(second_runs_, 0);
}

TEST_F(DispatcherHostileInputTest, RepeatedIdOrParamsMemberIsAnInvalidRequest) {
  for (const char* body : {R"({"jsonrpc":"2.0","method":"first","id":1,"id":2})",
                           R"({"jsonrpc":"2.0","method":"first","params":{},"params":[],"id":1})",
                           R"({"jsonrpc":"2.0","jsonrpc":"2.0","method":"first","id":1})"}) {
    EXPECT_EQ(code_of(parse(dispatcher_.handle(body))), kInvalidRequest) << body;
  }
  EXPECT_EQ(first_runs_, 0);
}

TEST_F(DispatcherHostileInputTest, RepeatedParamIsInvalidParamsNamingIt) {
  const std::string body = dispatcher_.handle(
      R"({"jsonrpc":"2.0","method":"first","params":{"a":"x","a":"y"},"id":1})");
  const auto response = parse(body);
  ASSERT_EQ(code_of(response), kInvalidParams) << body;
  EXPECT_STREQ(response["error"]["data"]["field"].GetString(), "a");
  EXPECT_EQ(first_runs_, 0);
}

TEST_F(DispatcherHostileInputTest, RepeatedKeyDeepInsideParamsIsInvalidParams) {
  const std::string body = dispatcher_.handle(
      R"({"jsonrpc":"2.0","method":"first","params":{"a":[{"zone":"eu","zone":"us"}]},"id":1})");
  EXPECT_EQ(code_of(parse(body)), kInvalidParams) << body;
  EXPECT_EQ(first_runs_, 0);
}

TEST_F(DispatcherHostileInputTest, RepeatedKeyInALargeObjectIsFound) {
  std::string params = "{";
  for (int i = 0; i < 200; ++i) params += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  params += "\"k57\":0}";
  EXPECT_EQ(find_duplicate_key(parse(params)), std::optional<std::string>("k57"));
  const auto unique = parse(R"({"a":{"b":1,"c":2},"b":[{"a":1,"b":2}]})");
  EXPECT_EQ(find_duplicate_key(unique), std::nullopt);
}

TEST_F(DispatcherHostileInputTest, RepeatedMemberRefusesOnlyThatBatchElement) {
  const auto response = parse(dispatcher_.handle(
      R"([{"jsonrpc":"2.0","method":"second","id":1},)"
      R"({"jsonrpc":"2.0","method":"first","method":"second","id":2}])"));
  ASSERT_TRUE(response.IsArray());
  ASSERT_EQ(response.Size(), 2u);
  EXPECT_EQ(code_of(response[0]), 0);
  EXPECT_EQ(code_of(response[1]), kInvalidRequest);
  EXPECT_EQ(second_runs_, 1);
}

TEST_F(DispatcherHostileInputTest, NumericIdsAreEchoedDigitForDigit) {
  for (const char* id : {"-9223372036854775809", "123456789012345678901234567890", "1e3", "0.1",
                         "1.0", "-0.0", "2E-5", "18446744073709551616"}) {
    const std::string body = dispatcher_.handle(
        std::string(R"({"jsonrpc":"2.0","method":"second","id":)") + id + "}");
    EXPECT_NE(body.find(std::string("\"id\":") + id + "}"), std::string::npos)
        << "id " << id << " came back as " << body;
  }
}

TEST_F(DispatcherHostileInputTest, IntegerAndStringIdsAreEchoedUnchanged) {
  for (const char* id : {"-9223372036854775808", "18446744073709551615", "0", "7", "\"abc\"",
                         "null"}) {
    const std::string body = dispatcher_.handle(
        std::string(R"({"jsonrpc":"2.0","method":"second","id":)") + id + "}");
    EXPECT_NE(body.find(std::string("\"id\":") + id + "}"), std::string::npos)
        << "id " << id << " came back as " << body;
  }
}

TEST_F(DispatcherHostileInputTest, IdsInABatchAndInErrorsAreEchoedExactly) {
  const std::string body = dispatcher_.handle(
      R"([{"jsonrpc":"2.0","method":"second","id":7},)"
      R"({"jsonrpc":"2.0","method":"nope","id":1e300},)"
      R"(5,)"
      R"({"jsonrpc":"2.0","method":"second","id":12345678901234567890123})"
      "]");
  EXPECT_NE(body.find("\"id\":7}"), std::string::npos) << body;
  EXPECT_NE(body.find("\"id\":1e300}"), std::string::npos) << body;
  EXPECT_NE(body.find("\"id\":12345678901234567890123}"), std::string::npos) << body;
}

TEST_F(DispatcherHostileInputTest, ResultPastTheLimitBecomesResponseTooLarge) {
  DispatcherOptions options;
  options.max_response_bytes = 1000;
  Dispatcher limited(options);
  add(limited, 5000);
  const std::string body = limited.handle(R"({"jsonrpc":"2.0","method":"big","id":1e3})");
  EXPECT_LE(body.size(), 1000u);
  const auto response = parse(body);
  ASSERT_EQ(code_of(response), kResponseTooLarge) << body;
  EXPECT_STREQ(response["error"]["message"].GetString(), "Response too large");
  EXPECT_EQ(response["error"]["data"]["limit"].GetUint64(), 1000u);
  EXPECT_NE(body.find("\"id\":1e3}"), std::string::npos) << body;
  EXPECT_EQ(big_runs_, 1);
}

TEST_F(DispatcherHostileInputTest, BatchKeepsResultsUpToTheLimitAndRefusesTheRest) {
  DispatcherOptions options;
  options.max_response_bytes = 1000;
  Dispatcher limited(options);
  add(limited, 400);
  std::string batch = "[";
  for (int i = 0; i < 5; ++i) {
    batch += std::string(i ? "," : "") + R"({"jsonrpc":"2.0","method":"big","id":)" +
             std::to_string(i) + "}";
  }
  batch += R"(,{"jsonrpc":"2.0","method":"second","id":5}])";
  const std::string body = limited.handle(batch);
  EXPECT_LE(body.size(), 1000u + 6 * 120);  // the refusals are small
  const auto response = parse(body);
  ASSERT_TRUE(response.IsArray()) << body;
  ASSERT_EQ(response.Size(), 6u);
  EXPECT_EQ(code_of(response[0]), 0);
  EXPECT_EQ(code_of(response[1]), 0);
  for (rapidjson::SizeType i = 2; i < 6; ++i) {
    EXPECT_EQ(code_of(response[i]), kResponseTooLarge) << i;
    EXPECT_EQ(response[i]["id"].GetInt(), static_cast<int>(i));
  }
  // Every call ran: a write in a batch is not skipped because of its answer.
  EXPECT_EQ(big_runs_, 5);
  EXPECT_EQ(second_runs_, 1);
}

TEST_F(DispatcherHostileInputTest, ResultJustUnderTheLimitIsSent) {
  DispatcherOptions options;
  Dispatcher probe;
  add(probe, 100);
  const std::size_t size = probe.handle(R"({"jsonrpc":"2.0","method":"big","id":1})").size();
  options.max_response_bytes = size;
  Dispatcher limited(options);
  add(limited, 100);
  const auto response = parse(limited.handle(R"({"jsonrpc":"2.0","method":"big","id":1})"));
  EXPECT_EQ(code_of(response), 0);
  options.max_response_bytes = size - 1;
  Dispatcher tighter(options);
  add(tighter, 100);
  EXPECT_EQ(code_of(parse(tighter.handle(R"({"jsonrpc":"2.0","method":"big","id":1})"))),
            kResponseTooLarge);
}

}  // namespace
}  // namespace gemstone::jsonrpc

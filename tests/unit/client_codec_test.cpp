// The client codec: requests and batches out, responses of either style in.

#include <gtest/gtest.h>

#include "gemstone/jsonrpc/client_codec.hpp"
#include "gemstone/jsonrpc/json.hpp"

namespace gemstone::jsonrpc {
namespace {

TEST(ClientCodecEncode, RequestWithNamedParams) {
  auto params = parse_json(R"({"a":1,"b":"x"})");
  EXPECT_EQ(encode_request({"add", &params.value(), 7}),
            R"({"jsonrpc":"2.0","method":"add","params":{"a":1,"b":"x"},"id":7})");
}

TEST(ClientCodecEncode, RequestWithoutParamsHasNoParamsMember) {
  EXPECT_EQ(encode_request({"get_service_specs", nullptr, 1}),
            R"({"jsonrpc":"2.0","method":"get_service_specs","id":1})");
}

TEST(ClientCodecEncode, NotificationHasNoId) {
  auto params = parse_json(R"([1,2])");
  EXPECT_EQ(encode_request({"log", &params.value(), std::nullopt}),
            R"({"jsonrpc":"2.0","method":"log","params":[1,2]})");
}

TEST(ClientCodecEncode, MethodNamesAreEscaped) {
  EXPECT_EQ(encode_request({"a\"b", nullptr, 1}), R"({"jsonrpc":"2.0","method":"a\"b","id":1})");
}

TEST(ClientCodecEncode, BatchIsAnArrayInOrder) {
  EXPECT_EQ(encode_batch({{"a", nullptr, 1}, {"b", nullptr, std::nullopt}}),
            R"([{"jsonrpc":"2.0","method":"a","id":1},{"jsonrpc":"2.0","method":"b"}])");
}

TEST(ClientCodecDecode, StrictSuccess) {
  auto r = decode_response(R"({"jsonrpc":"2.0","result":3,"id":1})", 1);
  ASSERT_TRUE(r.ok()) << r.error().reason;
  ASSERT_TRUE(r.value().ok());
  EXPECT_EQ(r.value().result.GetInt(), 3);
}

TEST(ClientCodecDecode, GemstoneSuccessWithNullError) {
  auto r = decode_response(R"({"jsonrpc":"2.0","result":{"k":[1]},"error":null,"id":1})", 1);
  ASSERT_TRUE(r.ok()) << r.error().reason;
  ASSERT_TRUE(r.value().ok());
  EXPECT_EQ(to_json(r.value().result), R"({"k":[1]})");
}

TEST(ClientCodecDecode, NullResultIsASuccess) {
  auto r = decode_response(R"({"jsonrpc":"2.0","result":null,"error":null,"id":1})", 1);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.value().ok());
  EXPECT_TRUE(r.value().result.IsNull());
}

TEST(ClientCodecDecode, StrictError) {
  auto r = decode_response(
      R"({"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found: x"},"id":1})", 1);
  ASSERT_TRUE(r.ok()) << r.error().reason;
  ASSERT_FALSE(r.value().ok());
  EXPECT_EQ(r.value().error->code, -32601);
  EXPECT_EQ(r.value().error->message, "Method not found: x");
  EXPECT_EQ(r.value().error->data, "");
}

TEST(ClientCodecDecode, GemstoneErrorWithNullResultAndData) {
  auto r = decode_response(
      R"({"jsonrpc":"2.0","result":null,"error":{"code":-32000,"message":"m","data":{"why":[1]}},"id":1})",
      1);
  ASSERT_TRUE(r.ok());
  ASSERT_FALSE(r.value().ok());
  EXPECT_EQ(r.value().error->data, R"({"why":[1]})");
}

TEST(ClientCodecDecode, ErrorWithNullIdIsAccepted) {
  auto r = decode_response(R"({"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null})", 5);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().error->code, -32700);
}

TEST(ClientCodecDecode, OriginalGemstoneNotificationAnswerWithoutJsonrpcMember) {
  auto r = decode_response(R"({"result":"received","error":null})", 1);
  ASSERT_TRUE(r.ok());
  EXPECT_STREQ(r.value().result.GetString(), "received");
}

struct MalformedCase {
  const char* name;
  const char* body;
  const char* reason_part;
};

class ClientCodecMalformed : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(ClientCodecMalformed, IsRejectedWithAReason) {
  auto r = decode_response(GetParam().body, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().reason.find(GetParam().reason_part), std::string::npos) << r.error().reason;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ClientCodecMalformed,
    ::testing::Values(
        MalformedCase{"Empty", "", "empty"},
        MalformedCase{"Html", "<html></html>", "not JSON"},
        MalformedCase{"TrailingGarbage", R"({"result":1,"id":1} x)", "not JSON"},
        MalformedCase{"NotAnObject", "42", "not a JSON object"},
        MalformedCase{"ArrayForSingle", R"([{"result":1,"id":1}])", "array"},
        MalformedCase{"NeitherResultNorError", R"({"jsonrpc":"2.0","id":1})", "neither"},
        MalformedCase{"BothNull", R"({"error":null,"id":1})", "neither"},
        MalformedCase{"ErrorNotObject", R"({"error":"bad","id":1})", "not an object"},
        MalformedCase{"ErrorWithoutCode", R"({"error":{"message":"m"},"id":1})", "code"},
        MalformedCase{"ErrorCodeNotInteger", R"({"error":{"code":1.5,"message":"m"},"id":1})", "code"},
        MalformedCase{"MessageNotString", R"({"error":{"code":1,"message":2},"id":1})", "message"},
        MalformedCase{"WrongId", R"({"result":1,"id":2})", "does not match"},
        MalformedCase{"StringId", R"({"result":1,"id":"1"})", "id"}),
    [](const ::testing::TestParamInfo<MalformedCase>& info) { return std::string(info.param.name); });

TEST(ClientCodecDecode, DeepNestingIsMalformedNotACrash) {
  const std::string deep = R"({"result":)" + std::string(100000, '[') + std::string(100000, ']') + R"(,"id":1})";
  auto r = decode_response(deep, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().reason.find("nesting"), std::string::npos) << r.error().reason;
}

TEST(ClientCodecBatch, RepliesAreMatchedByIdWhateverTheOrder) {
  auto r = decode_batch(
      R"([{"jsonrpc":"2.0","result":"b","id":2},)"
      R"({"jsonrpc":"2.0","result":null,"error":{"code":-1,"message":"no"},"id":3},)"
      R"({"jsonrpc":"2.0","result":"a","error":null,"id":1}])",
      {1, 2, 3});
  ASSERT_TRUE(r.ok()) << r.error().reason;
  ASSERT_EQ(r.value().size(), 3u);
  EXPECT_STREQ(r.value()[0].result.GetString(), "a");
  EXPECT_STREQ(r.value()[1].result.GetString(), "b");
  ASSERT_FALSE(r.value()[2].ok());
  EXPECT_EQ(r.value()[2].error->message, "no");
}

TEST(ClientCodecBatch, ASingleErrorObjectAppliesToTheWholeBatch) {
  auto r = decode_batch(R"({"jsonrpc":"2.0","error":{"code":-32600,"message":"too big"},"id":null})", {1, 2});
  ASSERT_TRUE(r.ok()) << r.error().reason;
  ASSERT_EQ(r.value().size(), 2u);
  EXPECT_EQ(r.value()[0].error->code, -32600);
  EXPECT_EQ(r.value()[1].error->code, -32600);
}

TEST(ClientCodecBatch, NullIdErrorFillsTheUnansweredRequests) {
  auto r = decode_batch(R"([{"result":1,"id":1},{"error":{"code":-32600,"message":"bad"},"id":null}])", {1, 2});
  ASSERT_TRUE(r.ok()) << r.error().reason;
  EXPECT_TRUE(r.value()[0].ok());
  EXPECT_EQ(r.value()[1].error->code, -32600);
}

TEST(ClientCodecBatch, MissingAnswerIsMalformed) {
  auto r = decode_batch(R"([{"result":1,"id":1}])", {1, 2});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().reason.find("no response for request id 2"), std::string::npos);
}

TEST(ClientCodecBatch, UnknownIdIsMalformed) {
  auto r = decode_batch(R"([{"result":1,"id":1},{"result":1,"id":9}])", {1});
  ASSERT_FALSE(r.ok());
}

TEST(ClientCodecBatch, DuplicateIdIsMalformed) {
  auto r = decode_batch(R"([{"result":1,"id":1},{"result":2,"id":1}])", {1});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().reason.find("two responses"), std::string::npos);
}

TEST(ClientCodecBatch, ObjectWithResultIsMalformed) {
  auto r = decode_batch(R"({"result":1,"id":1})", {1});
  ASSERT_FALSE(r.ok());
}

}  // namespace
}  // namespace gemstone::jsonrpc

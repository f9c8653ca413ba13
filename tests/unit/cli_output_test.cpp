// What the command prints: coloured JSON that is the plain JSON with
// escape sequences, the choice of colour and JSON from the flags, and the
// -v account of an exchange with its secrets masked.

#include <gtest/gtest.h>

#include "cli/json_color.hpp"
#include "cli/options.hpp"
#include "cli/verbose.hpp"
#include "gemstone/jsonrpc/json.hpp"

namespace gemstone::cli {
namespace {

rapidjson::Document json(const char* text) {
  rapidjson::Document doc;
  doc.Parse(text);
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

TEST(JsonColor, IsThePlainTextWithEscapeSequences) {
  for (const char* text : {R"({"a":[1,2.5,-3e-7,{"b":null,"c":[]}],"d":{},"e":"x\"y\n\u00e9","f":true,"g":false})",
                           "[]", "{}", "\"s\"", "42", "null", "[[[]],[{}]]"}) {
    const auto doc = json(text);
    EXPECT_EQ(strip_colors(colored_json(doc, true)), jsonrpc::to_pretty_json(doc)) << text;
    EXPECT_EQ(strip_colors(colored_json(doc, false)), jsonrpc::to_json(doc)) << text;
  }
}

TEST(JsonColor, ColoursEachKindAsJqDoes) {
  const std::string out = colored_json(json(R"({"k":["v",1,null,true]})"), false);
  EXPECT_NE(out.find("\x1b[34;1m\"k\"\x1b[0m"), std::string::npos) << out;
  EXPECT_NE(out.find("\x1b[0;32m\"v\"\x1b[0m"), std::string::npos) << out;
  EXPECT_NE(out.find("\x1b[0;39m1\x1b[0m"), std::string::npos) << out;
  EXPECT_NE(out.find("\x1b[1;30mnull\x1b[0m"), std::string::npos) << out;
  EXPECT_NE(out.find("\x1b[1;39m{\x1b[0m"), std::string::npos) << out;
}

TEST(UseColor, AutoFollowsTheTerminalAndNoColor) {
  EXPECT_TRUE(use_color("auto", true, nullptr));
  EXPECT_FALSE(use_color("auto", false, nullptr));
  EXPECT_FALSE(use_color("auto", true, "1"));
  EXPECT_TRUE(use_color("auto", true, ""));  // empty counts as unset
  EXPECT_TRUE(use_color("always", false, "1"));
  EXPECT_FALSE(use_color("never", true, nullptr));
}

TEST(OutputOptions, JsonIsAskedForThreeWays) {
  PrintFlags flags;
  EXPECT_FALSE(output_options(flags, false, nullptr).value().json);
  flags.output = "json";
  EXPECT_TRUE(output_options(flags, false, nullptr).value().json);
  flags = {};
  flags.json = true;
  EXPECT_TRUE(output_options(flags, false, nullptr).value().json);
  flags = {};
  flags.compact = true;
  const auto compact = output_options(flags, false, nullptr).value();
  EXPECT_TRUE(compact.json);
  EXPECT_TRUE(compact.compact);
  flags.output = "text";
  EXPECT_FALSE(output_options(flags, false, nullptr).ok());
}

TEST(Verbose, MasksTokensButNotTheRest) {
  EXPECT_EQ(masked_header_value("Authorization", "Bearer s3cret"), "Bearer ****");
  EXPECT_EQ(masked_header_value("authorization", "s3cret"), "****");
  EXPECT_EQ(masked_header_value("X-Api-Token", "s3cret"), "****");
  EXPECT_EQ(masked_header_value("Cookie", "a=s3cret"), "****");
  EXPECT_EQ(masked_header_value("Content-Type", "application/json"), "application/json");
}

TEST(Verbose, FormatsAnExchangeAsCurlDoes) {
  HttpExchange x;
  x.url = "http://h:1/api";
  x.method = "POST";
  x.target = "/api";
  x.request_headers = {{"Authorization", "Bearer s3cret"}, {"Host", "h:1"}};
  x.request_body = R"({"jsonrpc":"2.0","method":"m","id":1})";
  x.answered = true;
  x.version = "HTTP/1.1";
  x.status = 200;
  x.reason = "OK";
  x.response_headers = {{"Content-Type", "application/json"}};
  x.response_body = "not json";
  x.elapsed = std::chrono::microseconds(1500);
  EXPECT_EQ(format_exchange(x),
            "* POST http://h:1/api\n"
            "> POST /api HTTP/1.1\n"
            "> Authorization: Bearer ****\n"
            "> Host: h:1\n"
            ">\n"
            "{\n  \"jsonrpc\": \"2.0\",\n  \"method\": \"m\",\n  \"id\": 1\n}\n"
            "< HTTP/1.1 200 OK\n"
            "< Content-Type: application/json\n"
            "<\n"
            "not json\n"
            "* answered in 0.00150 s\n");
}

TEST(Verbose, AFailureSaysWhyInsteadOfAResponse) {
  HttpExchange x;
  x.url = "http://h:1/api";
  x.method = "POST";
  x.target = "/api";
  x.error = ClientError::transport(ErrorKind::kConnection, "http://h:1/api", "connection refused");
  const std::string out = format_exchange(x);
  EXPECT_NE(out.find("* http://h:1/api: connection refused (after "), std::string::npos) << out;
  EXPECT_EQ(out.find("< "), std::string::npos) << out;
}

}  // namespace
}  // namespace gemstone::cli

// `gemstone call_raw URL METHOD [PARAMS]...` against the JSON-RPC test
// service: output on the right streams, params syntax, exit codes.

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <regex>
#include <string>

#include "registry_process.hpp"
#include "temp_dir.hpp"
#include "test_service_process.hpp"

namespace gemstone::testing {
namespace {

class CallRawTest : public ::testing::Test {
 protected:
  TestServiceProcess service;
  RunResult call(std::vector<std::string> args, ProcessOptions options = {}) {
    args.insert(args.begin(), "call_raw");
    return run_gemstone(args, std::move(options));
  }
};

TEST_F(CallRawTest, PrintsDiagnosticsOnStderrAndPrettyResultOnStdout) {
  auto r = call({service.api_url(), "add", "a:=1", "b:=2"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "3\n");
  EXPECT_NE(r.err.find("[!] Service identification: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" seconds\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[!] Service name: test.service\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[!] Service URL : " + service.api_url() + "\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[!] Method call: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[!] Result:"), std::string::npos) << r.err;
}

TEST_F(CallRawTest, TimingLinesHaveFiveDecimals) {
  auto r = call({service.api_url(), "add", "a:=1", "b:=2"});
  ASSERT_EQ(r.status, 0) << r.err;
  const std::regex identification(R"(\[!\] Service identification: \d+\.\d{5} seconds\n)");
  const std::regex method(R"(\[!\] Method call: \d+\.\d{5} seconds\n)");
  EXPECT_TRUE(std::regex_search(r.err, identification)) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, method)) << r.err;
}

TEST_F(CallRawTest, PrettyPrintsObjectsWithTwoSpaces) {
  auto r = call({service.api_url(), "echo", "value:={\"k\":[1,2]}"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "{\n  \"k\": [\n    1,\n    2\n  ]\n}\n");
}

TEST_F(CallRawTest, CompactPrintsOneLine) {
  auto r = call({"--compact", service.api_url(), "echo", "value:={\"k\":[1,2]}"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "{\"k\":[1,2]}\n");
}

TEST_F(CallRawTest, RawPrintsAStringWithoutQuotesAndStdoutHoldsOnlyTheResult) {
  auto r = call({"-r", service.api_url(), "greet", "name=world"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello, world\n");
}

TEST_F(CallRawTest, RawPrintsNonStringsAsJson) {
  auto r = call({"-r", "--compact", service.api_url(), "echo", "value:=[true]"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "[true]\n");
}

TEST_F(CallRawTest, QuietSilencesTheDiagnosticLines) {
  auto r = call({"-q", service.api_url(), "add", "a:=1", "b:=2"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "3\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(CallRawTest, KeyValueSendsStringsAndColonEqualsSendsTypedJson) {
  auto r = call({"-q", "--compact", service.api_url(), "types", "a=1", "b:=1", "c:=1.5", "d:=true",
                 "e:=null", "f:=[1]", "g:={\"x\":1}", "h:=\"text\""});
  ASSERT_EQ(r.status, 0) << r.err;
  auto doc = parse(r.out);
  ASSERT_TRUE(doc.IsObject()) << r.out;
  EXPECT_STREQ(doc["a"].GetString(), "string");
  EXPECT_STREQ(doc["b"].GetString(), "integer");
  EXPECT_STREQ(doc["c"].GetString(), "number");
  EXPECT_STREQ(doc["d"].GetString(), "boolean");
  EXPECT_STREQ(doc["e"].GetString(), "null");
  EXPECT_STREQ(doc["f"].GetString(), "array");
  EXPECT_STREQ(doc["g"].GetString(), "object");
  EXPECT_STREQ(doc["h"].GetString(), "string");
}

TEST_F(CallRawTest, EverythingAfterTheFirstEqualsSignIsTheValue) {
  auto r = call({"-q", "-r", service.api_url(), "echo", "value=a=b==c:=d"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "a=b==c:=d\n");
}

TEST_F(CallRawTest, EmptyValueIsAnEmptyString) {
  auto r = call({"-q", "--compact", service.api_url(), "echo", "value="});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "\"\"\n");
}

TEST_F(CallRawTest, UnicodeValuesArriveIntact) {
  auto r = call({"-q", "-r", service.api_url(), "echo", "value=héllo ✓"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "héllo ✓\n");
}

TEST_F(CallRawTest, PositionalParamsAreSentAsAnArray) {
  auto r = call({"-q", "--compact", service.api_url(), "types", "-p", "1", "-p", ":=1", "-p", ":=[]"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "[\"string\",\"integer\",\"array\"]\n");
}

TEST_F(CallRawTest, PositionalParamsCall) {
  auto r = call({"-q", service.api_url(), "add", "-p", ":=40", "-p", ":=2"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "42\n");
}

TEST_F(CallRawTest, ParamsJsonGivesTheWholeParams) {
  auto r = call({"-q", service.api_url(), "add", "--params-json", "{\"a\": 5, \"b\": 6}"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "11\n");
}

TEST_F(CallRawTest, ParamsJsonDashReadsStdin) {
  ProcessOptions options;
  options.stdin_data = "[7, 8]";
  auto r = call({"-q", service.api_url(), "add", "--params-json", "-"}, options);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "15\n");
}

TEST_F(CallRawTest, JsonRpcErrorExitsOneWithCodeMessageAndDataOnStderr) {
  auto r = call({service.api_url(), "fail", "message=boom"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("-32000"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("failed on purpose"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"reason\":\"asked to fail\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"message\":\"boom\""), std::string::npos) << r.err;
}

TEST_F(CallRawTest, UnknownMethodExitsOne) {
  auto r = call({"-q", service.api_url(), "no_such_method"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("-32601"), std::string::npos) << r.err;
}

TEST_F(CallRawTest, WronglyTypedParamExitsOneWithInvalidParams) {
  auto r = call({"-q", service.api_url(), "add", "a=1", "b:=2"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("-32602"), std::string::npos) << r.err;
}

TEST_F(CallRawTest, NotificationExitsZeroAndIsDelivered) {
  auto r = call({"--notify", service.api_url(), "record", "value=noted"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  auto check = call({"-q", "--compact", service.api_url(), "recorded"});
  ASSERT_EQ(check.status, 0) << check.err;
  EXPECT_EQ(check.out, "[\"noted\"]\n");
}

TEST_F(CallRawTest, ExtraHeadersAreSent) {
  auto r = call({"-q", "-r", "-H", "X-Api-Token: s3cret", service.api_url(), "header", "name=X-Api-Token"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "s3cret\n");
}

TEST_F(CallRawTest, RefusedConnectionExitsFourNamingTheUrl) {
  const std::string url = closed_port_url();
  auto r = call({url, "add"});
  EXPECT_EQ(r.status, 4);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(url), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("refused"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(CallRawTest, TimeoutBoundsTheWholeCommandAgainstASlowMethod) {
  auto r = call({"--timeout", "0.5", service.api_url(), "slow", "seconds:=30"});
  EXPECT_EQ(r.status, 4);
  EXPECT_NE(r.err.find("no answer within"), std::string::npos) << r.err;
}

TEST_F(CallRawTest, InvalidUrlIsAUsageError) {
  auto r = call({"ftp://example.com/api", "add"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("scheme"), std::string::npos) << r.err;
}

TEST(CallRawAgainstOddServers, ServiceWithoutGetServiceSpecsIsStillCalled) {
  TestServiceProcess service({"--no-specs"});
  auto r = run_gemstone({"call_raw", service.api_url(), "add", "a:=2", "b:=2"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "4\n");
  EXPECT_NE(r.err.find("no get_service_specs"), std::string::npos) << r.err;
}

TEST(CallRawAgainstOddServers, StrictResponsesAreAccepted) {
  TestServiceProcess service({"--strict"});
  auto ok = run_gemstone({"call_raw", "-q", service.api_url(), "echo", "value:=null"});
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_EQ(ok.out, "null\n");
  auto failed = run_gemstone({"call_raw", "-q", service.api_url(), "fail"});
  EXPECT_EQ(failed.status, 1) << failed.err;
  EXPECT_NE(failed.err.find("failed on purpose"), std::string::npos) << failed.err;
}

TEST(CallRawAgainstOddServers, NonJsonAnswerExitsFour) {
  TestServiceProcess service({"--non-json"});
  auto r = run_gemstone({"call_raw", service.api_url(), "add"});
  EXPECT_EQ(r.status, 4);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("not JSON"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(service.api_url()), std::string::npos) << r.err;
}

TEST(CallRawAgainstOddServers, HttpErrorStatusExitsFour) {
  TestServiceProcess service({"--status", "503"});
  auto r = run_gemstone({"call_raw", service.api_url(), "add"});
  EXPECT_EQ(r.status, 4);
  EXPECT_NE(r.err.find("HTTP 503"), std::string::npos) << r.err;
}

TEST(CallRawAgainstOddServers, ServerThatNeverAnswersTimesOut) {
  TestServiceProcess service({"--never-answer"});
  auto r = run_gemstone({"call_raw", "--timeout", "0.3", service.api_url(), "add"}, {},
                        std::chrono::seconds(20));
  EXPECT_EQ(r.status, 4);
  EXPECT_NE(r.err.find("no answer within"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(service.api_url()), std::string::npos) << r.err;
}

class CallRawHttpsTest : public ::testing::Test {
 protected:
  TempDir dir;
  std::string cert = dir.path() + "/cert.pem";
  TestServiceProcess service{{"--tls", cert}};
};

TEST_F(CallRawHttpsTest, UnknownCertificateIsRefusedWithExitFour) {
  auto r = run_gemstone({"call_raw", service.api_url(), "add", "a:=1", "b:=1"});
  EXPECT_EQ(r.status, 4);
  EXPECT_NE(r.err.find("certificate"), std::string::npos) << r.err;
}

TEST_F(CallRawHttpsTest, CacertTrustsTheServer) {
  auto r = run_gemstone({"call_raw", "-q", "--cacert", cert, service.api_url(), "add", "a:=1", "b:=1"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "2\n");
}

TEST_F(CallRawHttpsTest, InsecureSkipsVerification) {
  auto r = run_gemstone({"call_raw", "-q", "--insecure", service.api_url(), "add", "a:=1", "b:=1"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "2\n");
}

TEST_F(CallRawHttpsTest, MissingCacertFileIsAUsageError) {
  auto r = run_gemstone({"call_raw", "--cacert", dir.path() + "/missing.pem", service.api_url(), "add"});
  EXPECT_EQ(r.status, 2);
}

// ---- Tokens: --token, --token-file, GEMSTONE_TOKEN ----

// Distinctive, so that finding it in any output is no accident.
const std::string kToken = "tok-9c41e7-DO-NOT-PRINT-5b2f";

// gemstone with GEMSTONE_TOKEN set to `env_token`, or removed from the
// environment (so that the caller's own token never leaks into a test).
RunResult gemstone_with(std::vector<std::string> args, std::optional<std::string> env_token = std::nullopt) {
  ProcessOptions options;
  options.env["GEMSTONE_TOKEN"] = std::move(env_token);
  return run_gemstone(args, std::move(options));
}

// A service that refuses every call without the token (see --require-token).
class TokenTest : public ::testing::Test {
 protected:
  TempDir dir;
  TestServiceProcess guarded{{"--require-token", kToken}};
};

TEST_F(TokenTest, TokenOptionIsSentAsBearerAuthorization) {
  auto r = gemstone_with({"call_raw", "-q", "-r", "--token", kToken, guarded.api_url(), "header",
                          "name=Authorization"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Bearer " + kToken + "\n");
}

TEST_F(TokenTest, TokenFileReachesTheService) {
  const std::string file = dir.write("token", "# write token for the registry\n\n   " + kToken + "  \n");
  auto r = gemstone_with({"call_raw", "-q", "--token-file", file, guarded.api_url(), "add", "a:=1", "b:=2"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "3\n");
}

TEST_F(TokenTest, EnvironmentTokenReachesTheService) {
  auto r = gemstone_with({"call_raw", "-q", guarded.api_url(), "add", "a:=1", "b:=2"}, kToken);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "3\n");
}

TEST_F(TokenTest, ApiTokenHeaderGivenWithHIsAcceptedToo) {
  auto r = gemstone_with({"call_raw", "-q", "-H", "X-Api-Token: " + kToken, guarded.api_url(), "add",
                          "a:=1", "b:=2"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "3\n");
}

TEST_F(TokenTest, MissingTokenExitsOneWithAccessDenied) {
  auto r = gemstone_with({"call_raw", guarded.api_url(), "add", "a:=1", "b:=2"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("gemstone: error -32001: Access denied\n"), std::string::npos) << r.err;
}

TEST_F(TokenTest, WrongTokenExitsOneWithAccessDenied) {
  auto r = gemstone_with({"call_raw", "-q", "--token", "not-the-token", guarded.api_url(), "add"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("-32001"), std::string::npos) << r.err;
}

TEST_F(TokenTest, TokenOptionWinsOverFileAndEnvironment) {
  const std::string wrong_file = dir.write("wrong", "wrong-from-file\n");
  auto r = gemstone_with({"call_raw", "-q", "-r", "--token", kToken, "--token-file", wrong_file,
                          guarded.api_url(), "header", "name=Authorization"},
                         "wrong-from-env");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Bearer " + kToken + "\n");
}

TEST_F(TokenTest, TokenFileWinsOverEnvironment) {
  const std::string file = dir.write("token", kToken + "\n");
  auto r = gemstone_with({"call_raw", "-q", "-r", "--token-file", file, guarded.api_url(), "header",
                          "name=Authorization"},
                         "wrong-from-env");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Bearer " + kToken + "\n");
  // ...and the other way round it is refused: the environment is not a fallback.
  const std::string wrong_file = dir.write("wrong", "wrong-from-file\n");
  auto refused = gemstone_with({"call_raw", "-q", "--token-file", wrong_file, guarded.api_url(), "add"},
                               kToken);
  EXPECT_EQ(refused.status, 1) << refused.err;
}

TEST_F(TokenTest, ExplicitAuthorizationHeaderWinsOverTheToken) {
  TestServiceProcess open_service;
  auto r = gemstone_with({"call_raw", "-q", "-r", "-H", "Authorization: Basic dXNlcjpwdw==", "--token",
                          kToken, open_service.api_url(), "header", "name=Authorization"},
                         kToken);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Basic dXNlcjpwdw==\n");
  // The token was not sent as well: the guarded service refuses the call.
  auto refused = gemstone_with(
      {"call_raw", "-q", "-H", "authorization: Bearer wrong", "--token", kToken, guarded.api_url(), "add"});
  EXPECT_EQ(refused.status, 1) << refused.err;
  EXPECT_NE(refused.err.find("-32001"), std::string::npos) << refused.err;
}

TEST_F(TokenTest, UnreadableOrEmptyTokenFileIsAUsageErrorNamingTheFile) {
  const std::string empty = dir.write("empty", "# no token here yet\n\n");
  for (const std::string& file : {dir.path() + "/missing", empty, dir.path()}) {
    auto r = gemstone_with({"call_raw", "--token-file", file, guarded.api_url(), "add"}, kToken);
    EXPECT_EQ(r.status, 2) << file << ": " << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("'" + file + "'"), std::string::npos) << r.err;
  }
}

TEST_F(TokenTest, EveryCommandThatMakesRequestsTakesTheTokenOptions) {
  const std::string missing = dir.path() + "/missing";
  const std::vector<std::vector<std::string>> commands = {
      {"call_raw", guarded.api_url(), "add"},
      {"call", "--registry", guarded.api_url(), "calc", "add"},
      {"locate", "--registry", guarded.api_url(), "calc"},
      {"services", "--registry", guarded.api_url()},
      {"specs", guarded.api_url()},
      {"register", "--registry", guarded.api_url(), "calc", "127.0.0.1", "9000"},
  };
  for (std::vector<std::string> args : commands) {
    args.insert(args.begin() + 1, {"--token-file", missing});
    auto r = gemstone_with(args);
    EXPECT_EQ(r.status, 2) << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find(missing), std::string::npos) << args[0] << ": " << r.err;
  }
}

TEST_F(TokenTest, TokenNeverAppearsInTheOutput) {
  const std::string file = dir.write("token", kToken + "\n");
  const std::string down = closed_port_url();
  const std::vector<std::pair<std::vector<std::string>, std::optional<std::string>>> runs = {
      {{"call_raw", "--token", kToken, guarded.api_url(), "add", "a:=1", "b:=2"}, std::nullopt},
      {{"call_raw", "--token-file", file, guarded.api_url(), "fail", "message=x"}, std::nullopt},
      {{"call_raw", guarded.api_url(), "add"}, kToken + "-but-wrong"},
      {{"call_raw", "--token", kToken, down, "add"}, std::nullopt},
      {{"call_raw", "--token", kToken + "\x01", guarded.api_url(), "add"}, std::nullopt},
      {{"call_raw", "--token", kToken, "ftp://127.0.0.1/api", "add"}, std::nullopt},
      {{"call", "--registry", guarded.api_url(), "calc", "add"}, kToken + "-but-wrong"},
      {{"call", "--registry", down, "calc", "add"}, kToken},
      {{"locate", "--registry", guarded.api_url(), "calc"}, kToken + "-but-wrong"},
      {{"specs", "--token-file", file, guarded.api_url()}, std::nullopt},
      {{"register", "--registry", guarded.api_url(), "calc", "127.0.0.1", "9000"}, kToken + "-but-wrong"},
  };
  for (const auto& [args, env] : runs) {
    auto r = gemstone_with(args, env);
    EXPECT_NE(r.status, -1) << args[0] << " timed out";
    EXPECT_EQ(r.out.find(kToken), std::string::npos) << args[0] << " stdout: " << r.out;
    EXPECT_EQ(r.err.find(kToken), std::string::npos) << args[0] << " stderr: " << r.err;
  }
}

}  // namespace
}  // namespace gemstone::testing

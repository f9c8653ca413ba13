// The gemstone command's usage: --help everywhere, one-line usage errors
// with exit status 2 before anything touches the network.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "test_service_process.hpp"

namespace gemstone::testing {
namespace {

std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

class HelpTest : public ::testing::TestWithParam<std::string> {};

TEST_P(HelpTest, ShowsAUsageLineAndAnExampleAndExitsZero) {
  std::vector<std::string> args;
  if (!GetParam().empty()) args.push_back(GetParam());
  args.push_back("--help");
  auto r = run_gemstone(args);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Usage: gemstone"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Example"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  gemstone "), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(EveryCommand, HelpTest,
                         ::testing::Values("", "call", "call_raw", "locate", "services", "specs",
                                           "register"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param.empty() ? std::string("gemstone") : info.param;
                         });

struct UsageCase {
  const char* name;
  std::vector<std::string> args;
};

class UsageErrorTest : public ::testing::TestWithParam<UsageCase> {};

TEST_P(UsageErrorTest, PrintsOneLineAndExitsTwo) {
  // Nothing listens there: a usage error must be found before connecting.
  auto r = run_gemstone(GetParam().args);
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_EQ(r.err.rfind("gemstone: ", 0), 0u) << r.err;
}

const std::string kUrl = "http://127.0.0.1:9/api";

INSTANTIATE_TEST_SUITE_P(
    Cases, UsageErrorTest,
    ::testing::Values(
        UsageCase{"NoSubcommand", {}},
        UsageCase{"UnknownSubcommand", {"frobnicate"}},
        UsageCase{"MissingMethod", {"call_raw", kUrl}},
        UsageCase{"MissingName", {"call"}},
        UsageCase{"UnknownOption", {"call_raw", "--bogus", kUrl, "m"}},
        UsageCase{"ParamWithoutEquals", {"call_raw", kUrl, "m", "oops"}},
        UsageCase{"TypedParamNotJson", {"call_raw", kUrl, "m", "a:=hello"}},
        UsageCase{"DuplicateParam", {"call_raw", kUrl, "m", "a=1", "a=2"}},
        UsageCase{"MixedPositionalAndNamed", {"call_raw", kUrl, "m", "-p", "1", "a=1"}},
        UsageCase{"ParamsJsonNotAContainer", {"call_raw", kUrl, "m", "--params-json", "42"}},
        UsageCase{"ParamsJsonWithPairs", {"call_raw", kUrl, "m", "--params-json", "{}", "a=1"}},
        UsageCase{"BadHeader", {"call_raw", "-H", "no colon", kUrl, "m"}},
        UsageCase{"MissingTokenFile", {"call_raw", "--token-file", "/nonexistent/gemstone.token", kUrl, "m"}},
        UsageCase{"EmptyToken", {"call_raw", "--token", "", kUrl, "m"}},
        UsageCase{"TokenFileIsADirectory", {"locate", "--token-file", "/", "--registry", kUrl, "x"}},
        UsageCase{"NegativeTimeout", {"call_raw", "--timeout", "-1", kUrl, "m"}},
        UsageCase{"NotAUrl", {"call_raw", "localhost", "m"}},
        UsageCase{"BadRegistryUrl", {"call", "--registry", "ftp://x", "svc", "m"}},
        UsageCase{"PortOutOfRange", {"register", "svc", "127.0.0.1", "70000"}},
        UsageCase{"ZeroInterval", {"register", "--every", "0", "svc", "127.0.0.1", "80"}}),
    [](const ::testing::TestParamInfo<UsageCase>& info) { return std::string(info.param.name); });

TEST(Version, PrintsTheVersion) {
  auto r = run_gemstone({"--version"});
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.out.empty());
}

}  // namespace
}  // namespace gemstone::testing

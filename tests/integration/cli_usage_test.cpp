// The gemstone command's usage: --help and `help` everywhere, one-line
// usage errors with exit status 2 before anything touches the network,
// naming the mistake; the common options before the command; --version.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "registry_process.hpp"
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
                                           "register", "ping", "unregister", "watch", "completion", "help"),
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
        UsageCase{"ZeroInterval", {"register", "--every", "0", "svc", "127.0.0.1", "80"}},
        UsageCase{"HostWithoutPort", {"ping", "--registry", kUrl, "svc", "127.0.0.1"}},
        UsageCase{"HostAndUrl", {"unregister", "--registry", kUrl, "--url", kUrl, "svc", "127.0.0.1", "80"}},
        UsageCase{"BadInstanceUrl", {"ping", "--registry", kUrl, "--url", "ftp://x", "svc"}},
        UsageCase{"UnknownOutput", {"locate", "-o", "yaml", "--registry", kUrl, "x"}},
        UsageCase{"TextAndJson", {"services", "-o", "text", "--json", "--registry", kUrl}},
        UsageCase{"UnknownColor", {"services", "--color", "sometimes", "--registry", kUrl}},
        UsageCase{"CommonOptionThatDoesNotApply", {"--registry", kUrl, "specs", kUrl}},
        UsageCase{"BadCommonOptionBeforeTheCommand", {"--timeout", "0", "call_raw", kUrl, "m"}},
        UsageCase{"UnknownShell", {"completion", "powershell"}},
        UsageCase{"HelpForAnUnknownCommand", {"help", "frobnicate"}}),
    [](const ::testing::TestParamInfo<UsageCase>& info) { return std::string(info.param.name); });

// ---- Errors that point at the mistake

TEST(PointedErrors, UnknownCommandIsNamedWithTheClosestOne) {
  auto r = run_gemstone({"cal", "calculator", "add"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "gemstone: unknown command 'cal'; did you mean 'call'? (see 'gemstone --help')\n");
  auto swapped = run_gemstone({"lcoate", "x"});
  EXPECT_NE(swapped.err.find("unknown command 'lcoate'; did you mean 'locate'?"), std::string::npos)
      << swapped.err;
  auto far = run_gemstone({"frobnicate"});
  EXPECT_EQ(far.err, "gemstone: unknown command 'frobnicate' (see 'gemstone --help')\n");
}

TEST(PointedErrors, UnknownOptionIsNamedNotTheMissingArgument) {
  // Before: "NAME is required", although the mistake is --bogus.
  auto r = run_gemstone({"call", "--bogus"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "gemstone: unknown option '--bogus' for 'gemstone call' (see 'gemstone call --help')\n");
  auto typo = run_gemstone({"call", "--registy", kUrl, "svc", "m"});
  EXPECT_EQ(typo.status, 2);
  EXPECT_NE(typo.err.find("unknown option '--registy' for 'gemstone call'; did you mean '--registry'?"),
            std::string::npos)
      << typo.err;
  auto short_flag = run_gemstone({"locate", "-z", "x"});
  EXPECT_NE(short_flag.err.find("unknown option '-z' for 'gemstone locate'"), std::string::npos) << short_flag.err;
  auto top = run_gemstone({"--registy", kUrl, "locate", "x"});
  EXPECT_NE(top.err.find("unknown option '--registy'; did you mean '--registry'?"), std::string::npos) << top.err;
}

TEST(PointedErrors, OptionValuesAndParamsAreNotTakenForOptions) {
  // '-' after --params-json, a negative number, a value that looks like a
  // command name: none is an unknown option or command; the error is the
  // real one (nothing listens on kUrl: exit 4).
  auto r = run_gemstone({"call_raw", "--params-json", "[-1]", kUrl, "m", "--timeout", "1"});
  EXPECT_EQ(r.status, 4) << r.err;
  auto missing = run_gemstone({"call", "--registry", "call"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("NAME is required"), std::string::npos) << missing.err;
}

TEST(PointedErrors, NoCommandListsTheCommands) {
  auto r = run_gemstone({});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("a command is required: call, call_raw, locate"), std::string::npos) << r.err;
}

TEST(PointedErrors, CommonOptionForACommandThatDoesNotTakeIt) {
  auto r = run_gemstone({"--registry", kUrl, "specs", kUrl});
  EXPECT_EQ(r.err, "gemstone: option '--registry' does not apply to 'gemstone specs' (see 'gemstone specs --help')\n");
}

// ---- gemstone help [COMMAND]

TEST(HelpCommand, IsTheSameAsDashDashHelp) {
  auto help = run_gemstone({"help"});
  auto flag = run_gemstone({"--help"});
  EXPECT_EQ(help.status, 0) << help.err;
  EXPECT_EQ(help.out, flag.out);
  for (const char* command : {"call", "locate", "register", "completion"}) {
    auto of = run_gemstone({"help", command});
    auto its = run_gemstone({command, "--help"});
    EXPECT_EQ(of.status, 0) << of.err;
    EXPECT_NE(of.out.find(std::string("Usage: gemstone ") + command), std::string::npos) << of.out;
    EXPECT_EQ(of.out, its.out) << command;
  }
}

TEST(HelpCommand, UnknownCommandGetsTheClosest) {
  auto r = run_gemstone({"help", "regster"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown command 'regster'; did you mean 'register'?"), std::string::npos) << r.err;
}

// ---- The common options before the command

TEST(CommonOptions, WorkBeforeTheCommandAsAfterIt) {
  RegistryProcess registry;
  register_local(registry, "before.svc", 9000);
  const std::string url = registry.api_url();
  auto after = run_gemstone({"locate", "--registry", url, "--compact", "-q", "before.*"});
  auto before = run_gemstone({"--registry", url, "--compact", "-q", "locate", "before.*"});
  auto mixed = run_gemstone({"--registry", url, "locate", "-o", "json", "--compact", "before.*"});
  ASSERT_EQ(after.status, 0) << after.err;
  EXPECT_EQ(before.status, 0) << before.err;
  EXPECT_EQ(mixed.status, 0) << mixed.err;
  EXPECT_NE(after.out.find("\"name\":\"before.svc\""), std::string::npos) << after.out;
  // expires_in differs between the runs: compare the rest.
  auto names = [](const std::string& out) { return out.substr(0, out.find("expires_in")); };
  EXPECT_EQ(names(before.out), names(after.out));
  EXPECT_EQ(names(mixed.out), names(after.out));
}

TEST(CommonOptions, AfterTheCommandWinsForASingleValueAndRepeatsAddUp) {
  RegistryProcess registry;
  register_local(registry, "order.svc", 9000);
  // --timeout 0.001 before, --timeout 5 after: the later one counts.
  auto r = run_gemstone({"--timeout", "0.001", "locate", "--timeout", "5", "--registry", registry.api_url(),
                         "order.*"});
  EXPECT_EQ(r.status, 0) << r.err;
  // A --registry before and one after: both are asked, the one before first.
  const std::string down = closed_port_url();
  auto both = run_gemstone({"--registry", down, "locate", "--registry", registry.api_url(), "order.*"});
  EXPECT_EQ(both.status, 0) << both.err;
  EXPECT_NE(both.err.find(down), std::string::npos) << both.err;  // skipped, said so
  EXPECT_NE(both.err.find("answered by " + registry.api_url()), std::string::npos) << both.err;
}

TEST(CommonOptions, TokenBeforeTheCommandIsSent) {
  TestServiceProcess service({"--require-token", "tok-before"});
  auto r = run_gemstone({"--token", "tok-before", "-q", "-o", "json", "call_raw", "-r", service.api_url(),
                         "header", "name=Authorization"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Bearer tok-before\n");
}

// ---- --version

TEST(Version, HasTheShapeOfTheRegistrys) {
  auto r = run_gemstone({"--version"});
  auto registry = run(registry_binary(), {"--version"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(registry.status, 0);
  const std::string version = registry.out.substr(registry.out.find(' ') + 1);
  EXPECT_EQ(registry.out, "gemstone-registry " + version);
  EXPECT_EQ(r.out, "gemstone " + version);
}

}  // namespace
}  // namespace gemstone::testing

// The command line beyond CLI11: "did you mean", the walk that names an
// unknown command or option, and the common options moved from before the
// command into it.

#include <gtest/gtest.h>

#include <algorithm>

#include <CLI/CLI.hpp>

#include "cli/command_line.hpp"
#include "cli/suggest.hpp"

namespace gemstone::cli {
namespace {

TEST(Suggest, EditDistanceCountsSwapsAsOne) {
  EXPECT_EQ(edit_distance("call", "call"), 0u);
  EXPECT_EQ(edit_distance("cal", "call"), 1u);
  EXPECT_EQ(edit_distance("lcoate", "locate"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(Suggest, ClosestIsAUniquePrefixOrANearWord) {
  const std::vector<std::string> commands = {"call", "call_raw", "locate", "services", "specs", "register"};
  EXPECT_EQ(closest("cal", commands), "call");  // distance 1 beats call_raw
  EXPECT_EQ(closest("loc", commands), "locate");   // the only one it starts
  EXPECT_EQ(closest("regster", commands), "register");
  EXPECT_EQ(closest("servics", commands), "services");
  EXPECT_EQ(closest("frobnicate", commands), std::nullopt);
  EXPECT_EQ(closest("s", commands), std::nullopt);  // services or specs: no guess
  EXPECT_EQ(closest("", commands), std::nullopt);
}

// A small application shaped like gemstone's.
struct Fixture {
  Fixture() {
    app.require_subcommand(1);
    app.add_option("--registry", top_registries);
    app.add_option("--timeout", top_timeout);
    app.add_flag("-q", top_quiet);
    call = app.add_subcommand("call");
    call->add_option("--registry", registries)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    call->add_option("--timeout", timeout);
    call->add_option("-p", positional)->allow_extra_args(false);
    call->add_flag("-q", quiet);
    call->add_flag("-r", raw);
    call->add_option("NAME", name)->required();
    call->add_option("PARAMS", params);
    specs = app.add_subcommand("specs");
    specs->add_option("URL", url);
  }
  std::optional<std::string> walk(const std::vector<std::string>& args) { return pointed_usage_error(app, args); }
  void parse(std::vector<std::string> args) {
    std::reverse(args.begin(), args.end());  // CLI11 takes them last first
    app.parse(args);
  }

  CLI::App app{"test", "gemstone"};
  CLI::App* call;
  CLI::App* specs;
  std::vector<std::string> top_registries, registries, positional, params;
  bool top_quiet = false, quiet = false, raw = false;
  double top_timeout = 0, timeout = 0;
  std::string name, url;
};

TEST(PointedUsageError, NamesAnUnknownCommandOrOption) {
  Fixture f;
  EXPECT_EQ(f.walk({"cal"}), "unknown command 'cal'; did you mean 'call'? (see 'gemstone --help')");
  EXPECT_EQ(f.walk({"call", "--bogus"}), "unknown option '--bogus' for 'gemstone call' (see 'gemstone call --help')");
  EXPECT_EQ(f.walk({"call", "--registy=x", "n"}),
            "unknown option '--registy' for 'gemstone call'; did you mean '--registry'? (see 'gemstone call --help')");
  EXPECT_EQ(f.walk({"call", "-qx", "n"}), "unknown option '-x' for 'gemstone call' (see 'gemstone call --help')");
  EXPECT_EQ(f.walk({"-x", "call"}), "unknown option '-x' (see 'gemstone --help')");
  EXPECT_EQ(f.walk({}), "a command is required: call, specs (see 'gemstone --help')");
}

TEST(PointedUsageError, SkipsValuesAndPositionals) {
  Fixture f;
  EXPECT_EQ(f.walk({"--registry", "cal", "call", "n"}), std::nullopt);  // "cal" is a value
  EXPECT_EQ(f.walk({"call", "-p", "--x", "n"}), std::nullopt);         // "--x" is -p's value
  EXPECT_EQ(f.walk({"call", "-p--x", "-qr", "n", "-5", "-"}), std::nullopt);
  EXPECT_EQ(f.walk({"call", "n", "--", "--not-an-option"}), std::nullopt);
  EXPECT_EQ(f.walk({"specs", "frobnicate"}), std::nullopt);  // a command's argument, not a command
}

TEST(ForwardCommonOptions, MovesThemIntoTheCommandBeforeItsOwn) {
  Fixture f;
  f.parse({"--registry", "b", "-q", "--timeout", "1", "call", "--registry", "a", "--timeout", "2", "n"});
  EXPECT_EQ(forward_common_options(f.app, *f.call), std::nullopt);
  EXPECT_EQ(f.registries, (std::vector<std::string>{"b", "a"}));  // repeatable: both, those before first
  EXPECT_EQ(f.timeout, 2);                                          // single: the later one
  EXPECT_TRUE(f.quiet);                                             // given before only
}

TEST(ForwardCommonOptions, RefusesAnOptionTheCommandDoesNotTake) {
  Fixture f;
  f.parse({"--registry", "r", "specs", "u"});
  EXPECT_EQ(forward_common_options(f.app, *f.specs),
            "option '--registry' does not apply to 'gemstone specs' (see 'gemstone specs --help')");
}

}  // namespace
}  // namespace gemstone::cli

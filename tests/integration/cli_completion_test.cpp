// gemstone completion bash|zsh|fish: the scripts load in their shells and
// complete what the command's definition holds (commands, options, option
// values), because they are generated from it.

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli_help.hpp"
#include "tools.hpp"
#include "temp_dir.hpp"
#include "test_service_process.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

class CompletionTest : public ::testing::Test {
 protected:
  std::string script(const std::string& shell) {
    auto r = run_gemstone({"completion", shell});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    const std::string path = dir.path() + "/gemstone." + shell;
    std::ofstream(path) << r.out;
    return path;
  }

  // What the bash function completes for the words of a command line, the
  // last one being completed.
  std::vector<std::string> bash_complete(const std::vector<std::string>& words) {
    std::string array;
    for (const std::string& w : words) array += " '" + w + "'";
    const std::string program = "source '" + bash_script + "' && COMP_WORDS=(" + array + ") && COMP_CWORD=" +
                                std::to_string(words.size() - 1) +
                                " && { _gemstone; printf '%s\\n' \"${COMPREPLY[@]}\"; }";
    auto r = run("/bin/bash", {"--norc", "--noprofile", "-c", program}, {}, 20s);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    return words_of(r.out);
  }

  TempDir dir;
  std::string bash_script = script("bash");
};

TEST_F(CompletionTest, BashScriptLoadsAndRegistersTheFunction) {
  auto r = run("/bin/bash", {"--norc", "--noprofile", "-c", "set -eu; source '" + bash_script + "'; complete -p gemstone"},
               {}, 20s);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, "complete -o default -F _gemstone gemstone\n");
}

TEST_F(CompletionTest, BashCompletesCommands) {
  EXPECT_EQ(bash_complete({"gemstone", "ca"}), (std::vector<std::string>{"call", "call_raw"}));
  EXPECT_EQ(bash_complete({"gemstone", "loc"}), std::vector<std::string>{"locate"});
  // Every command the help lists, and nothing else: from the same definition.
  EXPECT_EQ(bash_complete({"gemstone", ""}), commands_in(run_gemstone({"--help"}).out));
  // After an option that takes a value, the next word is still the command.
  EXPECT_EQ(bash_complete({"gemstone", "--registry", "http://r/api", "unr"}),
            std::vector<std::string>{"unregister"});
}

TEST_F(CompletionTest, BashCompletesOptionsAndTheirValues) {
  EXPECT_EQ(bash_complete({"gemstone", "call", "--reg"}), std::vector<std::string>{"--registry"});
  EXPECT_EQ(bash_complete({"gemstone", "--tok"}), (std::vector<std::string>{"--token", "--token-file"}));
  EXPECT_EQ(bash_complete({"gemstone", "locate", "-o", ""}), (std::vector<std::string>{"text", "json"}));
  EXPECT_EQ(bash_complete({"gemstone", "--color", "a"}), (std::vector<std::string>{"auto", "always"}));
  EXPECT_EQ(bash_complete({"gemstone", "completion", ""}), (std::vector<std::string>{"bash", "zsh", "fish"}));
  EXPECT_EQ(bash_complete({"gemstone", "help", "reg"}), std::vector<std::string>{"register"});
  // specs takes no --registry, so it is not offered there.
  EXPECT_TRUE(bash_complete({"gemstone", "specs", "--reg"}).empty());
}

TEST_F(CompletionTest, BashCompletesFileNamesForFileOptions) {
  std::ofstream(dir.path() + "/token.txt") << "t\n";
  const auto files = bash_complete({"gemstone", "call", "--token-file", dir.path() + "/tok"});
  EXPECT_EQ(files, std::vector<std::string>{dir.path() + "/token.txt"});
}

TEST_F(CompletionTest, ZshScriptIsValidZsh) {
  const auto zsh = find_in_path("zsh");
  if (!zsh) {
    if (in_ci()) FAIL() << "zsh is required in CI (packaging/dev.sh installs it)";
    GTEST_SKIP() << "zsh not installed (apt-get install zsh)";
  }
  const std::string path = script("zsh");
  auto r = run(*zsh, {"-n", path}, {}, 20s);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  // And it defines the function when sourced with the completion system loaded.
  auto loaded = run(*zsh, {"-f", "-c", "autoload -U compinit && compinit -u -D && source '" + path +
                                            "' 2>/dev/null; whence -w _gemstone"},
                    {}, 20s);
  EXPECT_EQ(loaded.out, "_gemstone: function\n") << loaded.err;
}

TEST_F(CompletionTest, FishScriptIsValidFishAndCompletes) {
  const auto fish = find_in_path("fish");
  if (!fish) {
    if (in_ci()) FAIL() << "fish is required in CI (packaging/dev.sh installs it)";
    GTEST_SKIP() << "fish not installed (apt-get install fish)";
  }
  const std::string path = script("fish");
  auto r = run(*fish, {"--no-execute", path}, {}, 20s);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  ProcessOptions options;
  options.env["HOME"] = dir.path();  // fish writes its history and config there
  options.env["XDG_CONFIG_HOME"] = dir.path();
  options.env["XDG_DATA_HOME"] = dir.path();
  auto completed = run(*fish, {"--no-config", "-c", "source '" + path + "'; complete -C 'gemstone lo'"}, options, 20s);
  EXPECT_EQ(completed.status, 0) << completed.err;
  EXPECT_EQ(completed.out.rfind("locate\t", 0), 0u) << completed.out << completed.err;
  auto values = run(*fish, {"--no-config", "-c", "source '" + path + "'; complete -C 'gemstone locate --color '"},
                    options, 20s);
  std::vector<std::string> offered;
  std::istringstream lines(values.out);
  for (std::string line; std::getline(lines, line);) offered.push_back(line.substr(0, line.find('\t')));
  std::sort(offered.begin(), offered.end());  // fish sorts them
  EXPECT_EQ(offered, (std::vector<std::string>{"always", "auto", "never"})) << values.out;
}

}  // namespace
}  // namespace gemstone::testing

// Colour as jq does it: JSON on stdout coloured when stdout is a terminal
// (a pseudo-terminal here), never in a pipe; --color always|never|auto and
// NO_COLOR decide the rest. The coloured text is the plain text with
// escape sequences around its tokens.

#include <gtest/gtest.h>

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "registry_process.hpp"
#include "test_service_process.hpp"

namespace gemstone::testing {
namespace {

// Runs gemstone with its stdout (and stderr) on a pseudo-terminal and
// returns what it wrote there; the terminal turns "\n" into "\r\n".
RunResult run_on_terminal(const std::vector<std::string>& args,
                          const std::map<std::string, std::optional<std::string>>& env = {}) {
  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) return {};
  if (pid == 0) {
    unsetenv("GEMSTONE_REGISTRY");
    unsetenv("GEMSTONE_TOKEN");
    unsetenv("NO_COLOR");
    for (const auto& [name, value] : env) {
      if (value) setenv(name.c_str(), value->c_str(), 1);
    }
    const std::string exe = gemstone_binary();
    std::vector<char*> argv{const_cast<char*>(exe.c_str())};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  RunResult result;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill(pid, SIGKILL);
      break;
    }
    pollfd p{master, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buffer[4096];
    const ssize_t n = read(master, buffer, sizeof buffer);
    if (n > 0) {
      result.out.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;  // EIO: the child closed the terminal
    }
  }
  close(master);
  int status = 0;
  waitpid(pid, &status, 0);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string without_carriage_returns(std::string text) {
  text.erase(std::remove(text.begin(), text.end(), '\r'), text.end());
  return text;
}

std::string without_colors(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
      while (i < text.size() && text[i] != 'm') ++i;
      continue;
    }
    out += text[i];
  }
  return out;
}

bool colored(const std::string& text) { return text.find("\x1b[") != std::string::npos; }

class ColorTest : public ::testing::Test {
 protected:
  std::vector<std::string> echo(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"call_raw", "-q"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), {service.api_url(), "echo", "value:={\"s\":\"x\",\"n\":1,\"z\":null,\"b\":[true]}"});
    return args;
  }
  TestServiceProcess service;
};

TEST_F(ColorTest, OnATerminalJsonIsColouredAndOtherwiseTheSame) {
  auto plain = run_gemstone(echo());
  auto terminal = run_on_terminal(echo());
  ASSERT_EQ(plain.status, 0) << plain.err;
  ASSERT_EQ(terminal.status, 0) << terminal.out;
  EXPECT_FALSE(colored(plain.out)) << plain.out;
  const std::string shown = without_carriage_returns(terminal.out);
  EXPECT_TRUE(colored(shown)) << shown;
  EXPECT_EQ(without_colors(shown), plain.out);
  EXPECT_NE(shown.find("\x1b[0;32m\"x\"\x1b[0m"), std::string::npos) << shown;  // a string, green
  EXPECT_NE(shown.find("\x1b[34;1m\"s\"\x1b[0m"), std::string::npos) << shown;  // a key, blue
  EXPECT_NE(shown.find("\x1b[1;30mnull\x1b[0m"), std::string::npos) << shown;
}

TEST_F(ColorTest, NeverInAPipeUnlessAlways) {
  EXPECT_FALSE(colored(run_gemstone(echo({"--color", "auto"})).out));
  auto always = run_gemstone(echo({"--color", "always"}));
  EXPECT_TRUE(colored(always.out)) << always.out;
  EXPECT_EQ(without_colors(always.out), run_gemstone(echo()).out);
}

TEST_F(ColorTest, NeverAndNoColorTurnItOffOnATerminal) {
  EXPECT_FALSE(colored(run_on_terminal(echo({"--color", "never"})).out));
  EXPECT_FALSE(colored(run_on_terminal(echo(), {{"NO_COLOR", "1"}}).out));
  // An empty NO_COLOR counts as unset (no-color.org); --color always wins over it.
  EXPECT_TRUE(colored(run_on_terminal(echo(), {{"NO_COLOR", ""}}).out));
  EXPECT_TRUE(colored(run_on_terminal(echo({"--color", "always"}), {{"NO_COLOR", "1"}}).out));
}

TEST_F(ColorTest, RawStringsAndDiagnosticsStayPlain) {
  auto raw = run_on_terminal({"call_raw", "-r", service.api_url(), "greet", "name=x"});
  ASSERT_EQ(raw.status, 0) << raw.out;
  EXPECT_FALSE(colored(raw.out)) << raw.out;  // [!] lines and a -r string: no colour
  EXPECT_NE(raw.out.find("hello, x"), std::string::npos) << raw.out;
}

TEST(ColorOfTables, RegistryCommandsColourTheirJsonButNotTheirTables) {
  RegistryProcess registry;
  register_local(registry, "colour.svc", 9000);
  auto table = run_on_terminal({"services", "--registry", registry.api_url()});
  ASSERT_EQ(table.status, 0) << table.out;
  EXPECT_FALSE(colored(table.out)) << table.out;
  auto json = run_on_terminal({"services", "-o", "json", "--registry", registry.api_url()});
  ASSERT_EQ(json.status, 0) << json.out;
  EXPECT_TRUE(colored(json.out)) << json.out;
  auto piped = run_gemstone({"services", "-o", "json", "--registry", registry.api_url()});
  EXPECT_EQ(without_colors(without_carriage_returns(json.out)), piped.out);
}

}  // namespace
}  // namespace gemstone::testing

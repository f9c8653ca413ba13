// gemstone-registry(8) against the binary: every option --help shows has an
// entry in packaging/man/gemstone-registry.8, every option of the table
// (what --print-config lists) too, and each entry states the default --help
// states, so that the page cannot drift from the program.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "registry_process.hpp"

namespace gemstone::testing {
namespace {

using namespace std::chrono_literals;

const ProcessOptions kNoConfig = with_env({{"GEMSTONE_REGISTRY_CONFIG", "/dev/null"}});

// The page as a reader sees the words: groff's escaped hyphen is a hyphen,
// font changes are gone.
std::string man_page_text() {
  std::ifstream in(std::string(GEMSTONE_TESTS_DIR) + "/../packaging/man/gemstone-registry.8");
  std::stringstream raw;
  raw << in.rdbuf();
  std::string text = std::regex_replace(raw.str(), std::regex(R"(\\f[BIRP])"), "");
  text = std::regex_replace(text, std::regex(R"(\\-)"), "-");
  text = std::regex_replace(text, std::regex(R"(\\e)"), "\\");
  return text;
}

// Each .TP entry of the page: its tag line, then its text up to the next
// .TP or section, as one line.
std::vector<std::pair<std::string, std::string>> man_entries(const std::string& page) {
  std::vector<std::pair<std::string, std::string>> entries;
  std::istringstream lines(page);
  bool tag_next = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(".TP", 0) == 0) {
      tag_next = true;
      continue;
    }
    if (line.rfind(".SH", 0) == 0 || line.rfind(".SS", 0) == 0) {
      tag_next = false;
      entries.emplace_back("", "");
      continue;
    }
    if (tag_next) {
      entries.emplace_back(line, "");
      tag_next = false;
    } else if (!entries.empty()) {
      entries.back().second += " " + line;
    }
  }
  return entries;
}

// --help's options: each long flag with the text of its help ("" when the
// flag takes none).
std::map<std::string, std::string> help_options() {
  auto help = run(registry_binary(), {"--help"}, kNoConfig, 10s);
  EXPECT_EQ(help.status, 0) << help.err;
  std::map<std::string, std::string> options;
  static const std::regex flag_line(R"(^  (?:-\w,)?(--[a-z][a-z-]*)(.*)$)");
  std::istringstream lines(help.out);
  std::string current;
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, flag_line)) {
      current = m[1].str();
      options[current] = m[2].str();
    } else if (!current.empty() && line.rfind("    ", 0) == 0) {
      options[current] += line;  // help wrapped onto the next line
    } else {
      current.clear();
    }
  }
  return options;
}

// The options of the table, as flags, from --print-config.
std::vector<std::string> table_flags() {
  auto printed = run(registry_binary(), {"--print-config"}, kNoConfig, 10s);
  EXPECT_EQ(printed.status, 0) << printed.err;
  std::vector<std::string> flags;
  static const std::regex key(R"(^([a-z_]+) = .*$)");
  std::istringstream lines(printed.out);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, key)) continue;
    std::string flag = "--" + m[1].str();
    for (char& c : flag) {
      if (c == '_') c = '-';
    }
    flags.push_back(flag);
  }
  return flags;
}

TEST(RegistryManPageTest, EveryOptionOfHelpIsOnThePage) {
  const std::string page = man_page_text();
  const auto options = help_options();
  ASSERT_GE(options.size(), 25u) << "--help did not parse";
  for (const auto& [flag, help] : options) {
    const std::regex mentioned(flag + "(?![a-z-])");
    EXPECT_TRUE(std::regex_search(page, mentioned)) << flag << " is not in gemstone-registry(8)";
  }
}

TEST(RegistryManPageTest, EveryOptionOfTheTableHasAnEntryWithTheDefaultOfHelp) {
  const auto entries = man_entries(man_page_text());
  const auto options = help_options();
  const auto flags = table_flags();
  ASSERT_GE(flags.size(), 25u) << "--print-config did not parse";
  static const std::regex default_of(R"(\(default ([^)]*)\)\s*$)");
  for (const std::string& flag : flags) {
    SCOPED_TRACE(flag);
    const std::regex tagged("(^|[ ,])" + flag + "(?![a-z-])");
    const auto entry = std::find_if(entries.begin(), entries.end(), [&](const auto& e) {
      return std::regex_search(e.first, tagged);
    });
    ASSERT_NE(entry, entries.end()) << flag << " has no .TP entry in gemstone-registry(8)";
    const auto help = options.find(flag);
    ASSERT_NE(help, options.end()) << flag << " is not in --help";
    std::smatch m;
    ASSERT_TRUE(std::regex_search(help->second, m, default_of)) << help->second;
    const std::string expected = "Default: " + m[1].str();
    const std::regex stated(std::regex_replace(expected, std::regex(R"([.^$|()\[\]{}*+?\\])"),
                                               R"(\$&)") +
                            "(?![0-9A-Za-z])");
    EXPECT_TRUE(std::regex_search(entry->second, stated))
        << "the entry of " << flag << " should say \"" << expected << "\":" << entry->second;
  }
}

TEST(RegistryManPageTest, TheSignalsAndCredentialsAreDocumented) {
  const std::string page = man_page_text();
  for (const char* part : {".SH SIGNALS", "SIGHUP", "systemctl reload gemstone-registry",
                           "CREDENTIALS_DIRECTORY", "LoadCredential=", "log_level", "access_log",
                           "needing a restart", "instance expired:", "process_open_fds"}) {
    EXPECT_NE(page.find(part), std::string::npos) << part;
  }
}

}  // namespace
}  // namespace gemstone::testing

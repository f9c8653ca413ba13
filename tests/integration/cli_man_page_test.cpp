// gemstone(1) against `gemstone --help` and `gemstone COMMAND --help`: every
// command, option and environment variable the help shows is in the man
// page, and every long option the man page names exists, so that the two
// cannot drift apart.

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_help.hpp"
#include "test_service_process.hpp"

namespace gemstone::testing {
namespace {

// The man page as a reader sees its words: "\-" is "-", "\(em" a dash.
std::string man_page_text() {
  std::ifstream in(std::string(GEMSTONE_TESTS_DIR) + "/../packaging/man/gemstone.1");
  std::stringstream raw;
  raw << in.rdbuf();
  std::string text = raw.str();
  for (std::size_t at = text.find("\\-"); at != std::string::npos; at = text.find("\\-", at)) text.erase(at, 1);
  // Font changes (\fB, \fI, \fR) sit inside words: "\fB\-\-json\fR".
  static const std::regex font(R"(\\f[BIR])");
  return std::regex_replace(text, font, "");
}

std::string help_of(const std::string& command) {
  std::vector<std::string> args;
  if (!command.empty()) args.push_back(command);
  args.push_back("--help");
  auto r = run_gemstone(args);
  EXPECT_EQ(r.status, 0) << r.err;
  return r.out;
}

// The option names of the help's option lines ("  -o,--output text|json  ...").
std::set<std::string> options_in(const std::string& help) {
  std::set<std::string> names;
  static const std::regex line(R"(\n  (-[-\w]+(?:,-[-\w]+)*))");
  for (std::sregex_iterator it(help.begin(), help.end(), line), end; it != end; ++it) {
    std::stringstream all((*it)[1].str());
    for (std::string name; std::getline(all, name, ',');) names.insert(name);
  }
  return names;
}

std::set<std::string> variables_in(const std::string& text) {
  std::set<std::string> names;
  static const std::regex variable(R"(\$([A-Z][A-Z_]+))");
  for (std::sregex_iterator it(text.begin(), text.end(), variable), end; it != end; ++it) {
    names.insert((*it)[1].str());
  }
  return names;
}

// Whether `word` stands in `text` as a word of its own (not inside a longer option).
bool has_word(const std::string& text, const std::string& word) {
  for (std::size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const bool starts = at == 0 || !(std::isalnum(static_cast<unsigned char>(text[at - 1])) || text[at - 1] == '-');
    const std::size_t end = at + word.size();
    const bool ends = end == text.size() || !(std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '-');
    if (starts && ends) return true;
  }
  return false;
}

TEST(ManPage, HasEveryCommandOfTheHelp) {
  const std::string man = man_page_text();
  const auto commands = commands_in(help_of(""));
  ASSERT_GE(commands.size(), 10u);
  for (const std::string& c : commands) {
    EXPECT_NE(man.find("\n.B gemstone " + c), std::string::npos) << c << " is not in the SYNOPSIS";
    EXPECT_NE(man.find("\n.B " + c + "\n"), std::string::npos) << c << " is not under COMMANDS";
  }
}

TEST(ManPage, HasEveryOptionOfEveryHelp) {
  const std::string man = man_page_text();
  std::vector<std::string> helps = {""};
  for (const std::string& c : commands_in(help_of(""))) helps.push_back(c);
  for (const std::string& command : helps) {
    const std::string help = help_of(command);
    const auto options = options_in(help);
    EXPECT_GE(options.size(), 2u) << help;
    for (const std::string& option : options) {
      EXPECT_TRUE(has_word(man, option)) << "gemstone " << command << " --help shows " << option
                                         << ", gemstone(1) does not";
    }
    for (const std::string& variable : variables_in(help)) {
      EXPECT_NE(man.find("\n.B " + variable + "\n"), std::string::npos)
          << "gemstone " << command << " --help names $" << variable << ", gemstone(1)'s ENVIRONMENT does not";
    }
  }
}

TEST(ManPage, NamesNoOptionTheCommandDoesNotHave) {
  std::set<std::string> known;
  known.insert("--help");
  known.insert("--version");
  const std::string top = help_of("");
  for (const std::string& o : options_in(top)) known.insert(o);
  for (const std::string& c : commands_in(top)) {
    for (const std::string& o : options_in(help_of(c))) known.insert(o);
  }
  const std::string man = man_page_text();
  static const std::regex long_option(R"(--[a-z][-a-z]*)");
  for (std::sregex_iterator it(man.begin(), man.end(), long_option), end; it != end; ++it) {
    EXPECT_TRUE(known.count(it->str())) << "gemstone(1) names " << it->str() << ", which no --help shows";
  }
}

}  // namespace
}  // namespace gemstone::testing

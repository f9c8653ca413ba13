#include "cli/command_line.hpp"

#include <CLI/CLI.hpp>

#include "cli/suggest.hpp"
#include "gemstone/ascii.hpp"

namespace gemstone::cli {
namespace {

std::string did_you_mean(const std::string& word, const std::vector<std::string>& known) {
  const auto best = closest(word, known);
  return best ? "; did you mean '" + *best + "'?" : std::string();
}

std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* o : app.get_options()) {
    for (const std::string& l : o->get_lnames()) names.push_back("--" + l);
    for (const std::string& s : o->get_snames()) names.push_back("-" + s);
  }
  return names;
}

const CLI::Option* find_option(const CLI::App& app, const std::string& name) {
  for (const CLI::Option* o : app.get_options()) {
    if (o->nonpositional() && o->check_name(name)) return o;
  }
  return nullptr;
}

const CLI::App* find_command(const CLI::App& app, const std::string& name) {
  for (const CLI::App* c : commands_of(app)) {
    if (c->check_name(name)) return c;
  }
  return nullptr;
}

// What CLI11 takes for a positional argument rather than an option: "-",
// anything not starting with '-', and a negative number ("-5").
bool is_positional(const std::string& arg) {
  return arg.size() < 2 || arg[0] != '-' || ascii::is_digit(arg[1]) || (arg[1] == '.' && arg.size() > 2);
}

std::string unknown_option(const std::string& name, const CLI::App& where, const std::string& path) {
  const bool top = where.get_parent() == nullptr;
  return "unknown option '" + name + "'" + (top ? std::string() : " for '" + path + "'") +
         did_you_mean(name, option_names(where)) + " (see '" + path + " --help')";
}

}  // namespace

std::string option_name(const CLI::Option& option) {
  if (!option.get_lnames().empty()) return "--" + option.get_lnames().front();
  if (!option.get_snames().empty()) return "-" + option.get_snames().front();
  return option.get_name(true);
}

bool takes_value(const CLI::Option& option) { return option.get_items_expected_max() > 0; }

std::vector<const CLI::App*> commands_of(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App*) { return true; });
}

std::optional<std::string> pointed_usage_error(const CLI::App& app, const std::vector<std::string>& args) {
  const CLI::App* current = &app;
  std::string path = app.get_name();
  bool only_positionals = false;  // after "--"
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!only_positionals && arg == "--") {
      only_positionals = true;
      continue;
    }
    if (only_positionals || is_positional(arg)) {
      if (current != &app) continue;  // the command's own arguments
      current = find_command(app, arg);
      if (current == nullptr) {
        std::vector<std::string> names;
        for (const CLI::App* c : commands_of(app)) names.push_back(c->get_name());
        return "unknown command '" + arg + "'" + did_you_mean(arg, names) + " (see '" + path + " --help')";
      }
      path += " " + current->get_name();
      continue;
    }
    if (arg.rfind("--", 0) == 0) {
      const std::string name = arg.substr(0, arg.find('='));
      const CLI::Option* option = find_option(*current, name);
      if (option == nullptr) return unknown_option(name, *current, path);
      if (takes_value(*option) && name.size() == arg.size()) ++i;  // its value is the next argument
      continue;
    }
    // -x, -xVALUE, or several flags at once (-qr).
    for (std::size_t j = 1; j < arg.size(); ++j) {
      const std::string name{'-', arg[j]};
      const CLI::Option* option = find_option(*current, name);
      if (option == nullptr) return unknown_option(name, *current, path);
      if (takes_value(*option)) {
        if (j + 1 == arg.size()) ++i;  // its value is the next argument
        break;
      }
    }
  }
  if (current == &app) {
    std::string names;
    for (const CLI::App* c : commands_of(app)) names += (names.empty() ? "" : ", ") + c->get_name();
    return "a command is required: " + names + " (see '" + path + " --help')";
  }
  return std::nullopt;
}

std::optional<std::string> forward_common_options(CLI::App& app, CLI::App& command) {
  for (CLI::Option* given : app.get_options([](const CLI::Option* o) { return o->count() > 0; })) {
    if (given == app.get_help_ptr() || given == app.get_version_ptr()) continue;
    const std::string name = option_name(*given);
    CLI::Option* target = command.get_option_no_throw(name);
    if (target == nullptr) {
      return "option '" + given->get_name(false, true) + "' does not apply to '" + app.get_name() + " " + command.get_name() +
             "' (see '" + app.get_name() + " " + command.get_name() + " --help')";
    }
    // Given after the command too: a single value is the later one, a
    // repeatable option has both, the earlier first.
    const bool repeatable = target->get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll;
    if (target->count() > 0 && !repeatable) continue;
    std::vector<std::string> results = given->results();
    for (const std::string& r : target->results()) results.push_back(r);
    target->clear();
    target->add_result(results);
    target->run_callback();
  }
  return std::nullopt;
}

}  // namespace gemstone::cli

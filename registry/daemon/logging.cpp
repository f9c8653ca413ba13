#include "registry/daemon/logging.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace gemstone::registry {
namespace {

// "<N>" in front of a line tells journald its priority (sd-daemon(3)).
class SyslogPriorityFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    // trace, debug, info, warn, err, critical, off
    static constexpr char kPriority[] = {'7', '7', '6', '4', '3', '2', '6'};
    const auto level = static_cast<std::size_t>(msg.level);
    dest.push_back('<');
    dest.push_back(level < sizeof kPriority ? kPriority[level] : '6');
    dest.push_back('>');
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SyslogPriorityFlag>();
  }
};

}  // namespace

bool stderr_is_journal() {
  // systemd sets JOURNAL_STREAM=<device>:<inode> of the stream it gave us;
  // a child whose stderr was redirected elsewhere must not believe it.
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long device = 0;
  unsigned long long inode = 0;
  if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  struct stat st {};
  if (fstat(2, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == device &&
         static_cast<unsigned long long>(st.st_ino) == inode;
}

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("gemstone-registry");
  if (stderr_is_journal()) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<SyslogPriorityFlag>('*').set_pattern("%*%l %v");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  }
  spdlog::set_default_logger(logger);
  set_log_level(level);
}

bool set_log_level(const std::string& level) {
  // from_str maps anything unknown to "off": check the name first.
  static constexpr const char* kLevels[] = {"trace", "debug", "info", "warn", "error"};
  for (const char* known : kLevels) {
    if (level == known) {
      spdlog::set_level(spdlog::level::from_str(level));
      return true;
    }
  }
  return false;
}

void startup_error(const std::string& message) {
  std::fprintf(stderr, "%sgemstone-registry: %s\n", stderr_is_journal() ? "<3>" : "",
               message.c_str());
}

}  // namespace gemstone::registry

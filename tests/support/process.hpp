#pragma once
// A child process for tests: started with pipes on stdin/stdout/stderr, its
// output collected by background threads, and always killed and reaped by
// the destructor (also when an assertion fails half-way).

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

namespace gemstone::testing {

struct ProcessOptions {
  /// Variables to set (or, with std::nullopt, to remove) on top of ours.
  std::map<std::string, std::optional<std::string>> env;
  std::string stdin_data;  ///< written, then stdin is closed
  std::string cwd;         ///< empty: ours
};

/// Options that only change the environment.
inline ProcessOptions with_env(std::map<std::string, std::optional<std::string>> env) {
  ProcessOptions options;
  options.env = std::move(env);
  return options;
}

class Process {
 public:
  static std::unique_ptr<Process> start(const std::string& exe, const std::vector<std::string>& args,
                                        const ProcessOptions& options = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void send_signal(int sig);

  /// Waits for exit; the exit status, 128 + signal number when killed, or
  /// nothing on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);

  /// Waits until `ready(stderr so far)` holds; false on timeout or exit.
  bool wait_for_stderr(const std::function<bool(const std::string&)>& ready,
                       std::chrono::milliseconds timeout);

  std::string out() const;
  std::string err() const;

  /// After exit: waits until all output has been read.
  void join_output();

 private:
  Process() = default;
  void drain(int fd, std::string& sink);

  pid_t pid_ = -1;
  std::optional<int> status_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string out_;
  std::string err_;
  std::thread out_reader_;
  std::thread err_reader_;
  std::thread in_writer_;
};

struct RunResult {
  int status = -1;  ///< -1 when it timed out (and was killed)
  std::string out;
  std::string err;
};

/// Runs to completion, killing the process after `timeout`.
RunResult run(const std::string& exe, const std::vector<std::string>& args,
              const ProcessOptions& options = {},
              std::chrono::milliseconds timeout = std::chrono::seconds(20));

/// The resident memory of process `pid` (VmRSS), in KiB; 0 when unknown.
std::size_t resident_kib(pid_t pid);

}  // namespace gemstone::testing

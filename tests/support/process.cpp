#include "process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

extern char** environ;

namespace gemstone::testing {
namespace {

std::vector<std::string> merged_environment(
    const std::map<std::string, std::optional<std::string>>& overrides) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [key, value] : overrides) {
    if (value) {
      env[key] = *value;
    } else {
      env.erase(key);
    }
  }
  std::vector<std::string> out;
  for (const auto& [key, value] : env) out.push_back(key + "=" + value);
  return out;
}

}  // namespace

std::unique_ptr<Process> Process::start(const std::string& exe, const std::vector<std::string>& args,
                                        const ProcessOptions& options) {
  signal(SIGPIPE, SIG_IGN);  // a child that exits early must not kill the test
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  std::vector<std::string> env = merged_environment(options.env);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(exe.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  std::unique_ptr<Process> p(new Process());
  p->pid_ = fork();
  if (p->pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (p->pid_ == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    // Children start with default signal dispositions and an empty mask.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) _exit(126);
    execve(exe.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  Process* raw = p.get();
  raw->out_reader_ = std::thread([raw, fd = out[0]] { raw->drain(fd, raw->out_); });
  raw->err_reader_ = std::thread([raw, fd = err[0]] { raw->drain(fd, raw->err_); });
  raw->in_writer_ = std::thread([fd = in[1], data = options.stdin_data] {
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = write(fd, data.data() + done, data.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    close(fd);
  });
  return p;
}

void Process::drain(int fd, std::string& sink) {
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::lock_guard lock(mutex_);
    sink.append(buffer, static_cast<std::size_t>(n));
    changed_.notify_all();
  }
  close(fd);
}

Process::~Process() {
  if (!status_) {
    kill(pid_, SIGKILL);
    wait(std::chrono::seconds(10));
  }
  join_output();
}

void Process::join_output() {
  if (in_writer_.joinable()) in_writer_.join();
  if (out_reader_.joinable()) out_reader_.join();
  if (err_reader_.joinable()) err_reader_.join();
}

void Process::send_signal(int sig) {
  if (!status_) kill(pid_, sig);
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int raw = 0;
    const pid_t r = waitpid(pid_, &raw, WNOHANG);
    if (r == pid_) {
      status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
      std::lock_guard lock(mutex_);
      changed_.notify_all();
      return status_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool Process::wait_for_stderr(const std::function<bool(const std::string&)>& ready,
                              std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mutex_);
  for (;;) {
    if (ready(err_)) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    // Poll as well: the process may exit without writing anything more.
    changed_.wait_for(lock, std::chrono::milliseconds(20));
    lock.unlock();
    int raw = 0;
    const bool exited = !status_ && waitpid(pid_, &raw, WNOHANG) == pid_;
    if (exited) status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    lock.lock();
    if (status_ && !ready(err_)) {
      // Give the readers a moment to deliver the last bytes.
      changed_.wait_for(lock, std::chrono::milliseconds(50));
      return ready(err_);
    }
  }
}

std::string Process::out() const {
  std::lock_guard lock(mutex_);
  return out_;
}

std::string Process::err() const {
  std::lock_guard lock(mutex_);
  return err_;
}

RunResult run(const std::string& exe, const std::vector<std::string>& args,
              const ProcessOptions& options, std::chrono::milliseconds timeout) {
  auto p = Process::start(exe, args, options);
  RunResult result;
  auto status = p->wait(timeout);
  if (!status) {
    p->send_signal(SIGKILL);
    p->wait(std::chrono::seconds(10));
  }
  p->join_output();
  result.status = status ? *status : -1;
  result.out = p->out();
  result.err = p->err();
  return result;
}

std::size_t resident_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoul(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

}  // namespace gemstone::testing

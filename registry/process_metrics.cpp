#include "registry/process_metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <optional>

namespace gemstone::registry {
namespace {

void append_metric(std::string& out, const char* name, const char* type, const char* help,
                   double value) {
  char line[512];
  const int n = std::snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s %s\n%s %.15g\n", name,
                              help, name, type, name, value);
  if (n > 0 && static_cast<std::size_t>(n) < sizeof line) out.append(line, static_cast<std::size_t>(n));
}

double seconds_of(const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; }

// Sizes in pages from /proc/self/statm: total program size, then resident.
std::optional<std::pair<double, double>> memory_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "re");
  if (f == nullptr) return std::nullopt;
  unsigned long long size = 0;
  unsigned long long resident = 0;
  const bool read = std::fscanf(f, "%llu %llu", &size, &resident) == 2;
  std::fclose(f);
  if (!read) return std::nullopt;
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  return std::make_pair(static_cast<double>(size) * page, static_cast<double>(resident) * page);
}

std::optional<double> open_descriptors() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  double n = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n - 1;  // the directory's own descriptor, open while it is read
}

}  // namespace

void append_process_metrics(std::string& out, double start_time_seconds) {
  if (rusage usage{}; ::getrusage(RUSAGE_SELF, &usage) == 0) {
    append_metric(out, "process_cpu_seconds_total", "counter",
                  "Total user and system CPU time spent in seconds.",
                  seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime));
  }
  if (const auto memory = memory_bytes()) {
    append_metric(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
                  memory->first);
    append_metric(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
                  memory->second);
  }
  if (const auto fds = open_descriptors()) {
    append_metric(out, "process_open_fds", "gauge", "Number of open file descriptors.", *fds);
  }
  if (rlimit files{}; ::getrlimit(RLIMIT_NOFILE, &files) == 0) {
    append_metric(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
                  files.rlim_cur == RLIM_INFINITY ? -1.0 : static_cast<double>(files.rlim_cur));
  }
  append_metric(out, "process_start_time_seconds", "gauge",
                "Start time of the process since the Unix epoch in seconds.", start_time_seconds);
}

}  // namespace gemstone::registry

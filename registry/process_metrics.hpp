#pragma once
// The process metrics every Prometheus exporter has (CPU time, resident
// memory, descriptors, start time), read from the kernel at scrape time, so
// the dashboards and alerts written for any other exporter work unchanged.

#include <string>

namespace gemstone::registry {

/// Appends process_cpu_seconds_total, process_resident_memory_bytes,
/// process_virtual_memory_bytes, process_open_fds, process_max_fds and
/// process_start_time_seconds (`start_time_seconds`, Unix time) to `out`, in
/// the Prometheus text format. A figure the kernel does not give is left out.
void append_process_metrics(std::string& out, double start_time_seconds);

}  // namespace gemstone::registry

#!/usr/bin/env bash
# The registry benchmark, in one command (see tests/bench/README-section.md):
#
#   tests/bench/run.sh [--quick] [--duration S] [--no-results] [--skip-micro] [--skip-cli]
#                      [--baseline OTHER-gemstone-registry]
#                      [--only http|100k|expiry|slow|hostile|watch|micro|cli|etcd]...
#
# Installs what is missing (Debian 12: wrk, nginx, etcd-server,
# libbenchmark-dev, the build dependencies), builds Release binaries in
# ./build-bench (override with BENCH_BUILD_DIR), then runs
# tests/bench/bench.py: nginx, the registry and stock cpp-httplib side by side
# under the same wrk load, 100,000 instances, mass expiry, 10,000 parked
# watchers, micro-benchmarks, the CLI next to curl, and the etcd backend
# beside memory mode and etcd's own gateway. Prints
# the report and appends it to tests/bench/RESULTS.md. Loopback only; every
# run is bounded; every process it starts is stopped when it ends.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="${BENCH_BUILD_DIR:-$here/build-bench}"
jobs="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
command_line="tests/bench/run.sh${*:+ $*}"

packages=(
  cmake g++ make pkg-config
  libcpp-httplib-dev libssl-dev rapidjson-dev libcli11-dev libspdlog-dev libtomlplusplus-dev
  libgtest-dev libbenchmark-dev python3 curl wrk nginx openssl etcd-server
)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "run.sh: installing ${missing[*]}" >&2
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The registry and the benchmarks are required; the CLI and the test service
# are built when their sources allow it, and the CLI section says so if not.
build() {
  cmake -S "$here" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DGEMSTONE_BUILD_TESTS=ON \
    -DGEMSTONE_BUILD_BENCHMARKS=ON >/dev/null
  cmake --build "$build_dir" -j "$jobs" --target gemstone-registry gemstone_micro_bench \
    bare_httplib_responder
  for optional in gemstone gemstone-test-service; do
    cmake --build "$build_dir" -j "$jobs" --target "$optional" >/dev/null 2>&1 ||
      echo "run.sh: could not build $optional; the CLI section will be skipped" >&2
  done
}

# Stops whatever bench.py left running if this script is interrupted.
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

install_missing
build
python3 "$here/tests/bench/bench.py" --build "$build_dir" --command "$command_line" "$@" &
pids+=($!)
wait "${pids[0]}"

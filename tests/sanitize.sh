#!/usr/bin/env bash
# Runs the test suites under sanitizers, each in its own build directory:
#   address,undefined  every unit and integration test, the etcd backend's
#                      included (the daemon under test is built with the
#                      same sanitizers)
#   thread             the concurrent component tests (store, task queue,
#                      dispatcher and its offload, watch hub, the etcd view,
#                      the daemon's periodic tasks)
# Any sanitizer report fails the run (-fno-sanitize-recover, halt_on_error).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="$(nproc)"
source "$here/packaging/deps.sh"

configure() {  # DIR SANITIZERS
  if [ ! -f "$1/CMakeCache.txt" ]; then
    cmake -S "$here" -B "$1" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGEMSTONE_SANITIZE="$2" >/dev/null
  fi
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

echo "== address,undefined: unit, integration and etcd tests"
configure "$here/build-asan" address,undefined
cmake --build "$here/build-asan" -j "$jobs"
(cd "$here/build-asan" && ctest --output-on-failure -j "$jobs" -L 'unit|integration|etcd' --timeout 300)

echo "== thread: concurrent component tests"
configure "$here/build-tsan" thread
cmake --build "$here/build-tsan" -j "$jobs" --target unit_tests
"$here/build-tsan/tests/unit_tests" --gtest_filter='MemoryStore*:*Concurren*:EventLoop*:HttpServer*:Dispatcher*:PeriodicTask*:ExpirySweeper*:StateSaver*:WatchHub*:EtcdView*:ChangeLog*:AccessGuard*' \
  --gtest_brief=1

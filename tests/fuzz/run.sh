#!/usr/bin/env bash
# Builds the request-path fuzzer with clang (libFuzzer + ASan + UBSan) in
# ./build-fuzz and runs it for FUZZ_SECONDS (default 60) on the seed corpus.
# A crash fails the run; its input is copied into tests/fuzz/corpus so that
# the ordinary build replays it as a regression test (fuzz_corpus_replay).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="${FUZZ_BUILD_DIR:-$here/build-fuzz}"
seconds="${FUZZ_SECONDS:-60}"
source "$here/packaging/deps.sh"
ensure_packages clang libclang-rt-14-dev

if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S "$here" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DGEMSTONE_FUZZ=ON -DGEMSTONE_BUILD_TESTS=ON >/dev/null
fi
cmake --build "$build_dir" -j "$(nproc)" --target request_path_fuzzer

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here"/tests/fuzz/corpus/* "$work/"
mkdir -p "$work/artifacts"
status=0
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
  "$build_dir/tests/fuzz/request_path_fuzzer" "$work" -max_total_time="$seconds" \
  -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" </dev/null 2>&1 | tail -n 30 || status=$?
if compgen -G "$work/artifacts/*" >/dev/null; then
  for f in "$work"/artifacts/*; do
    cp "$f" "$here/tests/fuzz/corpus/regression-$(basename "$f")"
    echo "fuzz: crash input saved as tests/fuzz/corpus/regression-$(basename "$f")" >&2
  done
  exit 1
fi
exit "$status"

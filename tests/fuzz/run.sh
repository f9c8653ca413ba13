#!/usr/bin/env bash
# Builds the fuzz targets with clang (libFuzzer + ASan + UBSan) in ./build-fuzz
# and runs them one after the other, FUZZ_SECONDS (default 60) split between
# them, each on its seed corpus: the request path on tests/fuzz/corpus, the
# HTTP request parser on tests/fuzz/corpus_http. A crash fails the run; its
# input is copied into that corpus so that the ordinary build replays it as a
# regression test (fuzz_corpus_replay, fuzz_http_corpus_replay).
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
cmake --build "$build_dir" -j "$(nproc)" --target request_path_fuzzer http_request_parser_fuzzer

# Each target gets its share of the time, its own seed corpus and, where it
# has one, a dictionary.
targets=(request_path_fuzzer http_request_parser_fuzzer)
corpora=(corpus corpus_http)
dicts=("" http.dict)
share=$(( seconds / ${#targets[@]} ))
[ "$share" -ge 1 ] || share=1

status=0
crashed=0
for i in "${!targets[@]}"; do
  target="${targets[$i]}"
  corpus="$here/tests/fuzz/${corpora[$i]}"
  work="$(mktemp -d)"
  cp "$corpus"/* "$work/"
  mkdir -p "$work/artifacts"
  dict=()
  [ -n "${dicts[$i]}" ] && dict=(-dict="$here/tests/fuzz/${dicts[$i]}")
  echo "fuzz: $target for ${share}s" >&2
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    "$build_dir/tests/fuzz/$target" "$work" "${dict[@]}" -max_total_time="$share" \
    -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" </dev/null 2>&1 | tail -n 30 || status=$?
  if compgen -G "$work/artifacts/*" >/dev/null; then
    for f in "$work"/artifacts/*; do
      cp "$f" "$corpus/regression-$(basename "$f")"
      echo "fuzz: crash input saved as tests/fuzz/${corpora[$i]}/regression-$(basename "$f")" >&2
    done
    crashed=1
  fi
  rm -rf "$work"
done
[ "$crashed" -eq 0 ] || exit 1
exit "$status"

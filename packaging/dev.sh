#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine:
#   packaging/dev.sh start [REGISTRY FLAGS...]  install what is missing, build, run the registry
#   packaging/dev.sh test  [CTEST ARGS...]      install what is missing, build, run every test
#   packaging/dev.sh build                      install what is missing, build
#   packaging/dev.sh deps [PACKAGES...]         install what is missing (and PACKAGES), nothing else
# Builds into ./build (override with BUILD_DIR) and rebuilds only what changed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$here/build}"
jobs="${JOBS:-$(nproc 2>/dev/null || echo 2)}"

# Build and test dependencies, all from Debian 12.
packages=(
  cmake g++ make pkg-config
  libcpp-httplib-dev libssl-dev rapidjson-dev libcli11-dev libspdlog-dev libtomlplusplus-dev
  libgtest-dev python3 curl
  prometheus  # promtool, which checks GET /metrics in a test
  util-linux  # setpriv: tests of unreadable files, when they run as root
  etcd-server etcd-client  # the etcd backend's tests start real etcd members
  chromium nodejs  # the dashboard's browser tests (tests/browser)
  zsh fish    # check the syntax of gemstone's completion scripts in a test
)

source "$here/packaging/deps.sh"
install_missing() { ensure_packages "${packages[@]}" "$@"; }

build() {
  install_missing
  if [ ! -f "$build_dir/CMakeCache.txt" ]; then
    cmake -S "$here" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  cmake --build "$build_dir" -j "$jobs"
}

# puppeteer-core for the browser tests, exactly as tests/browser/package-lock.json
# pins it, into tests/browser/node_modules; again only when the lock file changed.
# No browser is downloaded: the tests drive Debian's chromium.
browser_test_modules() {
  local dir="$here/tests/browser"
  command -v npm >/dev/null || ensure_packages npm  # Debian's nodejs comes without it
  if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.installed-lock.json"; then
    echo "installing the browser tests' node modules (npm ci)" >&2
    (cd "$dir" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$dir/node_modules/.installed-lock.json"
  fi
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  build) build ;;
  deps) install_missing "$@" ;;
  start)
    build
    exec "$build_dir/registry/gemstone-registry" "$@"
    ;;
  test)
    build
    browser_test_modules
    cd "$build_dir"
    exec ctest --output-on-failure -j "$jobs" --timeout 300 "$@"
    ;;
  *)
    echo "usage: packaging/dev.sh start|test|build|deps [ARGS...]" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# Builds the Debian package:  packaging/build-deb.sh  ->  build/deb/gemstone_<version>_<arch>.deb
# A release build of its own in build/deb (override with DEB_BUILD_DIR), with
# Debian's hardening flags, no tests. The build's output goes to stderr; the
# path of the .deb alone to stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${DEB_BUILD_DIR:-$here/build/deb}"
jobs="${JOBS:-$(nproc 2>/dev/null || echo 2)}"

# The build dependencies dev.sh knows, and dpkg-dev for dpkg-buildflags and
# dpkg-shlibdeps (which computes the package's Depends).
"$here/packaging/dev.sh" deps dpkg-dev >&2

export DEB_BUILD_MAINT_OPTIONS="hardening=+all"
cmake -S "$here" -B "$build_dir" \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX=/usr \
  -DGEMSTONE_BUILD_TESTS=OFF \
  "-DCMAKE_CXX_FLAGS=$(dpkg-buildflags --get CXXFLAGS) $(dpkg-buildflags --get CPPFLAGS) -fno-ident" \
  "-DCMAKE_EXE_LINKER_FLAGS=$(dpkg-buildflags --get LDFLAGS)" >&2
cmake --build "$build_dir" -j "$jobs" >&2
rm -f "$build_dir"/gemstone_*.deb
(cd "$build_dir" && cpack -G DEB) >&2
ls "$build_dir"/gemstone_*.deb

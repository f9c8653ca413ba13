#!/usr/bin/env bash
# Builds the Debian package and checks it as an operator would meet it:
# lintian (no errors), the licence (MIT, DEP-5) and maintainer, dpkg -i
# (twice: install, then upgrade in place), the installed binaries, the conffile, a short run of the installed daemon,
# systemd-analyze verify of the unit, the shell completion scripts, and
# dpkg --purge.
# Needs root or sudo; installs the tools it lacks; reads no standard input.
# KEEP_INSTALLED=1 leaves the package installed at the end.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sudo=()
[ "$(id -u)" -ne 0 ] && sudo=(sudo -n)
export DEBIAN_FRONTEND=noninteractive

step() { printf '\n== check-package: %s\n' "$*" >&2; }
fail() { printf 'check-package: FAILED: %s\n' "$*" >&2; exit 1; }
started=$SECONDS

step "tools"
"$here/packaging/dev.sh" deps lintian dpkg-dev
if ! command -v systemd-analyze >/dev/null; then
  # Only for `systemd-analyze verify`; a machine without systemd skips that check.
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends systemd >/dev/null 2>&1 || true
fi

step "build"
deb="$("$here/packaging/build-deb.sh" | tail -n 1)"
[ -f "$deb" ] || fail "build-deb.sh made no package"
echo "$deb" >&2

step "lintian (errors fail, warnings are shown)"
lintian --fail-on error "$deb" \
  || fail "lintian found errors"

step "contents"
contents="$(dpkg-deb -c "$deb")"
for path in ./usr/bin/gemstone-registry ./etc/gemstone/registry.toml \
            ./usr/lib/systemd/system/gemstone-registry.service \
            ./usr/share/man/man8/gemstone-registry.8.gz \
            ./usr/share/doc/gemstone/copyright ./usr/share/doc/gemstone/changelog.Debian.gz; do
  grep -q " $path\$" <<<"$contents" || fail "$path is not in the package"
done
has_cli=false
if grep -q ' ./usr/bin/gemstone$' <<<"$contents"; then
  has_cli=true
  grep -q ' ./usr/share/man/man1/gemstone.1.gz$' <<<"$contents" || fail "gemstone(1) is missing"
  for path in ./usr/share/bash-completion/completions/gemstone \
              ./usr/share/zsh/vendor-completions/_gemstone \
              ./usr/share/fish/vendor_completions.d/gemstone.fish; do
    grep -q " $path\$" <<<"$contents" || fail "the completion script $path is not in the package"
  done
fi
dpkg-deb -f "$deb" Depends | grep libcpp-httplib >/dev/null || fail "Depends lacks the shared libraries"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -x /etc/gemstone/registry.toml >/dev/null \
  || fail "/etc/gemstone/registry.toml is not a conffile"

step "licence and maintainer"
copyright="$(mktemp)"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/doc/gemstone/copyright >"$copyright"
"$here/packaging/check-licence.sh" "$here/LICENSE" "$copyright" \
  || { rm -f "$copyright"; fail "the package's copyright file does not carry the MIT licence"; }
rm -f "$copyright"
maintainer="$(dpkg-deb -f "$deb" Maintainer)"
grep -Eq '^[^<>]+ <[^@<> ]+@[^@<> ]+\.[a-z]+>$' <<<"$maintainer" && ! grep -q '\.invalid>$' <<<"$maintainer" \
  || fail "Maintainer is not a real name and address: $maintainer"
echo "Maintainer: $maintainer"

step "dpkg -i (install, then again as an upgrade)"
install_deb() {
  if ! "${sudo[@]}" dpkg -i "$deb" </dev/null; then
    "${sudo[@]}" apt-get install -f -y -qq --no-install-recommends </dev/null >/dev/null
    dpkg-query -W -f='${Status}' gemstone | grep -q "install ok installed" || fail "dpkg -i failed"
  fi
}
install_deb
install_deb

step "installed binaries"
config="$(/usr/bin/gemstone-registry --print-config)" || fail "gemstone-registry --print-config"
echo "$config"
grep -qx 'state_file = "/var/lib/gemstone-registry/state.json"' <<<"$config" \
  || fail "--print-config does not show the packaged state_file"
/usr/bin/gemstone-registry --version
if $has_cli; then
  /usr/bin/gemstone --help >/dev/null || fail "gemstone --help"
  echo "gemstone --help: ok"
  # The installed bash completion loads, is the one the command prints, and completes.
  cmp -s /usr/share/bash-completion/completions/gemstone <(/usr/bin/gemstone completion bash) \
    || fail "the packaged bash completion differs from 'gemstone completion bash'"
  got="$(bash --norc --noprofile -c 'source /usr/share/bash-completion/completions/gemstone &&
    COMP_WORDS=(gemstone unreg) COMP_CWORD=1 && _gemstone && echo "${COMPREPLY[*]}"')" \
    || fail "the bash completion does not load"
  [ "$got" = unregister ] || fail "the bash completion completes 'unreg' as '$got'"
  echo "bash completion: ok"
fi

step "a short run of the installed daemon"
work="$(mktemp -d)"
log="$work/registry.log"
/usr/bin/gemstone-registry --port 0 --state-file "$work/state.json" 2>"$log" </dev/null &
pid=$!
cleanup() { kill -9 "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=""
for _ in $(seq 100); do
  port="$(sed -n 's#.*listening on http://127\.0\.0\.1:\([0-9]*\)/api.*#\1#p' "$log")"
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$port" ] || { cat "$log" >&2; fail "the installed daemon did not start"; }
curl -sf --max-time 5 "http://127.0.0.1:$port/health" >/dev/null || fail "GET /health"
curl -sf --max-time 5 -H 'Content-Type: application/json' \
  -d '{"jsonrpc":"2.0","method":"ping","params":["check.package","127.0.0.1",9],"id":1}' \
  "http://127.0.0.1:$port/api" | grep '"check.package"' >/dev/null || fail "ping"
kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "the daemon did not stop on SIGTERM"
wait "$pid" || fail "the daemon exited non-zero on SIGTERM"
grep -q '"check.package"' "$work/state.json" || fail "no state file written at shutdown"
cat "$log" >&2

step "systemd-analyze verify"
unit=/usr/lib/systemd/system/gemstone-registry.service
if command -v systemd-analyze >/dev/null; then
  # It reports problems as warnings and still exits 0: any output fails.
  out="$(systemd-analyze verify "$unit" 2>&1)" || fail "systemd-analyze verify: $out"
  [ -z "$out" ] || fail "systemd-analyze verify: $out"
  echo "$unit: ok"
else
  echo "systemd-analyze not available: skipped"
fi

if [ "${KEEP_INSTALLED:-0}" != 1 ]; then
  step "dpkg --purge"
  "${sudo[@]}" dpkg --purge gemstone </dev/null
  [ ! -e /etc/gemstone/registry.toml ] || fail "purge left /etc/gemstone/registry.toml"
  [ ! -e /usr/bin/gemstone-registry ] || fail "purge left /usr/bin/gemstone-registry"
fi

printf '\ncheck-package: ok (%ss)\n' "$((SECONDS - started))" >&2

#!/usr/bin/env bash
# check-licence.sh LICENSE COPYRIGHT: COPYRIGHT (debian/copyright, or the one
# in the .deb) is machine-readable (DEP-5), says MIT (Expat) for every file,
# and its License paragraph is LICENSE's permission text, word for word.
set -euo pipefail
licence="$1"
copyright="$2"
fail() { printf 'check-licence: %s: %s\n' "$copyright" "$*" >&2; exit 1; }

head -n 1 "$copyright" | grep -qx 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' \
  || fail "not machine-readable: the first line is not DEP-5's Format:"
grep -qx 'Files: \*' "$copyright" || fail "no 'Files: *' paragraph"
[ "$(grep -c '^License: Expat$' "$copyright")" -ge 2 ] \
  || fail "every file is not said to be under License: Expat (MIT), with its text"
grep -q '^Copyright: ' "$copyright" || fail "no Copyright: field"

# The standalone License paragraph, as plain text: after the last
# "License: Expat" line, continuation lines without their leading space,
# " ." as an empty line.
in_copyright="$(awk '/^License: Expat$/ { text = ""; inside = 1; next }
                     inside && /^ / { line = substr($0, 2); if (line == ".") line = "";
                                      text = text line "\n"; next }
                     inside { inside = 0 }
                     END { printf "%s", text }' "$copyright")"
in_licence="$(sed -n '/^Permission is hereby granted/,$p' "$licence")"
[ -n "$in_licence" ] || fail "$licence has no MIT permission text"
[ "$in_copyright" = "$in_licence" ] || {
  diff <(printf '%s\n' "$in_licence") <(printf '%s\n' "$in_copyright") >&2 || true
  fail "the License paragraph is not the text of $licence"
}
grep -q '^Copyright (c) .* gemstone-registry developers$' "$licence" \
  || fail "$licence does not name the copyright holders"
echo "check-licence: $copyright: MIT (Expat), as $licence"

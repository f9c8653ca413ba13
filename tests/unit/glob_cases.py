#!/usr/bin/env python3
"""Prints the Glob cross-check table, with Python's fnmatch as the oracle.

    python3 tests/unit/glob_cases.py > tests/unit/glob_cases.inc

Each (pattern, name) pair below becomes a row {pattern, name, expected} where
expected is fnmatch.fnmatchcase(name, pattern). glob_test.cpp includes the
generated table and checks gemstone::Glob against every row; the checked-in
table is what the C++ test checks, so it never needs Python. Add cases here and
regenerate rather than editing the .inc.
"""

import fnmatch
import sys
import warnings

CASES = [
    # --- empty pattern and name ---
    ("", ""),
    ("", "a"),
    ("a", ""),
    ("*", ""),
    ("?", ""),
    ("[a]", ""),
    ("[!a]", ""),
    # --- literals: whole-name, case-sensitive ---
    ("abc", "abc"),
    ("abc", "abd"),
    ("abc", "ab"),
    ("abc", "abcd"),
    ("ABC", "abc"),
    ("abc", "ABC"),
    # --- regex metacharacters are plain characters ---
    ("a.c", "a.c"),
    ("a.c", "abc"),
    ("a+b", "a+b"),
    ("a+b", "aab"),
    ("(x)", "(x)"),
    ("{1}", "{1}"),
    ("a|b", "a"),
    ("a|b", "a|b"),
    ("$^", "$^"),
    # --- '*' ---
    ("*", "anything.at.all"),
    ("*", ".hidden"),
    ("a*", "a"),
    ("a*", "abc"),
    ("a*", "ba"),
    ("*c", "abc"),
    ("*c", "abd"),
    ("a*c", "ac"),
    ("a*c", "abbbc"),
    ("a*c", "abcd"),
    ("a*c", "a.b.c"),
    ("*a*", "banana"),
    ("*x*", "banana"),
    ("**", "x"),
    ("***", ""),
    ("a**b", "ab"),
    ("**a**b**", "ab"),
    ("*.py", "a.py"),
    ("*.py", ".py"),
    ("*.py", "a.pyc"),
    # --- '?' ---
    ("?", "a"),
    ("?", "ab"),
    ("?", "."),
    ("a?c", "abc"),
    ("a?c", "ac"),
    ("*?", ""),
    ("*?", "a"),
    ("?*", "a"),
    ("?*?", "a"),
    ("?*?", "ab"),
    ("*?*?*", "a"),
    ("*?*?*", "ab"),
    ("*?*?*?*", "ab"),
    ("*?*?*?*", "abc"),
    ("*?c", "c"),
    # --- realistic service names ---
    ("myservice.*", "myservice.workers.01"),
    ("myservice.*", "myservice"),
    ("myservice.workers.??", "myservice.workers.01"),
    ("myservice.workers.??", "myservice.workers.1"),
    ("myservice.workers.[0-9][0-9]", "myservice.workers.01"),
    ("myservice.workers.[0-9][0-9]", "myservice.workers.0a"),
    ("myservice.workers.0[!0]", "myservice.workers.01"),
    ("myservice.workers.0[!1]", "myservice.workers.01"),
    ("*.workers.*", "myservice.workers.01"),
    ("*.workers", "myservice.workers.01"),
    ("*workers*", "myservice.workers.01"),
    ("svc.*", "svc."),
    ("svc.*", "svc"),
    ("svc.*.worker", "svc.a.b.worker"),
    ("svc.123.*", "svc.123.east"),
    ("svc.12?.*", "svc.123.east"),
    ("svc.[1-3]*", "svc.2x"),
    ("svc.[1-3]*", "svc.4x"),
    ("*.[ew][a-z]st", "svc.123.east"),
    ("*.[ew][a-z]st", "svc.123.west"),
    ("*.[ew][a-z]st", "svc.123.nest"),
    ("billing-*", "billing-api"),
    ("billing-*", "billing"),
    ("*-api", "billing-api"),
    ("payments.v[0-9].*", "payments.v2.api"),
    ("payments.v[0-9].*", "payments.v10.api"),
    ("payments.v[0-9]*.*", "payments.v10.api"),
    # --- sets and ranges ---
    ("[abc]", "a"),
    ("[abc]", "d"),
    ("[abc]", "ab"),
    ("[!abc]", "d"),
    ("[!abc]", "a"),
    ("[a-c]", "b"),
    ("[a-c]", "d"),
    ("[a-cx-z]", "y"),
    ("[a-cx-z]", "m"),
    ("[!a-c]", "b"),
    ("[!a-c]", "m"),
    ("[0-9]", "5"),
    ("[0-9]", "a"),
    ("[a-a]", "a"),
    ("[a-a]", "b"),
    ("[*]", "*"),
    ("[*]", "a"),
    ("[?]", "?"),
    ("[?]", "a"),
    ("[!!]", "!"),
    ("[!!]", "a"),
    # --- ']' first in a set is a member ---
    ("[]]", "]"),
    ("[]]", "a"),
    ("[]a]", "a"),
    ("[]a]", "]"),
    ("[!]]", "]"),
    ("[!]]", "a"),
    ("[!]a]", "a"),
    ("[!]a]", "b"),
    ("[]-a]", "^"),
    ("[]-a]", "]"),
    ("[]-a]", "b"),
    ("[]]]", "]]"),
    ("[]]]", "]"),
    ("[a]b]", "ab]"),
    # --- '[]' and '[!]' never close: their '[' is literal ---
    ("[]", "[]"),
    ("[]", ""),
    ("[!]", "[!]"),
    ("[!]", "a"),
    # --- '-' first or last is a member; after a range it is a member too ---
    ("[-]", "-"),
    ("[-a]", "-"),
    ("[-a]", "b"),
    ("[a-]", "-"),
    ("[a-]", "a"),
    ("[a-]", "b"),
    ("[!-]", "-"),
    ("[!-]", "a"),
    ("[!-a]", "-"),
    ("[!-a]", "b"),
    ("[--]", "-"),
    ("[---]", "-"),
    ("[--0]", "-"),
    ("[--0]", "/"),
    ("[--0]", "0"),
    ("[--0]", "1"),
    ("[a-b-c]", "-"),
    ("[a-b-c]", "b"),
    ("[a-b-c]", "c"),
    ("[a-c-e]", "d"),
    ("[a-c-e]", "-"),
    ("[a-c-e]", "e"),
    # --- reversed ranges match nothing and drop out of the set ---
    ("[z-a]", "z"),
    ("[z-a]", "m"),
    ("[z-a]", "-"),
    ("[9-0]", "5"),
    ("[!z-a]", "m"),
    ("[!z-a]", "z"),
    ("[!z-a]", ""),
    ("[!z-a]", "ab"),
    ("[az-ab]", "a"),
    ("[az-ab]", "b"),
    ("[az-ab]", "z"),
    ("[az-ab]", "m"),
    ("[z-ab-c]", "a"),
    ("[z-ab-c]", "b"),
    ("[b-ac-d]", "c"),
    ("[b-ac-d]", "b"),
    ("[a--]", "a"),
    ("[a--]", "-"),
    ("[!a--]", "a"),
    ("[a--b]", "a"),
    ("[a--b]", "b"),
    ("[a--b]", "-"),
    ("a[z-a]b", "ab"),
    ("*[z-a]*", "anything"),
    ("[z-a^]", "^"),
    ("[z-a^]", "a"),
    ("[z-a[]", "["),
    # ... and a '!' they leave at the front of a set negates it (CPython quirk)
    ("[z-a!]", "q"),
    ("[z-a!]", "!"),
    ("[z-a!x]", "x"),
    ("[z-a!x]", "q"),
    ("[z-a!x]", "!"),
    ("[z-a!-y]", "-"),
    ("[z-a!-y]", "m"),
    ("[z-a!-y]", "y"),
    ("[z-a!-y]", "!"),
    # --- backslash is not an escape ---
    ("\\", "\\"),
    ("\\*", "\\abc"),
    ("\\*", "*"),
    ("\\?", "\\a"),
    ("\\?", "?"),
    ("a\\b", "a\\b"),
    ("[\\]", "\\"),
    ("[\\]]", "\\]"),
    ("[\\]]", "]"),
    ("[\\-a]", "]"),
    ("[\\-a]", "b"),
    ("[!\\]", "\\"),
    ("[!\\]", "a"),
    # --- '[' and '^' inside a set are members ---
    ("[[]", "["),
    ("[[]", "a"),
    ("[[a]", "a"),
    ("[a[]", "["),
    ("[[]]", "[]"),
    ("[[:alpha:]]", "a]"),
    ("[[:alpha:]]", "a"),
    ("[[:alpha:]]", ":]"),
    ("[^a]", "^"),
    ("[^a]", "b"),
    ("[!^]", "^"),
    ("[!^]", "a"),
    # --- an unclosed '[' is a literal '[' and the rest is still a pattern ---
    ("[", "["),
    ("[", ""),
    ("a[", "a["),
    ("a[b", "a[b"),
    ("a[b", "ab"),
    ("[abc", "[abc"),
    ("[abc", "a"),
    ("[!", "[!"),
    ("[!a", "[!a"),
    ("[a-", "[a-"),
    ("[[", "[["),
    ("*[", "abc["),
    ("[*", "[xyz"),
    ("[*", "x"),
    ("[?", "[a"),
    ("[?", "a"),
    # --- regex set operators are plain members ---
    ("[a&&b]", "&"),
    ("[a&&b]", "a"),
    ("[a~~b]", "~"),
    ("[a||b]", "|"),
    ("[&]", "&"),
    ("[~]", "~"),
    ("[|]", "|"),
    ("[a-z&&[^x]]", "x]"),
    ("[a-z&&[^x]]", "&]"),
    ("[a-z&&[^x]]", "x"),
    # --- newlines and NULs are ordinary characters ---
    ("*", "a\nb"),
    ("?", "\n"),
    ("a?b", "a\nb"),
    ("[!a]", "\n"),
    ("a*", "a\n"),
    ("a", "a\n"),
    ("*\n", "abc\n"),
    ("\x00", "\x00"),
    ("a?b", "a\x00b"),
    ("a\x00*", "a\x00zz"),
    ("a*", "a\x00"),
    # --- Unicode: '?' is one code point, ranges compare code points ---
    ("?", "é"),
    ("??", "é"),
    ("caf?", "café"),
    ("caf?", "cafe"),
    ("caf*", "café"),
    ("café", "café"),
    ("café", "cafe"),
    ("caf[é]", "café"),
    ("caf[!é]", "café"),
    ("caf[!é]", "cafe"),
    ("a?c", "aéc"),
    ("a??c", "aéc"),
    ("é*", "e"),
    ("*é", "éé"),
    ("*é?", "éaé"),
    ("*[é]", "aaé"),
    ("[à-ÿ]", "é"),
    ("[à-ÿ]", "e"),
    ("[a-é]", "ä"),
    ("[a-é]", "ö"),
    ("[a-é]", "z"),
    ("[é-a]", "b"),
    ("[~-é]", "\x7f"),
    ("[~-é]", "\x80"),
    ("[é-a!x]", "q"),
    ("[é-a!x]", "x"),
    ("[é]", "e\u0301"),
    ("??", "e\u0301"),
    ("服务.*", "服务.订单"),
    ("服务.??", "服务.订单"),
    ("服务.?", "服务.订单"),
    ("*单", "服务.订单"),
    ("[一-龥]", "中"),
    ("[一-龥]", "a"),
    ("[!中]", "中"),
    ("[!中]", "国"),
    ("a?c", "a中c"),
    ("?", "😀"),
    ("??", "😀"),
    ("[😀-😏]", "😃"),
    ("[😀-😏]", "😐"),
    ("[!😀]", "😀"),
    ("[!😀]", "a"),
    ("a*😀*b", "a🙂😀🙂b"),
    ("a*😀*b", "a🙂🙂b"),
    ("*", "😀😀😀"),
    ("?", "👍🏽"),
    ("??", "👍🏽"),
    ("[]é]", "é"),
    ("[!]é]", "]"),
    # --- many stars: backtracking must be right, and bounded ---
    ("*a*b*c*d*e*", "xaxbxcxdxex"),
    ("*a*b*c*d*e*", "edcba"),
    ("*a*a*a*a*", "aaaa"),
    ("*a*a*a*a*", "aaa"),
    ("*aab", "aaaab"),
    ("*aab", "aaaba"),
    ("*ab*ab*", "abab"),
    ("*ab*ab*", "abaab"),
    ("*ab*ab*", "aba"),
    ("*ab?", "abababx"),
    ("*ab?", "ababab"),
    ("*abc*abd", "abcabcabd"),
    ("*abc*abd", "abcabcab"),
    ("*[ab][ab]c", "abababc"),
    ("*[!a]b", "aab"),
    ("*[!a]b", "acb"),
    ("a*a*a*a*a*b", "a" * 30),
    ("a*a*a*a*a*a*a*a*b", "a" * 100 + "b"),
    ("a*a*a*a*a*a*a*a*b", "a" * 200),
    ("*?*?*?*?*?*?*?*?*?*?x", "y" * 64),
    ("*" * 40 + "x", "x"),
]


def c_string(s):
    """A C++ string literal for the UTF-8 bytes of s, safe for any content."""
    out = []
    prev = ""
    for b in s.encode("utf-8"):
        ch = chr(b)
        if ch == "\\":
            piece = "\\\\"
        elif ch == '"':
            piece = '\\"'
        elif ch == "\n":
            piece = "\\n"
        elif ch == "?" and prev == "?":
            piece = "\\?"  # never let "??" start a trigraph
        elif 0x20 <= b < 0x7F:
            piece = ch
        else:
            piece = "\\%03o" % b  # octal escapes stop after three digits
        out.append(piece)
        prev = ch
    return '"' + "".join(out) + '"'


def main():
    seen = set()
    for case in CASES:
        if case in seen:
            sys.exit(f"duplicate case: {case!r}")
        seen.add(case)

    print("// Generated by tests/unit/glob_cases.py; do not edit by hand.")
    print("//   python3 tests/unit/glob_cases.py > tests/unit/glob_cases.inc")
    print(f"// Oracle: fnmatch.fnmatchcase of Python {sys.version_info.major}.{sys.version_info.minor}.")
    print("// Rows: {pattern, name, expected}, UTF-8; non-ASCII bytes as octal escapes.")
    for pattern, name in CASES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # re's FutureWarnings about '[' and '--' in sets
            expected = fnmatch.fnmatchcase(name, pattern)
        row = f"{{{c_string(pattern)}, {c_string(name)}, {'true' if expected else 'false'}}},"
        if not (pattern + name).isascii():
            row += f"  // {pattern!r} {name!r}"
        print(row)


if __name__ == "__main__":
    main()

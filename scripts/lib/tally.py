"""Counts test cases in meson test logs and prints
'N passed, N failed, N skipped'.

Usage: tally.py BUILD_DIR...

A TAP test program counts once per case it reports ("ok N", "not ok N");
a case with a SKIP directive ("ok N - what # SKIP why") is skipped, not
passed. A program that failed without reporting a failing case (a crash, a
sanitizer abort, a timeout) counts as one more failure, so nothing that
went wrong can hide behind the passing cases it printed first. A program
that reports no cases counts by meson's result: OK and EXPECTEDFAIL pass,
SKIP is skipped, anything else fails.
"""
import json
import re
import sys

CASE = re.compile(r"^(not )?ok \d+[^\n]*", re.MULTILINE)
SKIP = re.compile(r"#\s*skip", re.IGNORECASE)


def tally(logfile):
    passed = failed = skipped = 0
    with open(logfile, encoding="utf-8", errors="replace") as f:
        for line in f:
            test = json.loads(line)
            cases = [m.group(0) for m in CASE.finditer(test.get("stdout") or "")]
            bad = sum(1 for c in cases if c.startswith("not "))
            skip = sum(1 for c in cases if not c.startswith("not ") and SKIP.search(c))
            passed += len(cases) - bad - skip
            failed += bad
            skipped += skip
            result = test.get("result")
            ok = result in ("OK", "SKIP", "EXPECTEDFAIL")
            if not cases:
                if result == "SKIP":
                    skipped += 1
                elif ok:
                    passed += 1
                else:
                    failed += 1
            elif not ok and bad == 0:
                failed += 1
    return passed, failed, skipped


def main():
    passed = failed = skipped = 0
    for build in sys.argv[1:]:
        p, f, s = tally(build + "/meson-logs/testlog.json")
        passed += p
        failed += f
        skipped += s
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Counts test cases in meson test logs and prints 'N passed, N failed'.

Usage: tally.py BUILD_DIR...

A TAP test program counts once per case it reports ("ok N", "not ok N");
a program that failed without reporting a failing case (a crash, a
sanitizer abort, a timeout) counts as one more failure, so nothing that
went wrong can hide behind the passing cases it printed first.
"""
import json
import re
import sys

CASE = re.compile(r"^(not )?ok \d+", re.MULTILINE)


def tally(logfile):
    passed = failed = 0
    with open(logfile, encoding="utf-8", errors="replace") as f:
        for line in f:
            test = json.loads(line)
            cases = CASE.findall(test.get("stdout") or "")
            bad = sum(1 for c in cases if c)
            passed += len(cases) - bad
            failed += bad
            ok = test.get("result") in ("OK", "SKIP", "EXPECTEDFAIL")
            if not cases:
                passed += ok
                failed += not ok
            elif not ok and bad == 0:
                failed += 1
    return passed, failed


def main():
    passed = failed = 0
    for build in sys.argv[1:]:
        p, f = tally(build + "/meson-logs/testlog.json")
        passed += p
        failed += f
    print(f"{passed} passed, {failed} failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

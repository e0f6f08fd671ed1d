#!/usr/bin/env bash
# test-tally.sh - TAP test of tally.py, the closing line of scripts/test:
# synthetic meson test logs (one JSON object a line, as meson writes
# testlog.json) with a pass, a failure, a skipped test, a TAP skip and a
# crash after passing cases; each must land in its own column.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0
# expect DESCRIPTION WANT LOG_LINE...: tally.py over those lines prints WANT.
expect() {
	local what=$1 want=$2 got
	shift 2
	mkdir -p "$tmp/meson-logs"
	printf '%s\n' "$@" >"$tmp/meson-logs/testlog.json"
	n=$((n + 1))
	got=$(python3 "$here/tally.py" "$tmp" 2>&1 | tail -n 1) || true
	if [ "$got" = "$want" ]; then
		echo "ok $n - $what: $got"
	else
		echo "not ok $n - $what"
		echo "#   want: $want"
		echo "#   got:  $got"
		failed=1
	fi
}

pass='{"name": "a", "result": "OK", "stdout": ""}'
fail='{"name": "b", "result": "FAIL", "stdout": ""}'
skip='{"name": "c", "result": "SKIP", "stdout": ""}'
tap_skip='{"name": "d", "result": "OK", "stdout": "1..3\nok 1 - one\nok 2 - two # SKIP gnuplot is missing\nok 3 - three # skip lower case\n"}'
tap_fail='{"name": "e", "result": "FAIL", "stdout": "1..2\nok 1 - one\nnot ok 2 - two\n"}'
crash='{"name": "f", "result": "ERROR", "stdout": "1..3\nok 1 - one\nok 2 - two\n"}'
timeout='{"name": "g", "result": "TIMEOUT", "stdout": ""}'
xfail='{"name": "h", "result": "EXPECTEDFAIL", "stdout": ""}'
skip_all='{"name": "i", "result": "SKIP", "stdout": "1..0 # SKIP no mutants in this build\n"}'

echo "1..9"
expect "a passing test" "1 passed, 0 failed, 0 skipped" "$pass"
expect "a failing test" "0 passed, 1 failed, 0 skipped" "$fail"
expect "a test meson skipped is not a pass" "0 passed, 0 failed, 1 skipped" "$skip"
expect "TAP cases with SKIP are skipped, not passed" "1 passed, 0 failed, 2 skipped" "$tap_skip"
expect "a failing TAP case counts once" "1 passed, 1 failed, 0 skipped" "$tap_fail"
expect "a crash after passing cases is one more failure" "2 passed, 1 failed, 0 skipped" "$crash"
expect "a timeout fails" "0 passed, 1 failed, 0 skipped" "$timeout"
expect "a TAP plan of 1..0 skips the whole test" "1 passed, 0 failed, 1 skipped" "$xfail" "$skip_all"
expect "all of them together" "6 passed, 4 failed, 4 skipped" \
	"$pass" "$fail" "$skip" "$tap_skip" "$tap_fail" "$crash" "$timeout" "$xfail" "$skip_all"
exit $failed

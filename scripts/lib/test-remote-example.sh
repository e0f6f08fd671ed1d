#!/usr/bin/env bash
# scripts/lib/test-remote-example.sh - the target protocol end to end, on
# the example target (harness/example_target.c: the cm model behind the
# protocol). TAP. Usage: test-remote-example.sh BUILD_DIR
#
# The example target cannot diverge from the harness, so 300 generated
# inputs must all pass; each of its planted bugs must be found, as its own
# finding class and no other; a finding written as a target scenario must
# replay (found with the bug, not found without it); a bad scenario is a
# located error.
set -u
build=$1
tool=$build/harness/cancelfuzz-remote
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/tap.sh"

# 300 inputs from a fixed linear congruential generator: the same bytes on
# every machine, no randomness.
mkdir -p "$tmp/in"
python3 - "$tmp/in" <<'PY'
import sys
x = 12345
for i in range(300):
    n = 3 + (x >> 16) % 180
    out = bytearray()
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0x7fffffff
        out.append((x >> 16) & 0xff)
    open(f"{sys.argv[1]}/in{i:03d}", "wb").write(out)
PY

all_pass() {
	"$tool" --target example "$tmp"/in/* >"$tmp/out" || return 1
	[ "$(grep -c '^PASS' "$tmp/out")" -eq 300 ]
}
check "300 generated inputs pass against the example target" all_pass

found_as() { # MUTANT: found, and only as its own class
	"$tool" --target example --mutant "$1" --timeout 1000 \
		"$tmp"/in/in00* "$tmp"/in/in01* >"$tmp/m.out" 2>&1
	grep -q "^FAIL [^ ]*: $1:" "$tmp/m.out" || { cat "$tmp/m.out"; return 1; }
	! grep '^FAIL' "$tmp/m.out" | grep -v "^FAIL [^ ]*: $1:"
}
for m in late_publication wrong_result double_settlement stalled \
	target_crash target_hang protocol; do
	check "example mutant $m is found as $m" found_as "$m"
done

narrow() { # the target declares fewer ops: none of the others is sent
	CANCELFUZZ_TARGET_CMD="$build/harness/cancelfuzz-example-target --ops call,subtask.cancel,subtask.drop,task.return,task.cancel,waitable-set.new,waitable-set.drop,waitable.join,backpressure.dec,wait,exit" \
		"$tool" --target example "$tmp"/in/* >"$tmp/out" 2>&1 ||
		{ grep -v '^PASS' "$tmp/out" | head; return 1; }
}
check "a target's declared operations bound what is sent" narrow

no_hello() {
	! CANCELFUZZ_TARGET_CMD="echo hi" "$tool" --target example \
		"$tmp/in/in000" 2>"$tmp/err" &&
		grep -q "first line is not 'hello" "$tmp/err"
}
check "a target that does not say hello is refused, with what it said" no_hello

round_trip() {
	local input
	input=$(grep -l . "$tmp"/in/in00* | while read -r f; do
		"$tool" --target example --mutant wrong_result "$f" >/dev/null ||
			{ echo "$f"; break; }
	done)
	[ -n "$input" ] || return 1
	"$tool" --target example --mutant wrong_result --to-json \
		"$tmp/case.json" "$input" || return 1
	grep -q '"expect": "wrong_result"' "$tmp/case.json" || return 1
	grep -q '"target": "example"' "$tmp/case.json" || return 1
	"$tool" --target example --mutant wrong_result "$tmp/case.json" &&
		! "$tool" --target example "$tmp/case.json"
}
check "a finding written as a target scenario replays" round_trip

shrinks() {
	local input
	input=$(for f in "$tmp"/in/in01*; do
		"$tool" --target example --mutant late_publication "$f" >/dev/null ||
			{ echo "$f"; break; }
	done)
	[ -n "$input" ] || return 1
	"$tool" --target example --mutant late_publication --minimize \
		"$tmp/min.json" "$input" >"$tmp/min.out" || return 1
	cat "$tmp/min.out"
	# fewer decisions than the input made, and still the same finding
	awk '{ split($0, a, " decisions -> "); split(a[1], b, " ");
	       split(a[2], c, ","); exit !(c[1] + 0 < b[3] + 0) }' "$tmp/min.out" &&
		"$tool" --target example --mutant late_publication "$tmp/min.json"
}
check "the minimizer keeps the signature with fewer decisions" shrinks

located() {
	cat >"$tmp/bad.json" <<'JSON'
{"cancelfuzz": 1, "profile": "cm", "target": "jco",
 "config": {"instances": 3, "max_tasks": 4},
 "ops": [{"actor": "host", "op": "call", "instance": 1},
         {"actor": "host", "op": "run", "k": 0}],
 "expect": "none"}
JSON
	! "$tool" --target example "$tmp/bad.json" 2>"$tmp/err" &&
		grep -q 'bad.json:4:34: run is the target' "$tmp/err"
}
check "a run in a target scenario is a located error" located

echo "1..$n"
exit $failed

#!/usr/bin/env bash
# scripts/lib/target-scenarios.sh - a target's regression scenarios, TAP.
#
# Usage: target-scenarios.sh CANCELFUZZ_REMOTE TARGET DIR
#
# Every DIR/*.json and DIR/mutants/*.json runs on TARGET with its own
# "mutant" (if any) and must give its "expect". A planted bug's case must
# also not give its finding without the bug (else it proves nothing about
# the oracle). A case expecting a finding in the real runtime turns red
# the day the runtime is fixed: then it is looked at and updated.
#
# DIR/known-signatures.txt (what `scripts/fuzz --target` looks past) must
# be exactly the signatures the runtime's own findings in DIR/*.json give:
# a stale line would hide a new finding, a missing one floods campaigns.
# `scripts/add-regression --target` keeps it so.
set -u
tool=$1
target=$2
dir=$3
n=0
failed=0
shopt -s nullglob
sigs=$(mktemp)
trap 'rm -f "$sigs"' EXIT
for f in "$dir"/*.json "$dir"/mutants/*.json; do
	mutant=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("mutant", ""))' "$f")
	n=$((n + 1))
	if out=$("$tool" --target "$target" ${mutant:+--mutant "$mutant"} "$f" 2>&1); then
		echo "ok $n - ${f#"$dir"/}${mutant:+ (mutant $mutant)}"
		[ -z "$mutant" ] && printf '%s\n' "$out" |
			sed -n 's/^PASS .*: \([a-z_]*:[^ ]*\) at step .*/\1/p' >>"$sigs"
	else
		echo "not ok $n - ${f#"$dir"/}"
		printf '%s\n' "$out" | sed 's/^/# /'
		failed=1
		continue
	fi
	if [ -n "$mutant" ]; then
		n=$((n + 1))
		if "$tool" --target "$target" "$f" >/dev/null 2>&1; then
			echo "not ok $n - ${f#"$dir"/} finds its class without $mutant too"
			failed=1
		else
			echo "ok $n - ${f#"$dir"/} needs $mutant"
		fi
	fi
done
if [ -f "$dir/known-signatures.txt" ]; then
	n=$((n + 1))
	if d=$(diff <(sort -u "$sigs") <(sort -u "$dir/known-signatures.txt")); then
		echo "ok $n - known-signatures.txt is the findings' signatures"
	else
		echo "not ok $n - known-signatures.txt differs from the findings' signatures (< kept cases, > file)"
		printf '%s\n' "$d" | sed 's/^/# /'
		failed=1
	fi
fi
echo "1..$n"
exit $failed

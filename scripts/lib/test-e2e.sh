#!/usr/bin/env bash
# test-e2e.sh SOURCE_ROOT - the daily jobs end to end, in a fresh copy of the
# tree: a campaign with a mutant enabled finds it (fed corpus/*.bin and
# nothing else, its summary line right although the finding stopped it
# early), the same campaign again in the same work folder counts it as
# found again, not new; an unknown mutant stops scripts/fuzz;
# scripts/repro reproduces the finding, scripts/minimize shrinks it (fewer
# operations after than before), scripts/add-regression adds it, and
# scripts/test then runs it. TAP output.
set -euo pipefail
root=$1
mutant=late_publish
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/repo"
# The tree as it is, without build directories or work corpora.
if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$root" ls-files -z --cached --others --exclude-standard |
		(cd "$root" && tar --null -T - -cf - 2>/dev/null) | tar -xf - -C "$tmp/repo"
else
	tar -C "$root" --exclude='./build*' --exclude=./fuzz-work -cf - . | tar -xf - -C "$tmp/repo"
fi
cd "$tmp/repo"
echo "1..8"

fail() {
	echo "not ok $1 - $2"
	[ -f "$tmp/log" ] && sed 's/^/# /' "$tmp/log" | tail -n 30
	exit 1
}

set +e
scripts/fuzz --time 60 --mutant "$mutant" --work "$tmp/work" >"$tmp/log" 2>&1
status=$?
set -e
finding=$(find "$tmp/work/findings" -name 'crash-*' -type f | head -n 1)
[ "$status" -eq 1 ] && [ -n "$finding" ] || fail 1 "the campaign with $mutant on found nothing"
echo "ok 1 - a campaign with $mutant found $(basename "$finding")"

# The seeds libFuzzer read are corpus/*.bin, and the summary line has the
# figures of the run although the finding stopped it: the executions of its
# stat:: lines, a rate from them, a coverage.
seeds=$(ls corpus/*.bin | wc -l)
read_seeds=$(sed -n 's/^INFO: *\([0-9]*\) files found in .*seeds$/\1/p' "$tmp/work/campaign.log")
units=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/work/campaign.log")
line=$(grep '^campaign: ' "$tmp/log" || true)
[ "$read_seeds" = "$seeds" ] && ! grep -q "files found in \(corpus\|$PWD/corpus\)/\?$" "$tmp/work/campaign.log" ||
	fail 2 "libFuzzer did not read exactly the $seeds seeds (read: ${read_seeds:-?})"
[[ $line =~ ^campaign:\ ([0-9]+)\ executions,\ ([0-9]+)\ exec/s,\ coverage\ ([0-9]+)\ edges\ \(([0-9]+)\ features\) ]] &&
	[ "${BASH_REMATCH[1]}" = "$units" ] && [ "${BASH_REMATCH[2]}" -gt 0 ] &&
	[ "${BASH_REMATCH[3]}" -gt 0 ] || fail 2 "summary line wrong for $units executions: $line"
echo "ok 2 - fed the $seeds seeds only; $line"

# Again in the same work folder: the same input is found again (libFuzzer
# rewrites its file), and it is not new.
set +e
scripts/fuzz --time 60 --mutant "$mutant" --work "$tmp/work" >"$tmp/log" 2>&1
status=$?
set -e
[ "$status" -eq 1 ] && grep -q "^findings: 0 new input(s)" "$tmp/log" &&
	grep -q "^found again: 1 input(s) .*$(basename "$finding")" "$tmp/log" ||
	fail 3 "a second campaign counted an earlier finding as new"
echo "ok 3 - a second campaign: $(grep '^found again' "$tmp/log")"

set +e
scripts/fuzz --time 5 --mutant no_such_mutant --work "$tmp/work2" >"$tmp/log" 2>&1
status=$?
set -e
[ "$status" -ne 0 ] && grep -q "no mutant 'no_such_mutant'" "$tmp/log" &&
	[ ! -e "$tmp/work2/campaign.log" ] || fail 4 "scripts/fuzz ran with an unknown mutant"
echo "ok 4 - scripts/fuzz refuses an unknown mutant"

set +e
scripts/repro "$finding" --mutant "$mutant" >"$tmp/log" 2>&1
status=$?
set -e
grep -q "^reproduced: late_publication:" "$tmp/log" && [ "$status" -eq 1 ] &&
	[ -f "$finding.json" ] || fail 5 "scripts/repro did not reproduce it"
echo "ok 5 - scripts/repro: $(grep '^reproduced:' "$tmp/log")"

scripts/minimize "$finding" --mutant "$mutant" -o "$tmp/min.json" >"$tmp/log" 2>&1 ||
	fail 6 "scripts/minimize failed"
counts=$(sed -n 's/.*: \([0-9]*\) operations -> \([0-9]*\) .*/\1 \2/p' "$tmp/log")
read -r before after <<<"$counts"
[ -n "$after" ] && [ "$after" -lt "$before" ] && [ "$after" -gt 0 ] ||
	fail 6 "scripts/minimize did not shrink it ($counts)"
echo "ok 6 - scripts/minimize: $before operations -> $after"

scripts/add-regression "$tmp/min.json" e2e_$mutant --mutant "$mutant" >"$tmp/log" 2>&1 ||
	fail 7 "scripts/add-regression refused it"
[ -f "minimized/mutants/e2e_$mutant.json" ] || fail 7 "no minimized/mutants/e2e_$mutant.json"
echo "ok 7 - scripts/add-regression added minimized/mutants/e2e_$mutant.json"

scripts/test --clang-only --suite mutants >"$tmp/log" 2>&1 || fail 8 "scripts/test failed"
grep -Eq "mutant_e2e_$mutant +OK" "$tmp/log" || fail 8 "scripts/test did not run the new case"
echo "ok 8 - scripts/test ran mutant_e2e_$mutant: $(tail -n 1 "$tmp/log")"

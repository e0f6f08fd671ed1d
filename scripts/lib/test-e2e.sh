#!/usr/bin/env bash
# test-e2e.sh SOURCE_ROOT - the daily jobs end to end, in a fresh copy of the
# tree: a campaign with a mutant enabled finds it, scripts/repro reproduces
# it, scripts/minimize shrinks it, scripts/add-regression adds it, and
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
echo "1..5"

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

set +e
scripts/repro "$finding" --mutant "$mutant" >"$tmp/log" 2>&1
status=$?
set -e
grep -q "^reproduced: late_publication:" "$tmp/log" && [ "$status" -eq 1 ] &&
	[ -f "$finding.json" ] || fail 2 "scripts/repro did not reproduce it"
echo "ok 2 - scripts/repro: $(grep '^reproduced:' "$tmp/log")"

scripts/minimize "$finding" --mutant "$mutant" -o "$tmp/min.json" >"$tmp/log" 2>&1 ||
	fail 3 "scripts/minimize failed"
counts=$(sed -n 's/.*: \([0-9]*\) operations -> \([0-9]*\) .*/\1 \2/p' "$tmp/log")
read -r before after <<<"$counts"
[ -n "$after" ] && [ "$after" -le "$before" ] && [ "$after" -gt 0 ] ||
	fail 3 "scripts/minimize did not shrink it ($counts)"
echo "ok 3 - scripts/minimize: $before operations -> $after"

scripts/add-regression "$tmp/min.json" e2e_$mutant --mutant "$mutant" >"$tmp/log" 2>&1 ||
	fail 4 "scripts/add-regression refused it"
[ -f "minimized/mutants/e2e_$mutant.json" ] || fail 4 "no minimized/mutants/e2e_$mutant.json"
echo "ok 4 - scripts/add-regression added minimized/mutants/e2e_$mutant.json"

scripts/test --clang-only --suite mutants >"$tmp/log" 2>&1 || fail 5 "scripts/test failed"
grep -Eq "mutant_e2e_$mutant +OK" "$tmp/log" || fail 5 "scripts/test did not run the new case"
echo "ok 5 - scripts/test ran mutant_e2e_$mutant: $(tail -n 1 "$tmp/log")"

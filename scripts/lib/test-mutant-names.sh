#!/usr/bin/env bash
# test-mutant-names.sh CANCELFUZZ [FUZZ_TARGET] - TAP test: a mutant is run
# wherever one is named, and an unknown name is an error everywhere, never
# a quiet run of the correct runtime. cancelfuzz fmt under --mutant and
# under a scenario's "mutant"; --mutant NAME of replay, fmt, json and
# minimize, a scenario naming an unknown mutant (fmt, minimize), the fuzz
# target's CANCELFUZZ_MUTANT, and scripts/campaign-report --mutant.
# Needs a build with -Dmutants=true.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: ${0##*/} CANCELFUZZ [FUZZ_TARGET]" >&2; exit 2; }
tool=$(realpath -- "$1")
target=${2:+$(realpath -- "$2")}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"

source "$root/scripts/lib/tap.sh"
# refused STATUS PATTERN COMMAND...: COMMAND exits STATUS and says PATTERN.
refused() {
	local want=$1 pattern=$2 status=0
	shift 2
	"$@" >"$tmp/out" 2>&1 || status=$?
	cat "$tmp/out"
	[ "$status" -eq "$want" ] && grep -q -- "$pattern" "$tmp/out"
}
# outcome WANT COMMAND...: the last line of cancelfuzz fmt starts with WANT.
outcome() {
	local want=$1
	shift
	"$@" >"$tmp/out" 2>&1 || true
	tail -n 3 "$tmp/out"
	tail -n 1 "$tmp/out" | grep -q "^outcome: $want"
}

echo "1..12"
if "$tool" mutants | grep -q '^# this build has no mutants'; then
	for i in $(seq 12); do skip "case $i" "built without -Dmutants=true"; done
	exit 0
fi
bad=$tmp/unknown.json
sed 's/"mutant": "late_publish"/"mutant": "no_such_mutant"/' \
	minimized/mutants/late_publish.json >"$bad"
grep -q no_such_mutant "$bad" || { echo "Bail out! no mutant field to rename"; exit 1; }

check "fmt runs a scenario under its own \"mutant\"" \
	outcome late_publication "$tool" fmt minimized/mutants/late_publish.json
check "fmt --mutant NAME runs a binary input under it" \
	outcome late_publication "$tool" fmt --mutant late_publish corpus/handle_reuse_after_abandon.bin
check "fmt without a mutant runs the correct runtime" \
	outcome none "$tool" fmt corpus/handle_reuse_after_abandon.bin
check "fmt --mutant with an unknown name is a usage error" \
	refused 2 "no mutant 'no_such_mutant'" "$tool" fmt --mutant no_such_mutant corpus/misuse_tour.bin
check "fmt refuses a scenario whose mutant does not exist" \
	refused 2 "mutant 'no_such_mutant' does not exist" "$tool" fmt "$bad"
check "replay --mutant with an unknown name is a usage error" \
	refused 2 "no mutant 'no_such_mutant'" "$tool" replay --mutant no_such_mutant corpus/misuse_tour.bin
check "json --mutant with an unknown name is a usage error" \
	refused 2 "no mutant 'no_such_mutant'" "$tool" json --mutant no_such_mutant corpus/misuse_tour.bin
check "minimize --mutant with an unknown name is a usage error" \
	refused 2 "no mutant 'no_such_mutant'" "$tool" minimize --mutant no_such_mutant corpus/misuse_tour.bin -o "$tmp/min.json"
check "minimize refuses a scenario whose mutant does not exist" \
	refused 2 "mutant 'no_such_mutant' does not exist" "$tool" minimize "$bad" -o "$tmp/min.json"

if [ -n "$target" ]; then
	# Exit status and message at start-up, before any input is run.
	unknown_env() {
		refused 2 "CANCELFUZZ_MUTANT=no_such_mutant: no such mutant" \
			env CANCELFUZZ_MUTANT=no_such_mutant "$target" -runs=10 corpus/misuse_tour.bin &&
			! grep -q "^Running:\|^Executed" "$tmp/out"
	}
	check "the fuzz target stops at start-up on an unknown CANCELFUZZ_MUTANT" unknown_env
	# A seed that shows late_publish: the variable is read.
	known_env() {
		local status=0
		CANCELFUZZ_MUTANT=late_publish "$target" -runs=1 corpus/handle_reuse_after_abandon.bin \
			>"$tmp/out" 2>&1 || status=$?
		tail -n 5 "$tmp/out"
		[ "$status" -ne 0 ] && grep -q "late_publication" "$tmp/out"
	}
	check "the fuzz target runs CANCELFUZZ_MUTANT=late_publish" known_env
else
	skip "the fuzz target stops on an unknown CANCELFUZZ_MUTANT" "no fuzz target in this build"
	skip "the fuzz target runs CANCELFUZZ_MUTANT=late_publish" "no fuzz target in this build"
fi

if command -v gnuplot >/dev/null 2>&1 || command -v gnuplot-nox >/dev/null 2>&1; then
	report() {
		mkdir -p "$tmp/work/findings"
		echo 'INFO: Seed: 1' >"$tmp/work/campaign.log"
		cp corpus/handle_reuse_after_abandon.bin "$tmp/work/findings/crash-1"
		refused 1 "no mutant 'no_such_mutant'" scripts/campaign-report --work "$tmp/work" \
			--cancelfuzz "$tool" --mutant no_such_mutant
	}
	check "campaign-report --mutant with an unknown name stops" report
else
	skip "campaign-report --mutant with an unknown name stops" "gnuplot is missing"
fi
exit $failed

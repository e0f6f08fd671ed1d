#!/usr/bin/env bash
# scripts/lib/test-coverage.sh - contract coverage and the guide, TAP.
#
# Usage: test-coverage.sh BUILD_DIR SOURCE_ROOT
#
# `cancelfuzz coverage` on corpus/ and minimized/: no point the contract
# rules out is hit, the output (text and JSON) is the same on every run,
# and every clause of every rule is hit by some seed or regression (this
# is the rule map the project used to keep by hand). With libFuzzer, the
# guide works: libFuzzer's own merge keeps more of a guided campaign's
# inputs (harness/tests/guide_set) when the contract counters are on than
# when they are off, so some input is kept for a contract point alone,
# with no new C edge.
set -u
build=$1
root=$2
tool=$build/harness/cancelfuzz
fuzz=$build/harness/cancelfuzz-fuzz
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$root/scripts/lib/tap.sh"

cov() { "$tool" coverage "$@" "$root/corpus" "$root/minimized"; }

check "no point the contract rules out is hit by corpus/ and minimized/" \
	cov --json "$tmp/a.json"
cov --json "$tmp/b.json" >"$tmp/b.txt" 2>&1
cov >"$tmp/c.txt" 2>&1
check "the same inputs give the same coverage, text and JSON" \
	sh -c "cmp '$tmp/b.txt' '$tmp/c.txt' && cmp '$tmp/a.json' '$tmp/b.json'"
check "every clause of every contract rule is hit by a seed or regression" \
	python3 - "$tmp/a.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
missing = [p["name"] for p in doc["points"]
           if p["profile"] == "contract" and p["kind"] == "clause"
           and "unreachable" not in p and p["hits"] == 0]
rules = {}
for p in doc["points"]:
    if p["profile"] == "contract" and p["kind"] == "clause":
        rule = p["name"].split()[0]
        rules[rule] = rules.get(rule, 0) + p["hits"]
for m in missing:
    print("never hit:", m)
print(len(rules), "rules,", sum(1 for r in rules.values() if r), "hit")
sys.exit(1 if missing else 0)
PY
check "coverage without a file is a usage error" \
	sh -c "'$tool' coverage; test \$? -eq 2"
check "a point's JSON names its profile, kind and reason" python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["inputs"] > 0 and doc["contract_inputs"] == doc["inputs"]
kinds = {p["kind"] for p in doc["points"]}
assert kinds == {"clause", "transition", "outcome", "feature"}, kinds
assert any("unreachable" in p and "C-" in p["unreachable"] for p in doc["points"])
' "$tmp/a.json"

if [ -x "$fuzz" ]; then
	# harness/tests/guide_set: the inputs of a short guided campaign
	# (fixed, so the merge below is deterministic for a given build).
	mkdir "$tmp/on" "$tmp/off"
	kept() {
		CANCELFUZZ_GUIDE=$1 "$fuzz" -merge=1 "$tmp/$2" \
			"$root/harness/tests/guide_set" >"$tmp/$2.log" 2>&1
		ls "$tmp/$2" | wc -l
	}
	on=$(kept 1 on)
	off=$(kept 0 off)
	check "the guide keeps inputs for contract points alone ($on kept with it, $off without)" \
		test "$on" -gt "$off"
else
	skip "the guide keeps inputs for contract points alone" \
		"no libFuzzer target in this build"
fi
echo "1..$n"
exit $failed

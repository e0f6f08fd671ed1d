#!/usr/bin/env bash
# test-add-regression.sh CANCELFUZZ - TAP test of scripts/add-regression's
# promise (a test from then on, with no other edit) for a scenario the
# binary format cannot express: a call with shared key 20, beyond the
# keys (0..15) any format version writes (harness/decode.h lists what
# version 2 still cannot generate). In a copy of scripts/, corpus/ and minimized/, it must
# be kept as a JSON-only regression with a note, and the seed check of
# corpus_up_to_date (scripts/make-corpus --check) must still pass; an
# expressible one must still get its seed.
set -euo pipefail
[ $# -eq 1 ] && [ -x "$1" ] || { echo "usage: ${0##*/} CANCELFUZZ" >&2; exit 2; }
tool=$(realpath -- "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/repo"
cp -r "$root/scripts" "$root/corpus" "$root/minimized" "$tmp/repo/"
cd "$tmp/repo"

source "$root/scripts/lib/tap.sh"

cat >"$tmp/case.json" <<'JSON'
{
  "cancelfuzz": 1,
  "title": "a shared key above what the binary format writes",
  "config": {"instances": 2, "max_tasks": 4, "max_handles": 4, "max_resources": 1, "max_keys": 1, "features": ["shared"]},
  "ops": [
    {"actor": "host", "op": "call", "instance": 1, "result": "STARTED h1 T1"},
    {"actor": "host", "op": "call", "instance": 1, "shared": 20, "result": "STARTED h2 T2"}
  ],
  "expect": "none"
}
JSON

echo "1..6"
inexpressible() { ! "$tool" encode "$tmp/case.json" -o "$tmp/case.bin"; }
check "the case is one cancelfuzz encode refuses" inexpressible
add() {
	scripts/add-regression "$tmp/case.json" json_only_case --cancelfuzz "$tool" >"$tmp/add.out" 2>&1 ||
		{ cat "$tmp/add.out"; return 1; }
	cat "$tmp/add.out"
	grep -q "^note: JSON only, no seed in corpus/: op 2 (host call 1 shared(20))" "$tmp/add.out" &&
		[ -f minimized/json_only_case.json ] && [ ! -e corpus/json_only_case.bin ]
}
check "add-regression keeps it as minimized/json_only_case.json, with a note and no seed" add
noted() {
	grep '"origin"' minimized/json_only_case.json
	grep -q '"origin": ".*JSON only, no seed in corpus/ (op 2 (host call 1 shared(20))' \
		minimized/json_only_case.json
}
check "its origin says it is JSON only, and why" noted
check "it passes as a regression (cancelfuzz replay)" "$tool" replay minimized/json_only_case.json
check "the corpus check (make-corpus --check) passes with it" \
	scripts/make-corpus --check --cancelfuzz "$tool"
expressible() {
	sed 's/"expect": ".*"/"expect": "none"/' minimized/second_cancel_is_already.json >"$tmp/other.json"
	scripts/add-regression "$tmp/other.json" seeded_case --cancelfuzz "$tool" &&
		[ -s corpus/seeded_case.bin ] && scripts/make-corpus --check --cancelfuzz "$tool"
}
check "an expressible regression still gets its seed, and the check passes" expressible
exit $failed

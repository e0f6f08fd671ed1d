#!/usr/bin/env bash
# determinism.sh CANCELFUZZ DIR... - replays every input in the folders
# four ways and fails unless each input's report (result, signature, step,
# trace hash, trace) is the same in all of them:
#   twice in the folders' order, in two processes (byte-identical reports);
#   in the reverse order, in one process;
#   each input twice in a row, in one process.
# State left behind by one input (a static, the allocator, the mutant
# switch) shows as a different report for the input that follows it.
set -euo pipefail
tool=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$tool" replay --json "$tmp/first.json" "$@" >/dev/null
"$tool" replay --json "$tmp/second.json" "$@" >/dev/null
hashes=$(grep -c '"trace_hash": "[0-9a-f]\{16\}"' "$tmp/first.json" || true)
[ "$hashes" -gt 0 ] || { echo "no trace hashes in the report" >&2; exit 1; }
if ! cmp -s "$tmp/first.json" "$tmp/second.json"; then
	diff "$tmp/first.json" "$tmp/second.json" | head -n 20 >&2
	echo "two replays of the same inputs differ" >&2
	exit 1
fi

mapfile -t files < <(python3 -c '
import json, sys
for r in json.load(open(sys.argv[1])):
    print(r["file"])' "$tmp/first.json")
reversed=()
twice=()
for ((i = ${#files[@]} - 1; i >= 0; i--)); do reversed+=("${files[i]}"); done
for f in "${files[@]}"; do twice+=("$f" "$f"); done
"$tool" replay --json "$tmp/reversed.json" -- "${reversed[@]}" >/dev/null
"$tool" replay --json "$tmp/twice.json" -- "${twice[@]}" >/dev/null

python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
first = json.load(open(tmp + "/first.json"))
want = {r["file"]: r for r in first}
bad = 0
for run in ("reversed", "twice"):
    got = json.load(open("%s/%s.json" % (tmp, run)))
    seen = {}
    for r in got:
        seen[r["file"]] = seen.get(r["file"], 0) + 1
        if r != want.get(r["file"]):
            bad += 1
            w = want.get(r["file"]) or {}
            print("%s: %s (copy %d) differs from the first run: trace hash %s, not %s"
                  % (run, r["file"], seen[r["file"]], r.get("trace_hash"),
                     w.get("trace_hash")), file=sys.stderr)
    copies = 2 if run == "twice" else 1
    if sorted(seen) != sorted(want) or set(seen.values()) != {copies}:
        bad += 1
        print("%s: not every input replayed %d time(s)" % (run, copies), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
echo "ok 1 - $hashes inputs replayed in order twice, reversed, and each twice in one process: identical reports"

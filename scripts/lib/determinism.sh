#!/usr/bin/env bash
# determinism.sh CANCELFUZZ DIR... - replays every input in the folders twice
# and fails unless both reports are byte-identical and carry trace hashes.
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
echo "ok 1 - $hashes inputs replayed twice with identical traces"

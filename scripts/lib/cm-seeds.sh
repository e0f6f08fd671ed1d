#!/usr/bin/env bash
# cm-seeds.sh CANCELFUZZ_CM ROOT - the cm fuzz mode's seeds: harness/cm_seeds/ is
# exactly what minimized/cm/*.json encode to, and every seed runs through
# the model, its drain and its invariants with no finding. TAP.
set -euo pipefail
tool=$1
root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fail=0
for json in "$root"/minimized/cm/*.json; do
	name=$(basename "$json" .json)
	n=$((n + 1))
	if "$tool" --encode "$json" -o "$tmp/$name.bin" &&
		cmp -s "$tmp/$name.bin" "$root/harness/cm_seeds/$name.bin" &&
		"$tool" "$tmp/$name.bin" >"$tmp/log" 2>&1; then
		echo "ok $n - $name: $(cut -d' ' -f3- "$tmp/log")"
	else
		echo "not ok $n - $name (stale seed in harness/cm_seeds, or a finding)"
		cat "$tmp/log" 2>/dev/null | sed 's/^/# /'
		fail=1
	fi
done
echo "1..$n"
exit $fail

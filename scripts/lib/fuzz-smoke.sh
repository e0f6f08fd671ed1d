#!/usr/bin/env bash
# fuzz-smoke.sh FUZZ_TARGET CORPUS - a short libFuzzer run with a fixed seed
# and a bounded number of runs, from the seeds into a scratch corpus (never
# into the source tree). On the correct runtime it must find nothing.
set -euo pipefail
target=$1
seeds=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! "$target" -seed=1 -runs=3000 -max_len=4096 -timeout=10 \
	-artifact_prefix="$tmp/" "$tmp" "$seeds" >"$tmp/log" 2>&1; then
	tail -n 40 "$tmp/log" >&2
	echo "not ok 1 - the fuzz target found something on the correct runtime" >&2
	exit 1
fi
echo "ok 1 - $(grep -E '^#[0-9]+ +DONE' "$tmp/log" | tail -n 1)"

#!/usr/bin/env bash
# mutants-alone.sh CANCELFUZZ DIR - with the model comparison off, each
# mutant's scenario in DIR must still end with the finding the invariant
# checks alone are expected to give (the fourth column of
# `cancelfuzz mutants`). TAP output, one case per mutant.
set -euo pipefail
tool=$1
dir=$2
mapfile -t rows < <("$tool" mutants | awk '$3 != "-" && !/^#/ { print $1, $3 }')
[ ${#rows[@]} -gt 0 ] || { echo "Bail out! the build lists no mutants"; exit 1; }
echo "1..${#rows[@]}"
n=0
failed=0
for row in "${rows[@]}"; do
	read -r name class <<<"$row"
	n=$((n + 1))
	if out=$("$tool" replay --no-diff --expect "$class" "$dir/$name.json" 2>&1); then
		echo "ok $n - $name alone: $class"
	else
		echo "not ok $n - $name alone: expected $class"
		printf '%s\n' "$out" | sed 's/^/# /'
		failed=1
	fi
done
exit $failed

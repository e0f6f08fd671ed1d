# scripts/lib/tap.sh - TAP helpers for the scripts' own tests (sourced).
#
# Needs $tmp, a scratch folder. Provides n and failed (the case count and
# whether one failed), check and skip; a test ends with `exit $failed`.

n=0
failed=0

# check DESCRIPTION COMMAND...: one TAP line; the command's output becomes
# diagnostics when it fails.
check() {
	local what=$1
	shift
	n=$((n + 1))
	if "$@" >"$tmp/check.out" 2>&1; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		sed 's/^/# /' "$tmp/check.out"
		failed=1
	fi
}

# skip DESCRIPTION WHY: a case that cannot run here, counted as skipped.
skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

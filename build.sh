#!/usr/bin/env bash
# build.sh - the OSS-Fuzz / ClusterFuzzLite build script: builds the fuzz
# target cancelfuzz-fuzz with the compiler, flags and fuzzing engine that
# OSS-Fuzz gives, and installs it into $OUT with its seed corpus,
# dictionary and options.
#
# Usage: CC=... CFLAGS=... LIB_FUZZING_ENGINE=... OUT=DIR [WORK=DIR] [SRC=DIR] ./build.sh
#
# Environment (OSS-Fuzz's names; nothing is guessed for the first four):
#   CC                  the C compiler (clang)
#   CFLAGS              sanitizer and coverage flags; meson reads them
#   LIB_FUZZING_ENGINE  how to link a fuzz target (-fsanitize=fuzzer)
#   OUT                 where the fuzz target and its files go
#   WORK                scratch space: the meson build goes to $WORK/build
#                       (a temporary folder, removed at the end, if unset)
#   SRC                 OSS-Fuzz's source root; the checkout built is the
#                       folder this script is in ($SRC/cancelfuzz there)
#
# Writes into $OUT: cancelfuzz-fuzz, cancelfuzz-fuzz_seed_corpus.zip
# (corpus/*.bin, flat), cancelfuzz-fuzz.dict and cancelfuzz-fuzz.options.
# The build needs meson >= 1.0, ninja, pkg-config, jansson's headers (meson
# looks for jansson even though the fuzz target does not link it) and zip;
# .clusterfuzzlite/Dockerfile installs them.
set -euo pipefail

if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
	sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
[ $# -eq 0 ] || { echo "build.sh: takes no arguments (see --help)" >&2; exit 2; }

die() {
	printf 'build.sh: error: %s\n' "$*" >&2
	exit 1
}

missing=()
for var in CC CFLAGS LIB_FUZZING_ENGINE OUT; do
	[ -n "${!var:-}" ] || missing+=("$var")
done
[ ${#missing[@]} -eq 0 ] ||
	die "${missing[*]} not set: this is OSS-Fuzz's build script and takes the compiler, flags, engine and output folder from the environment (see --help)"
for tool in meson ninja pkg-config zip; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (.clusterfuzzlite/Dockerfile installs it)"
done

src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$OUT"
out=$(cd "$OUT" && pwd)
if [ -n "${WORK:-}" ]; then
	mkdir -p "$WORK"
	build=$(cd "$WORK" && pwd)/build
else
	scratch=$(mktemp -d)
	trap 'rm -rf "$scratch"' EXIT
	build=$scratch/build
fi
target=cancelfuzz-fuzz

echo "build.sh: source $src${SRC:+ (SRC=$SRC)}, build $build, output $out"
echo "build.sh: CC=$CC CFLAGS=$CFLAGS LIB_FUZZING_ENGINE=$LIB_FUZZING_ENGINE"

# A fresh configuration every time: meson keeps the compiler and CFLAGS of
# its first setup, and a $WORK used again for another sanitizer must not
# build with the old ones.
rm -rf "$build"
# werror is off here only: OSS-Fuzz's clang is newer than the project's
# clang 14, and a warning it adds must not stop fuzzing. The runtime's
# known bugs (mutants) stay out of this build.
meson setup "$build" "$src" \
	-Dfuzzing_engine=oss-fuzz \
	-Dfuzzer_ldflags="$LIB_FUZZING_ENGINE" \
	-Dtests=false \
	-Dmutants=false \
	-Dwerror=false \
	-Dbuildtype=plain \
	-Db_lundef=false \
	--default-library=static
ninja -C "$build" "harness/$target"

install -m 0755 "$build/harness/$target" "$out/$target"

# Seeds: every corpus/*.bin at the top of the archive.
shopt -s nullglob
seeds=("$src"/corpus/*.bin)
shopt -u nullglob
[ ${#seeds[@]} -gt 0 ] || die "no seeds in $src/corpus"
rm -f "$out/${target}_seed_corpus.zip"
zip -q -j -X "$out/${target}_seed_corpus.zip" "${seeds[@]}"

cat >"$out/$target.options" <<EOF
[libfuzzer]
max_len = 4096
dict = $target.dict
EOF

# The dictionary: byte strings the input format (harness/decode.h, format
# version 1) gives a meaning to, so libFuzzer inserts whole headers, misuses
# and operations rather than finding them one bit at a time.
cat >"$out/$target.dict" <<'EOF'
# cancelfuzz-fuzz.dict - libFuzzer dictionary for the cancelfuzz input format,
# version 1 (harness/decode.h). An input is a 5-byte header, then steps: a
# step's first byte picks an operation from the current context's 16-entry
# table (byte & 15; the host's table when no task is active, the active
# task's otherwise), and the bytes after it choose arguments among what the
# model's state offers. With the misuse feature on, a first byte >= 0xF0 is
# one of 16 deliberate misuses instead.

# ---- header ----
# byte 0: the format version.
format_version="\x01"
# Headers: version, instances = 2 + b1 % 5, features (bit 0 shared,
# 1 deadlines, 2 resources, 3 backpressure, 4 misuse), max_tasks =
# 2 + b3 % 31, and b4 = handles - 1 | (resources - 1) << 4 | (keys - 1) << 6.
# Everything on, the largest caps: 6 instances, 32 tasks, 16 handles,
# 4 resources, 4 keys.
header_all_max="\x01\x04\x1f\x1e\xff"
# Everything on, the smallest caps: 2 instances, 2 tasks, 1 handle,
# 1 resource, 1 key (every limit is reached within a few steps).
header_all_min="\x01\x00\x1f\x00\x00"
# No feature: calls, runs, cancels, drops and returns only; 4 instances,
# 16 tasks, 8 handles, 2 resources, 2 keys (the caps of the headers below).
header_core="\x01\x02\x00\x0e\x57"
# One feature each, same caps.
header_shared="\x01\x02\x01\x0e\x57"
header_deadlines="\x01\x02\x02\x0e\x57"
header_resources="\x01\x02\x04\x0e\x57"
header_backpressure="\x01\x02\x08\x0e\x57"
header_misuse="\x01\x02\x10\x0e\x57"
# The features byte alone: all five on.
features_all="\x1f"

# ---- misuses (first byte of a step, misuse feature on) ----
misuse_host_while_active="\xf0"
misuse_cancel_twice="\xf1"
misuse_task_cancel_before_delivery="\xf2"
misuse_exit_unresolved="\xf3"
misuse_stale_handle="\xf4"
misuse_foreign_handle="\xf5"
misuse_cancel_after_delivery="\xf6"
misuse_return_twice="\xf7"
misuse_call_backwards="\xf8"
misuse_deadline_zero="\xf9"
misuse_backpressure_out_of_range="\xfa"
misuse_tick_zero="\xfb"
misuse_resource_dead="\xfc"
misuse_actor_not_active="\xfd"
misuse_task_runs_queue="\xfe"
misuse_drop_stale_handle="\xff"

# ---- operations (first byte of a step: host's table / active task's) ----
# host: call (arguments: which instance, options) / task: call
op_call="\x00"
# host: call / task: subtask.cancel (argument: the k-th owned handle)
op_call_or_task_subtask_cancel="\x02"
# host: run the k-th queued task (argument k) / task: subtask.drop
op_run_or_task_subtask_drop="\x03"
# host: run / task: task.return ok (argument: the value)
op_run_or_task_return_ok="\x04"
# host: run / task: task.return err (argument: the value)
op_run_or_task_return_err="\x05"
# host: run / task: task.cancel (acknowledge a delivered cancellation)
op_run_or_task_cancel="\x06"
# host: subtask.cancel (argument: the k-th owned handle) / task: wait, cancellable
op_subtask_cancel_or_wait="\x07"
# host: subtask.drop (argument: the k-th owned handle) / task: wait, not cancellable
op_subtask_drop_or_wait_noncancellable="\x09"
# host: subtask.drop / task: yield
op_subtask_drop_or_yield="\x0a"
# host: poll / task: exit
op_poll_or_exit="\x0b"
# host: tick (argument: 1 + b % 16 time units) / task: resource.new
op_tick_or_resource_new="\x0c"
# host: tick / task: resource.drop (argument: the k-th live resource)
op_tick_or_resource_drop="\x0d"
# backpressure +1 / -1 (host: the argument picks the instance; a task
# changes its own instance's)
op_backpressure_up="\x0e"
op_backpressure_down="\x0f"

# ---- whole steps and short sequences ----
# host: call the next instance, no options.
step_host_call="\x00\x00\x00"
# host: a shared call (key 0), then one with key 1 (shared feature on).
step_host_call_shared="\x00\x00\x01"
step_host_call_shared_key1="\x00\x00\x03"
# host: a call with a deadline 1 tick ahead, and 16 ticks ahead (deadlines on).
step_host_call_deadline_1="\x00\x00\x08"
step_host_call_deadline_16="\x00\x00\xf8"
# host: run the queue's head.
step_host_run_head="\x03\x00"
# host: cancel, drop the first owned handle.
step_host_cancel_first="\x07\x00"
step_host_drop_first="\x09\x00"
# host: advance time by 1 tick, by 16 ticks.
step_host_tick_1="\x0c\x00"
step_host_tick_16="\x0c\x0f"
# host: call, then run the callee, which becomes the active task.
seq_call_and_start="\x00\x00\x00\x03\x00"
# host: call, cancel it at once, then run the queue: the cancellation is
# requested before the callee first runs.
seq_call_cancel_run="\x00\x00\x00\x07\x00\x03\x00"
# task: return ok with value 7, then exit (the normal end of a task).
seq_task_return_exit="\x04\x07\x0b"
# task: acknowledge the cancellation, then exit.
seq_task_cancel_exit="\x06\x0b"
# task: wait (cancellable: a pending cancellation can be delivered there),
# then yield.
seq_task_wait_then_yield="\x07\x0a"
EOF

echo "build.sh: installed into $out:"
ls -l "$out/$target" "$out/${target}_seed_corpus.zip" "$out/$target.dict" "$out/$target.options"

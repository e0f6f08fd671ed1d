#!/usr/bin/env bash
# test-reports.sh CANCELFUZZ - TAP test of the campaign tooling's reports.
#
# scripts/campaign-report on a synthetic work folder (a campaign.log with
# one-process and fork-mode status lines and final stats; as findings, seeds
# copied from corpus/, which pass on the correct runtime and so must be
# listed as "no longer reproduces"; with a build that has the mutants, one
# input that does reproduce under one): data.tsv, campaign.svg,
# findings.json and report.md. Then scripts/coverage over corpus/: its
# summary line and its HTML report. CANCELFUZZ is the build's replay tool
# (meson passes it); temporary folders are removed at the end.
#
# Usage: scripts/lib/test-reports.sh path/to/build/harness/cancelfuzz
set -euo pipefail

[ $# -eq 1 ] && [ -x "$1" ] || { echo "usage: ${0##*/} CANCELFUZZ" >&2; exit 2; }
tool=$(realpath -- "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"

source "$root/scripts/lib/tap.sh"

echo "1..9"

# --- scripts/campaign-report ----------------------------------------------
work=$tmp/work
mkdir -p "$work/findings" "$work/corpus"
cat >"$work/campaign.log" <<'LOG'
INFO: Running with entropic power schedule (0xFF, 100).
INFO: Seed: 1
INFO: Loaded 1 modules   (3874 inline 8-bit counters): 3874 [0x55a0a4160f00, 0x55a0a4161e22), 
INFO:       18 files found in corpus
#2	INITED cov: 900 ft: 2600 corp: 18/6618b exec/s: 0 rss: 35Mb
#40	NEW    cov: 950 ft: 3000 corp: 20/7000b lim: 2670 exec/s: 0 rss: 36Mb L: 31/2670 MS: 1 CopyPart-
	NEW_FUNC[1/1]: 0x55a0a40caed0 in on_notice /work/main/build/../harness/engine.c:132
#4096	pulse  cov: 990 ft: 5000 corp: 500/300Kb lim: 2670 exec/s: 2048 rss: 300Mb
#6000	REDUCE cov: 995 ft: 5100 corp: 510/310Kb lim: 2670 exec/s: 2000 rss: 300Mb L: 10/20 MS: 1 EraseBytes-
#8192	pulse  cov: 1000 ft: 5200 corp: 520/320Kb lim: 2670 exec/s: 2048 rss: 300Mb
#9000	DONE   cov: 1000 ft: 5210 corp: 521/321Kb lim: 2670 exec/s: 2250 rss: 300Mb
Done 9000 runs in 4 second(s)
stat::number_of_executed_units: 9000
stat::average_exec_per_sec:     2250
stat::new_units_added:          503
stat::slowest_unit_time_sec:    0
stat::peak_rss_mb:              300
INFO: -fork=2: fuzzing in separate process(s)
INFO: -fork=2: 637 seed inputs, starting to fuzz in /tmp/libFuzzerTemp.FuzzWithFork1.dir
#1581: cov: 6275 ft: 6275 corp: 637 exec/s 790 oom/timeout/crash: 0/0/0 time: 2s job: 1 dft_time: 0
  NEW_FUNC: 0x55a0a40ceab0 in cfh_check /work/main/build/../harness/engine.c:626
#4467: cov: 6894 ft: 6277 corp: 639 exec/s 962 oom/timeout/crash: 0/0/0 time: 3s job: 2 dft_time: 0
#12959: cov: 7105 ft: 6286 corp: 644 exec/s 862 oom/timeout/crash: 0/0/0 time: 8s job: 4 dft_time: 0
INFO: fuzzed for 9 seconds, wrapping up soon
INFO: exiting: 0 time: 9s
LOG
# Two real inputs that pass on the correct runtime (and under late_publish).
cp corpus/misuse_tour.bin "$work/findings/crash-1111"
cp corpus/task_return_after_delivery.bin "$work/findings/crash-2222"
touch -d '2024-01-02 00:00' "$work/findings/crash-1111"
touch -d '2024-01-01 00:00' "$work/findings/crash-2222"
report=$tmp/report

if ! command -v gnuplot >/dev/null 2>&1 && ! command -v gnuplot-nox >/dev/null 2>&1 &&
	[ "$(id -u)" -ne 0 ]; then
	why="gnuplot is missing (apt-get install -y gnuplot-nox)"
	for what in "campaign-report runs" "data.tsv" "campaign.svg" "findings.json is JSON" \
		"findings.json counts" "report.md" "a reproducing finding"; do
		skip "$what" "$why"
	done
else
	check "campaign-report runs on a synthetic work folder" \
		scripts/campaign-report --work "$work" --out "$report" --cancelfuzz "$tool"

	# One row per status line (9), by time; one-process times from
	# executions / exec/s, the last one from "Done 9000 runs in 4 second(s)".
	data_rows() {
		local want
		want=$(printf '%s\n' \
			'seconds	executions	exec_per_s	coverage_edges	features	corpus_size' \
			'0.0	2	0	900	2600	18' \
			'0.0	40	0	950	3000	20' \
			'2.0	4096	2048	990	5000	500' \
			'2.0	1581	790	6275	6275	637' \
			'3.0	6000	2000	995	5100	510' \
			'3.0	4467	962	6894	6277	639' \
			'4.0	8192	2048	1000	5200	520' \
			'4.0	9000	2250	1000	5210	521' \
			'8.0	12959	862	7105	6286	644')
		diff <(printf '%s\n' "$want") "$report/data.tsv"
	}
	check "data.tsv has one row per status line of both formats" data_rows

	is_svg() {
		[ -s "$report/campaign.svg" ] || { echo "no campaign.svg"; return 1; }
		head -c 200 "$report/campaign.svg" | grep -qE '^(<\?xml|<svg)' &&
			grep -q '</svg>' "$report/campaign.svg"
	}
	check "campaign.svg is an SVG image" is_svg

	check "findings.json is valid JSON" python3 -m json.tool "$work/findings.json"

	# Both inputs pass today: one entry, count 2, the older input first.
	counts() {
		python3 - "$work/findings.json" <<'PY'
import json, sys
got = json.load(open(sys.argv[1]))
assert len(got) == 1, got
g = got[0]
assert set(g) == {"signature", "class", "first_input", "count", "reproduce"}, g
assert g["signature"] == "no longer reproduces" and g["class"] == "none", g
assert g["count"] == 2, g
assert g["first_input"].endswith("findings/crash-2222"), g
assert g["reproduce"] == "scripts/repro " + g["first_input"], g
PY
	}
	check "findings.json: 2 inputs under one signature, the oldest first" counts

	page() {
		local md=$report/report.md
		grep -q '!\[.*\](campaign.svg)' "$md" &&
			grep -q '| executions | 12,959 |' "$md" &&
			grep -q '| coverage | 7,105 edges, 6,286 features |' "$md" &&
			[ "$(grep -c '^| `crash-[12]\{4\}` | no longer reproduces | `scripts/repro .*/findings/crash-[12]\{4\}` |$' "$md")" -eq 2 ] ||
			{ cat "$md"; return 1; }
	}
	check "report.md: figures, plot, both inputs as no longer reproducing" page

	# With the mutants compiled in, an input that fails under one of them
	# gets its FAIL line's signature.
	cp corpus/handle_reuse_after_abandon.bin "$work/findings/crash-3333"
	set +e
	"$tool" replay --mutant late_publish "$work/findings/crash-3333" >/dev/null 2>&1
	status=$?
	set -e
	if [ "$status" -eq 2 ]; then
		skip "a reproducing finding gets its signature" "built without -Dmutants=true"
	else
		mutant() {
			scripts/campaign-report --work "$work" --out "$report" --cancelfuzz "$tool" \
				--mutant late_publish &&
				python3 - "$work/findings.json" <<'PY'
import json, sys
got = {g["signature"]: g for g in json.load(open(sys.argv[1]))}
assert set(got) == {"late_publication:task.return", "no longer reproduces"}, got
g = got["late_publication:task.return"]
assert g["class"] == "late_publication" and g["count"] == 1, g
assert g["reproduce"] == "scripts/repro --mutant late_publish " + g["first_input"], g
assert got["no longer reproduces"]["count"] == 2, got
PY
		}
		check "a reproducing finding gets its signature" mutant
	fi
fi

# --- scripts/coverage ------------------------------------------------------
coverage() {
	scripts/coverage --corpus corpus --out "$tmp/coverage" >"$tmp/coverage.line" || return 1
	cat "$tmp/coverage.line"
	local pct='[0-9]+\.[0-9]% \([0-9]+/[0-9]+\)'
	[ "$(wc -l <"$tmp/coverage.line")" -eq 1 ] &&
		grep -qE "^coverage: lines $pct, functions $pct, regions $pct — .*/index\.html$" \
			"$tmp/coverage.line"
}
check "coverage prints its summary line" coverage
html() {
	[ -s "$tmp/coverage/index.html" ] && grep -q '^TOTAL ' "$tmp/coverage/summary.txt" &&
		grep -q 'model/model.c' "$tmp/coverage/summary.txt" &&
		! grep -q '/tests/' "$tmp/coverage/summary.txt"
}
check "coverage wrote index.html and summary.txt (model/, impl/, harness/)" html

exit $failed

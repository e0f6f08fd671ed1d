/* remote_fuzz.c - the libFuzzer entry for a real runtime (remote.h).
 *
 * The target is named by $CANCELFUZZ_TARGET (jco by default, targets.h)
 * and its planted bug by $CANCELFUZZ_MUTANT; the process starts once and
 * serves every input. A finding prints its report and aborts, so libFuzzer
 * keeps the input as a crash; except a finding whose signature is listed
 * in $CANCELFUZZ_KNOWN (one per line in that file: the runtime's known
 * bugs, already kept in minimized/), so a campaign looks past them.
 *
 * The guide: the cm model's explanation of each run is counted as
 * contract coverage (cover.h) into libFuzzer's extra counters. For a
 * runtime in another process this is the only feedback the fuzzer has
 * besides the harness's own C. CANCELFUZZ_GUIDE=0 turns it off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "remote.h"
#include "targets.h"

static struct cfh_remote *target;
__attribute__((section("__libfuzzer_extra_counters"), used)) static uint8_t
    guide_counters[CFH_COVER_MAX_POINTS];
static struct cfh_cover guide = {.counters = guide_counters};
static const struct cfh_cover *guide_on = &guide;
static char *known;   /* the known signatures, one per line */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static struct cfh_target_cmd cmd;
	const char *name = getenv("CANCELFUZZ_TARGET");
	const char *mutant = getenv("CANCELFUZZ_MUTANT");
	const char *timeout = getenv("CANCELFUZZ_TARGET_TIMEOUT");
	char err[512];
	(void)argc;
	(void)argv;
	if (cfh_target_resolve(name && name[0] ? name : "jco",
	                       mutant && mutant[0] ? mutant : NULL, &cmd, err,
	                       sizeof(err)) != 0) {
		fprintf(stderr, "cancelfuzz-remote-fuzz: %s\n", err);
		exit(2);
	}
	struct cfh_remote_options opt = {
	    cmd.argv, timeout ? (unsigned)strtoul(timeout, NULL, 10) : 10000};
	const char *g = getenv("CANCELFUZZ_GUIDE");
	if (g && strcmp(g, "0") == 0)
		guide_on = NULL;
	const char *path = getenv("CANCELFUZZ_KNOWN");
	if (path && path[0]) {
		FILE *f = fopen(path, "r");
		long n = f && fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
		if (n < 0 || !(known = calloc((size_t)n + 3, 1))) {
			fprintf(stderr, "cancelfuzz-remote-fuzz: cannot read %s\n",
			        path);
			exit(2);
		}
		rewind(f);
		known[0] = '\n';
		size_t got = fread(known + 1, 1, (size_t)n, f);
		known[got + 1] = '\n';
		fclose(f);
	}
	target = cfh_remote_open(&opt, err, sizeof(err));
	if (!target) {
		fprintf(stderr, "cancelfuzz-remote-fuzz: %s\n", err);
		exit(2);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfh_remote_input in = {.data = data, .size = size,
	                              .cover = guide_on};
	struct cfh_remote_report rep;
	cfh_remote_run(target, &in, NULL, &rep);
	cfh_remote_report_free(&rep);
	char line[sizeof(rep.signature) + 2];
	snprintf(line, sizeof(line), "\n%s\n", rep.signature);
	if (rep.finding != CFH_REMOTE_NONE && known && strstr(known, line))
		return 0; /* a known bug: look past it */
	if (rep.finding != CFH_REMOTE_NONE) {
		fprintf(stderr, "cancelfuzz: %s: %s\n",
		        cfh_remote_finding_name(rep.finding), rep.detail);
		abort();
	}
	return 0;
}

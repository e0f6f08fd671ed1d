/* cm_tool.c - cancelfuzz-cm: replay cm fuzz inputs, or encode cm scenarios.
 *
 *   cancelfuzz-cm [-v] FILE...      run each input (cm_check.h): one line
 *                                   "PASS|FAIL FILE (N steps, ...)", with
 *                                   -v the whole trace; exit 1 on a finding
 *   cancelfuzz-cm --encode SCENARIO.json -o OUT
 *                                   the bytes that decode to a cm scenario
 *                                   (its observed results as the choices)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_check.h"
#include "scenario.h"

static int encode(const char *path, const char *to)
{
	struct cfh_scenario s;
	struct cfh_json_error err;
	char text[600];
	uint8_t buf[4096];
	size_t bad = 0;
	if (cfh_scenario_load(path, &s, &err) != 0) {
		fprintf(stderr, "%s\n", cfh_json_error_format(&err, text,
		                                              sizeof(text)));
		return 2;
	}
	struct cfm_config cfg = s.setup.caps;
	size_t n = s.cm ? cfh_cm_encode(&cfg, s.cm_ops, s.results, s.nops, buf,
	                                sizeof(buf), &bad)
	                : 0;
	if (n == 0) {
		fprintf(stderr, "%s: %s op %zu\n", path,
		        s.cm ? "cannot encode" : "not a cm scenario:", bad + 1);
		cfh_scenario_free(&s);
		return 1;
	}
	cfh_scenario_free(&s);
	FILE *f = fopen(to, "wb");
	if (!f || fwrite(buf, 1, n, f) != n || fclose(f) != 0) {
		perror(to);
		return 2;
	}
	return 0;
}

static int run(const char *path, bool verbose)
{
	struct cfh_json_error err;
	char *data;
	size_t len;
	struct cfh_cm_stats st;
	char text[600];
	if (cfh_file_read(path, &data, &len, &err) != 0) {
		fprintf(stderr, "%s\n", cfh_json_error_format(&err, text,
		                                              sizeof(text)));
		return 2;
	}
	enum cfh_cm_finding f = cfh_cm_check((const uint8_t *)data, len,
	                                     verbose ? stdout : NULL, &st);
	printf("%s %s (%u steps, %u drain steps, %u choice points, %u traps, "
	       "%u dead-ended tasks)%s%s\n",
	       f == CFH_CM_NONE ? "PASS" : "FAIL", path, st.steps,
	       st.drain_steps, st.choice_points, st.traps, st.dead_ends,
	       f == CFH_CM_NONE ? "" : ": ", f == CFH_CM_NONE
	                                         ? ""
	                                         : cfh_cm_finding_text(f));
	free(data);
	return f == CFH_CM_NONE ? 0 : 1;
}

int main(int argc, char **argv)
{
	bool verbose = false;
	int status = 0;
	if (argc == 5 && strcmp(argv[1], "--encode") == 0 &&
	    strcmp(argv[3], "-o") == 0)
		return encode(argv[2], argv[4]);
	if (argc < 2) {
		fprintf(stderr, "usage: cancelfuzz-cm [-v] FILE...\n"
		                "       cancelfuzz-cm --encode SCENARIO -o OUT\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0) {
			verbose = true;
			continue;
		}
		int r = run(argv[i], verbose);
		status = r > status ? r : status;
	}
	return status;
}

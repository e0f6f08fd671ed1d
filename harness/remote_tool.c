/* remote_tool.c - cancelfuzz-remote: run inputs or target scenarios against
 * a real runtime (remote.h) and say what was found.
 *
 *   cancelfuzz-remote [replay] [options] FILE...
 *       each FILE a fuzz input (bytes) or a target scenario (.json); one
 *       line per file, "PASS FILE: no finding (...)" or "FAIL FILE:
 *       CLASS:WHERE at step N (...)" and the report; exit 1 if any fails
 *   cancelfuzz-remote [options] --to-json OUT.json INPUT
 *       the decisions the input made, as a target scenario that expects
 *       what the input found (scripts/add-regression, minimized/jco/)
 *   cancelfuzz-remote [options] --minimize OUT.json INPUT
 *       the same, with the fewest decisions and choices that still give
 *       the same signature (delta debugging, every candidate run on the
 *       target)
 *
 *   --target NAME      jco (default) or example (targets.h)
 *   --mutant NAME      the target's planted bug
 *   --timeout MS       the limit on each answer (default 10000)
 *   -v                 print every line exchanged and every step
 *
 * A scenario passes when it finds what its "expect" names; an input passes
 * when it finds nothing.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "remote.h"
#include "scenario.h"
#include "targets.h"

static void usage(void)
{
	fprintf(stderr,
	        "usage: cancelfuzz-remote [--target jco|example] [--mutant NAME] "
	        "[--timeout MS] [-v] FILE...\n"
	        "       cancelfuzz-remote [options] --to-json|--minimize OUT.json "
	        "INPUT\n");
	exit(2);
}

static bool is_json(const char *path)
{
	size_t n = strlen(path);
	return n > 5 && strcmp(path + n - 5, ".json") == 0;
}

/* Runs one file; fills rep. Returns 0 pass, 1 fail, 2 cannot run. */
static int run_file(struct cfh_remote *r, const char *path, FILE *trace,
                    struct cfh_remote_report *rep, int *expect)
{
	struct cfh_json_error err;
	char text[600];
	*expect = CFH_REMOTE_NONE;
	if (is_json(path)) {
		struct cfh_scenario s;
		if (cfh_scenario_load(path, &s, &err) != 0) {
			fprintf(stderr, "%s\n",
			        cfh_json_error_format(&err, text, sizeof(text)));
			return 2;
		}
		if (!s.target) {
			fprintf(stderr, "%s: not a target scenario (no "
			        "\"target\")\n", path);
			cfh_scenario_free(&s);
			return 2;
		}
		struct cfh_remote_input in;
		char **lines;
		if (cfh_scenario_target_input(&s, &in, &lines) != 0) {
			fprintf(stderr, "%s: out of memory\n", path);
			cfh_scenario_free(&s);
			return 2;
		}
		*expect = s.expect_target;
		cfh_remote_run(r, &in, trace, rep);
		cfh_scenario_target_free(lines, s.nops);
		cfh_scenario_free(&s);
		return (int)rep->finding != *expect;
	}
	char *data;
	size_t size;
	if (cfh_file_read(path, &data, &size, &err) != 0) {
		fprintf(stderr, "%s\n",
		        cfh_json_error_format(&err, text, sizeof(text)));
		return 2;
	}
	struct cfh_remote_input in = {.data = (const uint8_t *)data,
	                              .size = size};
	cfh_remote_run(r, &in, trace, rep);
	free(data);
	return rep->finding != CFH_REMOTE_NONE;
}

static int to_json(const char *out, const char *input,
                   const struct cfh_remote_report *rep, const char *mutant,
                   const char *target)
{
	struct cfh_scenario s;
	struct cfh_json_error err;
	char title[300], text[600];
	memset(&s, 0, sizeof(s));
	s.version = CFH_SCENARIO_VERSION;
	s.cm = true;
	s.setup.caps = rep->cfg;
	s.target = strdup(target);
	s.choices = malloc(rep->nchoices + 1);
	s.nchoices = rep->nchoices;
	if (s.choices)
		memcpy(s.choices, rep->choices, rep->nchoices);
	snprintf(title, sizeof(title), "%s, found from %s",
	         cfh_remote_finding_text(rep->finding), input);
	s.title = strdup(title);
	s.mutant = mutant ? strdup(mutant) : NULL;
	s.expect_target = rep->finding;
	s.cm_ops = calloc(rep->ndecided + 1, sizeof(*s.cm_ops));
	s.results = calloc(rep->ndecided + 1, sizeof(*s.results));
	for (size_t i = 0; s.cm_ops && i < rep->ndecided; i++)
		if (!cfm_cm_op_parse(rep->decided[i], &s.cm_ops[s.nops]))
			s.nops++;
	FILE *f = fopen(out, "w");
	int rc = f && cfh_scenario_write(f, &s) == 0 ? 0 : 1;
	if (f)
		rc |= fclose(f) != 0;
	(void)err;
	(void)text;
	cfh_scenario_free(&s);
	if (rc)
		fprintf(stderr, "%s: cannot write\n", out);
	return rc;
}

/* ---- minimizing: fewer decisions, fewer choices, same signature ---- */

struct trial {
	struct cfh_remote *r;
	struct cfm_config cfg;
	const char *want; /* the signature to keep */
	unsigned runs;
};

static bool same(struct trial *t, char **lines, size_t n,
                 const uint8_t *choices, size_t nchoices)
{
	struct cfh_remote_input in = {.scripted = true, .cfg = t->cfg,
	                              .choices = choices, .nchoices = nchoices,
	                              .script = lines, .nscript = n};
	struct cfh_remote_report rep;
	cfh_remote_run(t->r, &in, NULL, &rep);
	bool keep = rep.finding != CFH_REMOTE_NONE &&
	            strcmp(rep.signature, t->want) == 0;
	cfh_remote_report_free(&rep);
	t->runs++;
	return keep;
}

/* Delta debugging over the decision lines (Zeller's ddmin, complements
 * only): drop chunks while the signature stays; halve the chunk size when
 * none can go. Then the choices: the shortest prefix, then each byte 0. */
static size_t shrink(struct trial *t, char **lines, size_t n,
                     uint8_t *choices, size_t *nchoices)
{
	char **cand = malloc((n + 1) * sizeof(*cand));
	if (!cand)
		return n;
	for (size_t chunk = n / 2 ? n / 2 : 1; chunk >= 1 && n > 0;) {
		bool removed = false;
		for (size_t start = 0; start < n;) {
			size_t k = 0, stop = start + chunk < n ? start + chunk : n;
			for (size_t i = 0; i < n; i++)
				if (i < start || i >= stop)
					cand[k++] = lines[i];
			if (same(t, cand, k, choices, *nchoices)) {
				memcpy(lines, cand, k * sizeof(*lines));
				n = k;
				removed = true;
			} else {
				start = stop;
			}
		}
		if (!removed) {
			if (chunk == 1)
				break;
			chunk /= 2;
		}
	}
	free(cand);
	while (*nchoices > 0 && same(t, lines, n, choices, *nchoices / 2))
		*nchoices /= 2;
	while (*nchoices > 0 && same(t, lines, n, choices, *nchoices - 1))
		(*nchoices)--;
	for (size_t k = 0; k < *nchoices; k++) {
		uint8_t was = choices[k];
		if (was == 0)
			continue;
		choices[k] = 0;
		if (!same(t, lines, n, choices, *nchoices))
			choices[k] = was;
	}
	return n;
}

static int minimize(struct cfh_remote *r, const char *input, const char *out,
                    const char *mutant, const char *target)
{
	struct cfh_remote_report rep;
	int expect;
	if (run_file(r, input, NULL, &rep, &expect) == 2)
		return 2;
	if (rep.finding == CFH_REMOTE_NONE) {
		fprintf(stderr, "%s: finds nothing, nothing to minimize\n", input);
		cfh_remote_report_free(&rep);
		return 1;
	}
	struct trial t = {r, rep.cfg, rep.signature, 0};
	char **lines = calloc(rep.ndecided + 1, sizeof(*lines));
	size_t n = rep.ndecided, before = rep.ndecided;
	for (size_t i = 0; lines && i < n; i++)
		lines[i] = rep.decided[i];
	size_t nchoices = rep.nchoices, choices_before = rep.nchoices;
	if (lines && !same(&t, lines, n, rep.choices, nchoices)) {
		fprintf(stderr, "%s: its decisions, replayed as a script, do not "
		        "give %s again (the target is not deterministic?)\n",
		        input, rep.signature);
		free(lines);
		cfh_remote_report_free(&rep);
		return 1;
	}
	n = lines ? shrink(&t, lines, n, rep.choices, &nchoices) : n;
	/* The record to write: the kept lines, in order. */
	char (*kept)[64] = malloc((n + 1) * sizeof(*kept));
	for (size_t i = 0; kept && i < n; i++)
		memcpy(kept[i], lines[i], sizeof(*kept));
	free(lines);
	free(rep.decided);
	rep.decided = kept;
	rep.ndecided = kept ? n : 0;
	rep.nchoices = nchoices;
	printf("minimized %s: %zu decisions -> %zu, %zu choices -> %zu, "
	       "%u runs, %s\n", input, before, n, choices_before, nchoices,
	       t.runs, rep.signature);
	int rc = to_json(out, input, &rep, mutant, target);
	cfh_remote_report_free(&rep);
	return rc;
}

int main(int argc, char **argv)
{
	const char *target = "jco", *mutant = NULL, *json_out = NULL;
	unsigned timeout = 10000;
	bool verbose = false, shrink_it = false;
	int i = 1;
	if (i < argc && strcmp(argv[i], "replay") == 0)
		i++; /* as `cancelfuzz replay`, for scripts/campaign-report */
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--target") == 0 && i + 1 < argc)
			target = argv[++i];
		else if (strcmp(argv[i], "--mutant") == 0 && i + 1 < argc)
			mutant = argv[++i];
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			timeout = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--to-json") == 0 && i + 1 < argc)
			json_out = argv[++i];
		else if (strcmp(argv[i], "--minimize") == 0 && i + 1 < argc)
			json_out = argv[++i], shrink_it = true;
		else if (strcmp(argv[i], "-v") == 0)
			verbose = true;
		else
			usage();
	}
	if (i == argc || (json_out && argc - i != 1))
		usage();
	struct cfh_target_cmd cmd;
	char err[512];
	if (cfh_target_resolve(target, mutant, &cmd, err, sizeof(err)) != 0) {
		fprintf(stderr, "cancelfuzz-remote: %s\n", err);
		return 2;
	}
	struct cfh_remote_options opt = {cmd.argv, timeout};
	struct cfh_remote *r = cfh_remote_open(&opt, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "cancelfuzz-remote: %s\n", err);
		return 2;
	}
	int status = 0;
	if (shrink_it) {
		status = minimize(r, argv[i], json_out, mutant, target);
		cfh_remote_close(r);
		return status;
	}
	for (; i < argc; i++) {
		struct cfh_remote_report rep;
		int expect;
		int rc = run_file(r, argv[i], verbose ? stdout : NULL, &rep,
		                  &expect);
		if (rc == 2) {
			status = 2;
			continue;
		}
		if (json_out) {
			status = to_json(json_out, argv[i], &rep, mutant, target);
			cfh_remote_report_free(&rep);
			break;
		}
		uint32_t steps = rep.stats.decisions + rep.stats.drain +
		                 rep.stats.runs;
		if (rep.finding != CFH_REMOTE_NONE)
			printf("%s %s: %s at step %u", rc ? "FAIL" : "PASS",
			       argv[i], rep.signature, steps);
		else
			printf("%s %s: %s", rc ? "FAIL" : "PASS", argv[i],
			       rep.limit ? "harness limit" : "no finding");
		if (rc && is_json(argv[i]))
			printf(", expected %s", cfh_remote_finding_name(
			                            (enum cfh_remote_finding)expect));
		printf(" (%u decisions, %u drain, %u facts, %u runtime steps, "
		       "%u choice points, %u choices)\n",
		       rep.stats.decisions, rep.stats.drain, rep.stats.facts,
		       rep.stats.runs, rep.stats.choice_points,
		       rep.stats.choices_used);
		if (rep.finding != CFH_REMOTE_NONE)
			printf("  %s: %s\n", cfh_remote_finding_name(rep.finding),
			       rep.detail);
		if (rc && status == 0)
			status = 1;
		cfh_remote_report_free(&rep);
	}
	cfh_remote_close(r);
	return status;
}

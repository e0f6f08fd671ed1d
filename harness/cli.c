/* cli.c - the cancelfuzz command: replay inputs and scenarios, print one
 * run step by step, and convert between binary inputs and JSON scenarios. */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "minimize.h"
#include "mutants.h"
#include "remote.h"
#include "scenario.h"
#include "targets.h"

/* Exit statuses: every file passed; some file failed; a usage error or a
 * file that could not be read or understood. */
enum { EXIT_PASSED = 0, EXIT_FAILED = 1, EXIT_TROUBLE = 2 };

static const char usage_text[] =
    "usage: cancelfuzz replay [--no-diff] [--trace] [--json OUT]\n"
    "                         [--mutant NAME] [--expect CLASS] FILE|DIR...\n"
    "       cancelfuzz fmt [--mutant NAME] FILE\n"
    "       cancelfuzz json FILE [--mutant NAME] [--expect CLASS] [-o OUT]\n"
    "       cancelfuzz encode FILE.json [-o OUT]\n"
    "       cancelfuzz minimize FILE [--mutant NAME] [--no-diff] [-o OUT]\n"
    "       cancelfuzz coverage [--json OUT] [--all] [--target NAME]\n"
    "                           FILE|DIR...\n"
    "       cancelfuzz mutants\n"
    "       cancelfuzz --help\n";

static const char help_text[] =
    "\n"
    "A FILE ending in .json is a JSON scenario; any other file is a binary\n"
    "fuzz input. A DIR stands for its files, sorted by name (one level;\n"
    "hidden files, *.md and meson.build are skipped).\n"
    "\n"
    "  replay   run each input through the model and the runtime and the\n"
    "           oracle; print PASS or FAIL per file. A scenario passes if\n"
    "           every \"result\" is what the model gives and the outcome is\n"
    "           its \"expect\". Exit 0 if all passed, 1 if any failed, 2 for\n"
    "           usage errors and unreadable or malformed files. A scenario\n"
    "           with \"profile\": \"cm\" runs on the cm model alone: it\n"
    "           passes if every \"result\" is an outcome the spec allows\n"
    "           at that step (model/README.md, \"The cm profile\")\n"
    "    --no-diff    judge by the model-free invariants only\n"
    "    --trace      print every step with both sides' results\n"
    "    --json OUT   write the results, with traces, as JSON to OUT\n"
    "    --mutant NAME  run the runtime with one of its known bugs on\n"
    "                 (impl/mutants.h; needs a build with -Dmutants=true).\n"
    "                 A scenario's \"mutant\" does the same, and the\n"
    "                 scenario must then also pass on the correct runtime.\n"
    "    --expect CLASS  the finding class every input must end with,\n"
    "                 instead of its own \"expect\" (none for binary input)\n"
    "  fmt      print one run as its numbered steps, the drain included,\n"
    "           then the outcome; under --mutant NAME or the scenario's\n"
    "           \"mutant\" (a \"mutant:\" line comes first); for a cm\n"
    "           scenario, each step's outcome and, where the spec left a\n"
    "           choice, the allowed set\n"
    "  json     a binary input as a JSON scenario (default: stdout)\n"
    "  encode   a JSON scenario as a binary input (-o is needed when\n"
    "           stdout is a terminal)\n"
    "  minimize shrink a finding to the smallest JSON scenario with the\n"
    "           same signature (each candidate in a fresh process), under\n"
    "           --mutant NAME or the scenario's \"mutant\", which must be\n"
    "           one of this build's; exit 1 if there is no finding\n"
    "  coverage contract coverage of a set of inputs (harness/cover.h):\n"
    "           each clause of the contract, transition, cm outcome and\n"
    "           feature with its hits and the number of inputs that hit\n"
    "           it, then the points never hit, and those the contract\n"
    "           rules out, with the rule. Binary inputs and contract\n"
    "           scenarios run on the bundled runtime; with --target NAME\n"
    "           binary inputs, and a scenario with \"target\", run on\n"
    "           that runtime (the cm points). Exit 1 if a point the\n"
    "           contract rules out was hit (a bug in the table or model)\n"
    "    --json OUT   also write every point as JSON to OUT\n"
    "    --all        list every point, not only the profiles that ran\n"
    "  mutants  the runtime's known bugs, one a line: name, the finding\n"
    "           the oracle must give with the model, the one it must give\n"
    "           alone (- : none), and the rules broken\n";

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "cancelfuzz: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage_text);
	return EXIT_TROUBLE;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && strcmp(s + n - t, tail) == 0;
}

/* ---- one input, binary or JSON ---- */

struct input {
	const char *path;
	char *bytes;
	size_t size;
	bool is_json;
	struct cfh_scenario sc;
};

/* Reads the input at path; a scenario is parsed. Returns 0, or -1 with
 * the located error in *err. */
static int input_load(struct input *in, const char *path,
                      struct cfh_json_error *err)
{
	memset(in, 0, sizeof(*in));
	in->path = path;
	in->is_json = ends_with(path, ".json");
	if (cfh_file_read(path, &in->bytes, &in->size, err) != 0)
		return -1;
	if (in->is_json &&
	    cfh_scenario_parse(in->bytes, in->size, path, &in->sc, err) != 0)
		return -1;
	return 0;
}

static void input_free(struct input *in)
{
	free(in->bytes);
	cfh_scenario_free(&in->sc);
	memset(in, 0, sizeof(*in));
}

static struct cfh_source input_source(const struct input *in)
{
	/* An empty list is still a list: ops must not be NULL. */
	static const struct cfm_op no_ops[1];
	struct cfh_source src = {0};
	if (in->is_json) {
		src.setup = &in->sc.setup;
		src.ops = in->sc.nops ? in->sc.ops : no_ops;
		src.nops = in->sc.nops;
	} else {
		src.data = (const uint8_t *)in->bytes;
		src.size = in->size;
	}
	return src;
}

static void print_error(const struct cfh_json_error *err)
{
	char text[600];
	fprintf(stderr, "%s\n", cfh_json_error_format(err, text, sizeof(text)));
}

/* ---- replay ---- */

struct replay {
	bool diff, trace;
	const char *json_out;
	json_t *records; /* with --json */
	uint32_t mutant; /* --mutant, 0 for none */
	int expect;      /* --expect, -1 for what each input expects */
};

/* Text written to a memory stream, for traces and reports. */
struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

static bool capture_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	return c->f != NULL;
}

static void capture_close(struct capture *c)
{
	if (c->f)
		fclose(c->f);
	c->f = NULL;
}

/* The captured text as an array of lines. */
static json_t *lines_of(const char *text, size_t len)
{
	json_t *a = json_array();
	size_t start = 0;
	for (size_t i = 0; a && i < len; i++)
		if (text[i] == '\n') {
			json_array_append_new(
			    a, json_stringn(text + start, i - start));
			start = i + 1;
		}
	if (a && start < len)
		json_array_append_new(a, json_stringn(text + start, len - start));
	return a;
}

/* A JSON string of text; bytes that are not UTF-8 (a file name, say)
 * become '?', as JSON strings must be UTF-8. */
static json_t *text_value(const char *text)
{
	json_t *v = json_string(text);
	if (v)
		return v;
	size_t n = strlen(text);
	char *copy = malloc(n + 1);
	if (!copy)
		return NULL;
	for (size_t i = 0; i <= n; i++)
		copy[i] = (unsigned char)text[i] >= 0x80 ? '?' : text[i];
	v = json_string(copy);
	free(copy);
	return v;
}

static json_t *hex64(uint64_t v)
{
	char text[20];
	snprintf(text, sizeof(text), "%016llx", (unsigned long long)v);
	return json_string(text);
}

/* Adds {"file", "passed": false, "error"} for a file that was not run. */
static void record_error(struct replay *r, const char *path,
                         const struct input *in,
                         const struct cfh_json_error *err)
{
	char text[600];
	if (!r->records)
		return;
	json_t *o = json_object();
	json_object_set_new(o, "file", text_value(path));
	json_object_set_new(o, "passed", json_false());
	json_object_set_new(o, "signature", json_null());
	json_object_set_new(o, "class", json_null());
	json_object_set_new(o, "step", json_null());
	json_object_set_new(o, "input_hash",
	                    in->bytes ? hex64(cfh_fnv1a(in->bytes, in->size))
	                              : json_null());
	json_object_set_new(o, "trace_hash", json_null());
	json_object_set_new(o, "trace", json_array());
	json_object_set_new(
	    o, "error", text_value(cfh_json_error_format(err, text, sizeof(text))));
	json_array_append_new(r->records, o);
}

/* What an input must end with: --expect, else a scenario's "expect", else
 * (a binary input) no finding. */
static enum cfh_class expected_class(const struct replay *r,
                                     const struct input *in)
{
	if (r->expect >= 0)
		return (enum cfh_class)r->expect;
	return in->is_json ? in->sc.expect : CFH_NONE;
}

/* The mutant to run under: --mutant, else a scenario's "mutant" (which
 * must name one: *bad is set if it does not). */
static uint32_t mutant_of(const struct replay *r, const struct input *in,
                          bool *bad)
{
	*bad = false;
	if (r->mutant || !in->is_json || !in->sc.mutant)
		return r->mutant;
	uint32_t m = cfr_mutant_from_name(in->sc.mutant);
	*bad = m == CFR_MUTANT_NONE || !cfr_mutants_built();
	return m;
}

/* Releases what replay_file() holds and returns status. */
static int replay_done(struct input *in, struct capture *trace,
                       struct capture *report, int status)
{
	capture_close(trace);
	capture_close(report);
	free(trace->buf);
	free(report->buf);
	input_free(in);
	return status;
}

/* A target scenario (a real runtime, remote.h): run on its target, with
 * its own mutant, printing every exchanged line and step with trace.
 * Passes when it gives its "expect". */
static int run_target(const char *path, const struct cfh_scenario *sc,
                      bool trace)
{
	struct cfh_target_cmd cmd;
	struct cfh_remote_input in;
	struct cfh_remote_report rep;
	char err[512], **lines;
	if (cfh_target_resolve(sc->target, sc->mutant, &cmd, err,
	                       sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", path, err);
		return EXIT_TROUBLE;
	}
	struct cfh_remote_options opt = {cmd.argv, 0};
	struct cfh_remote *r = cfh_remote_open(&opt, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "%s: %s\n", path, err);
		return EXIT_TROUBLE;
	}
	if (cfh_scenario_target_input(sc, &in, &lines) != 0) {
		cfh_remote_close(r);
		fprintf(stderr, "cancelfuzz: out of memory\n");
		return EXIT_TROUBLE;
	}
	cfh_remote_run(r, &in, trace ? stdout : NULL, &rep);
	bool ok = (int)rep.finding == sc->expect_target;
	printf("%s %s (target %s: %s%s%s, expected %s)\n", ok ? "PASS" : "FAIL",
	       path, sc->target,
	       rep.finding ? rep.signature : "no finding",
	       rep.finding ? ": " : "", rep.finding ? rep.detail : "",
	       cfh_remote_finding_name(
	           (enum cfh_remote_finding)sc->expect_target));
	cfh_remote_report_free(&rep);
	cfh_scenario_target_free(lines, sc->nops);
	cfh_remote_close(r);
	return ok ? EXIT_PASSED : EXIT_FAILED;
}

static int replay_file(struct replay *r, const char *path)
{
	struct input in;
	struct cfh_json_error err;
	struct capture trace = {0}, report = {0};
	struct cfh_outcome out;
	char sig[64];
	int status;

	if (input_load(&in, path, &err) != 0) {
		print_error(&err);
		record_error(r, path, &in, &err);
		input_free(&in);
		return EXIT_TROUBLE;
	}
	if (in.is_json) {
		int c = cfh_scenario_check_results(&in.sc, &err);
		if (c != 0) {
			char text[600];
			if (c < 0) {
				print_error(&err);
			} else {
				printf("FAIL %s\n", cfh_json_error_format(
				                        &err, text, sizeof(text)));
			}
			record_error(r, path, &in, &err);
			input_free(&in);
			return c < 0 ? EXIT_TROUBLE : EXIT_FAILED;
		}
	}
	if (in.is_json && in.sc.target) {
		int t = run_target(path, &in.sc, r->trace);
		input_free(&in);
		return t;
	}
	if (in.is_json && in.sc.cm) {
		/* The bundled runtime does not implement the cm profile: its
		 * scenarios are traces checked against the model by
		 * refinement, above. */
		printf("PASS %s (%zu steps, profile cm: every result allowed "
		       "by the spec)\n",
		       path, in.sc.nops);
		if (r->records) {
			json_t *o = json_object();
			json_object_set_new(o, "file", text_value(path));
			json_object_set_new(o, "passed", json_true());
			json_object_set_new(o, "profile", json_string("cm"));
			json_array_append_new(r->records, o);
		}
		input_free(&in);
		return EXIT_PASSED;
	}
	if (((r->trace || r->records) && !capture_open(&trace)) ||
	    !capture_open(&report)) {
		fprintf(stderr, "cancelfuzz: out of memory\n");
		capture_close(&trace);
		free(trace.buf);
		input_free(&in);
		return EXIT_TROUBLE;
	}

	bool bad_mutant;
	uint32_t mutant = mutant_of(r, &in, &bad_mutant);
	enum cfh_class want = expected_class(r, &in);
	struct cfh_source src = input_source(&in);
	if (bad_mutant) {
		printf("FAIL %s: mutant '%s' %s\n", path, in.sc.mutant,
		       cfr_mutants_built() ? "does not exist"
		                           : "needs a build with -Dmutants=true");
		return replay_done(&in, &trace, &report, EXIT_FAILED);
	}
	if (mutant && in.is_json && in.sc.mutant && r->mutant == 0) {
		/* A mutant's scenario must pass on the correct runtime too. */
		struct cfh_options control = {.diff = r->diff,
		                              .every_step = true};
		cfh_run(&src, &control, &out, NULL);
		if (out.finding.cls != CFH_NONE) {
			printf("FAIL %s: %s at step %u without the mutant\n",
			       path, cfh_signature(&out.finding, sig, sizeof(sig)),
			       out.finding.step);
			return replay_done(&in, &trace, &report, EXIT_FAILED);
		}
	}

	/* Whole states compared after every step: the first step of a
	 * finding is exact, and the trace hash is computed. */
	struct cfh_options opts = {.diff = r->diff,
	                           .every_step = true,
	                           .trace = trace.f,
	                           .mutant = mutant};
	cfh_run(&src, &opts, &out, report.f);
	capture_close(&trace);
	capture_close(&report);

	bool passed = out.finding.cls == want;
	cfh_signature(&out.finding, sig, sizeof(sig));
	if (r->trace && trace.buf)
		fwrite(trace.buf, 1, trace.len, stdout);
	if (passed && out.finding.cls == CFH_NONE)
		printf("PASS %s (%u steps, %u drain steps)\n", path, out.steps,
		       out.drain_steps);
	else if (passed)
		printf("PASS %s (%u steps, %u drain steps; the expected %s at "
		       "step %u%s%s)\n",
		       path, out.steps, out.drain_steps, sig, out.finding.step,
		       mutant ? " under " : "",
		       mutant ? cfr_mutant_name(mutant) : "");
	else if (out.finding.cls == CFH_NONE)
		printf("FAIL %s: no finding (expected %s)\n", path,
		       cfh_class_name(want));
	else if (want != CFH_NONE)
		printf("FAIL %s: %s at step %u (expected %s)\n", path, sig,
		       out.finding.step, cfh_class_name(want));
	else
		printf("FAIL %s: %s at step %u\n", path, sig, out.finding.step);
	if (out.limit[0]) /* the harness's limit, not the runtime's */
		printf("  harness limit: %s\n", out.limit);
	if (!passed && report.buf)
		fwrite(report.buf, 1, report.len, stdout);
	fflush(stdout);
	status = passed ? EXIT_PASSED : EXIT_FAILED;

	if (r->records) {
		bool found = out.finding.cls != CFH_NONE;
		json_t *o = json_object();
		json_object_set_new(o, "file", text_value(path));
		json_object_set_new(o, "passed", json_boolean(passed));
		json_object_set_new(o, "signature",
		                    found ? json_string(sig) : json_null());
		json_object_set_new(o, "class",
		                    json_string(cfh_class_name(out.finding.cls)));
		json_object_set_new(o, "step",
		                    found ? json_integer(out.finding.step)
		                          : json_null());
		json_object_set_new(o, "input_hash",
		                    hex64(cfh_fnv1a(in.bytes, in.size)));
		json_object_set_new(o, "trace_hash", hex64(out.trace_hash));
		json_object_set_new(o, "harness_limit",
		                    out.limit[0] ? json_string(out.limit)
		                                 : json_null());
		json_object_set_new(o, "trace", lines_of(trace.buf, trace.len));
		if (json_array_append_new(r->records, o) != 0) {
			fprintf(stderr, "cancelfuzz: out of memory\n");
			status = EXIT_TROUBLE;
		}
	}
	return replay_done(&in, &trace, &report, status);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir, sorted by name, into *names (each and the
 * array malloc'd). Returns EXIT_PASSED or EXIT_TROUBLE (said on stderr). */
static int list_files(const char *dir, char ***names_out, size_t *n_out)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	int worst = EXIT_PASSED;
	struct dirent *e;

	*names_out = NULL;
	*n_out = 0;
	if (!d) {
		fprintf(stderr, "%s: cannot open: %s\n", dir, strerror(errno));
		return EXIT_TROUBLE;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || ends_with(e->d_name, ".md") ||
		    strcmp(e->d_name, "meson.build") == 0)
			continue; /* the folder's own notes and build file */
		size_t len = strlen(dir) + strlen(e->d_name) + 2;
		char *path = malloc(len);
		struct stat st;
		if (!path) {
			worst = EXIT_TROUBLE;
			break;
		}
		snprintf(path, len, "%s%s%s", dir, ends_with(dir, "/") ? "" : "/",
		         e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		if (n == cap) {
			size_t grown = cap ? cap * 2 : 64;
			char **p = realloc(names, grown * sizeof(*p));
			if (!p) {
				free(path);
				worst = EXIT_TROUBLE;
				break;
			}
			names = p;
			cap = grown;
		}
		names[n++] = path;
	}
	closedir(d);
	if (worst != EXIT_PASSED)
		fprintf(stderr, "%s: out of memory listing it\n", dir);
	if (n)
		qsort(names, n, sizeof(*names), compare_names);
	*names_out = names;
	*n_out = n;
	return worst;
}

/* Replays the regular files of dir, sorted by name. */
static int replay_dir(struct replay *r, const char *dir)
{
	char **names;
	size_t n;
	int worst = list_files(dir, &names, &n);
	for (size_t i = 0; i < n; i++) {
		int s = replay_file(r, names[i]);
		worst = s > worst ? s : worst;
		free(names[i]);
	}
	free(names);
	return worst;
}

static int cmd_replay(int argc, char **argv)
{
	struct replay r = {.diff = true, .expect = -1};
	int worst = EXIT_PASSED, files = 0;
	bool options = true;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (options && strcmp(a, "--") == 0)
			options = false;
		else if (options && strcmp(a, "--no-diff") == 0)
			r.diff = false;
		else if (options && strcmp(a, "--trace") == 0)
			r.trace = true;
		else if (options && strcmp(a, "--json") == 0) {
			if (++i == argc)
				return usage_error("%s needs a file name", a);
			r.json_out = argv[i];
		} else if (options && strcmp(a, "--mutant") == 0) {
			if (++i == argc)
				return usage_error("%s needs a name", a);
			r.mutant = cfr_mutant_from_name(argv[i]);
			if (!r.mutant)
				return usage_error("no mutant '%s'", argv[i]);
			if (!cfr_mutants_built())
				return usage_error("this build has no mutants "
				                   "(meson -Dmutants=true)");
		} else if (options && strcmp(a, "--expect") == 0) {
			if (++i == argc)
				return usage_error("%s needs a class", a);
			r.expect = cfh_class_from_name(argv[i]);
			if (r.expect < 0)
				return usage_error("no finding class '%s'",
				                   argv[i]);
		} else if (options && a[0] == '-' && a[1] != '\0')
			return usage_error("replay: unknown option '%s'", a);
	}
	if (r.json_out && !(r.records = json_array())) {
		fprintf(stderr, "cancelfuzz: out of memory\n");
		return EXIT_TROUBLE;
	}

	options = true;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		struct stat st;
		int s;
		if (options && strcmp(a, "--") == 0) {
			options = false;
			continue;
		}
		if (options && (strcmp(a, "--json") == 0 ||
		                strcmp(a, "--mutant") == 0 ||
		                strcmp(a, "--expect") == 0)) {
			i++; /* and its value */
			continue;
		}
		if (options && a[0] == '-' && a[1] != '\0')
			continue;
		files++;
		if (stat(a, &st) == 0 && S_ISDIR(st.st_mode))
			s = replay_dir(&r, a);
		else
			s = replay_file(&r, a);
		worst = s > worst ? s : worst;
	}
	if (files == 0) {
		json_decref(r.records);
		return usage_error("replay: no FILE or DIR given");
	}
	if (r.records) {
		if (json_dump_file(r.records, r.json_out, JSON_INDENT(2)) != 0) {
			fprintf(stderr, "%s: cannot write\n", r.json_out);
			worst = EXIT_TROUBLE;
		}
		json_decref(r.records);
	}
	return worst;
}

/* ---- fmt ---- */

/* The mutant a scenario names, checked: 0 with *m set (CFR_MUTANT_NONE if
 * it names none), or EXIT_TROUBLE after saying why it cannot be run. */
static int scenario_mutant(const struct input *in, uint32_t *m)
{
	*m = CFR_MUTANT_NONE;
	if (!in->is_json || !in->sc.mutant)
		return 0;
	*m = cfr_mutant_from_name(in->sc.mutant);
	if (*m != CFR_MUTANT_NONE && cfr_mutants_built())
		return 0;
	fprintf(stderr, "%s: mutant '%s' %s\n", in->path, in->sc.mutant,
	        *m == CFR_MUTANT_NONE ? "does not exist (cancelfuzz mutants)"
	                              : "needs a build with -Dmutants=true");
	return EXIT_TROUBLE;
}

static int cmd_fmt(int argc, char **argv)
{
	struct input in;
	struct cfh_json_error err;
	struct cfh_outcome out;
	char sig[64];
	const char *file = NULL;
	uint32_t mutant = CFR_MUTANT_NONE;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--mutant") == 0) {
			if (++i == argc)
				return usage_error("--mutant needs a name");
			mutant = cfr_mutant_from_name(argv[i]);
			if (!mutant)
				return usage_error("no mutant '%s'", argv[i]);
			if (!cfr_mutants_built())
				return usage_error("this build has no mutants "
				                   "(meson -Dmutants=true)");
		} else if (file) {
			return usage_error("fmt takes one FILE");
		} else {
			file = argv[i];
		}
	}
	if (!file)
		return usage_error("fmt takes one FILE");
	if (input_load(&in, file, &err) != 0) {
		print_error(&err);
		input_free(&in);
		return EXIT_TROUBLE;
	}
	if (in.is_json && in.sc.target) {
		int t = run_target(file, &in.sc, true);
		input_free(&in);
		return t;
	}
	if (in.is_json && in.sc.cm) {
		/* Each step with the outcome taken, and the allowed set
		 * wherever the spec left a choice. */
		printf("input: JSON scenario, profile cm, instances %u, "
		       "max_tasks %u\n",
		       in.sc.setup.caps.instances, in.sc.setup.caps.max_tasks);
		int c = cfh_scenario_check_cm(&in.sc, stdout, &err);
		if (c != 0)
			print_error(&err);
		else
			printf("outcome: every step allowed (%zu steps)\n",
			       in.sc.nops);
		input_free(&in);
		return c == 0 ? EXIT_PASSED : c < 0 ? EXIT_TROUBLE : EXIT_FAILED;
	}
	/* --mutant, else the scenario's own "mutant", as replay does. */
	if (!mutant && scenario_mutant(&in, &mutant) != 0) {
		input_free(&in);
		return EXIT_TROUBLE;
	}
	if (mutant)
		printf("mutant: %s\n", cfr_mutant_name(mutant));
	struct cfh_options opts = {.diff = true,
	                           .every_step = true,
	                           .trace = stdout,
	                           .mutant = mutant};
	struct cfh_source src = input_source(&in);
	/* The header line: where the run comes from and its caps. */
	struct cfh_setup su;
	if (in.is_json) {
		su = in.sc.setup;
		printf("input: JSON scenario");
	} else {
		static const uint8_t nothing[1];
		struct cfh_decoder d;
		cfh_decode_begin(&d, in.size ? src.data : nothing, in.size);
		su = d.setup;
		printf("input: format version %u, %zu bytes", d.version,
		       in.size);
	}
	printf(", instances %u, max_tasks %u, max_handles %u, "
	       "max_resources %u, max_keys %u, features 0x%02x\n",
	       su.caps.instances, su.caps.max_tasks, su.caps.max_handles,
	       su.caps.max_resources, su.caps.max_keys, su.features);
	cfh_run(&src, &opts, &out, NULL);
	if (out.finding.cls == CFH_NONE)
		printf("outcome: none (%u steps, %u drain steps, trace %016llx)\n",
		       out.steps, out.drain_steps,
		       (unsigned long long)out.trace_hash);
	else
		printf("outcome: %s at step %u: %s\n",
		       cfh_signature(&out.finding, sig, sizeof(sig)),
		       out.finding.step, out.finding.detail);
	input_free(&in);
	return EXIT_PASSED;
}

/* ---- json and encode ---- */

/* Options of json and minimize; NULL where a command takes none. */
struct file_options {
	const char *mutant, *expect;
	bool no_diff;
};

/* FILE [-o OUT] (and the options opts allows) into *file and *outpath. */
static bool file_and_output(int argc, char **argv, const char **file,
                            const char **outpath, struct file_options *opts)
{
	*file = *outpath = NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0) {
			if (++i == argc || *outpath)
				return false;
			*outpath = argv[i];
		} else if (opts && strcmp(argv[i], "--mutant") == 0) {
			if (++i == argc)
				return false;
			opts->mutant = argv[i];
		} else if (opts && strcmp(argv[i], "--expect") == 0) {
			if (++i == argc)
				return false;
			opts->expect = argv[i];
		} else if (opts && strcmp(argv[i], "--no-diff") == 0) {
			opts->no_diff = true;
		} else if (!*file) {
			*file = argv[i];
		} else {
			return false;
		}
	}
	return *file != NULL;
}

static int cmd_json(int argc, char **argv)
{
	const char *file, *outpath;
	struct cfh_json_error err;
	struct cfh_scenario sc;
	char *bytes;
	size_t size;

	struct file_options fo = {0};
	if (!file_and_output(argc, argv, &file, &outpath, &fo))
		return usage_error("json takes FILE [--mutant NAME] "
		                   "[--expect CLASS] [-o OUT]");
	int expect = fo.expect ? cfh_class_from_name(fo.expect) : CFH_NONE;
	if (expect < 0)
		return usage_error("no finding class '%s'", fo.expect);
	if (fo.mutant && !cfr_mutant_from_name(fo.mutant))
		return usage_error("no mutant '%s'", fo.mutant);
	if (cfh_file_read(file, &bytes, &size, &err) != 0) {
		print_error(&err);
		return EXIT_TROUBLE;
	}
	int r = cfh_scenario_from_binary((const uint8_t *)bytes, size, file,
	                                 &sc);
	free(bytes);
	if (r == 0) {
		sc.expect = (enum cfh_class)expect;
		if (fo.mutant && !(sc.mutant = strdup(fo.mutant)))
			r = -1;
	}
	if (r != 0) {
		fprintf(stderr, "cancelfuzz: out of memory\n");
		cfh_scenario_free(&sc);
		return EXIT_TROUBLE;
	}
	FILE *out = outpath ? fopen(outpath, "w") : stdout;
	if (!out) {
		fprintf(stderr, "%s: cannot open: %s\n", outpath,
		        strerror(errno));
		cfh_scenario_free(&sc);
		return EXIT_TROUBLE;
	}
	r = cfh_scenario_write(out, &sc);
	if ((outpath ? fclose(out) : fflush(out)) != 0)
		r = -1;
	if (r != 0)
		fprintf(stderr, "%s: cannot write\n", outpath ? outpath : "stdout");
	cfh_scenario_free(&sc);
	return r ? EXIT_TROUBLE : EXIT_PASSED;
}

static int cmd_encode(int argc, char **argv)
{
	const char *file, *outpath;
	struct cfh_json_error err;
	struct cfh_scenario sc;
	uint8_t *bytes;
	size_t size;

	if (!file_and_output(argc, argv, &file, &outpath, NULL))
		return usage_error("encode takes FILE.json [-o OUT]");
	if (!outpath && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "cancelfuzz: encode writes binary; give -o OUT "
		                "or redirect stdout\n");
		return EXIT_TROUBLE;
	}
	if (cfh_scenario_load(file, &sc, &err) != 0) {
		print_error(&err);
		return EXIT_TROUBLE;
	}
	if (cfh_scenario_encode(&sc, &bytes, &size, &err) != 0) {
		print_error(&err);
		cfh_scenario_free(&sc);
		return EXIT_TROUBLE;
	}
	cfh_scenario_free(&sc);
	FILE *out = outpath ? fopen(outpath, "wb") : stdout;
	if (!out) {
		fprintf(stderr, "%s: cannot open: %s\n", outpath,
		        strerror(errno));
		free(bytes);
		return EXIT_TROUBLE;
	}
	int r = fwrite(bytes, 1, size, out) == size ? 0 : -1;
	if ((outpath ? fclose(out) : fflush(out)) != 0)
		r = -1;
	if (r != 0)
		fprintf(stderr, "%s: cannot write\n", outpath ? outpath : "stdout");
	free(bytes);
	return r ? EXIT_TROUBLE : EXIT_PASSED;
}

/* ---- minimize ---- */

/* Writes sc to path (or stdout). Returns 0 or EXIT_TROUBLE. */
static int write_scenario(const struct cfh_scenario *sc, const char *path)
{
	FILE *out = path ? fopen(path, "w") : stdout;
	if (!out) {
		fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
		return EXIT_TROUBLE;
	}
	int r = cfh_scenario_write(out, sc);
	if ((path ? fclose(out) : fflush(out)) != 0)
		r = -1;
	if (r != 0)
		fprintf(stderr, "%s: cannot write\n", path ? path : "stdout");
	return r ? EXIT_TROUBLE : EXIT_PASSED;
}

static int cmd_minimize(int argc, char **argv)
{
	const char *file, *outpath;
	struct file_options fo = {0};
	struct cfh_json_error err;
	struct input in;
	struct cfh_scenario from_bytes, min;
	struct cfh_minimize mz = {0};

	if (!file_and_output(argc, argv, &file, &outpath, &fo) || fo.expect)
		return usage_error("minimize takes FILE [--mutant NAME] "
		                   "[--no-diff] [-o OUT]");
	if (fo.mutant && (!(mz.mutant = cfr_mutant_from_name(fo.mutant)) ||
	                  !cfr_mutants_built()))
		return usage_error("no mutant '%s' in this build", fo.mutant);
	mz.diff = !fo.no_diff;
	if (input_load(&in, file, &err) != 0) {
		print_error(&err);
		input_free(&in);
		return EXIT_TROUBLE;
	}
	const struct cfh_scenario *sc = &in.sc;
	if (in.is_json && in.sc.cm) {
		fprintf(stderr, "%s: minimize runs the runtime, which has no "
		                "cm profile\n",
		        file);
		input_free(&in);
		return EXIT_TROUBLE;
	}
	if (!in.is_json) {
		if (cfh_scenario_from_binary((const uint8_t *)in.bytes, in.size,
		                             file, &from_bytes) != 0) {
			fprintf(stderr, "cancelfuzz: out of memory\n");
			input_free(&in);
			return EXIT_TROUBLE;
		}
		sc = &from_bytes;
	} else if (!mz.mutant && scenario_mutant(&in, &mz.mutant) != 0) {
		/* Minimizing on the correct runtime instead would shrink
		 * whatever else it shows, or nothing, under a mutant's name. */
		input_free(&in);
		return EXIT_TROUBLE;
	}
	int r = cfh_minimize(&mz, sc, &min);
	if (!in.is_json)
		cfh_scenario_free(&from_bytes);
	if (r != 0) {
		fprintf(stderr, r > 0 ? "%s: no finding to keep\n"
		                      : "%s: out of memory\n",
		        file);
		input_free(&in);
		return r > 0 ? EXIT_FAILED : EXIT_TROUBLE;
	}
	char text[512];
	const char *base = strrchr(file, '/');
	snprintf(text, sizeof(text), "minimized: %s", mz.signature);
	min.title = strdup(text);
	snprintf(text, sizeof(text),
	         "minimized from %s (%zu operations -> %zu, %lu runs)",
	         base ? base + 1 : file, mz.before, mz.after, mz.checks);
	min.origin = strdup(text);
	if (mz.mutant)
		min.mutant = strdup(cfr_mutant_name(mz.mutant));
	input_free(&in);
	int status = write_scenario(&min, outpath);
	fprintf(stderr, "%s: %zu operations -> %zu (%lu runs), signature %s\n",
	        file, mz.before, mz.after, mz.checks, mz.signature);
	cfh_scenario_free(&min);
	return status;
}

/* ---- mutants ---- */

/* ---- coverage ---- */

struct coverage {
	const char *target; /* --target: binary inputs go there */
	struct cfh_remote *remote;
	char remote_name[64];
	uint32_t *hits;   /* totals */
	uint32_t *inputs; /* inputs that hit each point */
	uint32_t *one;    /* this input's hits */
	unsigned ran[2];  /* inputs per profile (enum cfh_cover_profile) */
	unsigned files;
};

static int coverage_remote(struct coverage *c, const char *path,
                           const char *name,
                           const struct cfh_remote_input *in)
{
	char err[512];
	if (!c->remote || strcmp(c->remote_name, name) != 0) {
		struct cfh_target_cmd cmd;
		if (c->remote)
			cfh_remote_close(c->remote);
		c->remote = NULL;
		if (cfh_target_resolve(name, NULL, &cmd, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s: %s\n", path, err);
			return EXIT_TROUBLE;
		}
		struct cfh_remote_options opt = {cmd.argv, 0};
		c->remote = cfh_remote_open(&opt, err, sizeof(err));
		if (!c->remote) {
			fprintf(stderr, "%s: %s\n", path, err);
			return EXIT_TROUBLE;
		}
		snprintf(c->remote_name, sizeof(c->remote_name), "%s", name);
	}
	struct cfh_remote_report rep;
	cfh_remote_run(c->remote, in, NULL, &rep);
	cfh_remote_report_free(&rep);
	c->ran[CFH_COVER_CM]++;
	return EXIT_PASSED;
}

static int coverage_file(struct coverage *c, const char *path)
{
	struct input in;
	struct cfh_json_error err;
	struct cfh_cover sink = {.hits = c->one};
	int status = EXIT_PASSED;

	if (input_load(&in, path, &err) != 0) {
		print_error(&err);
		input_free(&in);
		return EXIT_TROUBLE;
	}
	memset(c->one, 0, CFH_COVER_POINTS * sizeof(*c->one));
	if ((in.is_json && in.sc.target) || (!in.is_json && c->target)) {
		struct cfh_remote_input rin = {.data = (const uint8_t *)in.bytes,
		                               .size = in.size};
		char **lines = NULL;
		if (in.is_json && cfh_scenario_target_input(&in.sc, &rin,
		                                            &lines) != 0) {
			input_free(&in);
			fprintf(stderr, "cancelfuzz: out of memory\n");
			return EXIT_TROUBLE;
		}
		rin.cover = &sink;
		status = coverage_remote(c, path,
		                         in.is_json ? in.sc.target : c->target,
		                         &rin);
		if (lines)
			cfh_scenario_target_free(lines, in.sc.nops);
	} else if (in.is_json && in.sc.cm) {
		/* A cm scenario on the model alone: no runtime explains it. */
		input_free(&in);
		return EXIT_PASSED;
	} else {
		struct cfh_source src = input_source(&in);
		struct cfh_options opts = {.diff = true, .cover = &sink};
		struct cfh_outcome out;
		if (in.is_json && in.sc.mutant)
			opts.mutant = cfr_mutant_from_name(in.sc.mutant);
		cfh_run(&src, &opts, &out, NULL);
		c->ran[CFH_COVER_CONTRACT]++;
	}
	for (size_t i = 0; i < CFH_COVER_POINTS; i++) {
		c->hits[i] += c->one[i];
		c->inputs[i] += c->one[i] != 0;
	}
	c->files++;
	input_free(&in);
	return status;
}

static void coverage_json_point(json_t *points, size_t i,
                                const struct coverage *c, const char *name)
{
	const char *why = cfh_cover_unreachable(i);
	json_t *p = json_pack(
	    "{s:I, s:s, s:s, s:s, s:I, s:I}", "point", (json_int_t)i,
	    "profile",
	    cfh_cover_profile_of(i) == CFH_COVER_CM ? "cm" : "contract", "kind",
	    cfh_cover_kind_name(cfh_cover_kind_of(i)), "name", name, "hits",
	    (json_int_t)c->hits[i], "inputs", (json_int_t)c->inputs[i]);
	if (p && why)
		json_object_set_new(p, "unreachable", json_string(why));
	json_array_append_new(points, p);
}

/* Prints the table (and writes JSON); returns how many ruled-out points
 * were hit. */
static unsigned coverage_print(const struct coverage *c, bool all,
                               json_t *points)
{
	static const char *const profile_names[2] = {"contract", "cm"};
	unsigned bad = 0;
	char name[160];
	printf("contract coverage of %u input%s (%u on the contract profile, "
	       "%u on cm)\n",
	       c->files, c->files == 1 ? "" : "s", c->ran[CFH_COVER_CONTRACT],
	       c->ran[CFH_COVER_CM]);
	for (int p = 0; p < 2; p++) {
		if (!all && !c->ran[p])
			continue;
		unsigned reach[4] = {0}, hit[4] = {0};
		for (size_t i = 0; i < CFH_COVER_POINTS; i++) {
			if ((int)cfh_cover_profile_of(i) != p ||
			    cfh_cover_unreachable(i))
				continue;
			reach[cfh_cover_kind_of(i)]++;
			hit[cfh_cover_kind_of(i)] += c->hits[i] != 0;
		}
		printf("\n%s profile:", profile_names[p]);
		for (int k = 0; k < 4; k++)
			if (reach[k])
				printf(" %ss %u/%u", cfh_cover_kind_name(
				                         (enum cfh_cover_kind)k),
				       hit[k], reach[k]);
		printf("\n%10s %7s  point\n", "hits", "inputs");
		for (size_t i = 0; i < CFH_COVER_POINTS; i++)
			if ((int)cfh_cover_profile_of(i) == p && c->hits[i])
				printf("%10u %7u  %s%s\n", c->hits[i],
				       c->inputs[i],
				       cfh_cover_name(i, name, sizeof(name)),
				       cfh_cover_unreachable(i)
				           ? "  [RULED OUT, yet hit]"
				           : "");
		printf("never hit (%s):\n", profile_names[p]);
		for (size_t i = 0; i < CFH_COVER_POINTS; i++)
			if ((int)cfh_cover_profile_of(i) == p && !c->hits[i] &&
			    !cfh_cover_unreachable(i))
				printf("           %s\n",
				       cfh_cover_name(i, name, sizeof(name)));
		printf("ruled out by the contract (%s):\n", profile_names[p]);
		for (size_t i = 0; i < CFH_COVER_POINTS; i++) {
			const char *why = cfh_cover_unreachable(i);
			if ((int)cfh_cover_profile_of(i) != p || !why)
				continue;
			bad += c->hits[i] != 0;
			printf("           %s: %s\n",
			       cfh_cover_name(i, name, sizeof(name)), why);
		}
	}
	for (size_t i = 0; points && i < CFH_COVER_POINTS; i++)
		coverage_json_point(points, i, c,
		                    cfh_cover_name(i, name, sizeof(name)));
	if (bad)
		printf("\n%u point%s the contract rules out %s hit: a bug in "
		       "harness/cover.c's table or in the model\n",
		       bad, bad == 1 ? "" : "s", bad == 1 ? "was" : "were");
	return bad;
}

static int cmd_coverage(int argc, char **argv)
{
	struct coverage c = {0};
	const char *json_out = NULL;
	bool all = false, options = true;
	int worst = EXIT_PASSED, files = 0;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (options && strcmp(a, "--") == 0) {
			options = false;
			argv[i] = NULL;
		} else if (options && strcmp(a, "--all") == 0) {
			all = true;
			argv[i] = NULL;
		} else if (options && (strcmp(a, "--json") == 0 ||
		                       strcmp(a, "--target") == 0)) {
			if (i + 1 == argc)
				return usage_error("%s needs a value", a);
			if (strcmp(a, "--json") == 0)
				json_out = argv[i + 1];
			else
				c.target = argv[i + 1];
			argv[i] = argv[i + 1] = NULL;
			i++;
		} else if (options && a[0] == '-' && a[1]) {
			return usage_error("unknown option '%s'", a);
		} else {
			files++;
		}
	}
	if (!files)
		return usage_error("coverage needs a FILE or DIR");
	c.hits = calloc(CFH_COVER_POINTS, sizeof(*c.hits));
	c.inputs = calloc(CFH_COVER_POINTS, sizeof(*c.inputs));
	c.one = calloc(CFH_COVER_POINTS, sizeof(*c.one));
	if (!c.hits || !c.inputs || !c.one) {
		fprintf(stderr, "cancelfuzz: out of memory\n");
		return EXIT_TROUBLE;
	}
	for (int i = 0; i < argc; i++) {
		struct stat st;
		int s;
		if (!argv[i])
			continue;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			char **names;
			size_t n;
			s = list_files(argv[i], &names, &n);
			for (size_t k = 0; k < n; k++) {
				int one = coverage_file(&c, names[k]);
				s = one > s ? one : s;
				free(names[k]);
			}
			free(names);
		} else {
			s = coverage_file(&c, argv[i]);
		}
		worst = s > worst ? s : worst;
	}
	if (c.remote)
		cfh_remote_close(c.remote);
	json_t *points = json_out ? json_array() : NULL;
	unsigned bad = coverage_print(&c, all, points);
	if (json_out) {
		json_t *doc = json_pack("{s:i, s:I, s:I, s:I, s:o}", "cancelfuzz_coverage", 1,
		                        "inputs", (json_int_t)c.files,
		                        "contract_inputs",
		                        (json_int_t)c.ran[CFH_COVER_CONTRACT],
		                        "cm_inputs", (json_int_t)c.ran[CFH_COVER_CM],
		                        "points", points);
		if (!doc || json_dump_file(doc, json_out,
		                           JSON_INDENT(1) | JSON_SORT_KEYS) != 0) {
			fprintf(stderr, "%s: cannot write\n", json_out);
			worst = EXIT_TROUBLE;
		}
		json_decref(doc);
	}
	free(c.hits);
	free(c.inputs);
	free(c.one);
	if (worst == EXIT_PASSED && bad)
		worst = EXIT_FAILED;
	return worst;
}

static int cmd_mutants(int argc, char **argv)
{
	(void)argv;
	if (argc != 0)
		return usage_error("mutants takes no arguments");
	if (!cfr_mutants_built())
		printf("# this build has no mutants (meson -Dmutants=true)\n");
	for (uint32_t m = 1; m < CFR_MUTANT_COUNT; m++) {
		const char *alone = cfr_mutant_finding_alone(m);
		printf("%s %s %s %s\n", cfr_mutant_name(m),
		       cfr_mutant_finding(m), alone ? alone : "-",
		       cfr_mutant_rules(m));
	}
	return EXIT_PASSED;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stderr);
		return EXIT_TROUBLE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "help") == 0) {
		fputs(usage_text, stdout);
		fputs(help_text, stdout);
		return EXIT_PASSED;
	}
	if (strcmp(cmd, "replay") == 0)
		return cmd_replay(argc - 2, argv + 2);
	if (strcmp(cmd, "fmt") == 0)
		return cmd_fmt(argc - 2, argv + 2);
	if (strcmp(cmd, "json") == 0)
		return cmd_json(argc - 2, argv + 2);
	if (strcmp(cmd, "encode") == 0)
		return cmd_encode(argc - 2, argv + 2);
	if (strcmp(cmd, "mutants") == 0)
		return cmd_mutants(argc - 2, argv + 2);
	if (strcmp(cmd, "coverage") == 0)
		return cmd_coverage(argc - 2, argv + 2);
	if (strcmp(cmd, "minimize") == 0)
		return cmd_minimize(argc - 2, argv + 2);
	return usage_error("unknown command '%s'", cmd);
}

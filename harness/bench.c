/* bench.c - cancelfuzz-bench: what one lockstep step of the harness costs,
 * against what the model and the runtime cost alone on the same operations.
 * Not a test: it prints numbers (and writes JSON with --json), judges none.
 *
 *   cancelfuzz-bench [--rounds N] [--json FILE] FILE|DIR...
 *
 * For every input (a DIR stands for its files, in name order):
 * 1. its full operation stream is recorded once: the steps it decodes to,
 *    then the drain (C-36), exactly as cfh_run takes them (the model alone
 *    chooses both);
 * 2. harness: cfh_check() on the bytes, as the fuzz target calls it (a fast
 *    run: both sides, the oracle, the drain, teardown), per input and step;
 * 3. model: a fresh struct cfm (cfm_init) and cfm_apply() of the stream;
 * 4. runtime: a fresh runtime (cfr_create, cfr_destroy after) and the
 *    stream applied through the harness's runtime view (cfh_rt_apply,
 *    which turns each operation into its cfr_* call).
 * Each of 2-4 goes over the whole corpus once per round; the figure is the
 * median round. ns/step and ns/op are that round's time over the number of
 * operations (input steps plus drain steps). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "decode.h"
#include "engine.h"
#include "rtview.h"

/* The same bound as the engine's: a drain never takes longer. */
#define DRAIN_LIMIT 100000

struct input {
	char *path;
	uint8_t *data;
	size_t size;
	struct cfh_setup setup;
	struct cfm_op *ops; /* input steps, then drain steps */
	size_t nops, steps;
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "cancelfuzz-bench: out of memory\n");
		exit(1);
	}
	return p;
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static bool read_file(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;
	do {
		if (len == cap)
			buf = xrealloc(buf, cap = cap ? 2 * cap : 4096);
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	*data = buf;
	*size = len;
	return true;
}

/* The paths named on the command line, a directory by its files. */
static char **list_paths(char **args, int nargs, size_t *count)
{
	char **paths = NULL;
	size_t n = 0;
	for (int i = 0; i < nargs; i++) {
		struct stat st;
		DIR *dir;
		if (stat(args[i], &st) == 0 && S_ISDIR(st.st_mode) &&
		    (dir = opendir(args[i])) != NULL) {
			size_t first = n;
			struct dirent *de;
			while ((de = readdir(dir)) != NULL) {
				if (de->d_name[0] == '.')
					continue;
				size_t len = strlen(args[i]) +
				             strlen(de->d_name) + 2;
				paths = xrealloc(paths, (n + 1) * sizeof(*paths));
				paths[n] = xrealloc(NULL, len);
				snprintf(paths[n++], len, "%s/%s", args[i],
				         de->d_name);
			}
			closedir(dir);
			qsort(paths + first, n - first, sizeof(*paths),
			      cmp_str);
		} else {
			paths = xrealloc(paths, (n + 1) * sizeof(*paths));
			paths[n] = xrealloc(NULL, strlen(args[i]) + 1);
			strcpy(paths[n++], args[i]);
		}
	}
	*count = n;
	return paths;
}

/* Records the stream cfh_run takes for the input: decoded against the
 * model as it goes, then the model's drain. */
static void record(struct input *in, struct cfm *m)
{
	struct cfh_decoder d;
	struct cfm_op op;
	bool misuse;
	size_t cap = 0;
	cfh_decode_begin(&d, in->data, in->size);
	in->setup = d.setup;
	if (cfm_init(m, &d.setup.caps) != CFM_OK) {
		fprintf(stderr, "cancelfuzz-bench: %s: bad caps\n", in->path);
		exit(1);
	}
	for (int phase = 0; phase < 2; phase++) {
		for (size_t drained = 0;
		     phase == 0 ? cfh_decode_next(&d, m, &op, &misuse)
		                : cfm_drain_next(m, &op);) {
			if (phase == 1 && ++drained > DRAIN_LIMIT)
				break;
			if (in->nops == cap)
				in->ops = xrealloc(in->ops, (cap = cap ? 2 * cap
				                                       : 256) *
				                                sizeof(op));
			in->ops[in->nops++] = op;
			cfm_apply(m, &op);
		}
		if (phase == 0)
			in->steps = in->nops;
	}
}

static void run_model(const struct input *in, struct cfm *m)
{
	cfm_init(m, &in->setup.caps);
	for (size_t i = 0; i < in->nops; i++)
		cfm_apply(m, &in->ops[i]);
}

static void run_runtime(const struct input *in)
{
	/* The view without its snapshot buffers: only cfh_rt_apply is used. */
	struct cfh_rt v;
	const struct cfm_config *c = &in->setup.caps;
	struct cfr_config rc = {.instances = c->instances,
	                        .max_tasks = c->max_tasks,
	                        .max_handles = c->max_handles,
	                        .max_resources = c->max_resources,
	                        .max_keys = c->max_keys};
	memset(&v, 0, sizeof(v));
	if (cfr_create(&rc, &v.rt) != CFR_OK) {
		fprintf(stderr, "cancelfuzz-bench: %s: the runtime refuses "
		                "the caps\n", in->path);
		exit(1);
	}
	for (size_t i = 0; i < in->nops; i++)
		cfh_rt_apply(&v, &in->ops[i]);
	cfh_rt_fini(&v);
}

enum what { HARNESS, MODEL, RUNTIME };

/* One round: every input once; returns the nanoseconds it took. */
static double round_ns(enum what w, const struct input *ins, size_t n,
                       struct cfm *m)
{
	double t0 = now_ns();
	for (size_t i = 0; i < n; i++) {
		switch (w) {
		case HARNESS:
			(void)cfh_check(ins[i].data, ins[i].size, true, 0,
			                NULL);
			break;
		case MODEL:
			run_model(&ins[i], m);
			break;
		case RUNTIME:
			run_runtime(&ins[i]);
			break;
		}
	}
	return now_ns() - t0;
}

int main(int argc, char **argv)
{
	const char *json = NULL;
	int rounds = 5, first = 1;
	for (; first < argc && argv[first][0] == '-'; first++) {
		if (strcmp(argv[first], "--json") == 0 && first + 1 < argc)
			json = argv[++first];
		else if (strcmp(argv[first], "--rounds") == 0 &&
		         first + 1 < argc && atoi(argv[first + 1]) > 0)
			rounds = atoi(argv[++first]);
		else
			break;
	}
	if (first >= argc || argv[first][0] == '-') {
		fprintf(stderr, "usage: %s [--rounds N] [--json FILE] "
		                "FILE|DIR...\n", argv[0]);
		return 2;
	}

	size_t n;
	char **paths = list_paths(argv + first, argc - first, &n);
	struct input *ins = xrealloc(NULL, n * sizeof(*ins));
	struct cfm *m = xrealloc(NULL, sizeof(*m));
	size_t ops = 0, steps = 0, bytes = 0;
	for (size_t i = 0; i < n; i++) {
		struct input *in = &ins[i];
		memset(in, 0, sizeof(*in));
		in->path = paths[i];
		if (!read_file(in->path, &in->data, &in->size)) {
			perror(in->path);
			return 1;
		}
		record(in, m);
		/* The recorded stream must be the one the harness runs. */
		struct cfh_source src = {.data = in->data, .size = in->size};
		struct cfh_options opts = {.diff = true};
		struct cfh_outcome out;
		cfh_run(&src, &opts, &out, stderr);
		if (out.finding.cls != CFH_NONE ||
		    out.steps + out.drain_steps != in->nops) {
			fprintf(stderr,
			        "cancelfuzz-bench: %s: the harness ran %u+%u "
			        "steps (%s), the recording has %zu\n",
			        in->path, out.steps, out.drain_steps,
			        cfh_class_name(out.finding.cls), in->nops);
			return 1;
		}
		ops += in->nops;
		steps += in->steps;
		bytes += in->size;
	}
	if (ops == 0) {
		fprintf(stderr, "cancelfuzz-bench: no operations\n");
		return 1;
	}

	static const char *const names[] = {"harness", "model", "runtime"};
	double median[3];
	double *t = xrealloc(NULL, (size_t)rounds * sizeof(*t));
	for (int w = 0; w < 3; w++) {
		(void)round_ns((enum what)w, ins, n, m); /* warm-up */
		for (int r = 0; r < rounds; r++)
			t[r] = round_ns((enum what)w, ins, n, m);
		qsort(t, (size_t)rounds, sizeof(*t), cmp_double);
		median[w] = t[rounds / 2] / (double)ops;
	}
	double h = median[HARNESS], mo = median[MODEL], rt = median[RUNTIME];
	printf("%zu inputs, %zu bytes, %zu operations (%zu input steps, "
	       "%zu drain steps), median of %d rounds\n",
	       n, bytes, ops, steps, ops - steps, rounds);
	for (int w = 0; w < 3; w++)
		printf("%-8s %10.1f ns/%s\n", names[w], median[w],
		       w == HARNESS ? "step" : "op");
	printf("harness / (model + runtime): %.2f\n", h / (mo + rt));
	printf("harness / runtime:           %.2f\n", h / rt);
	printf("model / runtime:             %.2f\n", mo / rt);
	if (json) {
		FILE *f = fopen(json, "w");
		if (!f) {
			perror(json);
			return 1;
		}
		fprintf(f,
		        "{\"inputs\": %zu, \"bytes\": %zu, \"operations\": %zu, "
		        "\"input_steps\": %zu, \"drain_steps\": %zu, "
		        "\"rounds\": %d,\n"
		        " \"harness_ns_per_step\": %.2f, "
		        "\"model_ns_per_op\": %.2f, "
		        "\"runtime_ns_per_op\": %.2f,\n"
		        " \"harness_over_model_plus_runtime\": %.3f, "
		        "\"harness_over_runtime\": %.3f, "
		        "\"model_over_runtime\": %.3f}\n",
		        n, bytes, ops, steps, ops - steps, rounds, h, mo, rt,
		        h / (mo + rt), h / rt, mo / rt);
		fclose(f);
	}
	for (size_t i = 0; i < n; i++) {
		free(ins[i].path);
		free(ins[i].data);
		free(ins[i].ops);
	}
	free(paths);
	free(ins);
	free(m);
	free(t);
	return 0;
}

/* bench.c - operations per second of the runtime alone, at 1k, 10k and
 * 100k live tasks, in a steady mix of calls, cancels, runs, returns, exits
 * and drops. Not a test: it prints numbers (and writes JSON with --json).
 *
 * Each round: the host calls instance 1 (a new READY task at the tail);
 * every other round it cancels that call at once (the task becomes
 * PENDING_CANCEL and keeps its place); the host runs the queue's head,
 * which returns (completion wins any pending cancel) and exits; the host
 * drops the head's resolved subtask. Live tasks stay at the chosen size. */
#define _POSIX_C_SOURCE 200809L
#include "cfr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void must(enum cfr_err err, const char *what)
{
	if (err != CFR_OK) {
		fprintf(stderr, "bench: %s: %s\n", what, cfr_strerror(err));
		exit(1);
	}
}

struct result {
	uint32_t live;
	unsigned long long ops;
	double seconds, ns_per_op;
};

/* Handles of the host's calls, in call order: the run queue's order. */
struct ring {
	uint32_t *h;
	uint32_t head, len, cap;
};

static void ring_push(struct ring *r, uint32_t h)
{
	r->h[(r->head + r->len++) % r->cap] = h;
}

static uint32_t ring_pop(struct ring *r)
{
	uint32_t h = r->h[r->head];
	r->head = (r->head + 1) % r->cap;
	r->len--;
	return h;
}

static struct result bench_size(uint32_t live, unsigned long long rounds)
{
	struct cfr_config cfg = {
	    .instances = 2,
	    .max_tasks = live + 16,
	    .max_handles = live + 16,
	    .max_resources = 1,
	    .max_keys = 1,
	    .pool_chunk = 1024,
	};
	struct cfr *rt;
	struct cfr_slot *slots = calloc(live + 16, sizeof(*slots));
	struct ring ring = {calloc(live + 16, sizeof(uint32_t)), 0, 0,
	                    live + 16};
	struct cfr_call_result cr;
	struct cfr_event ev;
	enum cfr_status st;
	uint32_t task;
	if (!slots || !ring.h) {
		fprintf(stderr, "bench: out of memory\n");
		exit(1);
	}
	must(cfr_create(&cfg, &rt), "create");
	for (uint32_t i = 0; i < live; i++) {
		must(cfr_call(rt, CFR_HOST, 1, NULL, &slots[i], &cr), "call");
		ring_push(&ring, cr.handle);
	}

	unsigned long long ops = 0;
	double start = now_seconds();
	for (unsigned long long r = 0; r < rounds; r++) {
		must(cfr_call(rt, CFR_HOST, 1, NULL,
		              &slots[ring.len % (live + 16)], &cr),
		     "call");
		ring_push(&ring, cr.handle);
		ops++;
		if (r & 1) {
			must(cfr_subtask_cancel(rt, CFR_HOST, cr.handle, &st),
			     "cancel");
			ops++;
		}
		must(cfr_run(rt, CFR_HOST, 0, &task, &ev), "run");
		must(cfr_task_return(rt, task, CFR_KIND_OK, 1), "return");
		must(cfr_exit(rt, task), "exit");
		must(cfr_subtask_drop(rt, CFR_HOST, ring_pop(&ring)), "drop");
		ops += 4;
	}
	double seconds = now_seconds() - start;
	if (cfr_counts(rt).tasks != live) {
		fprintf(stderr, "bench: the mix was not steady\n");
		exit(1);
	}
	cfr_destroy(&rt);
	free(slots);
	free(ring.h);
	return (struct result){live, ops, seconds, seconds * 1e9 / (double)ops};
}

int main(int argc, char **argv)
{
	static const uint32_t sizes[] = {1000, 10000, 100000};
	const char *json = NULL;
	unsigned long long rounds = 2000000;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0 && i + 1 < argc)
			json = argv[++i];
		else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			rounds = strtoull(argv[++i], NULL, 10);
		else {
			fprintf(stderr,
			        "usage: %s [--rounds N] [--json FILE]\n",
			        argv[0]);
			return 2;
		}
	}
	struct result res[3];
	printf("%10s %12s %10s %12s\n", "live", "ops", "ns/op", "ops/s");
	for (int i = 0; i < 3; i++) {
		res[i] = bench_size(sizes[i], rounds);
		printf("%10u %12llu %10.1f %12.0f\n", res[i].live, res[i].ops,
		       res[i].ns_per_op, 1e9 / res[i].ns_per_op);
	}
	double ratio = res[2].ns_per_op / res[0].ns_per_op;
	printf("ns/op at 100k / at 1k: %.2f\n", ratio);
	if (json) {
		FILE *f = fopen(json, "w");
		if (!f) {
			perror(json);
			return 1;
		}
		fprintf(f, "{\n  \"benchmark\": \"runtime-steady-mix\",\n"
		           "  \"rounds\": %llu,\n  \"sizes\": [\n",
		        rounds);
		for (int i = 0; i < 3; i++)
			fprintf(f,
			        "    {\"live_tasks\": %u, \"ops\": %llu, "
			        "\"seconds\": %.6f, \"ns_per_op\": %.2f}%s\n",
			        res[i].live, res[i].ops, res[i].seconds,
			        res[i].ns_per_op, i < 2 ? "," : "");
		fprintf(f, "  ],\n  \"ratio_100k_to_1k\": %.3f\n}\n", ratio);
		fclose(f);
	}
	return 0;
}

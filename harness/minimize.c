/* minimize.c - shrinks a finding to the smallest scenario that still gives
 * the same signature, each candidate judged in a fresh process. */
#define _POSIX_C_SOURCE 200809L
#include "minimize.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs ops in a forked child and puts its signature ("class:operation", or
 * "none") into sig. A child that dies without answering (a sanitizer
 * report, a signal) gives "crash". A fresh process per candidate keeps one
 * candidate's damage out of the next one's verdict. */
static void signature_of(const struct cfh_minimize *mz, const struct cfm_op *ops,
                         size_t n, const struct cfh_setup *su, char *sig,
                         size_t size)
{
	static const struct cfm_op no_ops[1];
	int fd[2];
	snprintf(sig, size, "crash");
	if (pipe(fd) != 0)
		return;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return;
	}
	if (pid == 0) {
		struct cfh_source src = {.setup = su, .ops = n ? ops : no_ops,
		                         .nops = n};
		struct cfh_options o = {.diff = mz->diff,
		                        .every_step = true,
		                        .mutant = mz->mutant};
		struct cfh_outcome out;
		char buf[80] = "none";
		close(fd[0]);
		cfh_run(&src, &o, &out, NULL);
		if (out.finding.cls != CFH_NONE)
			cfh_signature(&out.finding, buf, sizeof(buf));
		ssize_t w = write(fd[1], buf, strlen(buf));
		_exit(w < 0);
	}
	close(fd[1]);
	size_t len = 0;
	ssize_t got;
	while (len + 1 < size &&
	       (got = read(fd[0], sig + len, size - 1 - len)) > 0)
		len += (size_t)got;
	close(fd[0]);
	int status;
	waitpid(pid, &status, 0);
	if (len == 0 || !WIFEXITED(status))
		snprintf(sig, size, "crash");
	else
		sig[len] = '\0';
}

static bool same(struct cfh_minimize *mz, const struct cfm_op *ops, size_t n,
                 const struct cfh_setup *su)
{
	char sig[80];
	mz->checks++;
	signature_of(mz, ops, n, su, sig, sizeof(sig));
	return strcmp(sig, mz->signature) == 0;
}

/* Delta debugging over the operation list: remove chunks while the
 * signature holds, halving the chunk when nothing at that size goes. */
static void drop_operations(struct cfh_minimize *mz, struct cfm_op *ops,
                            size_t *n, struct cfm_op *scratch)
{
	size_t chunk = *n / 2 ? *n / 2 : 1;
	while (chunk >= 1 && *n > 0) {
		bool removed = false;
		for (size_t start = 0; start < *n;) {
			size_t len = start + chunk <= *n ? chunk : *n - start;
			size_t m = 0;
			for (size_t i = 0; i < *n; i++)
				if (i < start || i >= start + len)
					scratch[m++] = ops[i];
			if (same(mz, scratch, m, &mz->setup)) {
				memcpy(ops, scratch, m * sizeof(*ops));
				*n = m;
				removed = true;
			} else {
				start += len;
			}
		}
		if (!removed)
			chunk /= 2;
	}
}

/* Smaller arguments, one at a time: call options dropped, values to 0,
 * ticks and deadlines to 1, run positions and keys to 0. */
static void shrink_arguments(struct cfh_minimize *mz, struct cfm_op *ops,
                             size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool *options[] = {&ops[i].shared, &ops[i].has_deadline};
		for (size_t f = 0; f < sizeof(options) / sizeof(options[0]); f++) {
			if (!*options[f])
				continue;
			struct cfm_op was = ops[i];
			*options[f] = false;
			ops[i].key = options[f] == &ops[i].shared ? 0 : ops[i].key;
			ops[i].deadline =
			    options[f] == &ops[i].has_deadline ? 0 : ops[i].deadline;
			if (!same(mz, ops, n, &mz->setup))
				ops[i] = was;
		}
		uint32_t *fields[] = {&ops[i].value, &ops[i].key,
		                      &ops[i].deadline, &ops[i].n};
		for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
			uint32_t small = fields[f] == &ops[i].value ||
			                         fields[f] == &ops[i].key ||
			                         (ops[i].code == CFM_OP_RUN &&
			                          fields[f] == &ops[i].n)
			                     ? 0
			                     : 1;
			if (*fields[f] <= small)
				continue;
			uint32_t was = *fields[f];
			*fields[f] = small;
			if (!same(mz, ops, n, &mz->setup))
				*fields[f] = was;
		}
	}
}

/* The features the operations use (for the binary format), keeping misuse
 * if the input had it. */
static uint32_t used_features(const struct cfm_op *ops, size_t n,
                              uint32_t had)
{
	uint32_t f = had & CFH_F_MISUSE;
	for (size_t i = 0; i < n; i++) {
		if (ops[i].shared)
			f |= CFH_F_SHARED;
		if (ops[i].has_deadline || ops[i].code == CFM_OP_TICK)
			f |= CFH_F_DEADLINES;
		if (ops[i].code == CFM_OP_RESOURCE_NEW ||
		    ops[i].code == CFM_OP_RESOURCE_DROP)
			f |= CFH_F_RESOURCES;
		if (ops[i].code == CFM_OP_BACKPRESSURE)
			f |= CFH_F_BACKPRESSURE;
	}
	return f;
}

int cfh_minimize(struct cfh_minimize *mz, const struct cfh_scenario *in,
                 struct cfh_scenario *out)
{
	size_t n = in->nops;
	struct cfm_op *ops = malloc((n ? n : 1) * sizeof(*ops));
	struct cfm_op *scratch = malloc((n ? n : 1) * sizeof(*scratch));
	memset(out, 0, sizeof(*out));
	if (!ops || !scratch) {
		free(ops);
		free(scratch);
		return -1;
	}
	memcpy(ops, in->ops, n * sizeof(*ops));
	mz->setup = in->setup;
	mz->before = n;
	signature_of(mz, ops, n, &mz->setup, mz->signature,
	             sizeof(mz->signature));
	if (strcmp(mz->signature, "none") == 0) {
		free(ops);
		free(scratch);
		return 1; /* nothing to keep */
	}

	drop_operations(mz, ops, &n, scratch);
	shrink_arguments(mz, ops, n);
	/* Fewer instances, while the signature holds. */
	while (mz->setup.caps.instances > 2) {
		struct cfh_setup fewer = mz->setup;
		fewer.caps.instances--;
		if (!same(mz, ops, n, &fewer))
			break;
		mz->setup = fewer;
	}
	mz->setup.features = used_features(ops, n, mz->setup.features);
	mz->after = n;
	free(scratch);

	/* The result: the operations with the model's results beside them. */
	struct cfm *m = malloc(sizeof(*m));
	out->results = calloc(n ? n : 1, sizeof(*out->results));
	if (!m || !out->results || cfm_init(m, &mz->setup.caps) != CFM_OK) {
		free(m);
		free(ops);
		cfh_scenario_free(out);
		return -1;
	}
	out->version = CFH_SCENARIO_VERSION;
	out->setup = mz->setup;
	out->ops = ops;
	out->nops = n;
	for (size_t i = 0; i < n; i++) {
		char text[128];
		struct cfm_result r = cfm_apply(m, &ops[i]);
		out->results[i] =
		    strdup(cfm_result_format(&ops[i], &r, text, sizeof(text)));
	}
	free(m);
	char *colon = strchr(mz->signature, ':');
	char cls[40];
	snprintf(cls, sizeof(cls), "%.*s",
	         (int)(colon ? colon - mz->signature : 0), mz->signature);
	int c = cfh_class_from_name(cls);
	out->expect = c < 0 ? CFH_CRASH : (enum cfh_class)c;
	return 0;
}

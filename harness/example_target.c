/* example_target.c - cancelfuzz-example-target: the smallest target of the
 * protocol (harness/PROTOCOL.md), and the one the harness tests itself on.
 *
 * Its "runtime" is the cm model: every operation is applied to it, each
 * choice the spec leaves open is taken from the run's CHOICES bytes, as a
 * real runtime's scheduler would take them from its random source, and the
 * facts are what the outcome looks like from outside (cfh_remote_expect).
 * Like a real runtime it runs ready tasks on its own whenever no task is
 * running. Against the harness it can never diverge, so every finding it
 * provokes comes from a planted bug (--mutant), one per finding class:
 *
 *   late_publication   a result slot changes after its delivery
 *   wrong_result       a delivered value is off by one
 *   double_settlement  a host call settles twice
 *   stalled            ready tasks are left waiting once the host acts
 *   target_crash       the process exits at the 5th operation
 *   target_hang        the process stops answering at the 5th operation
 *   protocol           the 5th answer is not the protocol
 *
 * --ops OP,OP,... makes it declare fewer operations in its hello line and
 * refuse the others, to prove the harness never sends them.
 *
 * A new target in another language needs what this file does: say hello,
 * read a line, do it, print the facts, flush.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfm_cm.h"
#include "remote.h"

#define MUTANTS(X)                                                             \
	X(late_publication)                                                    \
	X(wrong_result)                                                        \
	X(double_settlement)                                                   \
	X(stalled)                                                             \
	X(target_crash)                                                        \
	X(target_hang)                                                         \
	X(protocol)

#define ENUM_MUTANT(name) M_##name,
enum mutant { M_none, MUTANTS(ENUM_MUTANT) };
#define NAME_MUTANT(name) #name,
static const char *const mutant_names[] = {"none", MUTANTS(NAME_MUTANT)};

struct target {
	enum mutant mutant;
	uint32_t ops; /* the operations it says it supports (--ops) */
	struct cfm_cm m;
	struct cfh_remote_value values[CFH_REMOTE_MAX_IDS + 1];
	uint8_t choices[256];
	size_t nchoices, used;
	unsigned count; /* operations taken since the process started */
	bool trapped, running;
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* The runtime's choice among n outcomes. */
static uint32_t choose(struct target *t, size_t n)
{
	if (n < 2)
		return 0;
	uint8_t b = t->used < t->nchoices ? t->choices[t->used] : 0;
	t->used += t->used < t->nchoices;
	return (uint32_t)(b % n);
}

/* Applies op with the runtime's choice and prints what it looks like. */
static void step(struct target *t, const struct cfm_cm_op *op)
{
	struct cfm_cm_outcome all[CFM_CM_MAX_OUTCOMES], o;
	struct cfh_remote_expect e;
	size_t n = cfm_cm_allowed(&t->m, op, all, CFM_CM_MAX_OUTCOMES);
	uint32_t c = choose(t, n);
	if (!cfh_remote_expect(&t->m, op, &all[c], t->values, &e)) {
		say("error the operation is not one the spec knows here");
		exit(2);
	}
	cfm_cm_apply(&t->m, op, NULL, c, &o);
	for (size_t k = 0; k < e.n; k++) {
		if (strcmp(e.line[k], "trap") == 0) {
			say("trap %s", cfm_cm_trap_text(o.trap));
			t->trapped = true;
			continue;
		}
		if (t->mutant == M_wrong_result &&
		    strncmp(e.line[k], "value ", 6) == 0) {
			uint32_t m, v;
			char kind[8];
			sscanf(e.line[k], "value T%u %7s %u", &m, kind, &v);
			say("value T%u %s %u", m, kind, v + 1);
			continue;
		}
		say("%s", e.line[k]);
		if (t->mutant == M_late_publication &&
		    strncmp(e.line[k], "value ", 6) == 0)
			say("late T%s slot changed after delivery",
			    e.line[k] + 7);
	}
	if (op->code == CFM_CM_OP_TASK_RETURN && o.what == CFM_CM_OK &&
	    op->actor <= CFH_REMOTE_MAX_IDS) {
		struct cfh_remote_value *v = &t->values[op->actor];
		v->returned = true;
		v->kind = op->kind;
		v->v = op->value;
	}
}

/* A host call settles when its task has returned and exited. */
static void settle(struct target *t)
{
	for (uint32_t n = 1; n <= t->m.next_task_id && n <= CFH_REMOTE_MAX_IDS;
	     n++) {
		struct cfh_remote_value *v = &t->values[n];
		if (v->host && v->returned && !v->settled &&
		    !cfm_cm_task_get(&t->m, n)) {
			v->settled = true;
			say("resolved T%u %s %u", n, cfm_kind_name(v->kind),
			    v->v);
			if (t->mutant == M_double_settlement)
				say("resolved T%u %s %u", n,
				    cfm_kind_name(v->kind), v->v);
		}
	}
}

/* Runs what is ready while no task runs, then says who decides. */
static void schedule(struct target *t)
{
	struct cfm_cm_op run = {.code = CFM_CM_OP_RUN, .actor = CFM_HOST};
	struct cfm_cm_outcome o;
	while (!t->trapped && t->m.active == 0 &&
	       !(t->mutant == M_stalled && t->count > 2) &&
	       cfm_cm_allowed(&t->m, &run, &o, 1) == 1 &&
	       o.what != CFM_CM_ERR) {
		step(t, &run);
		settle(t);
	}
	settle(t);
	if (t->trapped)
		return;
	if (t->m.active)
		say("ask T%u", t->m.active);
	else
		say("idle");
}

static void reset(struct target *t, const char *line)
{
	unsigned n, max;
	char hex[600];
	if (sscanf(line, "reset %u %u %599s", &n, &max, hex) != 3) {
		say("error reset N MAX_TASKS CHOICES");
		exit(2);
	}
	struct target keep = *t;
	memset(t, 0, sizeof(*t));
	t->mutant = keep.mutant;
	t->ops = keep.ops;
	t->count = keep.count;
	struct cfm_config cfg = {n, max, 0, 0, 0};
	if (cfm_cm_init(&t->m, &cfg) != CFM_OK) {
		say("error instances 2..8, max_tasks 1..32");
		exit(2);
	}
	for (size_t k = 0; strcmp(hex, "-") && hex[2 * k] && hex[2 * k + 1] &&
	                   k < sizeof(t->choices);
	     k++) {
		unsigned b;
		sscanf(hex + 2 * k, "%2x", &b);
		t->choices[t->nchoices++] = (uint8_t)b;
	}
	t->running = true;
	say("ready");
	schedule(t);
}

static void operation(struct target *t, const char *line)
{
	struct cfm_cm_op op;
	char text[CFH_REMOTE_FACT];
	unsigned k = 0;
	/* A line is at most CFH_REMOTE_FACT - 1 bytes (PROTOCOL.md). */
	size_t len = strnlen(line, sizeof(text) - 1);
	memcpy(text, line, len);
	text[len] = '\0';
	char *call = strstr(text, " call ");
	if (call) {
		/* "call J K": K is the new task's id, the model's next one. */
		char *last = strrchr(text, ' ');
		if (last > call + 5) {
			k = (unsigned)strtoul(last + 1, NULL, 10);
			*last = '\0';
		}
	}
	const char *why = cfm_cm_op_parse(text, &op);
	if (why || (call && k != t->m.next_task_id + 1)) {
		say("error '%s': %s", line, why ? why : "wrong task id");
		exit(2);
	}
	if (op.actor != CFM_HOST && !(t->ops >> op.code & 1)) {
		say("error '%s': not an operation this target supports", line);
		exit(2);
	}
	if (++t->count == 5) {
		if (t->mutant == M_target_crash)
			exit(3);
		if (t->mutant == M_target_hang)
			for (;;)
				pause();
		if (t->mutant == M_protocol) {
			say("something else entirely");
			return;
		}
	}
	if (op.code == CFM_CM_OP_CALL && op.actor == CFM_HOST &&
	    t->m.next_task_id + 1 <= CFH_REMOTE_MAX_IDS)
		t->values[t->m.next_task_id + 1].host = true;
	step(t, &op);
	schedule(t);
}

static void finish(struct target *t)
{
	/* The host's own calls are promises, not a table: not counted. */
	struct cfm_cm_counts c = cfm_cm_counts(&t->m);
	uint32_t subtasks = 0;
	for (size_t k = 0; k < CFM_CM_MAX_SUBTASKS; k++)
		subtasks += t->m.subtasks[k].live && t->m.subtasks[k].handle &&
		            t->m.subtasks[k].instance != 0;
	if (c.tasks)
		say("held tasks %u", c.tasks);
	if (subtasks)
		say("held subtasks %u", subtasks);
	if (c.sets)
		say("held sets %u", c.sets);
	say("done %zu", t->used);
	t->running = false;
}

int main(int argc, char **argv)
{
	static struct target t;
	char line[CFH_REMOTE_FACT + 2], ops[200] = "";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--mutant") == 0 && i + 1 < argc) {
			size_t k = 0;
			while (k < sizeof(mutant_names) / sizeof(*mutant_names) &&
			       strcmp(mutant_names[k], argv[i + 1]))
				k++;
			if (k == sizeof(mutant_names) / sizeof(*mutant_names)) {
				fprintf(stderr, "unknown mutant '%s'\n",
				        argv[i + 1]);
				return 2;
			}
			t.mutant = (enum mutant)k;
			i++;
		} else if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc) {
			/* Say fewer operations are supported: the harness must
			 * then never send the others. */
			snprintf(ops, sizeof(ops), "%s", argv[++i]);
		} else if (strcmp(argv[i], "--list-mutants") == 0) {
			for (size_t k = 1;
			     k < sizeof(mutant_names) / sizeof(*mutant_names);
			     k++)
				puts(mutant_names[k]);
			return 0;
		} else {
			fprintf(stderr, "usage: %s [--mutant NAME] [--ops "
			                "OP,OP...] | --list-mutants\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	t.ops = (1u << CFM_CM_OPCODE_COUNT) - 1;
	if (ops[0]) {
		char copy[200];
		snprintf(copy, sizeof(copy), "%s", ops);
		t.ops = 0;
		for (char *w = strtok(copy, ","); w; w = strtok(NULL, ",")) {
			int k = 0;
			while (k < CFM_CM_OPCODE_COUNT &&
			       strcmp(cfm_cm_opcode_name((enum cfm_cm_opcode)k),
			              w))
				k++;
			t.ops |= k < CFM_CM_OPCODE_COUNT ? 1u << k : 0;
		}
	}
	say("hello example %d misuse%s%s", CFM_MAX_INSTANCES,
	    ops[0] ? " ops=" : "", ops);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "reset ", 6) == 0)
			reset(&t, line);
		else if (strcmp(line, "end") == 0)
			finish(&t);
		else if (strcmp(line, "quit") == 0)
			return 0;
		else if (t.running && !t.trapped)
			operation(&t, line);
		else {
			say("error '%s' outside a run", line);
			return 2;
		}
		fflush(stdout);
	}
	return 0;
}

/* engine.c - steps in lockstep, the drain, teardown and the oracle. */
#include "engine.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "oracle.h"

#define NAME_CLASS(name, text) text,
static const char *const class_names[] = {CFH_CLASSES(NAME_CLASS)};
#undef NAME_CLASS

const char *cfh_class_name(enum cfh_class c)
{
	return (size_t)c < sizeof(class_names) / sizeof(class_names[0])
	           ? class_names[c]
	           : "?";
}

int cfh_class_from_name(const char *text)
{
	for (size_t i = 0; i < sizeof(class_names) / sizeof(class_names[0]);
	     i++)
		if (strcmp(class_names[i], text) == 0)
			return (int)i;
	return -1;
}

char *cfh_signature(const struct cfh_finding *f, char *buf, size_t size)
{
	snprintf(buf, size, "%s:%s", cfh_class_name(f->cls), f->op);
	return buf;
}

/* The longest a drain may take before the harness calls it stuck: far more
 * than any drain of a run within the format's caps needs. */
#define DRAIN_LIMIT 100000u
#define RING 10

struct past {
	uint32_t step;
	struct cfm_op op;
	struct cfm_result model, rt;
};

struct engine {
	const struct cfh_options *opts;
	const struct cfh_target *t; /* the runtime, through its table only */
	bool oracle_on;  /* the target tells notices: the oracle follows it */
	uint32_t skipped; /* checks its missing parts switch off */
	uint32_t ops;       /* the target's caps.ops, at hand for each step */
	uint32_t max_calls; /* calls one run may make */
	struct cfh_setup setup;
	struct cfh_alloc alloc;
	struct cfh_lockstep ls;
	struct cfh_oracle oracle; /* the model-free half */
	struct past ring[RING];
	uint32_t step;
	const char *phase; /* NULL while running input steps */
	uint64_t hash;
	struct cfh_finding finding;
	char limit[128]; /* why the harness stopped early, if it did */
};

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void flag(struct engine *e, enum cfh_class cls, const char *fmt, ...)
{
	va_list ap;
	if (e->finding.cls != CFH_NONE)
		return; /* the first finding is the one reported */
	e->finding.cls = cls;
	e->finding.step = e->step;
	snprintf(e->finding.op, sizeof(e->finding.op), "%s",
	         e->phase ? e->phase
	                  : cfm_opcode_name(e->ring[e->step % RING].op.code));
	va_start(ap, fmt);
	vsnprintf(e->finding.detail, sizeof(e->finding.detail), fmt, ap);
	va_end(ap);
}

/* Takes the oracle's first finding, unless the run is judged without it.
 * Its own bookkeeping running out of room is the harness's limit. */
static void take_oracle(struct engine *e)
{
	if (e->oracle.out_of_memory) {
		/* Its bookkeeping is incomplete from here: no judgement. */
		if (!e->limit[0])
			snprintf(e->limit, sizeof(e->limit),
			         "out of memory for the oracle's bookkeeping");
		return;
	}
	if (e->oracle.cls != CFH_NONE && !e->opts->no_invariants)
		flag(e, e->oracle.cls, "%s", e->oracle.detail);
}

/* Stops the run short for a limit of the harness: not a finding. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void tool_limit(struct engine *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->limit, sizeof(e->limit), fmt, ap);
	va_end(ap);
	if (e->opts->trace)
		fprintf(e->opts->trace, "harness limit: %s\n", e->limit);
}

/* ---- one step ---- */

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return (h ^ '\n') * 0x100000001b3ull;
}

static void print_step(FILE *out, const struct past *p)
{
	char op[96], mr[96], rr[96];
	cfm_op_format(&p->op, op, sizeof(op));
	cfm_result_format(&p->op, &p->model, mr, sizeof(mr));
	cfm_result_format(&p->op, &p->rt, rr, sizeof(rr));
	if (strcmp(mr, rr) == 0)
		fprintf(out, "%5u  %-36s => %s\n", p->step, op, mr);
	else
		fprintf(out, "%5u  %-36s => model %s, runtime %s\n", p->step,
		        op, mr, rr);
}

/* One operation on both sides, and the oracle around it. Returns false,
 * without applying op, if the harness cannot follow it (a tool limit). */
static bool step(struct engine *e, const struct cfm_op *op)
{
	if ((unsigned)op->code >= CFM_OPCODE_COUNT ||
	    !(e->ops & CFH_OP_BIT(op->code))) {
		tool_limit(e, "target %s does not take %s; the input stops here",
		           e->t->name, cfm_opcode_name(op->code));
		return false;
	}
	if (op->code == CFM_OP_CALL &&
	    (e->ls.calls >= e->max_calls ||
	     (e->t->reserve_slot &&
	      !e->t->reserve_slot(e->ls.rt, e->ls.calls + 1)))) {
		tool_limit(e, "the harness keeps result slots for %u calls per "
		              "run; the input stops here",
		           e->max_calls);
		return false;
	}
	struct past *p = &e->ring[++e->step % RING];
	p->step = e->step;
	p->op = *op;
	if (e->oracle_on)
		cfh_oracle_before(&e->oracle, e->step, op);
	struct cfh_cover_pre pre;
	if (e->opts->cover)
		cfh_cover_contract_before(&e->ls.model, op, &pre);
	bool same = cfh_lockstep_apply(&e->ls, op, &p->model, &p->rt);
	if (e->opts->cover)
		cfh_cover_contract_after(e->opts->cover, &e->ls.model, op, &pre,
		                         &p->model);
	if (e->opts->trace || e->opts->every_step) {
		char op_text[96], mr[96], rr[96];
		cfm_op_format(op, op_text, sizeof(op_text));
		cfm_result_format(op, &p->model, mr, sizeof(mr));
		cfm_result_format(op, &p->rt, rr, sizeof(rr));
		e->hash = fnv(fnv(fnv(e->hash, op_text), mr), rr);
		if (e->opts->trace)
			print_step(e->opts->trace, p);
	}
	/* What the notices showed during the step comes first. */
	take_oracle(e);
	if (e->ls.foreign) /* C-6 */
		flag(e, CFH_DIVERGENCE,
		     "the runtime returned %s, which is no contract error code",
		     e->ls.foreign);
	/* Results are compared before the oracle trusts them (a task id, a
	 * handle). Whole states only with every_step, otherwise once after
	 * the last step and once after the drain; a fast run that finds a
	 * difference is run again with every_step (cfh_check), which names
	 * the first step. */
	if (e->opts->diff && !same)
		flag(e, CFH_DIVERGENCE, "the runtime returned another result");
	if (e->finding.cls != CFH_NONE)
		return true;
	if (e->oracle_on) {
		cfh_oracle_after(&e->oracle, op, &p->rt, &e->ls.rs);
		take_oracle(e);
	}
	if (e->opts->diff && e->opts->every_step &&
	    e->finding.cls == CFH_NONE && !cfh_lockstep_compare(&e->ls, NULL))
		flag(e, CFH_DIVERGENCE, "the states differ after this step");
	return true;
}

/* ---- after the steps ---- */

static void check_after_drain(struct engine *e)
{
	e->phase = "drain";
	/* A target without a snapshot: only what results, notices, slots
	 * and counts show is judged (target.h). */
	bool snap = cfh_lockstep_snapshots(&e->ls);
	cfh_oracle_after_drain(&e->oracle, snap ? &e->ls.rs : NULL,
	                       !e->opts->diff);
	take_oracle(e);
	if (!e->opts->diff)
		return;
	/* C-37: tasks the model has EXITED must not exist. */
	for (uint32_t i = 0; snap && i < e->ls.rs.ntasks; i++) {
		uint32_t id = e->ls.rs.tasks[i].id;
		if (!cfm_task_get(&e->ls.model, id)) {
			flag(e, CFH_LEFT_RUNNING,
			     "T%u (%s/%s) still exists; the model has it EXITED",
			     id, cfm_task_state_name(e->ls.rs.tasks[i].state),
			     cfm_activity_name(e->ls.rs.tasks[i].activity));
			break;
		}
	}
	struct cfm_counts m = cfm_counts(&e->ls.model), r;
	if (e->t->counts && e->t->counts(e->ls.rt, &r) &&
	    (r.tasks > m.tasks || r.subtasks > m.subtasks ||
	    r.handles > m.handles || r.resources > m.resources ||
	     r.keys > m.keys || r.queue > m.queue))
		flag(e, CFH_LEAK,
		     "after the drain the runtime holds tasks %u subtasks %u "
		     "resources %u keys %u queue %u; the model %u %u %u %u %u",
		     r.tasks, r.subtasks, r.resources, r.keys, r.queue, m.tasks,
		     m.subtasks, m.resources, m.keys, m.queue);
	if (snap && !cfh_snapshot_equal(&e->ls.ms, &e->ls.rs))
		flag(e, CFH_DIVERGENCE, "the states differ after the drain");
	/* Calls the drain resolved and freed are in no snapshot: compare
	 * every call's outcome as both sides told it. */
	char detail[200];
	if (e->oracle_on &&
	    !cfh_oracle_compare_outcomes(&e->oracle, detail, sizeof(detail)))
		flag(e, CFH_DIVERGENCE, "%s", detail);
}

static void report(struct engine *e, FILE *out)
{
	char sig[64];
	fprintf(out, "cancelfuzz: finding %s at step %u\n",
	        cfh_signature(&e->finding, sig, sizeof(sig)), e->finding.step);
	fprintf(out, "  %s\n", e->finding.detail);
	if (e->skipped) {
		char text[160];
		fprintf(out, "checks skipped (target %s lacks their parts): %s\n",
		        e->t->name, cfh_checks_text(e->skipped, text, sizeof(text)));
	}
	fprintf(out, "last steps (model and runtime results):\n");
	uint32_t first = e->step >= RING ? e->step - RING + 1 : 1;
	for (uint32_t i = first; i <= e->step; i++)
		print_step(out, &e->ring[i % RING]);
	if (e->opts->diff && e->ls.rt && cfh_lockstep_snapshots(&e->ls)) {
		if (!cfh_snapshot_equal(&e->ls.ms, &e->ls.rs)) {
			fprintf(out, "state difference (- model, + runtime):\n");
			cfh_snapshot_diff(&e->ls.ms, &e->ls.rs, out);
		}
	}
}

static bool next_op(struct engine *e, const struct cfh_source *src,
                    struct cfh_decoder *d, size_t *i, struct cfm_op *op)
{
	bool misuse;
	if (!src->ops)
		return cfh_decode_next(d, &e->ls.model, op, &misuse);
	if (*i >= src->nops)
		return false;
	*op = src->ops[(*i)++];
	return true;
}

void cfh_run(const struct cfh_source *src, const struct cfh_options *opts,
             struct cfh_outcome *out, FILE *report_to)
{
	struct engine *e = malloc(sizeof(*e));
	struct cfh_decoder d;
	struct cfm_op op;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	if (!e) {
		fprintf(stderr, "cancelfuzz: out of memory\n");
		abort();
	}
	memset(e, 0, sizeof(*e));
	e->opts = opts;
	e->t = opts->target ? opts->target : &cfh_target_bundled;
	char why[160];
	if (!cfh_target_check(e->t, why, sizeof(why))) {
		fprintf(stderr, "cancelfuzz: %s\n", why);
		abort();
	}
	e->oracle_on = e->t->caps.notices;
	e->skipped = cfh_target_skipped(e->t);
	e->ops = e->t->caps.ops;
	e->max_calls = opts->max_calls && opts->max_calls < CFH_MAX_CALLS
	                   ? opts->max_calls
	                   : CFH_MAX_CALLS;
	e->hash = 0xcbf29ce484222325ull;
	if (src->ops) {
		e->setup = *src->setup;
	} else {
		/* The decoder generates only what the target takes. */
		cfh_decode_begin(&d, src->data, src->size);
		cfh_decode_restrict(&d, cfh_target_features(e->t),
		                    e->t->caps.ops);
		e->setup = d.setup;
	}
	cfh_alloc_init(&e->alloc, opts->fail_alloc);
	cfh_oracle_init(&e->oracle, &e->ls, opts->diff);
	struct cfh_target_env env = {
	    .allocator = &e->alloc.hooks,
	    .notice = e->oracle_on ? cfh_oracle_notice : NULL,
	    .notice_ctx = &e->oracle,
	    .mutant = opts->mutant};
	if (!cfh_lockstep_init(&e->ls, &e->setup.caps, e->t, &env)) {
		fprintf(stderr, "cancelfuzz: cannot set up the run%s\n",
		        opts->mutant ? " (is this build without mutants?)" : "");
		abort();
	}
	if (e->oracle_on) {
		e->ls.model.observer = cfh_oracle_model_observer;
		e->ls.model.observer_ctx = &e->oracle;
	}

	while (e->finding.cls == CFH_NONE && !e->limit[0] &&
	       next_op(e, src, &d, &i, &op) && step(e, &op))
		;
	out->steps = e->step;
	if (e->finding.cls == CFH_NONE && opts->diff &&
	    !cfh_lockstep_compare(&e->ls, NULL)) {
		e->phase = "end";
		flag(e, CFH_DIVERGENCE, "the states differ after the last step");
	}

	/* C-36: the drain, chosen by the model, applied to both. */
	e->phase = NULL;
	if (opts->trace && e->finding.cls == CFH_NONE)
		fprintf(opts->trace, "drain:\n");
	uint32_t drained = 0;
	bool drained_all = true;
	while (e->finding.cls == CFH_NONE &&
	       cfm_drain_next(&e->ls.model, &op)) {
		/* The model chooses the drain, so a drain that does not end
		 * is the harness's limit, not the runtime's fault. */
		if (++drained > DRAIN_LIMIT) {
			tool_limit(e, "the model's drain took more than %u steps",
			           DRAIN_LIMIT);
			drained_all = false;
			break;
		}
		if (!step(e, &op)) {
			drained_all = false;
			break;
		}
	}
	out->drain_steps = drained;
	if (e->finding.cls == CFH_NONE && drained_all)
		check_after_drain(e);
	if (e->finding.cls != CFH_NONE && report_to)
		report(e, report_to);

	/* Teardown: everything the runtime took must come back. */
	bool clean = e->finding.cls == CFH_NONE;
	cfh_lockstep_fini(&e->ls);
	if (clean && e->t->caps.allocator &&
	    (e->alloc.bytes != 0 || e->alloc.allocs != e->alloc.frees)) {
		e->phase = "teardown";
		flag(e, CFH_LEAK, "%zu bytes in %lu allocations left after teardown",
		     e->alloc.bytes, e->alloc.allocs - e->alloc.frees);
		if (report_to)
			report(e, report_to);
	}
	out->finding = e->finding;
	out->skipped = e->skipped;
	out->trace_hash = e->hash;
	memcpy(out->limit, e->limit, sizeof(out->limit));
	cfh_oracle_fini(&e->oracle);
	free(e);
}

enum cfh_class cfh_check(const uint8_t *data, size_t size, bool diff,
                         uint32_t mutant, FILE *report)
{
	return cfh_check_covered(data, size, diff, mutant, NULL, report);
}

enum cfh_class cfh_check_covered(const uint8_t *data, size_t size, bool diff,
                                 uint32_t mutant,
                                 const struct cfh_cover *cover, FILE *report)
{
	struct cfh_source src = {.data = data, .size = size};
	struct cfh_options fast = {.diff = diff, .mutant = mutant,
	                           .cover = cover};
	struct cfh_outcome out;
	cfh_run(&src, &fast, &out, NULL);
	if (out.finding.cls == CFH_NONE)
		return CFH_NONE;
	/* Found: run again comparing every step, to name the first one. */
	struct cfh_options slow = {.diff = diff, .every_step = true,
	                           .mutant = mutant};
	cfh_run(&src, &slow, &out, report);
	return out.finding.cls;
}

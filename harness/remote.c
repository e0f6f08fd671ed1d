/* remote.c - a cm run against a target process, checked by refinement
 * (see remote.h and harness/PROTOCOL.md). */
#define _POSIX_C_SOURCE 200809L
#include "remote.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cm_check.h"
#include "proc.h"

_Static_assert(CFH_REMOTE_FACT == CFH_PROC_LINE, "a fact is one protocol line");

#define NAME_FINDING(name, id, text) id,
#define TEXT_FINDING(name, id, text) text,
static const char *const finding_names[] = {CFH_REMOTE_FINDINGS(NAME_FINDING)};
static const char *const finding_texts[] = {CFH_REMOTE_FINDINGS(TEXT_FINDING)};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_NODES 20000    /* explanations tried per batch of facts */

const char *cfh_remote_finding_name(enum cfh_remote_finding f)
{
	return (size_t)f < COUNT(finding_names) ? finding_names[f] : "?";
}

int cfh_remote_finding_from_name(const char *name)
{
	for (size_t k = 0; k < COUNT(finding_names); k++)
		if (strcmp(finding_names[k], name) == 0)
			return (int)k;
	return -1;
}

const char *cfh_remote_finding_text(enum cfh_remote_finding f)
{
	return (size_t)f < COUNT(finding_texts) ? finding_texts[f] : "?";
}

struct cfh_remote {
	struct cfh_remote_options opt;
	struct cfh_proc *proc; /* NULL: (re)start at the next run */
	struct cfh_remote_caps caps;
};

const struct cfh_remote_caps *cfh_remote_caps(const struct cfh_remote *r)
{
	return &r->caps;
}

/* "hello NAME MAX_INSTANCES [misuse] [ops=OP,OP,...]". */
static bool parse_hello(const char *line, struct cfh_remote_caps *caps,
                        char *err, size_t errsize)
{
	char copy[CFH_REMOTE_FACT], *save = NULL;
	snprintf(copy, sizeof(copy), "%s", line);
	char *w = strtok_r(copy, " ", &save);
	char *name = strtok_r(NULL, " ", &save);
	char *max = strtok_r(NULL, " ", &save);
	memset(caps, 0, sizeof(*caps));
	if (!w || strcmp(w, "hello") || !name || !max || strlen(name) >= 32 ||
	    atoi(max) < 2 || atoi(max) > 8) {
		snprintf(err, errsize, "the target's first line is not "
		         "'hello NAME MAX_INSTANCES [misuse] [ops=...]' but "
		         "'%s'", line);
		return false;
	}
	snprintf(caps->name, sizeof(caps->name), "%s", name);
	caps->max_instances = (uint32_t)atoi(max);
	caps->ops = (1u << CFM_CM_OPCODE_COUNT) - 1;
	while ((w = strtok_r(NULL, " ", &save))) {
		if (strcmp(w, "misuse") == 0) {
			caps->misuse = true;
		} else if (strncmp(w, "ops=", 4) == 0) {
			char *save2 = NULL;
			caps->ops = 0;
			for (char *op = strtok_r(w + 4, ",", &save2); op;
			     op = strtok_r(NULL, ",", &save2)) {
				int k = 0;
				while (k < CFM_CM_OPCODE_COUNT &&
				       strcmp(cfm_cm_opcode_name(
				                  (enum cfm_cm_opcode)k), op))
					k++;
				if (k == CFM_CM_OPCODE_COUNT) {
					snprintf(err, errsize, "hello: unknown "
					         "operation '%s'", op);
					return false;
				}
				caps->ops |= 1u << k;
			}
		} else {
			snprintf(err, errsize, "hello: unknown word '%s'", w);
			return false;
		}
	}
	return true;
}

static bool start_proc(struct cfh_remote *r, char *err, size_t errsize)
{
	char line[CFH_REMOTE_FACT];
	r->proc = cfh_proc_start(r->opt.argv, r->opt.timeout_ms, err, errsize);
	if (!r->proc)
		return false;
	enum cfh_proc_status st = cfh_proc_read(r->proc, line, sizeof(line));
	if (st != CFH_PROC_OK) {
		const char *tail = cfh_proc_stderr(r->proc);
		size_t n = strlen(tail);
		snprintf(err, errsize, "%s before saying hello (%s): %s",
		         cfh_proc_status_text(st), cfh_proc_exit_text(r->proc),
		         n ? tail + (n > 400 ? n - 400 : 0) : "");
	} else if (parse_hello(line, &r->caps, err, errsize)) {
		return true;
	}
	cfh_proc_stop(r->proc);
	r->proc = NULL;
	return false;
}

struct cfh_remote *cfh_remote_open(const struct cfh_remote_options *opt,
                                   char *err, size_t errsize)
{
	struct cfh_remote *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	r->opt = *opt;
	if (!r->opt.timeout_ms)
		r->opt.timeout_ms = 10000;
	if (!start_proc(r, err, errsize)) {
		free(r);
		return NULL;
	}
	return r;
}

void cfh_remote_close(struct cfh_remote *r)
{
	if (!r)
		return;
	if (r->proc)
		cfh_proc_send(r->proc, "quit");
	cfh_proc_stop(r->proc);
	free(r);
}

void cfh_remote_report_free(struct cfh_remote_report *rep)
{
	free(rep->decided);
	rep->decided = NULL;
	rep->ndecided = 0;
}

/* ---- one run's state ---- */


struct step {
	struct cfm_cm_op op;
	struct cfm_cm_outcome o;
	uint32_t choice;
	bool implicit; /* the runtime's own doing: the model's host run */
};

struct run {
	struct cfh_remote *r;
	const struct cfh_remote_input *in;
	size_t at;     /* next input byte or script line */
	size_t end;    /* where the decisions' bytes end (the choices follow) */
	FILE *trace;
	struct cfh_remote_report *rep;
	struct cfm_cm m;
	struct cfh_remote_value values[CFH_REMOTE_MAX_IDS + 1];
	/* The facts since the last decision; the last is ask, idle or trap. */
	char facts[CFH_REMOTE_MAX_FACTS][CFH_REMOTE_FACT];
	size_t nfacts;
	char side[CFH_REMOTE_MAX_FACTS][CFH_REMOTE_FACT]; /* resolved, late */
	size_t nside;
	/* The explanation search. */
	struct step path[CFH_REMOTE_MAX_FACTS + 1], best[CFH_REMOTE_MAX_FACTS + 1];
	size_t npath;
	uint32_t nodes;
	bool lenient; /* value facts' payloads not compared */
	size_t fail_at;
	char fail[1024];
	char fail_where[80]; /* the op or step that could not be explained */
	bool trapped;
	bool ended; /* `end` was sent */
	char where_buf[64];
	const char *where; /* the signature's second half for other classes */
};

static enum cfh_remote_finding found(struct run *run,
                                     enum cfh_remote_finding f,
                                     const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum cfh_remote_finding found(struct run *run,
                                     enum cfh_remote_finding f,
                                     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(run->rep->detail, sizeof(run->rep->detail), fmt, ap);
	va_end(ap);
	run->rep->finding = f;
	snprintf(run->rep->signature, sizeof(run->rep->signature), "%s:%s",
	         cfh_remote_finding_name(f),
	         f == CFH_REMOTE_DIVERGENCE || f == CFH_REMOTE_WRONG_RESULT ||
	                 f == CFH_REMOTE_DOUBLE_SETTLEMENT
	             ? (run->fail_where[0] ? run->fail_where : "host")
	             : run->where);
	if (run->trace)
		fprintf(run->trace, "finding: %s: %s\n",
		        cfh_remote_finding_name(f), run->rep->detail);
	return f;
}

static uint8_t take(struct run *run)
{
	const struct cfh_remote_input *in = run->in;
	return run->at < run->end ? in->data[run->at++] : 0;
}

static bool input_left(const struct run *run)
{
	if (run->in->scripted)
		return run->at < run->in->nscript;
	return run->at < run->end &&
	       run->rep->stats.decisions < CFH_REMOTE_MAX_STEPS;
}

static void decided(struct run *run, const char *text)
{
	struct cfh_remote_report *rep = run->rep;
	if ((rep->ndecided & (rep->ndecided + 1)) == 0 || rep->ndecided == 0) {
		size_t cap = rep->ndecided ? 2 * (rep->ndecided + 1) : 16;
		void *p = realloc(rep->decided, cap * sizeof(*rep->decided));
		if (!p)
			return; /* the trace goes on; only the record is short */
		rep->decided = p;
	}
	/* A decision's text is short; a longer one is cut to the record. */
	char *to = rep->decided[rep->ndecided++];
	size_t len = strnlen(text, sizeof(*rep->decided) - 1);
	memcpy(to, text, len);
	to[len] = '\0';
}

/* ---- talking to the target ---- */

static enum cfh_remote_finding proc_failed(struct run *run,
                                           enum cfh_proc_status st,
                                           const char *doing)
{
	struct cfh_remote *r = run->r;
	enum cfh_remote_finding f = st == CFH_PROC_TIMEOUT
	                                ? CFH_REMOTE_TARGET_HANG
	                            : st == CFH_PROC_LONG ? CFH_REMOTE_PROTOCOL
	                                                  : CFH_REMOTE_TARGET_CRASH;
	const char *err = cfh_proc_stderr(r->proc);
	size_t n = strlen(err);
	static char exit_where[40];
	snprintf(exit_where, sizeof(exit_where), "%s",
	         cfh_proc_exit_text(r->proc));
	for (char *c = exit_where; *c; c++)
		*c = *c == ' ' ? '-' : *c;
	run->where = st == CFH_PROC_TIMEOUT ? "silent"
	             : st == CFH_PROC_LONG  ? "long-line"
	                                    : exit_where;
	found(run, f, "%s while %s (%s); its last words: %s",
	      cfh_proc_status_text(st), doing, cfh_proc_exit_text(r->proc),
	      n ? err + (n > 600 ? n - 600 : 0) : "(nothing on stderr)");
	cfh_proc_stop(r->proc);
	r->proc = NULL;
	return f;
}

static enum cfh_remote_finding send_line(struct run *run, const char *line)
{
	if (run->trace)
		fprintf(run->trace, "  > %s\n", line);
	enum cfh_proc_status st = cfh_proc_send(run->r->proc, line);
	return st == CFH_PROC_OK ? CFH_REMOTE_NONE
	                         : proc_failed(run, st, "sending a line");
}

static enum cfh_remote_finding read_line(struct run *run, char *buf)
{
	enum cfh_proc_status st = cfh_proc_read(run->r->proc, buf, CFH_REMOTE_FACT);
	if (st != CFH_PROC_OK)
		return proc_failed(run, st, "waiting for a fact");
	if (run->trace)
		fprintf(run->trace, "  < %s\n", buf);
	return CFH_REMOTE_NONE;
}

static enum cfh_remote_finding bad_line(struct run *run, const char *line,
                                        const char *why)
{
	run->where = "line";
	found(run, CFH_REMOTE_PROTOCOL, "'%s': %s", line, why);
	cfh_proc_stop(run->r->proc);
	run->r->proc = NULL;
	return CFH_REMOTE_PROTOCOL;
}

static bool word_is(const char *line, const char *w)
{
	size_t n = strlen(w);
	return strncmp(line, w, n) == 0 && (line[n] == ' ' || line[n] == '\0');
}

/* Reads facts up to the next decision point (ask, idle or trap). */
static enum cfh_remote_finding read_facts(struct run *run)
{
	static const char *const in_band[] = {"start", "event", "ret",
	                                      "value"};
	run->nfacts = run->nside = 0;
	for (;;) {
		char line[CFH_REMOTE_FACT];
		enum cfh_remote_finding f = read_line(run, line);
		if (f)
			return f;
		if (word_is(line, "late") || word_is(line, "resolved")) {
			if (run->nside == CFH_REMOTE_MAX_FACTS)
				return bad_line(run, line, "too many facts");
			memcpy(run->side[run->nside++], line, CFH_REMOTE_FACT);
			continue;
		}
		bool ok = word_is(line, "ask") || word_is(line, "idle") ||
		          word_is(line, "trap");
		for (size_t k = 0; k < COUNT(in_band) && !ok; k++)
			ok = word_is(line, in_band[k]);
		if (word_is(line, "error"))
			return bad_line(run, line, "the target refused the run");
		if (!ok)
			return bad_line(run, line, "not a fact of the protocol");
		if (run->nfacts == CFH_REMOTE_MAX_FACTS)
			return bad_line(run, line,
			                "too many facts without a decision");
		memcpy(run->facts[run->nfacts++], line, CFH_REMOTE_FACT);
		run->rep->stats.facts++;
		if (word_is(line, "ask") || word_is(line, "idle") ||
		    word_is(line, "trap"))
			return CFH_REMOTE_NONE;
	}
}

/* ---- what an outcome looks like from outside ---- */

static void put(struct cfh_remote_expect *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void put(struct cfh_remote_expect *e, const char *fmt, ...)
{
	va_list ap;
	if (e->n == CFH_REMOTE_MAX_EXPECT)
		return;
	va_start(ap, fmt);
	vsnprintf(e->line[e->n++], CFH_REMOTE_FACT, fmt, ap);
	va_end(ap);
}

static void put_value(const struct cfh_remote_value *values,
                      struct cfh_remote_expect *e, uint32_t callee)
{
	const struct cfh_remote_value *v =
	    callee <= CFH_REMOTE_MAX_IDS ? &values[callee] : NULL;
	if (v && v->returned)
		put(e, "value T%u %s %u", callee, cfm_kind_name(v->kind), v->v);
	else
		put(e, "value T%u ? ?", callee); /* nothing can match */
}

static uint32_t callee_at(const struct cfm_cm *m, uint32_t inst, uint32_t h)
{
	const struct cfm_cm_subtask *s = cfm_cm_subtask_get(m, inst, h);
	return s ? s->task : 0;
}

/* An event handed to task k, as a fact: `how` is "event" (its callback)
 * or "ret" (the built-in it waited in). */
static void put_event(const struct cfh_remote_value *values,
                      struct cfh_remote_expect *e, const struct cfm_cm *m,
                      const char *how, uint32_t k, const struct cfm_event *ev)
{
	char text[64];
	const struct cfm_cm_task *t = cfm_cm_task_get(m, k);
	put(e, "%s T%u %s", how, k, cfm_event_format(ev, text, sizeof(text)));
	if (ev->code == CFM_EV_SUBTASK && ev->status == CFM_RETURNED && t)
		put_value(values, e, callee_at(m, t->instance, ev->handle));
}

bool cfh_remote_expect(const struct cfm_cm *m, const struct cfm_cm_op *op,
                       const struct cfm_cm_outcome *o,
                       const struct cfh_remote_value *values,
                       struct cfh_remote_expect *e)
{
	uint32_t a = op->actor;
	const struct cfm_cm_task *actor = a ? cfm_cm_task_get(m, a) : NULL;
	e->n = 0;
	switch (o->what) {
	case CFM_CM_ERR:
		return false;
	case CFM_CM_TRAP:
		put(e, "trap");
		return true;
	case CFM_CM_OK:
		if (a && op->code != CFM_CM_OP_EXIT)
			put(e, "ret T%u ok", a);
		break;
	case CFM_CM_STATUS:
		if (!a)
			break; /* the host's call has no handle it can see */
		if (o->task)
			put(e, "ret T%u %s h%u", a, cfm_status_name(o->status),
			    o->handle);
		else
			put(e, "ret T%u %s", a, cfm_status_name(o->status));
		if (!o->task && o->status == CFM_RETURNED && actor)
			put_value(values, e,
			          callee_at(m, actor->instance, op->handle));
		break;
	case CFM_CM_NEW:
		put(e, "ret T%u h%u", a, o->handle);
		break;
	case CFM_CM_EVENT:
		if (!a && op->code == CFM_CM_OP_POLL)
			break; /* the host's own poll: nothing to report */
		if (o->event.code == CFM_EV_START) {
			put(e, "start T%u", o->task);
		} else if (!o->task) {
			put_event(values, e, m, "ret", a, &o->event); /* poll */
		} else if (op->code == CFM_CM_OP_RUN) {
			const struct cfm_cm_task *t = cfm_cm_task_get(m, o->task);
			bool builtin = t && (t->susp == CFM_CM_S_WSET_WAIT ||
			                     t->susp == CFM_CM_S_THREAD_YIELD);
			put_event(values, e, m, builtin ? "ret" : "event", o->task,
			          &o->event);
		} else {
			bool builtin = op->code == CFM_CM_OP_WSET_WAIT ||
			               op->code == CFM_CM_OP_THREAD_YIELD;
			put_event(values, e, m, builtin ? "ret" : "event", o->task,
			          &o->event);
		}
		break;
	case CFM_CM_SUSPENDED:
	case CFM_CM_SWITCH:
		break;
	case CFM_CM_RESUMED: {
		const struct cfm_cm_task *t = cfm_cm_task_get(m, o->task);
		put(e, "ret T%u %s", o->task, cfm_status_name(o->status));
		if (o->status == CFM_RETURNED && t)
			put_value(values, e, callee_at(m, t->instance,
			                            t->cancel_handle));
		break;
	}
	}
	if (o->back && o->back_to != CFM_HOST) {
		if (o->back_handle)
			put(e, "ret T%u %s h%u", o->back_to,
			    cfm_status_name(o->back_status), o->back_handle);
		else
			put(e, "ret T%u %s", o->back_to,
			    cfm_status_name(o->back_status));
		if (!o->back_handle && o->back_status == CFM_RETURNED)
			put_value(values, e, o->back_task);
	}
	return true;
}

static bool fact_matches(const struct run *run, const char *fact,
                         const char *want)
{
	if (strcmp(want, "trap") == 0)
		return word_is(fact, "trap");
	if (run->lenient && word_is(fact, "value") && word_is(want, "value")) {
		/* "value Tm": the callee must agree, the payload need not. */
		const char *f = strchr(fact + 6, ' '), *w = strchr(want + 6, ' ');
		return f && w && f - fact == w - want &&
		       strncmp(fact, want, (size_t)(f - fact)) == 0;
	}
	return strcmp(fact, want) == 0;
}

/* The short name of what the target said in fact f, for signatures:
 * its first word, and for a trap the first words of its message
 * ("trap-failed-to-retrieve-current"), so that different traps at the same
 * operation are different findings and the same one is one. */
static void fact_kind(const char *f, char *out, size_t size)
{
	size_t n = 0;
	int words = 0;
	bool trap = word_is(f, "trap");
	for (const char *p = f; *p && n + 1 < size && words < (trap ? 6 : 1);
	     p++) {
		if (*p == ' ') {
			words++;
			if (words < (trap ? 6 : 1))
				out[n++] = '-';
			continue;
		}
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9' && !trap) || *p == '_')
			out[n++] = *p >= 'A' && *p <= 'Z' && trap
			               ? (char)(*p - 'A' + 'a')
			               : *p;
	}
	out[n] = '\0';
}

/* ---- the explanation: facts = outcome of op, then host runs ---- */

/* The signature's second half for a failure at fact i of op: a trap is
 * known by its message wherever it happens (the operation it interrupted
 * is incidental); anything else by the operation and what the target
 * said instead. */
static void note_where(struct run *run, const struct cfm_cm_op *op, size_t i)
{
	char kind[40] = "nothing";
	if (i < run->nfacts)
		fact_kind(run->facts[i], kind, sizeof(kind));
	if (strncmp(kind, "trap", 4) == 0)
		snprintf(run->fail_where, sizeof(run->fail_where), "%s", kind);
	else
		snprintf(run->fail_where, sizeof(run->fail_where), "%s:%s",
		         cfm_cm_opcode_name(op->code), kind);
}

static void note_failure(struct run *run, size_t i, const struct cfm_cm *m,
                         const struct cfm_cm_op *op)
{
	char what[96], allowed[700];
	if (i < run->fail_at && run->fail[0])
		return;
	run->fail_at = i;
	note_where(run, op, i);
	cfm_cm_op_format(op, what, sizeof(what));
	cfm_cm_allowed_format(m, op, allowed, sizeof(allowed));
	snprintf(run->fail, sizeof(run->fail),
	         "at fact %zu ('%s'), %s: the spec allows %s", i + 1,
	         i < run->nfacts ? run->facts[i] : "(none)", what, allowed);
}

static bool explain(struct run *run, const struct cfm_cm *m, size_t i,
                    const struct cfm_cm_op *op, size_t depth)
{
	if (++run->nodes > MAX_NODES || depth > CFH_REMOTE_MAX_FACTS)
		return false;
	if (!op) {
		if (i == run->nfacts) /* the last fact, a trap, was taken */
			return run->nfacts && word_is(run->facts[i - 1], "trap");
		const char *f = run->facts[i];
		if (word_is(f, "ask") || word_is(f, "idle")) {
			uint32_t n = 0;
			if (word_is(f, "ask") &&
			    sscanf(f, "ask T%u", &n) != 1)
				return false;
			if (m->active == n) {
				run->npath = depth;
				return true;
			}
			if (i >= run->fail_at) {
				if (m->active)
					snprintf(run->fail, sizeof(run->fail),
					         "at fact %zu ('%s'): in the spec "
					         "T%u is running here", i + 1, f,
					         m->active);
				else
					snprintf(run->fail, sizeof(run->fail),
					         "at fact %zu ('%s'): in the spec "
					         "no task is running here", i + 1,
					         f);
			}
			run->fail_at = i;
			return false;
		}
		if (m->active) {
			if (i >= run->fail_at) {
				run->fail_at = i;
				snprintf(run->fail, sizeof(run->fail),
				         "at fact %zu ('%s'): T%u should be "
				         "running, not the runtime's scheduler",
				         i + 1, f, m->active);
			}
			return false;
		}
	}
	struct cfm_cm_op run_op = {.code = CFM_CM_OP_RUN, .actor = CFM_HOST};
	const struct cfm_cm_op *now = op ? op : &run_op;
	struct cfm_cm_outcome *all = malloc(CFM_CM_MAX_OUTCOMES * sizeof(*all));
	struct cfm_cm *next = malloc(sizeof(*next));
	struct cfh_remote_expect *e = malloc(sizeof(*e));
	bool ok = false;
	size_t n = all && next && e ? cfm_cm_allowed(m, now, all,
	                                             CFM_CM_MAX_OUTCOMES)
	                            : 0;
	for (size_t c = 0; c < n && !ok; c++) {
		if (!cfh_remote_expect(m, now, &all[c], run->values, e) || (!op && e->n == 0))
			continue;
		size_t k = 0;
		while (k < e->n && i + k < run->nfacts &&
		       fact_matches(run, run->facts[i + k], e->line[k]))
			k++;
		if (k < e->n) {
			/* A partial match says most: which fact was wrong. */
			if (k > 0 && i + k > run->fail_at) {
				char what[96], o[160];
				run->fail_at = i + k;
				note_where(run, now, i + k);
				snprintf(run->fail, sizeof(run->fail),
				         "at fact %zu, %s => %s: the spec has "
				         "'%s' here, the target said '%s'",
				         i + k + 1,
				         cfm_cm_op_format(now, what, sizeof(what)),
				         cfm_cm_outcome_format(&all[c], o,
				                               sizeof(o)),
				         e->line[k],
				         i + k < run->nfacts ? run->facts[i + k]
				                             : "(nothing)");
			}
			continue;
		}
		*next = *m;
		struct cfm_cm_outcome taken;
		if (cfm_cm_apply(next, now, NULL, (uint32_t)c, &taken) != 0)
			continue;
		/* A trap ends the facts: nothing may follow it. */
		if (taken.what == CFM_CM_TRAP && i + e->n != run->nfacts)
			continue;
		run->path[depth] = (struct step){*now, taken, (uint32_t)c, !op};
		ok = explain(run, next, i + e->n, NULL, depth + 1);
	}
	if (!ok && n)
		note_failure(run, i, m, now);
	free(all);
	free(next);
	free(e);
	return ok;
}

/* ---- applying an explanation ---- */

static void print_step(struct run *run, const struct cfm_cm *before,
                       const struct step *s)
{
	char a[96], b[160], set[700];
	uint32_t n = run->rep->stats.decisions + run->rep->stats.drain +
	             run->rep->stats.runs;
	if (!run->trace)
		return;
	fprintf(run->trace, "%4u. %s => %s\n", n,
	        cfm_cm_op_format(&s->op, a, sizeof(a)),
	        cfm_cm_outcome_format(&s->o, b, sizeof(b)));
	struct cfm_cm_outcome all[2];
	if (cfm_cm_allowed(before, &s->op, all, 2) > 1)
		fprintf(run->trace, "      allowed %s\n",
		        cfm_cm_allowed_format(before, &s->op, set, sizeof(set)));
}

static void follow(struct run *run, size_t depth)
{
	for (size_t k = 0; k < depth; k++) {
		const struct step *s = &run->path[k];
		struct cfm_cm before = run->m;
		struct cfm_cm_outcome all[CFM_CM_MAX_OUTCOMES], taken;
		size_t n = cfm_cm_allowed(&run->m, &s->op, all,
		                          run->in->cover ? CFM_CM_MAX_OUTCOMES
		                                         : 2);
		if (n > 1)
			run->rep->stats.choice_points++;
		cfm_cm_apply(&run->m, &s->op, NULL, s->choice, &taken);
		if (run->in->cover)
			cfh_cover_cm_step(run->in->cover, &before, &run->m,
			                  &s->op, &taken, s->choice, n);
		if (s->implicit)
			run->rep->stats.runs++;
		if (s->op.code == CFM_CM_OP_TASK_RETURN &&
		    taken.what == CFM_CM_OK && s->op.actor <= CFH_REMOTE_MAX_IDS) {
			struct cfh_remote_value *v = &run->values[s->op.actor];
			v->returned = true;
			v->kind = s->op.kind;
			v->v = s->op.value;
		}
		if (taken.what == CFM_CM_TRAP) {
			run->rep->stats.traps++;
			run->trapped = true;
		}
		print_step(run, &before, s);
	}
}

/* Does any fact deliver a subtask's event after its resolution was
 * delivered? Then the divergence is a double settlement. */
static bool settles_twice(const struct run *run)
{
	for (size_t i = 0; i < run->nfacts; i++) {
		uint32_t k, h;
		const struct cfm_cm_task *t;
		if (sscanf(run->facts[i], "event T%u SUBTASK(h%u,", &k, &h) != 2 &&
		    sscanf(run->facts[i], "ret T%u SUBTASK(h%u,", &k, &h) != 2)
			continue;
		t = cfm_cm_task_get(&run->m, k);
		const struct cfm_cm_subtask *s =
		    t ? cfm_cm_subtask_get(&run->m, t->instance, h) : NULL;
		if (s && s->delivered)
			return true;
	}
	return false;
}

/* Explains the facts read after op (NULL: after idle), follows the
 * explanation, and checks the side facts. */
static enum cfh_remote_finding check_facts(struct run *run,
                                           const struct cfm_cm_op *op)
{
	run->nodes = 0;
	run->fail_at = 0;
	run->fail[0] = '\0';
	run->fail_where[0] = '\0';
	run->lenient = false;
	if (!explain(run, &run->m, 0, op, 0)) {
		char facts[900] = "";
		size_t len = 0;
		for (size_t i = 0; i < run->nfacts && len < sizeof(facts); i++)
			len += (size_t)snprintf(facts + len, sizeof(facts) - len,
			                        "%s'%s'", i ? ", " : "",
			                        run->facts[i]);
		if (run->nodes > MAX_NODES)
			return snprintf(run->fail_where, sizeof(run->fail_where),
			                "search"),
			       found(run, CFH_REMOTE_DIVERGENCE,
			             "no explanation within %u tries of the "
			             "facts [%s]", MAX_NODES, facts);
		char why[1024];
		snprintf(why, sizeof(why), "%s", run->fail);
		enum cfh_remote_finding f = CFH_REMOTE_DIVERGENCE;
		run->lenient = true;
		run->nodes = 0;
		if (explain(run, &run->m, 0, op, 0))
			f = CFH_REMOTE_WRONG_RESULT;
		else if (settles_twice(run))
			f = CFH_REMOTE_DOUBLE_SETTLEMENT;
		return found(run, f, "the target reported [%s]; %s", facts, why);
	}
	follow(run, run->npath);
	snprintf(run->fail_where, sizeof(run->fail_where), "host-call");
	for (size_t i = 0; i < run->nside; i++) {
		const char *s = run->side[i];
		uint32_t n = 0, v = 0;
		char kind[8];
		if (word_is(s, "late"))
			return run->where = "slot",
			       found(run, CFH_REMOTE_LATE_PUBLICATION, "%s", s);
		if (sscanf(s, "resolved T%u %7s %u", &n, kind, &v) != 3 ||
		    n == 0 || n > CFH_REMOTE_MAX_IDS || !run->values[n].host)
			return bad_line(run, s, "no host call made this task");
		struct cfh_remote_value *val = &run->values[n];
		if (val->settled)
			return found(run, CFH_REMOTE_DOUBLE_SETTLEMENT,
			             "the host's call that made T%u settled "
			             "twice ('%s')", n, s);
		val->settled = true;
		if (!val->returned)
			return found(run, CFH_REMOTE_DIVERGENCE,
			             "the host's call that made T%u settled "
			             "('%s') but T%u never called task.return",
			             n, s, n);
		if (strcmp(kind, cfm_kind_name(val->kind)) || v != val->v)
			return found(run, CFH_REMOTE_WRONG_RESULT,
			             "the host's call that made T%u settled "
			             "with '%s %u'; task.return gave '%s %u'",
			             n, kind, v, cfm_kind_name(val->kind),
			             val->v);
	}
	return CFH_REMOTE_NONE;
}

/* ---- decisions ---- */

static bool supports(const struct cfh_remote_caps *caps,
                     const struct cfm_cm_op *op)
{
	if (op->actor)
		return caps->ops >> op->code & 1;
	/* The host only calls (PROTOCOL.md): a JavaScript host cannot
	 * cancel, the runtime's scheduler runs what is ready, and the
	 * host's polls and drops are the model's bookkeeping only. */
	return op->code == CFM_CM_OP_CALL || op->code == CFM_CM_OP_POLL ||
	       op->code == CFM_CM_OP_SUBTASK_DROP;
}

static bool refused(const struct cfm_cm *m, const struct cfm_cm_op *op)
{
	struct cfm_cm_outcome o;
	return cfm_cm_allowed(m, op, &o, 1) == 0 || o.what == CFM_CM_ERR;
}

/* The next decision from the input; false when it has none left (the
 * drain takes over) or its line does not parse (a scenario's error). */
static bool from_input(struct run *run, struct cfm_cm_op *op, bool *bad)
{
	const struct cfm_cm *m = &run->m;
	*bad = false;
	if (!input_left(run))
		return false;
	if (run->in->scripted) {
		const char *line = run->in->script[run->at++];
		const char *why = cfm_cm_op_parse(line, op);
		if (why) {
			run->where = "script";
			found(run, CFH_REMOTE_PROTOCOL, "script line %zu '%s': %s",
			      run->at, line, why);
			*bad = true;
		}
		return true;
	}
	struct cfm_cm_op *c = malloc(CFH_CM_MAX_CANDS * sizeof(*c));
	if (!c)
		return false;
	uint8_t b = take(run);
	size_t n = 0;
	if (b == 0xFF) {
		uint8_t code = take(run);
		*op = cfh_cm_misuse(m, code, take(run));
		if (run->r->caps.misuse && !refused(m, op) &&
		    supports(&run->r->caps, op)) {
			free(c);
			return true;
		}
		b = 0;
	}
	/* The host's polls and drops are the model's bookkeeping, which the
	 * drain does: an input's bytes are better spent on calls. */
	size_t all = cfh_cm_cands(m, c);
	for (size_t k = 0; k < all; k++)
		if (supports(&run->r->caps, &c[k]) && !refused(m, &c[k]) &&
		    (c[k].actor || c[k].code == CFM_CM_OP_CALL))
			c[n++] = c[k];
	if (n == 0) {
		free(c);
		return false;
	}
	*op = c[b % n];
	free(c);
	if (op->code == CFM_CM_OP_TASK_RETURN)
		op->value = take(run);
	return true;
}

static void op_line(const struct cfm_cm *m, const struct cfm_cm_op *op,
                    char *buf, size_t size)
{
	cfm_cm_op_format(op, buf, size);
	if (op->code == CFM_CM_OP_CALL) {
		size_t n = strlen(buf);
		snprintf(buf + n, size - n, " %u", m->next_task_id + 1);
	}
}

/* ---- the run ---- */

static enum cfh_remote_finding reset(struct run *run)
{
	char line[CFH_REMOTE_FACT];
	struct cfh_remote_report *rep = run->rep;
	int n = snprintf(line, sizeof(line), "reset %u %u ", rep->cfg.instances,
	                 rep->cfg.max_tasks);
	for (size_t k = 0; k < rep->nchoices && n + 3 < (int)sizeof(line); k++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%02x",
		              rep->choices[k]);
	if (rep->nchoices == 0)
		snprintf(line + n, sizeof(line) - (size_t)n, "-");
	enum cfh_remote_finding f = send_line(run, line);
	if (!f)
		f = read_line(run, line);
	if (!f && strcmp(line, "ready") != 0)
		f = bad_line(run, line, "the answer to reset is 'ready'");
	return f;
}

/* Sends end and reads what the target still holds, up to done. */
static enum cfh_remote_finding finish(struct run *run, char *held,
                                      size_t size)
{
	char line[CFH_REMOTE_FACT];
	size_t len = 0;
	enum cfh_remote_finding f = send_line(run, "end");
	run->ended = true;
	held[0] = '\0';
	while (!f) {
		if ((f = read_line(run, line)))
			break;
		unsigned used;
		if (sscanf(line, "done %u", &used) == 1) {
			run->rep->stats.choices_used = used;
			break;
		}
		if (word_is(line, "late"))
			return run->where = "slot",
			       found(run, CFH_REMOTE_LATE_PUBLICATION, "%s", line);
		if (!word_is(line, "held") && !word_is(line, "resolved"))
			return bad_line(run, line, "after end: held or done");
		/* Backpressure a guest left raised is the spec's state too
		 * (a closed instance): held only where the counts differ. */
		unsigned j, count;
		if (sscanf(line, "held backpressure@%u %u", &j, &count) == 2 &&
		    j < CFM_MAX_INSTANCES && run->m.backpressure[j] == count)
			continue;
		if (word_is(line, "held") && len + 4 < size)
			len += (size_t)snprintf(held + len, size - len, "%s%s",
			                        len ? ", " : "", line + 5);
	}
	return f;
}

static enum cfh_remote_finding end_checks(struct run *run, const char *held)
{
	struct cfh_cm_stats st = {0};
	enum cfh_cm_finding q = cfh_cm_quiescent(&run->m, false, &st, NULL);
	run->rep->stats.dead_ends = st.dead_ends;
	run->where = "drain";
	snprintf(run->fail_where, sizeof(run->fail_where), "host-call");
	if (q == CFH_CM_LEFT_RUNNING)
		return found(run, CFH_REMOTE_LEFT_RUNNING,
		             "after the drain a task that had a way out is "
		             "still live in the model's view of the target");
	if (q == CFH_CM_LEAK)
		return found(run, CFH_REMOTE_LEAK,
		             "after the drain a handle or set is left that "
		             "nothing can clean");
	for (uint32_t n = 1; n <= CFH_REMOTE_MAX_IDS; n++) {
		const struct cfh_remote_value *v = &run->values[n];
		if (v->host && v->returned && !v->settled &&
		    !cfm_cm_task_get(&run->m, n))
			return found(run, CFH_REMOTE_DIVERGENCE,
			             "T%u, called by the host, returned '%s %u' "
			             "and exited, but the host's call never "
			             "settled", n, cfm_kind_name(v->kind), v->v);
	}
	struct cfm_cm_counts c = cfm_cm_counts(&run->m);
	/* "held:AsyncTask": the first thing held, by jco's name. */
	snprintf(run->where_buf, sizeof(run->where_buf), "held:%.*s",
	         (int)strcspn(held, "@ ,"), held);
	run->where = run->where_buf;
	if (c.tasks == 0 && c.subtasks == 0 && c.sets == 0 && held[0] &&
	    !st.short_runs)
		return found(run, CFH_REMOTE_LEAK,
		             "the spec holds nothing after the drain; the "
		             "target still holds: %s", held);
	return CFH_REMOTE_NONE;
}

static void setup(struct run *run)
{
	const struct cfh_remote_input *in = run->in;
	struct cfh_remote_report *rep = run->rep;
	uint32_t span = run->r->caps.max_instances - 1;
	if (in->scripted) {
		rep->cfg = in->cfg;
		rep->nchoices = in->nchoices < sizeof(rep->choices)
		                    ? in->nchoices
		                    : sizeof(rep->choices);
		memcpy(rep->choices, in->choices, rep->nchoices);
		return;
	}
	rep->cfg = (struct cfm_config){2 + take(run) % span,
	                               1 + take(run) % 16u, 0, 0, 0};
	/* The runtime's choices are the input's last L bytes, so that the
	 * decisions and the schedule are both there in any input. */
	size_t l = take(run), left = in->size - run->at;
	l = l < left / 2 ? l : left / 2; /* half at most: decisions first */
	memcpy(rep->choices, in->data + in->size - l, l);
	rep->nchoices = l;
	run->end = in->size - l;
}

enum cfh_remote_finding cfh_remote_run(struct cfh_remote *r,
                                       const struct cfh_remote_input *in,
                                       FILE *trace,
                                       struct cfh_remote_report *rep)
{
	char err[256], line[CFH_REMOTE_FACT], held[1024];
	enum cfh_remote_finding f = CFH_REMOTE_NONE;
	struct run *run = calloc(1, sizeof(*run));
	memset(rep, 0, sizeof(*rep));
	if (!run) {
		rep->limit = true;
		return CFH_REMOTE_NONE;
	}
	*run = (struct run){.r = r, .in = in, .trace = trace, .rep = rep,
	                    .where = "run", .end = in->size};
	setup(run);
	if (!r->proc && !start_proc(r, err, sizeof(err))) {
		run->where = "start";
		f = found(run, CFH_REMOTE_TARGET_CRASH, "cannot restart: %s",
		          err);
		goto out;
	}
	if (cfm_cm_init(&run->m, &rep->cfg) != CFM_OK) {
		run->where = "config";
		f = found(run, CFH_REMOTE_PROTOCOL, "instances %u, max_tasks %u: "
		          "out of the model's range", rep->cfg.instances,
		          rep->cfg.max_tasks);
		goto out;
	}
	if ((f = reset(run)))
		goto out;
	const struct cfm_cm_op *pending = NULL;
	struct cfm_cm_op op;
	bool need_facts = true;
	for (;;) {
		if (need_facts) {
			if ((f = read_facts(run)) || (f = check_facts(run, pending)))
				goto out;
		}
		need_facts = true;
		pending = NULL;
		if (run->trapped)
			break;
		bool idle = run->m.active == 0;
		if (idle) {
			struct cfm_cm_op go = {.code = CFM_CM_OP_RUN};
			if (!refused(&run->m, &go)) {
				char set[700];
				struct cfm_cm_outcome first;
				cfm_cm_allowed(&run->m, &go, &first, 1);
				run->where = first.what == CFM_CM_RESUMED
				                 ? "idle:cancel-resumes"
				             : first.event.code == CFM_EV_START
				                 ? "idle:start"
				                 : "idle:event";
				f = found(run, CFH_REMOTE_STALLED,
				          "the target is idle; the spec would run "
				          "%s", cfm_cm_allowed_format(&run->m, &go,
				                                      set,
				                                      sizeof(set)));
				goto out;
			}
		}
		bool bad = false, drained = false;
		if (from_input(run, &op, &bad)) {
			if (bad) {
				f = rep->finding;
				goto out;
			}
			rep->stats.decisions++;
		} else if (cfh_cm_drain_next(&run->m, false, &op)) {
			drained = true;
			if (rep->stats.drain++ >= CFH_REMOTE_MAX_DRAIN) {
				rep->limit = true;
				break;
			}
		} else {
			break; /* quiescent */
		}
		uint32_t who = idle ? CFM_HOST : run->m.active;
		if (op.actor != who || refused(&run->m, &op) ||
		    !supports(&r->caps, &op)) {
			char text[96];
			cfm_cm_op_format(&op, text, sizeof(text));
			if (drained) {
				rep->limit = true; /* the policy has no move */
				break;
			}
			run->where = "decision";
			f = found(run, CFH_REMOTE_PROTOCOL,
			          "decision '%s' is not one %s can make here",
			          text, who ? "the active task" : "the host");
			goto out;
		}
		cfm_cm_op_format(&op, line, sizeof(line));
		decided(run, line);
		op_line(&run->m, &op, line, sizeof(line));
		if (!op.actor && op.code != CFM_CM_OP_CALL) {
			/* The host's poll and drop are its own bookkeeping:
			 * the model takes them, the target hears nothing. */
			struct cfm_cm before = run->m;
			struct step s = {op, {0}, 0, false};
			cfm_cm_apply(&run->m, &op, NULL, 0, &s.o);
			if (run->in->cover)
				cfh_cover_cm_step(run->in->cover, &before,
				                  &run->m, &op, &s.o, 0, 1);
			print_step(run, &before, &s);
			need_facts = false;
			continue;
		}
		if (op.code == CFM_CM_OP_CALL && !op.actor &&
		    run->m.next_task_id + 1 <= CFH_REMOTE_MAX_IDS)
			run->values[run->m.next_task_id + 1].host = true;
		if ((f = send_line(run, line)))
			goto out;
		pending = &op;
	}
	if ((f = finish(run, held, sizeof(held))))
		goto out;
	if (!run->trapped && !rep->limit)
		f = end_checks(run, held);
out:
	if (trace && !f)
		fprintf(trace, "result: %s (%u decisions, %u drain, %u facts, "
		        "%u runtime steps, %u choice points, %u choices)\n",
		        rep->limit ? "harness limit" : "pass",
		        rep->stats.decisions, rep->stats.drain, rep->stats.facts,
		        rep->stats.runs, rep->stats.choice_points,
		        rep->stats.choices_used);
	/* A protocol finding of the harness's own making (a scenario's
	 * decision that does not fit) leaves a healthy target mid-run. */
	bool ours = f == CFH_REMOTE_PROTOCOL &&
	            (strcmp(run->where, "decision") == 0 ||
	             strcmp(run->where, "script") == 0);
	if (f && f != CFH_REMOTE_TARGET_CRASH && f != CFH_REMOTE_TARGET_HANG &&
	    (f != CFH_REMOTE_PROTOCOL || ours) && r->proc && !run->ended) {
		/* A finding leaves the target mid-run: end it so the next
		 * run starts clean (the target reinstantiates). */
		char ignore[1024];
		struct cfh_remote_report keep = *rep;
		if (finish(run, ignore, sizeof(ignore)) != CFH_REMOTE_NONE) {
			cfh_proc_stop(r->proc);
			r->proc = NULL;
		}
		keep.decided = rep->decided;
		keep.ndecided = rep->ndecided;
		*rep = keep;
	}
	free(run);
	return f;
}

/* script.c - parses and runs the operation scripts of script.h. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */

#include "script.h"
#include "tap.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_LEN 256

void script_init(struct cfm *m, uint32_t instances)
{
	struct cfm_config cfg = {
	    .instances = instances,
	    .max_tasks = 32,
	    .max_handles = 16,
	    .max_resources = 8,
	    .max_keys = 8,
	};
	if (cfm_init(m, &cfg) != CFM_OK)
		tap_fail(__FILE__, __LINE__, "bad config for %u instances",
		         instances);
}

/* A cursor over one line's words. */
struct words {
	char *p;
};

static char *next_word(struct words *w)
{
	while (*w->p == ' ' || *w->p == '\t')
		w->p++;
	if (*w->p == '\0')
		return NULL;
	char *start = w->p;
	while (*w->p && *w->p != ' ' && *w->p != '\t')
		w->p++;
	if (*w->p)
		*w->p++ = '\0';
	return start;
}

static bool parse_u32(const char *s, uint32_t *out)
{
	char *end;
	if (!s || !isdigit((unsigned char)*s))
		return false;
	unsigned long v = strtoul(s, &end, 10);
	if (*end != '\0' || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* "name(N)" -> N */
static bool parse_option(const char *word, const char *name, uint32_t *out)
{
	size_t len = strlen(name), wlen = strlen(word);
	char num[16];
	if (wlen <= len + 2 || wlen - len - 2 >= sizeof(num) ||
	    strncmp(word, name, len) != 0 || word[len] != '(' ||
	    word[wlen - 1] != ')')
		return false;
	memcpy(num, word + len + 1, wlen - len - 2);
	num[wlen - len - 2] = '\0';
	return parse_u32(num, out);
}

static bool parse_actor(const char *w, uint32_t *actor)
{
	if (w && strcmp(w, "host") == 0) {
		*actor = CFM_HOST;
		return true;
	}
	return w && w[0] == 'T' && parse_u32(w + 1, actor) && *actor != 0;
}

/* Parses "ACTOR OP ARGS" into *op; returns an error text or NULL. */
const char *script_parse_op(char *text, struct cfm_op *op)
{
	struct words w = {text};
	char *word;
	memset(op, 0, sizeof(*op));
	if (!parse_actor(next_word(&w), &op->actor))
		return "expected an actor (host or T<id>)";
	if (!(word = next_word(&w)))
		return "expected an operation";
	size_t code = 0;
	while (code < CFM_OPCODE_COUNT &&
	       strcmp(cfm_opcode_name((enum cfm_opcode)code), word) != 0)
		code++;
	if (code == CFM_OPCODE_COUNT)
		return "unknown operation";
	op->code = (enum cfm_opcode)code;

	switch (op->code) {
	case CFM_OP_CALL:
		if (!parse_u32(next_word(&w), &op->instance))
			return "call needs an instance";
		while ((word = next_word(&w)) != NULL) {
			if (parse_option(word, "shared", &op->key))
				op->shared = true;
			else if (parse_option(word, "deadline", &op->deadline))
				op->has_deadline = true;
			else if (!parse_option(word, "slot", &op->slot))
				return "unknown call option";
		}
		return NULL;
	case CFM_OP_SUBTASK_CANCEL:
	case CFM_OP_SUBTASK_DROP:
		if (!parse_u32(next_word(&w), &op->handle))
			return "expected a handle";
		break;
	case CFM_OP_TASK_RETURN:
		word = next_word(&w);
		if (word && strcmp(word, "ok") == 0)
			op->kind = CFM_KIND_OK;
		else if (word && strcmp(word, "err") == 0)
			op->kind = CFM_KIND_ERR;
		else
			return "task.return needs ok or err";
		if (!parse_u32(next_word(&w), &op->value))
			return "task.return needs a value";
		break;
	case CFM_OP_WAIT:
		word = next_word(&w);
		if (word && strcmp(word, "cancellable") == 0)
			op->cancellable = true;
		else if (!word || strcmp(word, "noncancellable") != 0)
			return "wait needs cancellable or noncancellable";
		break;
	case CFM_OP_RESOURCE_DROP:
		if (!parse_u32(next_word(&w), &op->resource))
			return "expected a resource id";
		break;
	case CFM_OP_BACKPRESSURE: {
		char *end;
		if (!parse_u32(next_word(&w), &op->instance))
			return "backpressure needs an instance";
		if (!(word = next_word(&w)))
			return "backpressure needs a delta";
		long d = strtol(word, &end, 10);
		if (*end != '\0' || d < INT32_MIN || d > INT32_MAX)
			return "bad delta";
		op->delta = (int32_t)d;
		break;
	}
	case CFM_OP_TICK:
	case CFM_OP_RUN:
		if (!parse_u32(next_word(&w), &op->n))
			return "expected a number";
		break;
	case CFM_OP_TASK_CANCEL:
	case CFM_OP_YIELD:
	case CFM_OP_EXIT:
	case CFM_OP_RESOURCE_NEW:
	case CFM_OP_POLL:
		break;
	}
	return next_word(&w) ? "unexpected argument" : NULL;
}

/* Appends formatted text to out (size bytes, NUL-terminated). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void append(char *out, size_t size, const char *fmt, ...)
{
	size_t len = strlen(out);
	va_list ap;
	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(out + len, size - len, fmt, ap);
	va_end(ap);
}

/* "A@B" -> a, b */
static bool parse_at(const char *s, uint32_t *a, uint32_t *b)
{
	char buf[32];
	const char *at = strchr(s, '@');
	if (!at || (size_t)(at - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(at - s));
	buf[at - s] = '\0';
	return parse_u32(buf, a) && parse_u32(at + 1, b);
}

static void describe_subtask(const struct cfm_subtask *s, char *out,
                             size_t size)
{
	append(out, size, "%s", cfm_status_name(s->state));
	if (s->cancel_requested)
		append(out, size, " cancel_requested");
	if (s->delivered)
		append(out, size, " delivered");
	if (s->timed_out)
		append(out, size, " timed_out");
	if (s->pending)
		append(out, size, " pending");
	if (s->slot_written)
		append(out, size, " slot=%s:%u", cfm_kind_name(s->kind),
		       s->value);
}

static const struct cfm_task *snap_task(const struct cfm_snapshot *s,
                                        uint32_t id)
{
	for (uint32_t i = 0; i < s->ntasks; i++)
		if (s->tasks[i].id == id)
			return &s->tasks[i];
	return NULL;
}

static const struct cfm_subtask *snap_subtask(const struct cfm_snapshot *s,
                                              uint32_t instance,
                                              uint32_t handle)
{
	for (uint32_t i = 0; i < s->nsubtasks; i++)
		if (s->subtasks[i].handle == handle &&
		    s->subtasks[i].instance == instance)
			return &s->subtasks[i];
	return NULL;
}

bool script_query(const struct cfm_snapshot *s, const char *subject,
                  char *out, size_t size)
{
	char copy[LINE_MAX_LEN];
	struct words w = {copy};
	uint32_t a, b;
	out[0] = '\0';
	snprintf(copy, sizeof(copy), "%s", subject);
	char *what = next_word(&w), *more = next_word(&w);
	if (!what || next_word(&w))
		return false;

	if (what[0] == 'T' && parse_u32(what + 1, &a)) {
		const struct cfm_task *t = snap_task(s, a);
		if (!more) {
			if (t)
				append(out, size, "%s %s",
				       cfm_task_state_name(t->state),
				       cfm_activity_name(t->activity));
			else
				append(out, size, "EXITED");
		} else if (strcmp(more, "resources") == 0) {
			for (uint32_t r = 1; t && r <= CFM_MAX_RESOURCES; r++)
				if (t->resource[r])
					append(out, size, "%sr%u",
					       out[0] ? " " : "", r);
		} else if (strcmp(more, "subscribers") == 0) {
			/* In subscription (seq) order. */
			uint32_t last = 0;
			for (;;) {
				const struct cfm_subtask *next = NULL;
				for (uint32_t i = 0; i < s->nsubtasks; i++) {
					const struct cfm_subtask *st =
					    &s->subtasks[i];
					if (st->subscribed && st->task == a &&
					    st->seq > last &&
					    (!next || st->seq < next->seq))
						next = st;
				}
				if (!next)
					break;
				last = next->seq;
				if (next->handle)
					append(out, size, "%sh%u@%u",
					       out[0] ? " " : "", next->handle,
					       next->instance);
				else
					append(out, size, "%sabandoned",
					       out[0] ? " " : "");
			}
		} else {
			return false;
		}
		if (!out[0])
			append(out, size, "none");
		return true;
	}
	if (what[0] == 'h' && parse_at(what + 1, &a, &b) && !more) {
		const struct cfm_subtask *st = snap_subtask(s, b, a);
		if (st)
			describe_subtask(st, out, size);
		else
			append(out, size, "free");
		return true;
	}
	if (strcmp(what, "queue") == 0 && !more) {
		for (uint32_t i = 0; i < s->queue_len; i++)
			append(out, size, "%sT%u", i ? " " : "", s->queue[i]);
		if (s->queue_len == 0)
			append(out, size, "empty");
		return true;
	}
	if (strcmp(what, "clock") == 0 && !more) {
		append(out, size, "%llu", (unsigned long long)s->clock);
		return true;
	}
	if (strcmp(what, "bp") == 0 && more && parse_u32(more, &a) &&
	    a < CFM_MAX_INSTANCES) {
		append(out, size, "%u", s->backpressure[a]);
		return true;
	}
	if (strcmp(what, "key") == 0 && more && parse_at(more, &a, &b)) {
		for (uint32_t i = 0; i < s->nkeys; i++)
			if (s->keys[i].key == a && s->keys[i].instance == b)
				append(out, size, "T%u", s->keys[i].task);
		if (!out[0])
			append(out, size, "none");
		return true;
	}
	if (strcmp(what, "counts") == 0 && !more) {
		struct cfm_counts c = cfm_snapshot_counts(s);
		append(out, size,
		       "tasks %u subtasks %u handles %u resources %u keys %u "
		       "queue %u",
		       c.tasks, c.subtasks, c.handles, c.resources, c.keys,
		       c.queue);
		return true;
	}
	return false;
}

/* Collapses runs of blanks and trims both ends, in place. */
static char *squeeze(char *s)
{
	char *out = s, *in = s;
	bool blank = false;
	while (*in == ' ' || *in == '\t')
		in++;
	for (; *in; in++) {
		if (*in == ' ' || *in == '\t') {
			blank = true;
			continue;
		}
		if (blank && out != s)
			*out++ = ' ';
		blank = false;
		*out++ = *in;
	}
	*out = '\0';
	return s;
}

/* Snapshots are large; tests run one at a time, so one buffer serves. */
static struct cfm_snapshot script_snapshot;

#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 3, 4)))
#endif
static void script_fail(const struct script_target *t, int line,
                        const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t->snapshot(t->ctx, &script_snapshot);
	printf("# %s state at script line %d:\n", t->name, line);
	fflush(stdout);
	/* The snapshot as TAP diagnostics. */
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (mem) {
		cfm_snapshot_print(mem, &script_snapshot);
		fclose(mem);
		for (char *p = buf, *nl; p && *p; p = nl + 1) {
			nl = strchr(p, '\n');
			if (!nl)
				break;
			printf("#   %.*s\n", (int)(nl - p), p);
		}
		free(buf);
	}
	tap_fail("script", line, "%s: %s", t->name, msg);
}

void script_exec(const struct script_target *t, const char *text)
{
	char line[LINE_MAX_LEN];
	int number = 0;
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		number++;
		if (len >= sizeof(line))
			script_fail(t, number, "line too long");
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (nl != NULL);
		squeeze(line);
		if (line[0] == '\0' || line[0] == '#')
			continue;

		if (line[0] == '?') {
			char *eq = strchr(line, '=');
			char got[LINE_MAX_LEN];
			if (!eq)
				script_fail(t, number, "query without '='");
			*eq = '\0';
			char *subject = squeeze(line + 1);
			char *want = squeeze(eq + 1);
			t->snapshot(t->ctx, &script_snapshot);
			if (!script_query(&script_snapshot, subject, got,
			                  sizeof(got)))
				script_fail(t, number, "unknown query '%s'",
				            subject);
			if (strcmp(got, want) != 0)
				script_fail(t, number,
				            "? %s: got '%s', expected '%s'",
				            subject, got, want);
			continue;
		}

		char *arrow = strstr(line, "=>");
		char *want = NULL;
		if (arrow) {
			*arrow = '\0';
			want = squeeze(arrow + 2);
		}
		struct cfm_op op;
		const char *err = script_parse_op(line, &op);
		if (err)
			script_fail(t, number, "%s", err);
		struct cfm_result r = t->apply(t->ctx, &op);
		char got[128], optext[128];
		cfm_result_format(&op, &r, got, sizeof(got));
		cfm_op_format(&op, optext, sizeof(optext));
		if (want ? strcmp(got, want) != 0 : r.err != CFM_OK)
			script_fail(t, number, "%s: got '%s', expected '%s'",
			            optext, got, want ? want : "success");
	}
}

static struct cfm_result model_apply(void *ctx, const struct cfm_op *op)
{
	return cfm_apply(ctx, op);
}

static void model_snapshot(void *ctx, struct cfm_snapshot *out)
{
	cfm_snapshot(ctx, out);
}

void script_run(struct cfm *m, const char *text)
{
	struct script_target t = {"model", m, model_apply, model_snapshot};
	script_exec(&t, text);
}

void script_fails(struct cfm *m, const char *op, const char *err)
{
	static struct cfm saved; /* large: not on the stack */
	char line[256];
	snprintf(line, sizeof(line), "%s => %s\n", op, err);
	memcpy(&saved, m, sizeof(saved));
	script_run(m, line);
	/* C-6: nothing of the state changes; what the step cited (cover.h)
	 * is a record of the step, not state. */
	memcpy(saved.cited, m->cited, sizeof(saved.cited));
	saved.fanout = m->fanout;
	if (memcmp(&saved, m, sizeof(saved)) != 0)
		tap_fail(__FILE__, __LINE__, "'%s' failed but changed the model",
		         op);
}

void script_return_writes(struct cfm *m, uint32_t task, enum cfm_kind kind,
                          uint32_t value, uint32_t written)
{
	struct cfm_op op = {
	    .code = CFM_OP_TASK_RETURN,
	    .actor = task,
	    .kind = kind,
	    .value = value,
	};
	struct cfm_result r = cfm_apply(m, &op);
	ASSERT_EQ(r.err, CFM_OK);
	ASSERT_EQ(r.written, written);
}

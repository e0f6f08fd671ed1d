/* decode.c - the input format of decode.h: a fixed op table per context,
 * arguments picked among what the model's state offers, and the inverse
 * used to turn scenarios back into bytes. */
#include "decode.h"

#include <string.h>

/* ---- the format's tables (version 1; never reorder, never resize) ---- */

struct entry {
	enum cfm_opcode code;
	int32_t variant; /* backpressure delta, return kind, wait cancellable */
};

static const struct entry host_table[16] = {
    {CFM_OP_CALL, 0},           {CFM_OP_CALL, 0},
    {CFM_OP_CALL, 0},           {CFM_OP_RUN, 0},
    {CFM_OP_RUN, 0},            {CFM_OP_RUN, 0},
    {CFM_OP_RUN, 0},            {CFM_OP_SUBTASK_CANCEL, 0},
    {CFM_OP_SUBTASK_CANCEL, 0}, {CFM_OP_SUBTASK_DROP, 0},
    {CFM_OP_SUBTASK_DROP, 0},   {CFM_OP_POLL, 0},
    {CFM_OP_TICK, 0},           {CFM_OP_TICK, 0},
    {CFM_OP_BACKPRESSURE, +1},  {CFM_OP_BACKPRESSURE, -1},
};

static const struct entry task_table[16] = {
    {CFM_OP_CALL, 0},
    {CFM_OP_CALL, 0},
    {CFM_OP_SUBTASK_CANCEL, 0},
    {CFM_OP_SUBTASK_DROP, 0},
    {CFM_OP_TASK_RETURN, CFM_KIND_OK},
    {CFM_OP_TASK_RETURN, CFM_KIND_ERR},
    {CFM_OP_TASK_CANCEL, 0},
    {CFM_OP_WAIT, 1},
    {CFM_OP_WAIT, 1},
    {CFM_OP_WAIT, 0},
    {CFM_OP_YIELD, 0},
    {CFM_OP_EXIT, 0},
    {CFM_OP_RESOURCE_NEW, 0},
    {CFM_OP_RESOURCE_DROP, 0},
    {CFM_OP_BACKPRESSURE, +1},
    {CFM_OP_BACKPRESSURE, -1},
};

/* Misuses, by the low nibble of a step byte >= 0xF0. */
enum misuse {
	MISUSE_HOST_WHILE_ACTIVE,
	MISUSE_CANCEL_TWICE,
	MISUSE_TASK_CANCEL_EARLY,
	MISUSE_EXIT_UNRESOLVED,
	MISUSE_STALE_HANDLE,
	MISUSE_FOREIGN_HANDLE,
	MISUSE_CANCEL_DELIVERED,
	MISUSE_RETURN_TWICE,
	MISUSE_CALL_BACKWARDS,
	MISUSE_DEADLINE_ZERO,
	MISUSE_BACKPRESSURE_RANGE,
	MISUSE_TICK_ZERO,
	MISUSE_RESOURCE_DEAD,
	MISUSE_NOT_ACTIVE_ACTOR,
	MISUSE_TASK_RUNS,
	MISUSE_DROP_STALE
};

#define MISUSE_BASE 0xf0

/* ---- version 2's tables (never reorder, never resize) ---- */

/* An ordinary entry: an operation, or the repeat of the previous one. */
struct entry2 {
	bool repeat;
	enum cfm_opcode code;
	int32_t variant; /* as in struct entry */
};

#define OP(c, v) {false, CFM_OP_##c, v}
#define REPEAT {true, CFM_OP_POLL, 0}

static const struct entry2 host_table2[32] = {
    OP(CALL, 0),           OP(CALL, 0),           OP(CALL, 0),
    OP(CALL, 0),           OP(CALL, 0),           OP(CALL, 0),
    OP(RUN, 0),            OP(RUN, 0),            OP(RUN, 0),
    OP(RUN, 0),            OP(RUN, 0),            OP(RUN, 0),
    OP(RUN, 0),            OP(SUBTASK_CANCEL, 0), OP(SUBTASK_CANCEL, 0),
    OP(SUBTASK_CANCEL, 0), OP(SUBTASK_CANCEL, 0), OP(SUBTASK_DROP, 0),
    OP(SUBTASK_DROP, 0),   OP(SUBTASK_DROP, 0),   OP(SUBTASK_DROP, 0),
    OP(POLL, 0),           OP(POLL, 0),           OP(POLL, 0),
    OP(TICK, 0),           OP(TICK, 0),           OP(TICK, 0),
    OP(BACKPRESSURE, +1),  OP(BACKPRESSURE, +1),  OP(BACKPRESSURE, -1),
    OP(BACKPRESSURE, -1),  REPEAT,
};

static const struct entry2 task_table2[32] = {
    OP(CALL, 0),
    OP(CALL, 0),
    OP(CALL, 0),
    OP(CALL, 0),
    OP(CALL, 0),
    OP(SUBTASK_CANCEL, 0),
    OP(SUBTASK_CANCEL, 0),
    OP(SUBTASK_DROP, 0),
    OP(SUBTASK_DROP, 0),
    OP(TASK_RETURN, CFM_KIND_OK),
    OP(TASK_RETURN, CFM_KIND_OK),
    OP(TASK_RETURN, CFM_KIND_ERR),
    OP(TASK_CANCEL, 0),
    OP(TASK_CANCEL, 0),
    OP(WAIT, 1),
    OP(WAIT, 1),
    OP(WAIT, 1),
    OP(WAIT, 1),
    OP(WAIT, 0),
    OP(WAIT, 0),
    OP(YIELD, 0),
    OP(YIELD, 0),
    OP(EXIT, 0),
    OP(EXIT, 0),
    OP(RESOURCE_NEW, 0),
    OP(RESOURCE_NEW, 0),
    OP(RESOURCE_DROP, 0),
    OP(RESOURCE_DROP, 0),
    OP(BACKPRESSURE, +1),
    OP(BACKPRESSURE, +1),
    OP(BACKPRESSURE, -1),
    REPEAT,
};

#undef OP
#undef REPEAT

/* Reach steps, by first byte from REACH_BASE up to MISUSE_BASE; from
 * there on, the misuses of version 1. */
enum reach {
	REACH_RAW_HOST,
	REACH_RAW_ACTIVE,
	REACH_RAW_OTHER,
	REACH_RAW_ID,
	REACH_FOREIGN_DROP,
	REACH_BACKPRESSURE_ELSEWHERE,
	REACH_CALL_ELSEWHERE,
	REACH_RAW_UNISSUED
};

#define REACH_BASE 0xe8
#define REPEAT_MAX 4096

/* ---- what the model's state offers ---- */

/* Inserts v into the ascending out[0..n), which has room for one more. */
static void insert_sorted(uint32_t *out, uint32_t n, uint32_t v)
{
	while (n > 0 && out[n - 1] > v) {
		out[n] = out[n - 1];
		n--;
	}
	out[n] = v;
}

/* The actor's live handles in its table, ascending, that satisfy want
 * (NULL: all). Returns how many; fills at most cap. One pass over the
 * model's records, then an insertion sort: tables are small. */
static uint32_t owned_handles(const struct cfm *m, uint32_t actor,
                              uint32_t instance,
                              bool (*want)(const struct cfm_subtask *),
                              uint32_t *out, uint32_t cap)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < m->subtasks_used; i++) {
		const struct cfm_subtask *s = &m->subtasks[i];
		if (!s->live || !s->handle || s->instance != instance ||
		    s->owner != actor || (want && !want(s)) || n == cap)
			continue;
		insert_sorted(out, n++, s->handle);
	}
	return n;
}

static bool cancel_requested(const struct cfm_subtask *s)
{
	return s->cancel_requested;
}

static bool delivered(const struct cfm_subtask *s) { return s->delivered; }

/* The lowest index of instance's table with no live subtask. */
static uint32_t free_handle(const struct cfm *m, uint32_t instance)
{
	bool used[CFM_MAX_HANDLES + 2] = {false};
	for (uint32_t i = 0; i < m->subtasks_used; i++) {
		const struct cfm_subtask *s = &m->subtasks[i];
		if (s->live && s->instance == instance &&
		    s->handle <= CFM_MAX_HANDLES)
			used[s->handle] = true;
	}
	uint32_t h = 1;
	while (used[h])
		h++;
	return h;
}

/* The lowest handle of the actor's table owned by someone else, or 0. */
static uint32_t foreign_handle(const struct cfm *m, uint32_t actor,
                               uint32_t instance)
{
	uint32_t best = 0;
	for (uint32_t i = 0; i < m->subtasks_used; i++) {
		const struct cfm_subtask *s = &m->subtasks[i];
		if (s->live && s->handle && s->instance == instance &&
		    s->owner != actor && (!best || s->handle < best))
			best = s->handle;
	}
	return best;
}

static uint32_t live_resources(const struct cfm_task *t, uint32_t *out)
{
	uint32_t n = 0;
	for (uint32_t r = 1; r <= CFM_MAX_RESOURCES; r++)
		if (t->resource[r])
			out[n++] = r;
	return n;
}

/* ---- one step, from at most three bytes ---- */

struct step_bytes {
	const uint8_t *b;
	size_t avail; /* bytes present; a missing byte reads as 0 */
	size_t used;
};

static uint8_t take(struct step_bytes *s)
{
	uint8_t v = s->used < s->avail ? s->b[s->used] : 0;
	s->used++;
	return v;
}

static void fallback(const struct cfm_task *active, struct cfm_op *op)
{
	uint32_t actor = op->actor;
	memset(op, 0, sizeof(*op));
	op->actor = actor;
	if (active) {
		op->code = CFM_OP_WAIT;
		op->cancellable = true;
	} else {
		op->code = CFM_OP_POLL;
	}
}

static void decode_misuse(const struct cfm *m, const struct cfh_setup *su,
                          enum misuse which, struct cfm_op *op)
{
	const struct cfm_task *active = cfm_active_task(m);
	uint32_t actor = active ? active->id : CFM_HOST;
	uint32_t inst = active ? active->instance : 0;
	uint32_t h[1] = {0};

	op->actor = actor;
	switch (which) {
	case MISUSE_HOST_WHILE_ACTIVE:
		op->actor = CFM_HOST;
		op->code = active ? CFM_OP_RUN : CFM_OP_TASK_RETURN;
		break;
	case MISUSE_CANCEL_TWICE:
		op->code = CFM_OP_SUBTASK_CANCEL;
		if (owned_handles(m, actor, inst, cancel_requested, h, 1))
			op->handle = h[0];
		break;
	case MISUSE_TASK_CANCEL_EARLY:
		op->code = CFM_OP_TASK_CANCEL;
		break;
	case MISUSE_EXIT_UNRESOLVED:
		op->code = CFM_OP_EXIT;
		break;
	case MISUSE_STALE_HANDLE:
		op->code = CFM_OP_SUBTASK_CANCEL;
		op->handle = free_handle(m, inst);
		break;
	case MISUSE_FOREIGN_HANDLE:
		op->code = CFM_OP_SUBTASK_CANCEL;
		op->handle = foreign_handle(m, actor, inst);
		break;
	case MISUSE_CANCEL_DELIVERED:
		op->code = CFM_OP_SUBTASK_CANCEL;
		if (owned_handles(m, actor, inst, delivered, h, 1))
			op->handle = h[0];
		break;
	case MISUSE_RETURN_TWICE:
		op->code = CFM_OP_TASK_RETURN;
		break;
	case MISUSE_CALL_BACKWARDS:
		op->code = CFM_OP_CALL;
		op->instance = inst;
		op->slot = 0;
		break;
	case MISUSE_DEADLINE_ZERO:
		op->code = CFM_OP_CALL;
		op->instance = inst + 1;
		op->has_deadline = true;
		op->deadline = 0;
		break;
	case MISUSE_BACKPRESSURE_RANGE:
		op->code = CFM_OP_BACKPRESSURE;
		op->instance = active ? inst : 1;
		op->delta = 2;
		break;
	case MISUSE_TICK_ZERO:
		op->code = CFM_OP_TICK;
		op->n = active ? 1 : 0;
		break;
	case MISUSE_RESOURCE_DEAD: {
		uint32_t r = 1;
		while (active && r <= CFM_MAX_RESOURCES && active->resource[r])
			r++;
		op->code = CFM_OP_RESOURCE_DROP;
		op->resource = r;
		break;
	}
	case MISUSE_NOT_ACTIVE_ACTOR: {
		/* The lowest live task that is not the active one, or an id
		 * no task has had yet. */
		uint32_t id = m->next_task_id + 1;
		for (uint32_t t = 1; t <= m->next_task_id; t++) {
			const struct cfm_task *c = cfm_task_get(m, t);
			if (c && c != active) {
				id = t;
				break;
			}
		}
		op->actor = id;
		op->code = CFM_OP_YIELD;
		break;
	}
	case MISUSE_TASK_RUNS:
		op->code = active ? CFM_OP_RUN : CFM_OP_YIELD;
		break;
	case MISUSE_DROP_STALE:
		op->code = CFM_OP_SUBTASK_DROP;
		op->handle = free_handle(m, inst);
		break;
	}
	(void)su;
}

/* A num: one byte below 0xfe, or 0xfe and 2 bytes, or 0xff and 4 bytes,
 * little-endian. */
static uint32_t take_num(struct step_bytes *s)
{
	uint8_t b = take(s);
	uint32_t v = 0;
	if (b < 0xfe)
		return b;
	for (unsigned i = 0; i < (b == 0xfe ? 2u : 4u); i++)
		v |= (uint32_t)take(s) << (8 * i);
	return v;
}

/* An ordinary step's arguments, chosen against m: the same for both
 * versions but for what version 2 reads wider (call options and deadline,
 * run, tick, task.return value). */
static void decode_args(const struct cfm *m, const struct cfh_setup *su,
                        int version, enum cfm_opcode code, int32_t variant,
                        struct step_bytes *s, struct cfm_op *op)
{
	const struct cfm_task *active = cfm_active_task(m);
	uint32_t actor = op->actor;
	uint32_t inst = active ? active->instance : 0;
	uint32_t h[CFM_MAX_HANDLES], r[CFM_MAX_RESOURCES], n;
	bool v2 = version == CFH_FORMAT_V2;
	op->code = code;
	switch (code) {
	case CFM_OP_CALL: {
		uint32_t callable = su->caps.instances - 1 - inst;
		if (callable == 0) {
			fallback(active, op);
			return;
		}
		op->instance = inst + 1 + take(s) % callable;
		uint8_t o = take(s);
		op->shared = (su->features & CFH_F_SHARED) && (o & 1);
		if (!v2) {
			op->key = op->shared ? (o >> 1) & 3 : 0;
			op->has_deadline =
			    (su->features & CFH_F_DEADLINES) && (o & 8);
			op->deadline = op->has_deadline ? 1u + (o >> 4) : 0;
			return;
		}
		op->key = op->shared ? (o >> 2) & 15 : 0;
		op->has_deadline = (su->features & CFH_F_DEADLINES) && (o & 2);
		if (op->has_deadline) {
			op->deadline = take_num(s);
			op->deadline += op->deadline == 0; /* 0 is a misuse */
		}
		return;
	}
	case CFM_OP_SUBTASK_CANCEL:
	case CFM_OP_SUBTASK_DROP:
		n = owned_handles(m, actor, inst, NULL, h, CFM_MAX_HANDLES);
		if (n == 0) {
			fallback(active, op);
			return;
		}
		op->handle = h[take(s) % n];
		return;
	case CFM_OP_RUN:
		op->n = v2 ? take_num(s) : take(s);
		return;
	case CFM_OP_TICK:
		if (!v2) {
			op->n = 1u + take(s) % 16;
			return;
		}
		op->n = take_num(s);
		op->n += op->n == 0; /* 0 is a misuse */
		return;
	case CFM_OP_BACKPRESSURE:
		if (!(su->features & CFH_F_BACKPRESSURE)) {
			fallback(active, op);
			return;
		}
		op->delta = variant;
		op->instance = active ? inst
		                      : 1u + take(s) % (su->caps.instances - 1);
		return;
	case CFM_OP_TASK_RETURN:
		op->kind = (enum cfm_kind)variant;
		op->value = v2 ? take_num(s) : take(s);
		return;
	case CFM_OP_WAIT:
		op->cancellable = variant != 0;
		return;
	case CFM_OP_RESOURCE_NEW:
		if (!(su->features & CFH_F_RESOURCES))
			fallback(active, op);
		return;
	case CFM_OP_RESOURCE_DROP:
		n = active ? live_resources(active, r) : 0;
		if (!(su->features & CFH_F_RESOURCES) || n == 0) {
			fallback(active, op);
			return;
		}
		op->resource = r[take(s) % n];
		return;
	case CFM_OP_TASK_CANCEL:
	case CFM_OP_YIELD:
	case CFM_OP_EXIT:
	case CFM_OP_POLL:
		return;
	}
}

/* Decodes one step from s against m. */
static void decode_step(const struct cfm *m, const struct cfh_setup *su,
                        struct step_bytes *s, struct cfm_op *op,
                        bool *misuse)
{
	const struct cfm_task *active = cfm_active_task(m);
	uint8_t b = take(s);

	memset(op, 0, sizeof(*op));
	op->actor = active ? active->id : CFM_HOST;
	*misuse = (su->features & CFH_F_MISUSE) && b >= MISUSE_BASE;
	if (*misuse) {
		decode_misuse(m, su, (enum misuse)(b - MISUSE_BASE), op);
		return;
	}

	const struct entry *e = &(active ? task_table : host_table)[b & 15];
	decode_args(m, su, CFH_FORMAT_V1, e->code, e->variant, s, op);
}

/* ---- one step of version 2 ---- */

/* The live tasks that are not active, ascending by id; returns how many. */
static uint32_t other_tasks(const struct cfm *m, uint32_t *out)
{
	const struct cfm_task *active = cfm_active_task(m);
	uint32_t n = 0;
	for (uint32_t i = 0; i < m->tasks_used; i++) {
		const struct cfm_task *t = &m->tasks[i];
		if (!t->live || t == active)
			continue;
		insert_sorted(out, n++, t->id);
	}
	return n;
}

/* An operation by op->actor with its arguments as bytes, the model's
 * state and the feature bits aside: any value the fields can hold up to
 * a byte (a num for numbers), so every error is within reach. */
static void decode_raw(struct step_bytes *s, struct cfm_op *op)
{
	uint8_t o;
	op->code = (enum cfm_opcode)(take(s) % CFM_OPCODE_COUNT);
	switch (op->code) {
	case CFM_OP_CALL:
		op->instance = take(s);
		o = take(s);
		op->shared = o & 1;
		op->key = op->shared ? (o >> 2) & 15 : 0;
		op->has_deadline = (o & 2) != 0;
		op->deadline = op->has_deadline ? take_num(s) : 0;
		return;
	case CFM_OP_SUBTASK_CANCEL:
	case CFM_OP_SUBTASK_DROP:
		op->handle = take(s);
		return;
	case CFM_OP_TASK_RETURN:
		op->kind = (take(s) & 1) ? CFM_KIND_ERR : CFM_KIND_OK;
		op->value = take_num(s);
		return;
	case CFM_OP_WAIT:
		op->cancellable = take(s) & 1;
		return;
	case CFM_OP_RESOURCE_DROP:
		op->resource = take(s);
		return;
	case CFM_OP_BACKPRESSURE:
		op->instance = take(s);
		op->delta = (int8_t)take(s);
		return;
	case CFM_OP_TICK:
	case CFM_OP_RUN:
		op->n = take_num(s);
		return;
	case CFM_OP_TASK_CANCEL:
	case CFM_OP_YIELD:
	case CFM_OP_EXIT:
	case CFM_OP_RESOURCE_NEW:
	case CFM_OP_POLL:
		return;
	}
}

static void decode_reach(const struct cfm *m, const struct cfh_setup *su,
                         enum reach which, struct step_bytes *s,
                         struct cfm_op *op)
{
	const struct cfm_task *active = cfm_active_task(m);
	uint32_t inst = active ? active->instance : 0;
	uint32_t n = su->caps.instances, ids[CFM_MAX_TASKS], k;
	uint8_t x;

	switch (which) {
	case REACH_RAW_HOST:
		op->actor = CFM_HOST;
		decode_raw(s, op);
		return;
	case REACH_RAW_ACTIVE:
		decode_raw(s, op);
		return;
	case REACH_RAW_OTHER:
		x = take(s);
		k = other_tasks(m, ids);
		op->actor = k ? ids[x % k] : m->next_task_id + 1;
		decode_raw(s, op);
		return;
	case REACH_RAW_ID:
		op->actor = take_num(s);
		decode_raw(s, op);
		return;
	case REACH_FOREIGN_DROP:
		op->code = CFM_OP_SUBTASK_DROP;
		op->handle = foreign_handle(m, op->actor, inst);
		return;
	case REACH_BACKPRESSURE_ELSEWHERE:
		x = take(s);
		op->code = CFM_OP_BACKPRESSURE;
		op->delta = (x & 1) ? -1 : +1;
		if (active)
			op->instance = (inst + 1 + (x >> 1) % (n - 1)) % n;
		else
			op->instance = (x >> 1) ? n - 1 + (x >> 1) : 0;
		return;
	case REACH_CALL_ELSEWHERE:
		x = take(s);
		op->code = CFM_OP_CALL;
		op->instance = x < 0x80 ? x % (inst + 1) : n + (x & 0x7f);
		return;
	case REACH_RAW_UNISSUED:
		op->actor = m->next_task_id + 1 + take(s);
		decode_raw(s, op);
		return;
	}
}

/* Version 2's repeat: the last op again, count times in all (cut to the
 * budget). False when there is nothing to repeat. */
static bool decode_repeat(struct cfh_decoder *d, struct step_bytes *s,
                          struct cfm_op *op, bool *misuse)
{
	uint8_t c = take(s);
	uint32_t count = c < 0x80 ? 1u + c : 1u + ((c & 15u) << 8 | take(s));
	if (count > d->repeat_budget)
		count = d->repeat_budget;
	if (!d->have_last || count == 0)
		return false;
	d->repeat_budget -= count;
	d->repeat_left = count - 1;
	*op = d->last;
	*misuse = d->last_misuse;
	return true;
}

static void decode_step2(struct cfh_decoder *d, const struct cfm *m,
                         struct step_bytes *s, struct cfm_op *op,
                         bool *misuse)
{
	const struct cfh_setup *su = &d->setup;
	const struct cfm_task *active = cfm_active_task(m);
	uint8_t b = take(s);

	memset(op, 0, sizeof(*op));
	op->actor = active ? active->id : CFM_HOST;
	*misuse = (su->features & CFH_F_MISUSE) && b >= REACH_BASE;
	if (*misuse && b >= MISUSE_BASE) {
		decode_misuse(m, su, (enum misuse)(b - MISUSE_BASE), op);
		return;
	}
	if (*misuse) {
		decode_reach(m, su, (enum reach)(b - REACH_BASE), s, op);
		return;
	}

	const struct entry2 *e = &(active ? task_table2 : host_table2)[b & 31];
	if (e->repeat) {
		if (!decode_repeat(d, s, op, misuse))
			fallback(active, op);
		return;
	}
	decode_args(m, su, CFH_FORMAT_V2, e->code, e->variant, s, op);
}

/* ---- the decoder over a whole input ---- */

static void setup_from_header(const uint8_t h[CFH_HEADER_SIZE],
                              struct cfh_setup *su)
{
	su->caps.instances = 2u + h[1] % 5;
	su->features = h[2] & CFH_F_ALL;
	su->caps.max_tasks = 2u + h[3] % 31;
	su->caps.max_handles = 1u + (h[4] & 15);
	su->caps.max_resources = 1u + ((h[4] >> 4) & 3);
	su->caps.max_keys = 1u + (h[4] >> 6);
}

static void setup_from_header2(const uint8_t h[CFH_HEADER_SIZE],
                               struct cfh_setup *su)
{
	su->caps.instances = 2u + h[1] % 5;
	su->features = h[2] & CFH_F_ALL;
	su->caps.max_tasks = 1u + (h[3] & 63);
	su->caps.max_handles = 1u + (h[4] & 31);
	su->caps.max_resources = 1u + (h[5] & 15);
	su->caps.max_keys = 1u + (h[5] >> 4);
}

void cfh_decode_begin(struct cfh_decoder *d, const uint8_t *data, size_t size)
{
	uint8_t h[CFH_HEADER_SIZE] = {0};
	memcpy(h, data, size < CFH_HEADER_SIZE ? size : CFH_HEADER_SIZE);
	memset(d, 0, sizeof(*d));
	size_t header = CFH_HEADER_SIZE_V2;
	if (h[0] == CFH_FORMAT_V1) {
		d->version = CFH_FORMAT_V1;
		header = CFH_HEADER_SIZE_V1;
		setup_from_header(h, &d->setup);
	} else {
		d->version = CFH_FORMAT_V2;
		setup_from_header2(h, &d->setup);
	}
	d->repeat_budget = CFH_REPEAT_BUDGET;
	d->p = size > header ? data + header : data + size;
	d->end = data + size;
}

void cfh_decode_restrict(struct cfh_decoder *d, uint32_t features,
                         uint32_t ops)
{
	d->allow_features = features & CFH_F_ALL;
	d->allow_ops = ops;
	d->setup.features &= d->allow_features;
	d->restricted = d->allow_features != CFH_F_ALL ||
	                (ops & ((1u << CFM_OPCODE_COUNT) - 1u)) !=
	                    (1u << CFM_OPCODE_COUNT) - 1u;
}

/* Keeps op within what the target takes (cfh_decode_restrict). */
static void restrict_op(const struct cfh_decoder *d, const struct cfm *m,
                        struct cfm_op *op, bool *misuse)
{
	if (!(d->allow_features & CFH_F_SHARED)) {
		op->shared = false;
		op->key = 0;
	}
	if (!(d->allow_features & CFH_F_DEADLINES)) {
		op->has_deadline = false;
		op->deadline = 0;
	}
	if ((unsigned)op->code >= CFM_OPCODE_COUNT ||
	    !(d->allow_ops & (1u << op->code))) {
		const struct cfm_task *active = cfm_active_task(m);
		op->actor = active ? active->id : CFM_HOST;
		fallback(active, op);
		*misuse = false;
	}
}

/* One step from s, with the decoder's memory: the slot tag of a call, and
 * what a repeat repeats. */
static void decode_one(struct cfh_decoder *d, const struct cfm *m,
                       struct step_bytes *s, struct cfm_op *op, bool *misuse)
{
	if (d->version == CFH_FORMAT_V1)
		decode_step(m, &d->setup, s, op, misuse);
	else
		decode_step2(d, m, s, op, misuse);
	if (d->restricted)
		restrict_op(d, m, op, misuse);
	if (op->code == CFM_OP_CALL)
		op->slot = ++d->slots;
	d->have_last = true;
	d->last = *op;
	d->last_misuse = *misuse;
}

bool cfh_decode_next(struct cfh_decoder *d, const struct cfm *m,
                     struct cfm_op *op, bool *misuse)
{
	if (d->repeat_left > 0) {
		d->repeat_left--;
		*op = d->last;
		*misuse = d->last_misuse;
		if (op->code == CFM_OP_CALL)
			op->slot = ++d->slots;
		return true;
	}
	if (d->p >= d->end)
		return false;
	struct step_bytes s = {d->p, (size_t)(d->end - d->p), 0};
	decode_one(d, m, &s, op, misuse);
	d->p += s.used < s.avail ? s.used : s.avail;
	return true;
}

/* ---- encoding: the inverse, checked by decoding ---- */

size_t cfh_encode_setup(const struct cfh_setup *su, unsigned version,
                        uint8_t out[CFH_HEADER_SIZE], struct cfh_decoder *d)
{
	const struct cfm_config *c = &su->caps;
	size_t size;
	if (c->instances < 2 || c->instances > 6 || c->max_tasks < 1 ||
	    c->max_handles < 1 || c->max_resources < 1 || c->max_keys < 1 ||
	    (su->features & ~(uint32_t)CFH_F_ALL))
		return 0;
	out[1] = (uint8_t)(c->instances - 2);
	out[2] = (uint8_t)su->features;
	if (version == CFH_FORMAT_V1) {
		if (c->max_tasks < 2 || c->max_tasks > 32 ||
		    c->max_handles > 16 || c->max_resources > 4 ||
		    c->max_keys > 4)
			return 0;
		out[0] = CFH_FORMAT_V1;
		out[3] = (uint8_t)(c->max_tasks - 2);
		out[4] = (uint8_t)((c->max_handles - 1) |
		                   (c->max_resources - 1) << 4 |
		                   (c->max_keys - 1) << 6);
		size = CFH_HEADER_SIZE_V1;
	} else if (version == CFH_FORMAT_V2) {
		if (c->max_tasks > 64 || c->max_handles > 32 ||
		    c->max_resources > 16 || c->max_keys > 16)
			return 0;
		out[0] = CFH_FORMAT_V2;
		out[3] = (uint8_t)(c->max_tasks - 1);
		out[4] = (uint8_t)(c->max_handles - 1);
		out[5] = (uint8_t)((c->max_resources - 1) |
		                   (c->max_keys - 1) << 4);
		size = CFH_HEADER_SIZE_V2;
	} else {
		return 0;
	}
	cfh_decode_begin(d, out, size);
	return size;
}

/* Index of v in list[0..n), or -1. */
static int index_of(const uint32_t *list, uint32_t n, uint32_t v)
{
	for (uint32_t i = 0; i < n; i++)
		if (list[i] == v)
			return (int)i;
	return -1;
}

/* The argument bytes that would make the table entry at b0 decode to op;
 * the caller checks the result by decoding. */
static size_t guess_args(const struct cfm *m, const struct cfm_op *op,
                         uint8_t out[3])
{
	const struct cfm_task *active = cfm_active_task(m);
	uint32_t inst = active ? active->instance : 0;
	uint32_t list[CFM_MAX_HANDLES], n;
	int i;
	switch (op->code) {
	case CFM_OP_CALL:
		if (op->instance <= inst || op->key > 3 || op->deadline > 16)
			return 0;
		out[1] = (uint8_t)(op->instance - inst - 1);
		out[2] = (uint8_t)((op->shared ? 1 : 0) | op->key << 1 |
		                   (op->has_deadline ? 8 : 0) |
		                   (op->has_deadline ? (op->deadline - 1) << 4
		                                     : 0));
		return 3;
	case CFM_OP_SUBTASK_CANCEL:
	case CFM_OP_SUBTASK_DROP:
		n = owned_handles(m, op->actor, inst, NULL, list,
		                  CFM_MAX_HANDLES);
		if ((i = index_of(list, n, op->handle)) < 0)
			return 0;
		out[1] = (uint8_t)i;
		return 2;
	case CFM_OP_RUN:
		if (op->n > 255)
			return 0;
		out[1] = (uint8_t)op->n;
		return 2;
	case CFM_OP_TICK:
		if (op->n < 1 || op->n > 16)
			return 0;
		out[1] = (uint8_t)(op->n - 1);
		return 2;
	case CFM_OP_BACKPRESSURE:
		if (active)
			return 1;
		if (op->instance < 1)
			return 0;
		out[1] = (uint8_t)(op->instance - 1);
		return 2;
	case CFM_OP_TASK_RETURN:
		if (op->value > 255)
			return 0;
		out[1] = (uint8_t)op->value;
		return 2;
	case CFM_OP_RESOURCE_DROP:
		n = active ? live_resources(active, list) : 0;
		if ((i = index_of(list, n, op->resource)) < 0)
			return 0;
		out[1] = (uint8_t)i;
		return 2;
	case CFM_OP_TASK_CANCEL:
	case CFM_OP_WAIT:
	case CFM_OP_YIELD:
	case CFM_OP_EXIT:
	case CFM_OP_RESOURCE_NEW:
	case CFM_OP_POLL:
		return 1;
	}
	return 0;
}

/* A num (see decode.h) into out; returns its length. */
static size_t put_num(uint8_t *out, uint32_t v)
{
	if (v < 0xfe) {
		out[0] = (uint8_t)v;
		return 1;
	}
	size_t n = v <= 0xffff ? 2 : 4;
	out[0] = n == 2 ? 0xfe : 0xff;
	for (size_t i = 0; i < n; i++)
		out[1 + i] = (uint8_t)(v >> (8 * i));
	return 1 + n;
}

/* Version 2's guess_args: the ordinary entry at out[0] decoding to op. */
static size_t guess_args2(const struct cfm *m, const struct cfm_op *op,
                          uint8_t out[CFH_STEP_MAX])
{
	const struct cfm_task *active = cfm_active_task(m);
	uint32_t inst = active ? active->instance : 0;
	switch (op->code) {
	case CFM_OP_CALL:
		if (op->instance <= inst || op->instance - inst > 256 ||
		    op->key > 15 || (op->has_deadline && op->deadline == 0))
			return 0;
		out[1] = (uint8_t)(op->instance - inst - 1);
		out[2] = (uint8_t)((op->shared ? 1 : 0) |
		                   (op->has_deadline ? 2 : 0) | op->key << 2);
		return 3 + (op->has_deadline ? put_num(out + 3, op->deadline)
		                             : 0);
	case CFM_OP_RUN:
		return 1 + put_num(out + 1, op->n);
	case CFM_OP_TICK:
		return op->n == 0 ? 0 : 1 + put_num(out + 1, op->n);
	case CFM_OP_TASK_RETURN:
		return 1 + put_num(out + 1, op->value);
	case CFM_OP_SUBTASK_CANCEL:
	case CFM_OP_SUBTASK_DROP:
	case CFM_OP_BACKPRESSURE:
	case CFM_OP_RESOURCE_DROP:
	case CFM_OP_TASK_CANCEL:
	case CFM_OP_WAIT:
	case CFM_OP_YIELD:
	case CFM_OP_EXIT:
	case CFM_OP_RESOURCE_NEW:
	case CFM_OP_POLL:
		return guess_args(m, op, out); /* the same as version 1 */
	}
	return 0;
}

/* A raw op (see decode_raw) into out; returns its length, 0 if op does
 * not fit. */
static size_t put_raw(const struct cfm_op *op, uint8_t *out)
{
	out[0] = (uint8_t)op->code;
	switch (op->code) {
	case CFM_OP_CALL:
		if (op->instance > 255 || op->key > 15)
			return 0;
		out[1] = (uint8_t)op->instance;
		out[2] = (uint8_t)((op->shared ? 1 : 0) |
		                   (op->has_deadline ? 2 : 0) | op->key << 2);
		return 3 + (op->has_deadline ? put_num(out + 3, op->deadline)
		                             : 0);
	case CFM_OP_SUBTASK_CANCEL:
	case CFM_OP_SUBTASK_DROP:
		out[1] = (uint8_t)op->handle;
		return op->handle > 255 ? 0 : 2;
	case CFM_OP_TASK_RETURN:
		out[1] = op->kind == CFM_KIND_ERR ? 1 : 0;
		return 2 + put_num(out + 2, op->value);
	case CFM_OP_WAIT:
		out[1] = op->cancellable ? 1 : 0;
		return 2;
	case CFM_OP_RESOURCE_DROP:
		out[1] = (uint8_t)op->resource;
		return op->resource > 255 ? 0 : 2;
	case CFM_OP_BACKPRESSURE:
		if (op->instance > 255 || op->delta < -128 || op->delta > 127)
			return 0;
		out[1] = (uint8_t)op->instance;
		out[2] = (uint8_t)(int8_t)op->delta;
		return 3;
	case CFM_OP_TICK:
	case CFM_OP_RUN:
		return 1 + put_num(out + 1, op->n);
	case CFM_OP_TASK_CANCEL:
	case CFM_OP_YIELD:
	case CFM_OP_EXIT:
	case CFM_OP_RESOURCE_NEW:
	case CFM_OP_POLL:
		return 1;
	}
	return 0;
}

/* Does the step in bytes[0..len) decode to exactly op, and use all of it,
 * from decoder d? If so, *after is d past it. */
static bool decodes_to(const struct cfh_decoder *d, const struct cfm *m,
                       const uint8_t *bytes, size_t len,
                       const struct cfm_op *op, struct cfh_decoder *after)
{
	struct step_bytes s = {bytes, len, 0};
	struct cfm_op got;
	bool misuse;
	*after = *d;
	decode_one(after, m, &s, &got, &misuse);
	return len > 0 && s.used == len && after->repeat_left == 0 &&
	       cfm_op_equal(&got, op);
}

/* Takes bytes[0..len) as the step if they decode to op. */
static bool try_step(struct cfh_decoder *d, const struct cfm *m,
                     const struct cfm_op *op, const uint8_t *bytes,
                     size_t len, uint8_t out[CFH_STEP_MAX], size_t *out_len)
{
	struct cfh_decoder after;
	if (!decodes_to(d, m, bytes, len, op, &after))
		return false;
	memcpy(out, bytes, len);
	*out_len = len;
	*d = after;
	return true;
}

static bool encode_step1(struct cfh_decoder *d, const struct cfm *m,
                         const struct cfm_op *op, uint8_t out[CFH_STEP_MAX],
                         size_t *len)
{
	/* An ordinary table entry first, then the misuses. */
	for (unsigned b0 = 0; b0 < 16; b0++) {
		uint8_t bytes[3] = {(uint8_t)b0, 0, 0};
		size_t n = guess_args(m, op, bytes);
		if (try_step(d, m, op, bytes, n, out, len))
			return true;
	}
	if (d->setup.features & CFH_F_MISUSE)
		for (unsigned b0 = MISUSE_BASE; b0 <= 0xff; b0++) {
			uint8_t bytes[1] = {(uint8_t)b0};
			if (try_step(d, m, op, bytes, 1, out, len))
				return true;
		}
	return false;
}

/* Version 2's raw forms of op, by each way of naming its actor. */
static bool encode_raw(struct cfh_decoder *d, const struct cfm *m,
                       const struct cfm_op *op, uint8_t out[CFH_STEP_MAX],
                       size_t *len)
{
	uint8_t bytes[CFH_STEP_MAX];
	uint32_t ids[CFM_MAX_TASKS], k = other_tasks(m, ids);
	size_t n;
	int i;

	bytes[0] = REACH_BASE + REACH_RAW_HOST;
	if ((n = put_raw(op, bytes + 1)) &&
	    try_step(d, m, op, bytes, 1 + n, out, len))
		return true;
	bytes[0] = REACH_BASE + REACH_RAW_ACTIVE;
	if ((n = put_raw(op, bytes + 1)) &&
	    try_step(d, m, op, bytes, 1 + n, out, len))
		return true;
	bytes[0] = REACH_BASE + REACH_RAW_OTHER;
	bytes[1] = (uint8_t)((i = index_of(ids, k, op->actor)) < 0 ? 0 : i);
	if ((n = put_raw(op, bytes + 2)) &&
	    try_step(d, m, op, bytes, 2 + n, out, len))
		return true;
	if (op->actor > m->next_task_id &&
	    op->actor - m->next_task_id - 1 <= 255) {
		bytes[0] = REACH_BASE + REACH_RAW_UNISSUED;
		bytes[1] = (uint8_t)(op->actor - m->next_task_id - 1);
		if ((n = put_raw(op, bytes + 2)) &&
		    try_step(d, m, op, bytes, 2 + n, out, len))
			return true;
	}
	bytes[0] = REACH_BASE + REACH_RAW_ID;
	size_t a = 1 + put_num(bytes + 1, op->actor);
	return (n = put_raw(op, bytes + a)) &&
	       try_step(d, m, op, bytes, a + n, out, len);
}

static bool encode_step2(struct cfh_decoder *d, const struct cfm *m,
                         const struct cfm_op *op, uint8_t out[CFH_STEP_MAX],
                         size_t *len)
{
	const struct entry2 *table =
	    cfm_active_task(m) ? task_table2 : host_table2;
	uint8_t bytes[CFH_STEP_MAX] = {0};

	/* Ordinary entries of op's code (a fallback is an entry of its own
	 * code too), the repeat last among them (once, count 1). */
	for (unsigned b0 = 0; b0 < 32; b0++) {
		if (!table[b0].repeat && table[b0].code != op->code)
			continue;
		memset(bytes, 0, sizeof(bytes));
		bytes[0] = (uint8_t)b0;
		size_t n = table[b0].repeat ? 2 : guess_args2(m, op, bytes);
		if (try_step(d, m, op, bytes, n, out, len))
			return true;
	}
	if (!(d->setup.features & CFH_F_MISUSE))
		return false;
	/* One-byte reach steps and misuses, then those with an argument. */
	for (unsigned b0 = REACH_BASE; b0 <= 0xff; b0++) {
		bytes[0] = (uint8_t)b0;
		if (try_step(d, m, op, bytes, 1, out, len))
			return true;
	}
	if (op->code == CFM_OP_BACKPRESSURE || op->code == CFM_OP_CALL)
		for (unsigned x = 0; x <= 0xff; x++) {
			bytes[0] = REACH_BASE + (op->code == CFM_OP_CALL
			                             ? REACH_CALL_ELSEWHERE
			                             : REACH_BACKPRESSURE_ELSEWHERE);
			bytes[1] = (uint8_t)x;
			if (try_step(d, m, op, bytes, 2, out, len))
				return true;
		}
	return encode_raw(d, m, op, out, len);
}

bool cfh_encode_step(struct cfh_decoder *d, const struct cfm *m,
                     const struct cfm_op *op, uint8_t out[CFH_STEP_MAX],
                     size_t *len)
{
	if (d->repeat_left > 0)
		return false; /* a step the encoder did not write */
	return d->version == CFH_FORMAT_V1 ? encode_step1(d, m, op, out, len)
	                                   : encode_step2(d, m, op, out, len);
}

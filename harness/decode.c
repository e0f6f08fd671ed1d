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

/* ---- what the model's state offers ---- */

/* The actor's live handles in its table, ascending, that satisfy want
 * (NULL: all). Returns how many; fills at most cap. One pass over the
 * model's records, then an insertion sort: tables are small. */
static uint32_t owned_handles(const struct cfm *m, uint32_t actor,
                              uint32_t instance,
                              bool (*want)(const struct cfm_subtask *),
                              uint32_t *out, uint32_t cap)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < m->subtask_slots; i++) {
		const struct cfm_subtask *s = &m->subtasks[i];
		if (!s->live || !s->handle || s->instance != instance ||
		    s->owner != actor || (want && !want(s)) || n == cap)
			continue;
		uint32_t at = n++;
		while (at > 0 && out[at - 1] > s->handle) {
			out[at] = out[at - 1];
			at--;
		}
		out[at] = s->handle;
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
	for (uint32_t i = 0; i < m->subtask_slots; i++) {
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
	for (uint32_t i = 0; i < m->subtask_slots; i++) {
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

/* Decodes one step from s against m. */
static void decode_step(const struct cfm *m, const struct cfh_setup *su,
                        struct step_bytes *s, struct cfm_op *op,
                        bool *misuse)
{
	const struct cfm_task *active = cfm_active_task(m);
	uint32_t actor = active ? active->id : CFM_HOST;
	uint32_t inst = active ? active->instance : 0;
	uint8_t b = take(s);

	memset(op, 0, sizeof(*op));
	op->actor = actor;
	*misuse = (su->features & CFH_F_MISUSE) && b >= MISUSE_BASE;
	if (*misuse) {
		decode_misuse(m, su, (enum misuse)(b - MISUSE_BASE), op);
		return;
	}

	const struct entry *e = &(active ? task_table : host_table)[b & 15];
	uint32_t h[CFM_MAX_HANDLES], r[CFM_MAX_RESOURCES], n;
	op->code = e->code;
	switch (e->code) {
	case CFM_OP_CALL: {
		uint32_t callable = su->caps.instances - 1 - inst;
		if (callable == 0) {
			fallback(active, op);
			return;
		}
		op->instance = inst + 1 + take(s) % callable;
		uint8_t o = take(s);
		op->shared = (su->features & CFH_F_SHARED) && (o & 1);
		op->key = op->shared ? (o >> 1) & 3 : 0;
		op->has_deadline = (su->features & CFH_F_DEADLINES) && (o & 8);
		op->deadline = op->has_deadline ? 1u + (o >> 4) : 0;
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
		op->n = take(s);
		return;
	case CFM_OP_TICK:
		op->n = 1u + take(s) % 16;
		return;
	case CFM_OP_BACKPRESSURE:
		if (!(su->features & CFH_F_BACKPRESSURE)) {
			fallback(active, op);
			return;
		}
		op->delta = e->variant;
		op->instance = active ? inst
		                      : 1u + take(s) % (su->caps.instances - 1);
		return;
	case CFM_OP_TASK_RETURN:
		op->kind = (enum cfm_kind)e->variant;
		op->value = take(s);
		return;
	case CFM_OP_WAIT:
		op->cancellable = e->variant != 0;
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

void cfh_decode_begin(struct cfh_decoder *d, const uint8_t *data, size_t size)
{
	uint8_t h[CFH_HEADER_SIZE] = {0};
	memcpy(h, data, size < CFH_HEADER_SIZE ? size : CFH_HEADER_SIZE);
	memset(d, 0, sizeof(*d));
	setup_from_header(h, &d->setup);
	d->p = size > CFH_HEADER_SIZE ? data + CFH_HEADER_SIZE : data + size;
	d->end = data + size;
}

bool cfh_decode_next(struct cfh_decoder *d, const struct cfm *m,
                     struct cfm_op *op, bool *misuse)
{
	if (d->p >= d->end)
		return false;
	struct step_bytes s = {d->p, (size_t)(d->end - d->p), 0};
	decode_step(m, &d->setup, &s, op, misuse);
	d->p += s.used < s.avail ? s.used : s.avail;
	if (op->code == CFM_OP_CALL)
		op->slot = ++d->slots;
	return true;
}

/* ---- encoding: the inverse, checked by decoding ---- */

bool cfh_encode_setup(const struct cfh_setup *su, uint8_t out[CFH_HEADER_SIZE])
{
	const struct cfm_config *c = &su->caps;
	if (c->instances < 2 || c->instances > 6 || c->max_tasks < 2 ||
	    c->max_tasks > 32 || c->max_handles < 1 || c->max_handles > 16 ||
	    c->max_resources < 1 || c->max_resources > 4 || c->max_keys < 1 ||
	    c->max_keys > 4 || (su->features & ~(uint32_t)CFH_F_ALL))
		return false;
	out[0] = CFH_FORMAT_VERSION;
	out[1] = (uint8_t)(c->instances - 2);
	out[2] = (uint8_t)su->features;
	out[3] = (uint8_t)(c->max_tasks - 2);
	out[4] = (uint8_t)((c->max_handles - 1) | (c->max_resources - 1) << 4 |
	                   (c->max_keys - 1) << 6);
	return true;
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

/* Does the step in bytes[0..len) decode to exactly op (and use all of it)? */
static bool decodes_to(const struct cfm *m, const struct cfh_setup *su,
                       const uint8_t *bytes, size_t len,
                       const struct cfm_op *op)
{
	struct step_bytes s = {bytes, len, 0};
	struct cfm_op got;
	bool misuse;
	decode_step(m, su, &s, &got, &misuse);
	return s.used == len && cfm_op_equal(&got, op);
}

bool cfh_encode_step(const struct cfm *m, const struct cfh_setup *su,
                     const struct cfm_op *op, uint8_t out[3], size_t *len)
{
	/* An ordinary table entry first, then the misuses. */
	for (unsigned b0 = 0; b0 < 16; b0++) {
		uint8_t bytes[3] = {(uint8_t)b0, 0, 0};
		size_t n = guess_args(m, op, bytes);
		if (n && decodes_to(m, su, bytes, n, op)) {
			memcpy(out, bytes, n);
			*len = n;
			return true;
		}
	}
	if (su->features & CFH_F_MISUSE) {
		for (unsigned b0 = MISUSE_BASE; b0 <= 0xff; b0++) {
			uint8_t bytes[1] = {(uint8_t)b0};
			if (decodes_to(m, su, bytes, 1, op)) {
				out[0] = bytes[0];
				*len = 1;
				return true;
			}
		}
	}
	return false;
}

/* test_decode.c - the input format: version 1 decodes as it always did,
 * version 2 reaches what version 1 cannot, and encoding inverts both. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "engine.h"
#include "tap.h"

/* A deterministic generator: Knuth's MMIX LCG, high bits. */
static uint32_t lcg(uint64_t *state)
{
	*state = *state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*state >> 33);
}

#define FNV_OFFSET 0xcbf29ce484222325ull

static uint64_t fnv1a(uint64_t h, const void *data, size_t size)
{
	const uint8_t *p = data;
	for (size_t i = 0; i < size; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static struct cfm *new_model(const struct cfh_setup *su)
{
	struct cfm *m = malloc(sizeof(*m));
	ASSERT_TRUE(m != NULL);
	ASSERT_EQ(cfm_init(m, &su->caps), CFM_OK);
	return m;
}

/* Decodes data to the end against a model, applying every op, and folds
 * the setup, each op as printed, its slot tag and misuse flag into h. */
static uint64_t hash_decoding(uint64_t h, const uint8_t *data, size_t size)
{
	struct cfh_decoder d;
	struct cfm_op op;
	bool misuse;
	char text[128];
	size_t steps = 0;
	cfh_decode_begin(&d, data, size);
	h = fnv1a(h, &d.setup.caps, sizeof(d.setup.caps));
	h = fnv1a(h, &d.setup.features, sizeof(d.setup.features));
	struct cfm *m = new_model(&d.setup);
	while (cfh_decode_next(&d, m, &op, &misuse)) {
		ASSERT_TRUE(++steps <= size); /* v1: every step eats a byte */
		cfm_op_format(&op, text, sizeof(text));
		h = fnv1a(h, text, strlen(text) + 1);
		h = fnv1a(h, &op.slot, sizeof(op.slot));
		h = fnv1a(h, &misuse, 1);
		(void)cfm_apply(m, &op);
	}
	free(m);
	return h;
}

/* ---- version 1 is frozen ---- */

/* Computed with the version 1 decoder before version 2 existed
 * (commit "test_decode: golden hash of version 1 decoding"). */
#define V1_GOLDEN 0x8ac978266b602266ull

/* 4000 inputs with byte 0 = 1: random headers, step bytes leaning to the
 * ones that pick operations and misuses, lengths 1..600 (an empty input is not version 1). */
static void v1_decodes_exactly_as_before(void)
{
	static uint8_t buf[600];
	uint64_t seed = 1, h = FNV_OFFSET;
	for (int i = 0; i < 4000; i++) {
		size_t len = 1 + lcg(&seed) % (i % 10 == 0 ? 8 : sizeof(buf) - 1);
		for (size_t k = 0; k < len; k++) {
			uint32_t r = lcg(&seed);
			buf[k] = (uint8_t)(k >= 5 && r % 3 == 0
			                       ? (r >> 8) % 16 +
			                             (r % 7 == 0 ? 0xf0 : 0)
			                       : r >> 8);
		}
		buf[0] = 1;
		h = hash_decoding(h, buf, len);
	}
	tap_note("version 1 hash %016llx", (unsigned long long)h);
	ASSERT_EQ(h, V1_GOLDEN);
}

/* ---- version 2 reaches what version 1 cannot ---- */

/* The most ops an input of this test can give: its bytes (at most 400)
 * and every repeat the budget allows. */
#define MAX_OPS (400 + CFH_REPEAT_BUDGET)

/* An input decoded to the end, each op applied to a model. */
struct decoded {
	struct cfh_decoder d;
	size_t n;
	struct cfm_op op[MAX_OPS];
	struct cfm_result res[MAX_OPS];
	bool misuse[MAX_OPS];
};

static void decode_into(struct decoded *r, const uint8_t *data, size_t size)
{
	r->n = 0;
	cfh_decode_begin(&r->d, data, size);
	struct cfm *m = new_model(&r->d.setup);
	while (r->n < MAX_OPS &&
	       cfh_decode_next(&r->d, m, &r->op[r->n], &r->misuse[r->n])) {
		r->res[r->n] = cfm_apply(m, &r->op[r->n]);
		r->n++;
	}
	free(m);
}

static struct decoded *decode_input(const uint8_t *data, size_t size)
{
	struct decoded *r = malloc(sizeof(*r));
	ASSERT_TRUE(r != NULL);
	decode_into(r, data, size);
	return r;
}

/* Op i of r as printed must be want, with the error err. */
static void expect_op(const struct decoded *r, size_t i, const char *want,
                      enum cfm_err err, int line)
{
	char text[128];
	if (i >= r->n)
		tap_fail(__FILE__, line, "only %zu ops, wanted op %zu: %s",
		         r->n, i, want);
	cfm_op_format(&r->op[i], text, sizeof(text));
	if (strcmp(text, want) != 0 || r->res[i].err != err)
		tap_fail(__FILE__, line, "op %zu: '%s' => %s, wanted '%s' => %s",
		         i, text, cfm_err_name(r->res[i].err), want,
		         cfm_err_name(err));
}

#define EXPECT_OP(r, i, want, err) expect_op(r, i, want, CFM_##err, __LINE__)

/* Version 2 headers: instances 3, every feature, the model's caps. */
#define V2_HEADER 2, 1, 0x1f, 63, 31, 0xff

/* Host table indexes of version 2 (decode.c's host_table2). */
#define H_CALL 0x00
#define H_RUN 0x06
#define H_TICK 0x18
#define H_BP_UP 0x1b
#define H_REPEAT 0x1f
/* Task table indexes (task_table2). */
#define T_CALL 0x00
#define T_RETURN_OK 0x09
#define T_YIELD 0x14
#define T_RESOURCE_NEW 0x18
#define T_REPEAT 0x1f

/* Reach bytes. */
#define RAW_HOST 0xe8
#define RAW_ACTIVE 0xe9
#define RAW_OTHER 0xea
#define FOREIGN_DROP 0xec
#define BP_ELSEWHERE 0xed
#define CALL_ELSEWHERE 0xee
#define RAW_UNISSUED 0xef

static void v2_header_reaches_model_caps(void)
{
	static const uint8_t in[] = {2, 4, 0x1f, 63, 31, 0xff};
	struct decoded *r = decode_input(in, sizeof(in));
	ASSERT_EQ(r->d.version, CFH_FORMAT_V2);
	ASSERT_EQ(r->d.setup.caps.instances, 6);
	ASSERT_EQ(r->d.setup.caps.max_tasks, CFM_MAX_TASKS);
	ASSERT_EQ(r->d.setup.caps.max_handles, CFM_MAX_HANDLES);
	ASSERT_EQ(r->d.setup.caps.max_resources, CFM_MAX_RESOURCES);
	ASSERT_EQ(r->d.setup.caps.max_keys, CFM_MAX_KEYS);
	ASSERT_EQ(r->n, 0);
	free(r);
	/* Any byte 0 but 1 is version 2, a missing one too. */
	static const uint8_t other[] = {0};
	r = decode_input(other, sizeof(other));
	ASSERT_EQ(r->d.version, CFH_FORMAT_V2);
	free(r);
	r = decode_input(other, 0);
	ASSERT_EQ(r->d.version, CFH_FORMAT_V2);
	free(r);
}

/* 1. subtask.drop of another task's handle in the actor's table. */
static void v2_reaches_drop_of_foreign_handle(void)
{
	static const uint8_t in[] = {
	    V2_HEADER,
	    H_CALL, 0, 0,   /* host call 1: T1 */
	    H_CALL, 0, 0,   /* host call 1: T2 */
	    H_RUN, 0,       /* T1 */
	    T_CALL, 0, 0,   /* T1 call 2: h1 in instance 1, T1's */
	    T_YIELD,        /* queue: T2 T3 T1 */
	    H_RUN, 0,       /* T2, also of instance 1 */
	    FOREIGN_DROP,
	};
	struct decoded *r = decode_input(in, sizeof(in));
	EXPECT_OP(r, 3, "T1 call 2", OK);
	EXPECT_OP(r, 5, "host run 0", OK);
	ASSERT_EQ(r->res[5].task, 2);
	EXPECT_OP(r, 6, "T2 subtask.drop 1", E_NOTOWNER);
	ASSERT_TRUE(r->misuse[6]);
	free(r);
}

/* 2. A task changing another instance's backpressure. */
static void v2_reaches_backpressure_of_other_instance(void)
{
	static const uint8_t in[] = {
	    V2_HEADER,
	    H_CALL, 0, 0, H_RUN, 0,   /* T1 of instance 1 active */
	    BP_ELSEWHERE, 0,          /* instance 2 */
	    BP_ELSEWHERE, 3,          /* instance 0, -1 */
	    RAW_ACTIVE, 10, 200, 1,   /* backpressure 200 +1 */
	};
	struct decoded *r = decode_input(in, sizeof(in));
	EXPECT_OP(r, 2, "T1 backpressure 2 +1", E_BADINSTANCE);
	EXPECT_OP(r, 3, "T1 backpressure 0 -1", E_BADINSTANCE);
	EXPECT_OP(r, 4, "T1 backpressure 200 +1", E_BADINSTANCE);
	free(r);
}

/* 3. The host targeting instance 0 or one >= N. */
static void v2_reaches_host_bad_instances(void)
{
	static const uint8_t in[] = {
	    V2_HEADER,
	    CALL_ELSEWHERE, 0,    /* call 0 */
	    CALL_ELSEWHERE, 0x80, /* call N = 3 */
	    BP_ELSEWHERE, 0,      /* backpressure 0 */
	    BP_ELSEWHERE, 2,      /* backpressure N */
	    RAW_HOST, 0, 255, 0,  /* call 255 */
	    RAW_HOST, 10, 7, 0xff, /* backpressure 7 -1 */
	};
	struct decoded *r = decode_input(in, sizeof(in));
	EXPECT_OP(r, 0, "host call 0", E_BADINSTANCE);
	EXPECT_OP(r, 1, "host call 3", E_BADINSTANCE);
	EXPECT_OP(r, 2, "host backpressure 0 +1", E_BADINSTANCE);
	EXPECT_OP(r, 3, "host backpressure 3 +1", E_BADINSTANCE);
	EXPECT_OP(r, 4, "host call 255", E_BADINSTANCE);
	EXPECT_OP(r, 5, "host backpressure 7 -1", E_BADINSTANCE);
	free(r);
}

/* The raw form of each opcode (decode.h), in cfm.h's order: the opcode
 * byte, then arguments. */
static const struct {
	uint8_t len, bytes[4];
	const char *text; /* as printed, after the actor */
} raw_ops[CFM_OPCODE_COUNT] = {
    {3, {0, 1, 0}, "call 1"},
    {2, {1, 1}, "subtask.cancel 1"},
    {2, {2, 1}, "subtask.drop 1"},
    {3, {3, 0, 7}, "task.return ok 7"},
    {1, {4}, "task.cancel"},
    {2, {5, 1}, "wait cancellable"},
    {1, {6}, "yield"},
    {1, {7}, "exit"},
    {1, {8}, "resource.new"},
    {2, {9, 1}, "resource.drop 1"},
    {3, {10, 1, 1}, "backpressure 1 +1"},
    {2, {11, 1}, "tick 1"},
    {2, {12, 0}, "run 0"},
    {1, {13}, "poll"},
};

/* A prefix (host call 1 twice, run: T1 active, T2 queued), then each
 * opcode's raw form behind the reach bytes pre[0..npre); returns the
 * decoded input, the opcode's step at index 3 + code. */
static struct decoded *each_opcode_after(const uint8_t *pre, size_t npre)
{
	uint8_t in[256] = {V2_HEADER, H_CALL, 0, 0, H_CALL, 0, 0, H_RUN, 0};
	size_t n = 14;
	for (unsigned c = 0; c < CFM_OPCODE_COUNT; c++) {
		memcpy(in + n, pre, npre);
		n += npre;
		memcpy(in + n, raw_ops[c].bytes, raw_ops[c].len);
		n += raw_ops[c].len;
	}
	struct decoded *r = decode_input(in, n);
	ASSERT_EQ(r->n, 3 + CFM_OPCODE_COUNT);
	ASSERT_EQ(r->res[2].task, 1); /* T1 active throughout: errors */
	return r;
}

/* 4. The host doing every operation while a task is active. */
static void v2_reaches_host_every_op_while_active(void)
{
	static const uint8_t pre[] = {RAW_HOST};
	char want[64];
	struct decoded *r = each_opcode_after(pre, sizeof(pre));
	for (unsigned c = 0; c < CFM_OPCODE_COUNT; c++) {
		snprintf(want, sizeof(want), "host %s", raw_ops[c].text);
		EXPECT_OP(r, 3 + c, want, E_ACTIVE);
	}
	free(r);
}

/* 5. A live task that is not active, and an id never issued, doing every
 * operation. */
static void v2_reaches_not_active_every_op(void)
{
	static const uint8_t other[] = {RAW_OTHER, 0};
	static const uint8_t unissued[] = {RAW_UNISSUED, 5};
	char want[64];
	struct decoded *r = each_opcode_after(other, sizeof(other));
	for (unsigned c = 0; c < CFM_OPCODE_COUNT; c++) {
		snprintf(want, sizeof(want), "T2 %s", raw_ops[c].text);
		EXPECT_OP(r, 3 + c, want, E_NOTACTIVE);
	}
	free(r);
	r = each_opcode_after(unissued, sizeof(unissued));
	for (unsigned c = 0; c < CFM_OPCODE_COUNT; c++) {
		/* Two tasks so far: 3 + 5 was never issued. */
		snprintf(want, sizeof(want), "T8 %s", raw_ops[c].text);
		EXPECT_OP(r, 3 + c, want, E_NOTACTIVE);
	}
	free(r);
}

/* 6. A task calling poll, run and tick. */
static void v2_reaches_task_doing_host_ops(void)
{
	static const uint8_t in[] = {
	    V2_HEADER,  H_CALL, 0,  0, H_RUN, 0,
	    RAW_ACTIVE, 13,           /* poll */
	    RAW_ACTIVE, 12, 0xfe, 0x2c, 0x01, /* run 300 */
	    RAW_ACTIVE, 11, 0,        /* tick 0 */
	};
	struct decoded *r = decode_input(in, sizeof(in));
	EXPECT_OP(r, 2, "T1 poll", E_ACTIVE);
	EXPECT_OP(r, 3, "T1 run 300", E_ACTIVE);
	EXPECT_OP(r, 4, "T1 tick 0", E_ACTIVE);
	free(r);
}

/* 7. Argument ranges: values, deadlines, ticks, run positions, keys. */
static void v2_reaches_full_argument_ranges(void)
{
	uint8_t in[256] = {V2_HEADER,
	    H_CALL, 0, 2, 0xff, 0xff, 0xff, 0xff, 0xff, /* deadline 2^32-1 */
	    H_CALL, 0, 2, 0xfe, 0x2c, 0x01,           /* deadline 300 */
	    H_CALL, 0, 2, 17,                         /* deadline 17 */
	    H_TICK, 0xff, 0xff, 0xff, 0xff, 0xff,     /* tick 2^32-1 */
	    H_TICK, 200,                              /* tick 200 */
	    H_RUN, 0xfe, 0x2c, 0x01,                  /* run 300 */
	    T_RETURN_OK, 0xff, 0x78, 0x56, 0x34, 0x12,
	};
	size_t n = 42; /* the bytes above */
	for (unsigned k = 0; k < CFM_MAX_KEYS; k++) { /* shared(0..15) */
		in[n++] = H_CALL;
		in[n++] = 0;
		in[n++] = (uint8_t)(1 | k << 2);
	}
	struct decoded *r = decode_input(in, n);
	EXPECT_OP(r, 0, "host call 1 deadline(4294967295)", OK);
	EXPECT_OP(r, 1, "host call 1 deadline(300)", OK);
	EXPECT_OP(r, 2, "host call 1 deadline(17)", OK);
	EXPECT_OP(r, 3, "host tick 4294967295", OK);
	EXPECT_OP(r, 4, "host tick 200", OK);
	EXPECT_OP(r, 5, "host run 300", OK);
	EXPECT_OP(r, 6, "T1 task.return ok 305419896", OK);
	for (unsigned k = 0; k < CFM_MAX_KEYS; k++) {
		char want[64];
		snprintf(want, sizeof(want), "T1 call 2 shared(%u)", k);
		EXPECT_OP(r, 7 + k, want, OK);
	}
	ASSERT_EQ(r->n, 7 + CFM_MAX_KEYS);
	free(r);
}

/* 7. Every resource id up to the cap, with a repeat. */
static void v2_reaches_every_resource(void)
{
	static const uint8_t in[] = {
	    V2_HEADER,     H_CALL, 0, 0, H_RUN, 0,
	    T_RESOURCE_NEW, T_REPEAT, 15, /* 1 + 16 more */
	};
	struct decoded *r = decode_input(in, sizeof(in));
	ASSERT_EQ(r->n, 2 + 1 + 16);
	for (unsigned i = 0; i < CFM_MAX_RESOURCES; i++) {
		EXPECT_OP(r, 2 + i, "T1 resource.new", OK);
		ASSERT_EQ(r->res[2 + i].resource, i + 1);
	}
	EXPECT_OP(r, 2 + CFM_MAX_RESOURCES, "T1 resource.new", E_LIMIT);
	free(r);
}

/* 7. Backpressure 255 -> 256 in a few bytes: the repeat. */
static void v2_reaches_backpressure_range_by_repeat(void)
{
	static const uint8_t in[] = {
	    V2_HEADER, H_BP_UP, 0,     /* host backpressure 1 +1 */
	    H_REPEAT, 0x80, 0xfe,      /* 255 more */
	};
	struct decoded *r = decode_input(in, sizeof(in));
	ASSERT_EQ(r->n, 256);
	for (unsigned i = 0; i < 255; i++)
		EXPECT_OP(r, i, "host backpressure 1 +1", OK);
	EXPECT_OP(r, 255, "host backpressure 1 +1", E_RANGE);
	free(r);
}

/* The repeat is bounded: 4096 at once, CFH_REPEAT_BUDGET per input. */
static void v2_repeat_is_bounded(void)
{
	static uint8_t in[6 + 1 + 3 * 8];
	memcpy(in, (const uint8_t[]){V2_HEADER}, 6);
	in[6] = 0x15; /* host poll */
	for (size_t i = 0; i < 8; i++)
		memcpy(in + 7 + 3 * i, (const uint8_t[]){H_REPEAT, 0x8f, 0xff},
		       3); /* 4096 each */
	struct cfh_decoder d;
	struct cfm *m;
	struct cfm_op op;
	bool misuse;
	size_t n = 0;
	cfh_decode_begin(&d, in, sizeof(in));
	m = new_model(&d.setup);
	while (cfh_decode_next(&d, m, &op, &misuse)) {
		n++;
		ASSERT_TRUE(op.code == CFM_OP_POLL);
	}
	/* poll, 4 repeats of 4096, then 4 fallbacks (poll) */
	ASSERT_EQ(n, 1 + CFH_REPEAT_BUDGET + 4);
	free(m);
}

/* 8. The misuses of version 1 stay, decoded the same way. */
static void v2_keeps_v1_misuses(void)
{
	/* The same caps both ways: instances 3, max_tasks 32, handles 16,
	 * resources 4, keys 4; host call 1, run: T1 active. */
	for (unsigned b = 0xf0; b <= 0xff; b++) {
		for (int after = 0; after < 2; after++) {
			uint8_t v1[] = {1, 1, 0x1f, 30, 0xff, 0x00,
			                0,    0, 0x03, 0,   0};
			uint8_t v2[] = {2,      1, 0x1f, 31,    15, 0x33,
			                H_CALL, 0, 0,    H_RUN, 0,  0};
			/* after 0: the misuse first; 1: after the prefix */
			size_t n1 = after ? sizeof(v1) : 6,
			       n2 = after ? sizeof(v2) : 7;
			v1[n1 - 1] = v2[n2 - 1] = (uint8_t)b;
			struct decoded *a = decode_input(v1, n1);
			struct decoded *c = decode_input(v2, n2);
			ASSERT_EQ(a->n, c->n);
			ASSERT_TRUE(cfm_op_equal(&a->op[a->n - 1],
			                         &c->op[c->n - 1]));
			ASSERT_TRUE(c->misuse[c->n - 1]);
			free(a);
			free(c);
		}
	}
	static const uint8_t in[] = {V2_HEADER, 0xf9, 0xfb};
	struct decoded *r = decode_input(in, sizeof(in));
	EXPECT_OP(r, 0, "host call 1 deadline(0)", E_RANGE);
	EXPECT_OP(r, 1, "host tick 0", E_RANGE);
	free(r);
}

/* ---- encoding inverts version 2 ---- */

/* Encodes ops in version 2 from setup, each checked against the model,
 * into out; returns the size. */
static size_t encode_v2(const struct cfh_setup *su, const struct cfm_op *ops,
                        size_t n, uint8_t *out, size_t cap)
{
	struct cfh_decoder d;
	char text[128];
	size_t size = cfh_encode_setup(su, CFH_FORMAT_V2, out, &d), len;
	ASSERT_EQ(size, CFH_HEADER_SIZE_V2);
	struct cfm *m = new_model(su);
	for (size_t i = 0; i < n; i++) {
		ASSERT_TRUE(size + CFH_STEP_MAX <= cap);
		if (!cfh_encode_step(&d, m, &ops[i], out + size, &len))
			tap_fail(__FILE__, __LINE__, "op %zu (%s) not encoded", i,
			         cfm_op_format(&ops[i], text, sizeof(text)));
		ASSERT_TRUE(len >= 1 && len <= CFH_STEP_MAX);
		size += len;
		(void)cfm_apply(m, &ops[i]);
	}
	free(m);
	return size;
}

/* Decoding bytes gives exactly ops, slot tags included. */
static void assert_decodes_to(const uint8_t *bytes, size_t size,
                              const struct cfm_op *ops, size_t n)
{
	static struct decoded back;
	struct decoded *r = &back;
	char a[128], b[128];
	decode_into(r, bytes, size);
	ASSERT_EQ(r->n, n);
	for (size_t i = 0; i < n; i++)
		if (!cfm_op_equal(&r->op[i], &ops[i]) ||
		    r->op[i].slot != ops[i].slot)
			tap_fail(__FILE__, __LINE__, "op %zu: '%s' != '%s'", i,
			         cfm_op_format(&r->op[i], a, sizeof(a)),
			         cfm_op_format(&ops[i], b, sizeof(b)));
}

static void v2_round_trip_of_v2_only_ops(void)
{
	const struct cfh_setup su = {{3, 40, 20, 8, 8}, CFH_F_ALL};
	const struct cfm_op ops[] = {
	    {.code = CFM_OP_CALL, .instance = 1, .shared = true, .key = 9,
	     .has_deadline = true, .deadline = 100000, .slot = 1},
	    {.code = CFM_OP_CALL, .instance = 1, .slot = 2},
	    {.code = CFM_OP_RUN, .n = 300},            /* T1 */
	    {.code = CFM_OP_POLL},                     /* E_ACTIVE */
	    {.code = CFM_OP_YIELD, .actor = 2},        /* E_NOTACTIVE */
	    {.code = CFM_OP_YIELD, .actor = 9},        /* never issued */
	    {.code = CFM_OP_BACKPRESSURE, .actor = 1, .instance = 2,
	     .delta = 1},                              /* E_BADINSTANCE */
	    {.code = CFM_OP_TASK_RETURN, .actor = 1, .value = 70000},
	    {.code = CFM_OP_TICK, .actor = 1, .n = 5}, /* E_ACTIVE */
	    {.code = CFM_OP_CALL, .actor = 1, .instance = 0, .slot = 3},
	    {.code = CFM_OP_SUBTASK_DROP, .actor = 1, .handle = 200},
	    {.code = CFM_OP_BACKPRESSURE, .actor = 1, .instance = 1,
	     .delta = 5},                              /* E_RANGE */
	    {.code = CFM_OP_EXIT, .actor = 1},
	    {.code = CFM_OP_YIELD, .actor = 1},        /* exited */
	    {.code = CFM_OP_TICK, .n = 4000000000u},
	    {.code = CFM_OP_CALL, .instance = 1, .has_deadline = true,
	     .deadline = 0, .slot = 4},                /* E_RANGE */
	};
	const size_t n = sizeof(ops) / sizeof(ops[0]);
	uint8_t bytes[CFH_HEADER_SIZE + CFH_STEP_MAX * 16];
	size_t size = encode_v2(&su, ops, n, bytes, sizeof(bytes));
	ASSERT_EQ(bytes[0], CFH_FORMAT_V2);
	assert_decodes_to(bytes, size, ops, n);
}

/* Without misuse an actor that is no longer active can only come back by
 * the repeat: the encoder finds it. */
static void v2_round_trip_uses_repeat(void)
{
	const struct cfh_setup su = {{3, 40, 20, 8, 8},
	                             CFH_F_ALL & ~CFH_F_MISUSE};
	const struct cfm_op ops[] = {
	    {.code = CFM_OP_CALL, .instance = 1, .slot = 1},
	    {.code = CFM_OP_RUN, .n = 0},
	    {.code = CFM_OP_YIELD, .actor = 1},
	    {.code = CFM_OP_YIELD, .actor = 1}, /* E_NOTACTIVE now */
	};
	uint8_t bytes[CFH_HEADER_SIZE + CFH_STEP_MAX * 4];
	size_t size = encode_v2(&su, ops, 4, bytes, sizeof(bytes));
	ASSERT_EQ(bytes[size - 2], H_REPEAT);
	ASSERT_EQ(bytes[size - 1], 0);
	assert_decodes_to(bytes, size, ops, 4);
}

/* ---- every version 2 byte string is a valid input ---- */

/* A version 2 input: byte 0 anything but 1, then bytes leaning to reach
 * steps, repeats and wide numbers. */
static size_t random_v2_input(uint64_t *seed, uint8_t *buf, size_t cap)
{
	size_t len = lcg(seed) % cap;
	for (size_t i = 0; i < len; i++) {
		uint32_t r = lcg(seed);
		switch (r % 16) {
		case 0:
		case 1:
			buf[i] = (uint8_t)(0xe8 + (r >> 8) % 24); /* reach */
			break;
		case 2: /* a repeat (some long), or a wide number */
			buf[i] = (uint8_t)((r >> 8) % 2 ? 0x1f : 0xfe + (r >> 9) % 2);
			break;
		default:
			buf[i] = (uint8_t)(i >= 6 && r % 3 ? (r >> 8) % 32 : r >> 8);
			break;
		}
	}
	if (len > 0 && buf[0] == CFH_FORMAT_V1)
		buf[0] = (uint8_t)(2 + lcg(seed) % 254);
	return len;
}

/* Thousands of inputs decode to the end with results the model knows,
 * within the repeat bound, and encode back to the same ops. */
static void v2_random_inputs_decode_and_encode_back(void)
{
	static uint8_t in[400], again[CFH_HEADER_SIZE + CFH_STEP_MAX * MAX_OPS];
	static struct decoded decoded;
	struct decoded *r = &decoded;
	uint64_t seed = 7;
	for (int i = 0; i < 3000; i++) {
		size_t size = random_v2_input(&seed, in, sizeof(in));
		decode_into(r, in, size);
		ASSERT_EQ(r->d.version, CFH_FORMAT_V2);
		ASSERT_TRUE(r->n <= size + CFH_REPEAT_BUDGET);
		ASSERT_TRUE(r->n < MAX_OPS); /* so nothing was cut off */
		for (size_t k = 0; k < r->n; k++)
			ASSERT_TRUE(r->res[k].err <= CFM_E_ACTIVE);
		if (i % 8 == 0) {
			size_t n = encode_v2(&r->d.setup, r->op, r->n, again,
			                     sizeof(again));
			assert_decodes_to(again, n, r->op, r->n);
		}
	}
}

/* The runtime agrees with the model on version 2's exotic steps. */
static void v2_random_inputs_runtime_agrees(void)
{
	static uint8_t in[400];
	uint64_t seed = 11;
	for (int i = 0; i < 1000; i++) {
		size_t size = random_v2_input(&seed, in, sizeof(in));
		if (size > 2)
			in[2] |= CFH_F_MISUSE;
		enum cfh_class c = cfh_check(in, size, true, 0, stdout);
		if (c != CFH_NONE)
			tap_fail(__FILE__, __LINE__, "input %d: %s", i,
			         cfh_class_name(c));
	}
}

int main(int argc, char **argv)
{
	static const struct tap_test tests[] = {
	    TAP_TEST(v1_decodes_exactly_as_before),
	    TAP_TEST(v2_header_reaches_model_caps),
	    TAP_TEST(v2_reaches_drop_of_foreign_handle),
	    TAP_TEST(v2_reaches_backpressure_of_other_instance),
	    TAP_TEST(v2_reaches_host_bad_instances),
	    TAP_TEST(v2_reaches_host_every_op_while_active),
	    TAP_TEST(v2_reaches_not_active_every_op),
	    TAP_TEST(v2_reaches_task_doing_host_ops),
	    TAP_TEST(v2_reaches_full_argument_ranges),
	    TAP_TEST(v2_reaches_every_resource),
	    TAP_TEST(v2_reaches_backpressure_range_by_repeat),
	    TAP_TEST(v2_repeat_is_bounded),
	    TAP_TEST(v2_keeps_v1_misuses),
	    TAP_TEST(v2_round_trip_of_v2_only_ops),
	    TAP_TEST(v2_round_trip_uses_repeat),
	    TAP_TEST(v2_random_inputs_decode_and_encode_back),
	    TAP_TEST(v2_random_inputs_runtime_agrees),
	};
	return tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
}

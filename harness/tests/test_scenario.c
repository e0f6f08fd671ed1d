/* test_scenario.c - JSON scenarios: reading every field, located errors,
 * the locator, round trips through the writer and the binary format. */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"
#include "tap.h"

/* The temporary directory the test files go to; made by main, emptied and
 * removed when the tests are done. */
static char tmp_dir[64];

/* The path of name inside tmp_dir, into buf. */
static const char *tmp_path(const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", tmp_dir, name);
	return buf;
}

static void write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	ASSERT_TRUE(f != NULL);
	ASSERT_EQ(fwrite(data, 1, size, f), size);
	ASSERT_EQ(fclose(f), 0);
}

/* Writes text to tmp_dir/name and loads it; returns what load returned. */
static int load_text(const char *name, const char *text,
                     struct cfh_scenario *s, struct cfh_json_error *err,
                     char *path, size_t path_size)
{
	tmp_path(name, path, path_size);
	write_file(path, text, strlen(text));
	return cfh_scenario_load(path, s, err);
}

/* Loads text, which must fail, and checks the whole located message:
 * "<path>:" followed by want. */
static void expect_error(const char *text, const char *want)
{
	struct cfh_scenario s;
	struct cfh_json_error err;
	char path[128], got[600], full[600];
	ASSERT_EQ(load_text("bad.json", text, &s, &err, path, sizeof(path)),
	          -1);
	ASSERT_TRUE(s.ops == NULL && s.title == NULL && s.nops == 0);
	snprintf(full, sizeof(full), "%s:%s", path, want);
	ASSERT_STR_EQ(cfh_json_error_format(&err, got, sizeof(got)), full);
	cfh_scenario_free(&s);
}

/* A deterministic generator: Knuth's MMIX LCG, high bits. */
static uint32_t lcg(uint64_t *state)
{
	*state = *state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*state >> 33);
}

static bool op_same(const struct cfm_op *a, const struct cfm_op *b)
{
	return cfm_op_equal(a, b) && a->slot == b->slot;
}

static void assert_ops_same(const struct cfm_op *a, const struct cfm_op *b,
                            size_t n)
{
	char ta[96], tb[96];
	for (size_t i = 0; i < n; i++)
		if (!op_same(&a[i], &b[i]))
			tap_fail(__FILE__, __LINE__,
			         "op %zu: '%s' (slot %u) != '%s' (slot %u)", i + 1,
			         cfm_op_format(&a[i], ta, sizeof(ta)), a[i].slot,
			         cfm_op_format(&b[i], tb, sizeof(tb)), b[i].slot);
}

static bool str_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void assert_scenarios_same(const struct cfh_scenario *a,
                                  const struct cfh_scenario *b)
{
	ASSERT_EQ(a->version, b->version);
	ASSERT_TRUE(str_same(a->title, b->title));
	ASSERT_TRUE(str_same(a->origin, b->origin));
	ASSERT_TRUE(str_same(a->mutant, b->mutant));
	ASSERT_EQ(a->setup.caps.instances, b->setup.caps.instances);
	ASSERT_EQ(a->setup.caps.max_tasks, b->setup.caps.max_tasks);
	ASSERT_EQ(a->setup.caps.max_handles, b->setup.caps.max_handles);
	ASSERT_EQ(a->setup.caps.max_resources, b->setup.caps.max_resources);
	ASSERT_EQ(a->setup.caps.max_keys, b->setup.caps.max_keys);
	ASSERT_EQ(a->setup.features, b->setup.features);
	ASSERT_EQ(a->expect, b->expect);
	ASSERT_EQ(a->nops, b->nops);
	assert_ops_same(a->ops, b->ops, a->nops);
	for (size_t i = 0; i < a->nops; i++)
		ASSERT_TRUE(str_same(a->results[i], b->results[i]));
}

/* Decodes a binary input against a bare model, as the engine does: the
 * ops into a malloc'd array (*ops), their number returned. */
static size_t decode_all(const uint8_t *data, size_t size,
                         struct cfh_setup *setup, struct cfm_op **ops)
{
	struct cfh_decoder d;
	struct cfm *m = malloc(sizeof(*m));
	size_t n = 0;
	struct cfm_op op;
	bool misuse;
	/* At most one op a byte, and the repeats version 2 allows. */
	*ops = malloc((size + CFH_REPEAT_BUDGET + 1) * sizeof(**ops));
	ASSERT_TRUE(m && *ops);
	cfh_decode_begin(&d, data, size);
	*setup = d.setup;
	ASSERT_EQ(cfm_init(m, &d.setup.caps), CFM_OK);
	while (cfh_decode_next(&d, m, &op, &misuse)) {
		ASSERT_TRUE(n <= size + CFH_REPEAT_BUDGET);
		(*ops)[n++] = op;
		(void)cfm_apply(m, &op);
	}
	free(m);
	return n;
}

/* ---- reading ---- */

/* The format's example, with a mutant; the ops need not make sense. */
static const char example[] =
    "{\n"
    "  \"cancelfuzz\": 1,\n"
    "  \"title\": \"nested cancellation reaches the exporter\",\n"
    "  \"origin\": \"shape of Wasmtime issue #13196\",\n"
    "  \"mutant\": \"late_publish\",\n"
    "  \"config\": {\"instances\": 5, \"max_tasks\": 30, \"max_handles\": 15,"
    " \"max_resources\": 3, \"max_keys\": 2,\n"
    "             \"features\": [\"shared\", \"deadlines\", \"misuse\"]},\n"
    "  \"ops\": [\n"
    "    {\"actor\": \"host\", \"op\": \"call\", \"instance\": 1, "
    "\"result\": \"STARTED h1 T1\"},\n"
    "    {\"actor\": \"host\", \"op\": \"call\", \"instance\": 1, "
    "\"shared\": 0, \"deadline\": 5},\n"
    "    {\"actor\": \"host\", \"op\": \"run\", \"k\": 0, \"result\": "
    "\"T1 START\"},\n"
    "    {\"actor\": \"T1\", \"op\": \"subtask.cancel\", \"handle\": 2, "
    "\"result\": \"BLOCKED\"},\n"
    "    {\"actor\": \"T1\", \"op\": \"subtask.drop\", \"handle\": 2},\n"
    "    {\"actor\": \"T1\", \"op\": \"task.return\", \"kind\": \"err\", "
    "\"value\": 7},\n"
    "    {\"actor\": \"T1\", \"op\": \"task.cancel\"},\n"
    "    {\"actor\": \"T1\", \"op\": \"wait\", \"cancellable\": true},\n"
    "    {\"actor\": \"T1\", \"op\": \"yield\"}, {\"actor\": \"T1\", \"op\": "
    "\"exit\"},\n"
    "    {\"actor\": \"T1\", \"op\": \"resource.new\"}, {\"actor\": \"T1\", "
    "\"op\": \"resource.drop\", \"resource\": 1},\n"
    "    {\"actor\": \"host\", \"op\": \"backpressure\", \"instance\": 1, "
    "\"delta\": -1},\n"
    "    {\"actor\": \"host\", \"op\": \"tick\", \"n\": 5}, {\"actor\": "
    "\"host\", \"op\": \"poll\"},\n"
    "    {\"actor\": \"host\", \"op\": \"call\", \"instance\": 2, "
    "\"deadline\": 0},\n"
    "    {\"actor\": \"T4294967295\", \"op\": \"wait\", \"cancellable\": "
    "false}\n"
    "  ],\n"
    "  \"expect\": \"late_publication\"\n"
    "}\n";

static void scenario_load_reads_every_field(void)
{
	struct cfh_scenario s;
	struct cfh_json_error err;
	char path[128];
	ASSERT_EQ(load_text("example.json", example, &s, &err, path,
	                    sizeof(path)),
	          0);
	ASSERT_EQ(s.version, 1);
	ASSERT_STR_EQ(s.title, "nested cancellation reaches the exporter");
	ASSERT_STR_EQ(s.origin, "shape of Wasmtime issue #13196");
	ASSERT_STR_EQ(s.mutant, "late_publish");
	ASSERT_STR_EQ(s.file, path);
	ASSERT_EQ(s.source_len, strlen(example));
	ASSERT_EQ(s.setup.caps.instances, 5);
	ASSERT_EQ(s.setup.caps.max_tasks, 30);
	ASSERT_EQ(s.setup.caps.max_handles, 15);
	ASSERT_EQ(s.setup.caps.max_resources, 3);
	ASSERT_EQ(s.setup.caps.max_keys, 2);
	ASSERT_EQ(s.setup.features,
	          CFH_F_SHARED | CFH_F_DEADLINES | CFH_F_MISUSE);
	ASSERT_EQ(s.expect, CFH_LATE_PUBLICATION);
	ASSERT_EQ(s.nops, 17);

	const struct cfm_op want[17] = {
	    {.code = CFM_OP_CALL, .actor = 0, .instance = 1, .slot = 1},
	    {.code = CFM_OP_CALL, .instance = 1, .shared = true, .key = 0,
	     .has_deadline = true, .deadline = 5, .slot = 2},
	    {.code = CFM_OP_RUN, .n = 0},
	    {.code = CFM_OP_SUBTASK_CANCEL, .actor = 1, .handle = 2},
	    {.code = CFM_OP_SUBTASK_DROP, .actor = 1, .handle = 2},
	    {.code = CFM_OP_TASK_RETURN, .actor = 1, .kind = CFM_KIND_ERR,
	     .value = 7},
	    {.code = CFM_OP_TASK_CANCEL, .actor = 1},
	    {.code = CFM_OP_WAIT, .actor = 1, .cancellable = true},
	    {.code = CFM_OP_YIELD, .actor = 1},
	    {.code = CFM_OP_EXIT, .actor = 1},
	    {.code = CFM_OP_RESOURCE_NEW, .actor = 1},
	    {.code = CFM_OP_RESOURCE_DROP, .actor = 1, .resource = 1},
	    {.code = CFM_OP_BACKPRESSURE, .instance = 1, .delta = -1},
	    {.code = CFM_OP_TICK, .n = 5},
	    {.code = CFM_OP_POLL},
	    {.code = CFM_OP_CALL, .instance = 2, .has_deadline = true,
	     .deadline = 0, .slot = 3},
	    {.code = CFM_OP_WAIT, .actor = UINT32_MAX, .cancellable = false},
	};
	assert_ops_same(s.ops, want, 17);
	ASSERT_STR_EQ(s.results[0], "STARTED h1 T1");
	ASSERT_TRUE(s.results[1] == NULL);
	ASSERT_STR_EQ(s.results[2], "T1 START");
	ASSERT_STR_EQ(s.results[3], "BLOCKED");
	for (size_t i = 4; i < s.nops; i++)
		ASSERT_TRUE(s.results[i] == NULL);
	cfh_scenario_free(&s);
	ASSERT_TRUE(s.ops == NULL && s.title == NULL);
}

static void scenario_load_applies_defaults(void)
{
	struct cfh_scenario s;
	struct cfh_json_error err;
	char path[128];
	ASSERT_EQ(load_text("min.json", "{\"ops\": [], \"cancelfuzz\": 1}", &s,
	                    &err, path, sizeof(path)),
	          0);
	ASSERT_TRUE(!s.title && !s.origin && !s.mutant);
	ASSERT_EQ(s.setup.caps.instances, 4);
	ASSERT_EQ(s.setup.caps.max_tasks, 32);
	ASSERT_EQ(s.setup.caps.max_handles, 16);
	ASSERT_EQ(s.setup.caps.max_resources, 4);
	ASSERT_EQ(s.setup.caps.max_keys, 4);
	ASSERT_EQ(s.setup.features, CFH_F_ALL);
	ASSERT_EQ(s.expect, CFH_NONE);
	ASSERT_EQ(s.nops, 0);
	cfh_scenario_free(&s);

	/* A config names only what it changes; features: [] is none. */
	ASSERT_EQ(load_text("min.json",
	                    "{\"cancelfuzz\": 1, \"config\": {\"max_keys\": 1, "
	                    "\"features\": []}, \"ops\": []}",
	                    &s, &err, path, sizeof(path)),
	          0);
	ASSERT_EQ(s.setup.caps.instances, 4);
	ASSERT_EQ(s.setup.caps.max_keys, 1);
	ASSERT_EQ(s.setup.features, 0);
	cfh_scenario_free(&s);
}

/* ---- located errors ---- */

static void scenario_error_syntax(void)
{
	expect_error("{\"cancelfuzz\": 1,\n  \"ops\": [}\n",
	             "2:11: unexpected token near '}'");
	expect_error("{\"cancelfuzz\": 1,\n  \"ops\": [\n",
	             "3:1: ']' expected near end of file");
}

static void scenario_error_unknown_op(void)
{
	expect_error("{\"cancelfuzz\": 1,\n"
	             "  \"ops\": [\n"
	             "    {\"actor\": \"host\", \"op\": \"poll\"},\n"
	             "    {\"actor\": \"host\", \"op\": \"cancle\", \"handle\": 1}\n"
	             "  ]\n"
	             "}\n",
	             "4:29: unknown op 'cancle'");
	expect_error("{\"cancelfuzz\": 1, \"ops\": [{\"actor\": \"host\", "
	             "\"op\": 3}]}",
	             "1:51: \"op\" must be a string");
}

static void scenario_error_missing_field(void)
{
	expect_error("{\"cancelfuzz\": 1,\n"
	             "  \"ops\": [\n"
	             "    {\"actor\": \"host\", \"op\": \"call\"}\n"
	             "  ]\n"
	             "}\n",
	             "3:5: missing \"instance\" for call");
	expect_error("{\"cancelfuzz\": 1,\n  \"ops\": [\n    {\"op\": \"poll\"}]}",
	             "3:5: missing \"actor\" for poll");
	expect_error("{\"cancelfuzz\": 1,\n  \"ops\": [\n    {\"actor\": \"T1\"}]}",
	             "3:5: missing \"op\"");
	expect_error("{\"cancelfuzz\": 1, \"title\": \"x\"}",
	             "1:1: missing \"ops\"");
	expect_error("\n  {\"ops\": []}", "2:3: missing \"cancelfuzz\" (the "
	                                  "format version, 1)");
}

static void scenario_error_wrong_type(void)
{
	expect_error("{\"cancelfuzz\": 1,\n"
	             "  \"ops\": [\n"
	             "    {\"actor\": \"host\", \"op\": \"call\", "
	             "\"instance\": \"1\"}\n"
	             "  ]\n"
	             "}\n",
	             "3:49: \"instance\" must be a non-negative integer");
	expect_error("{\"cancelfuzz\": 1, \"ops\": [{\"actor\": \"T1\", \"op\": "
	             "\"wait\", \"cancellable\": 1}]}",
	             "1:72: \"cancellable\" must be true or false");
	expect_error("{\"cancelfuzz\": 1, \"ops\": [{\"actor\": \"T1\", \"op\": "
	             "\"task.return\", \"kind\": \"fine\", \"value\": 1}]}",
	             "1:72: \"kind\" must be \"ok\" or \"err\"");
	expect_error("{\"cancelfuzz\": 1, \"ops\": [{\"actor\": \"host\", \"op\": "
	             "\"tick\", \"n\": -1}]}",
	             "1:64: \"n\" must be a non-negative integer");
	expect_error("{\"cancelfuzz\": 1, \"ops\": [{\"actor\": \"host\", \"op\": "
	             "\"tick\", \"n\": 4294967296}]}",
	             "1:64: \"n\" must be between 0 and 4294967295");
	expect_error("{\"cancelfuzz\": 1, \"ops\": [{\"actor\": \"host\", \"op\": "
	             "\"backpressure\", \"instance\": 1, \"delta\": 1.5}]}",
	             "1:91: \"delta\" must be an integer");
	expect_error("{\"cancelfuzz\": 1, \"ops\": {}}",
	             "1:26: \"ops\" must be an array");
	expect_error("{\"cancelfuzz\": 1, \"ops\": [7]}",
	             "1:27: an op is an object: {\"actor\": ..., \"op\": ...}");
	expect_error("{\"cancelfuzz\": 1, \"title\": null, \"ops\": []}",
	             "1:28: \"title\" must be a string");
	expect_error("{\"cancelfuzz\": 1, \"config\": {\"instances\": 9}, "
	             "\"ops\": []}",
	             "1:43: \"instances\" must be between 2 and 8");
	expect_error("[1, 2]", "1:1: a scenario is a JSON object");
}

static void scenario_error_unknown_key(void)
{
	expect_error("{\"cancelfuzz\": 1,\n"
	             "  \"ops\": [\n"
	             "    {\"actor\": \"host\", \"op\": \"call\", \"instance\": 1, "
	             "\"reslt\": \"x\"}\n"
	             "  ]\n"
	             "}\n",
	             "3:52: unknown key 'reslt' for call");
	/* A key another op takes is still unknown here. */
	expect_error("{\"cancelfuzz\": 1, \"ops\": [{\"actor\": \"host\", \"op\": "
	             "\"poll\", \"handle\": 1}]}",
	             "1:59: unknown key 'handle' for poll");
	/* Found however the key is spelt in the text. */
	expect_error("{\"cancelfuzz\": 1, \"ops\": [{\"actor\": \"host\", \"op\": "
	             "\"poll\", \"h\\u00e9.[x\": 1}]}",
	             "1:59: unknown key 'h\xc3\xa9.[x' for poll");
	expect_error("{\"cancelfuzz\": 1,\n \"expct\": \"none\", \"ops\": []}",
	             "2:2: unknown key 'expct'");
	expect_error("{\"cancelfuzz\": 1, \"config\": {\"instances\": 3, "
	             "\"max_task\": 3}, \"ops\": []}",
	             "1:46: unknown key 'max_task' in config");
	expect_error("{\"cancelfuzz\": 1, \"ops\": [], \"ops\": []}",
	             "1:34: duplicate object key near '\"ops\"'");
}

static void scenario_error_bad_actor(void)
{
	const char *bad[] = {"T0", "t1", "T", "T01", "T1x", "T4294967296",
	                     "hosts", ""};
	char text[200], want[200];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
		         "{\"cancelfuzz\": 1,\n \"ops\": [\n  {\"op\": \"yield\", "
		         "\"actor\": \"%s\"}]}",
		         bad[i]);
		snprintf(want, sizeof(want),
		         "3:28: bad actor '%s' (expected \"host\" or \"T<id>\")",
		         bad[i]);
		expect_error(text, want);
	}
	expect_error("{\"cancelfuzz\": 1, \"ops\": [{\"op\": \"yield\", \"actor\": "
	             "1}]}",
	             "1:52: \"actor\" must be a string");
}

static void scenario_error_bad_expect(void)
{
	expect_error("{\"cancelfuzz\": 1, \"ops\": [],\n \"expect\": \"leaks\"}",
	             "2:12: unknown finding class 'leaks' (none, divergence, "
	             "double_settlement, late_publication, stale_event, "
	             "left_running, leak, crash)");
	expect_error("{\"cancelfuzz\": 1, \"ops\": [], \"expect\": 0}",
	             "1:40: \"expect\" must be a finding class name");
}

static void scenario_error_bad_config(void)
{
	expect_error("{\"cancelfuzz\": 1,\n \"config\": {\"features\": "
	             "[\"shared\", \"deadline\"]}, \"ops\": []}",
	             "2:36: unknown feature 'deadline' (shared, deadlines, "
	             "resources, backpressure, misuse)");
	expect_error("{\"cancelfuzz\": 1, \"config\": {\"features\": [\"misuse\", "
	             "\"misuse\"]}, \"ops\": []}",
	             "1:53: feature 'misuse' listed twice");
	expect_error("{\"cancelfuzz\": 1, \"config\": {\"features\": \"all\"}, "
	             "\"ops\": []}",
	             "1:42: \"features\" must be an array of feature names");
	expect_error("{\"cancelfuzz\": 1, \"config\": [], \"ops\": []}",
	             "1:29: \"config\" must be an object");
}

static void scenario_error_version(void)
{
	expect_error("{\"ops\": [], \"cancelfuzz\": 2}",
	             "1:27: unsupported format version 2 (this tool reads 1)");
	expect_error("{\"ops\": [], \"cancelfuzz\": \"1\"}",
	             "1:27: \"cancelfuzz\" must be the format version, 1");
	/* The version is checked first: it says how to read the rest. */
	expect_error("{\"ops\": [3], \"cancelfuzz\": 2}",
	             "1:28: unsupported format version 2 (this tool reads 1)");
}

static void scenario_error_first_one_wins(void)
{
	expect_error("{\"cancelfuzz\": 1,\n"
	             "  \"ops\": [\n"
	             "    {\"actor\": \"T0\", \"op\": \"call\"},\n"
	             "    {\"actor\": \"host\", \"op\": \"cancle\"}\n"
	             "  ],\n"
	             "  \"expect\": \"nothing\"\n"
	             "}\n",
	             "3:15: bad actor 'T0' (expected \"host\" or \"T<id>\")");
}

static void scenario_error_unreadable_file(void)
{
	struct cfh_scenario s;
	struct cfh_json_error err;
	char path[128], got[600], want[600];
	tmp_path("missing.json", path, sizeof(path));
	ASSERT_EQ(cfh_scenario_load(path, &s, &err), -1);
	ASSERT_EQ(err.line, 0);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory",
	         path);
	ASSERT_STR_EQ(cfh_json_error_format(&err, got, sizeof(got)), want);
	cfh_scenario_free(&s);
}

/* Whatever the bytes, the reader returns: a scenario or a located error. */
static void parse_must_return(const char *text, size_t len)
{
	struct cfh_scenario s;
	struct cfh_json_error err;
	int r = cfh_scenario_parse(text, len, "x.json", &s, &err);
	ASSERT_TRUE(r == 0 || r == -1);
	if (r == -1) {
		ASSERT_TRUE(err.line >= 1 && err.column >= 1);
		ASSERT_TRUE(err.text[0] != '\0');
		ASSERT_TRUE(s.ops == NULL);
	}
	cfh_scenario_free(&s);
}

static void scenario_hostile_inputs_never_crash(void)
{
	static const char *const fixed[] = {
	    "",
	    " ",
	    "\n\n\n",
	    "null",
	    "{}",
	    "[]",
	    "\"\"",
	    "{\"cancelfuzz\": 1e999, \"ops\": []}",
	    "{\"cancelfuzz\": 99999999999999999999999, \"ops\": []}",
	    "{\"cancelfuzz\": -9223372036854775808, \"ops\": []}",
	    "{\"cancelfuzz\": 1, \"ops\": [{\"actor\": \"T99999999999999999999\", "
	    "\"op\": \"yield\"}]}",
	    "{\"cancelfuzz\": 1, \"ops\": [{\"actor\": \"host\", \"op\": \"tick\", "
	    "\"n\": 18446744073709551616}]}",
	    "{\"cancelfuzz\": 1, \"ops\": [{\"actor\": \"host\", \"op\": \"tick\", "
	    "\"n\": 1e10}]}",
	    "{\"cancelfuzz\": 1, \"title\": \"\\ud800\", \"ops\": []}",
	    "{\"cancelfuzz\": 1, \"title\": \"a\\u0000b\", \"ops\": []}",
	    "{\"cancelfuzz\": 1, \"ops\": [{\"\\u0000\": 1}]}",
	    "{\"cancelfuzz\": 1, \"ops\": [{\"op\": \"\\ud83d\\ude00\"}]}",
	    "\xef\xbb\xbf{\"cancelfuzz\": 1, \"ops\": []}",
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		parse_must_return(fixed[i], strlen(fixed[i]));
	parse_must_return(NULL, 0);
	parse_must_return("{\"cancelfuzz\": 1,\0 \"ops\": []}", 29);

	/* Deep nesting, in and out of the ops. */
	size_t depth = 100000;
	char *deep = malloc(2 * depth + 64);
	ASSERT_TRUE(deep != NULL);
	memset(deep, '[', depth);
	memset(deep + depth, ']', depth);
	parse_must_return(deep, 2 * depth);
	int n = snprintf(deep, 64, "{\"cancelfuzz\": 1, \"ops\": [");
	memset(deep + n, '[', depth);
	parse_must_return(deep, (size_t)n + depth);
	free(deep);

	/* Binary garbage, then every prefix and many one-byte changes of
	 * a valid scenario. */
	uint64_t seed = 1;
	char junk[512];
	for (int round = 0; round < 200; round++) {
		size_t len = lcg(&seed) % sizeof(junk);
		for (size_t i = 0; i < len; i++)
			junk[i] = (char)lcg(&seed);
		parse_must_return(junk, len);
	}
	size_t elen = strlen(example);
	for (size_t len = 0; len <= elen; len++)
		parse_must_return(example, len);
	char *copy = malloc(elen);
	ASSERT_TRUE(copy != NULL);
	static const char bytes[] = "{}[]\",:\\ 0-9etfnu\x80\xff";
	for (int round = 0; round < 3000; round++) {
		memcpy(copy, example, elen);
		for (int k = 1 + (int)(lcg(&seed) % 3); k > 0; k--)
			copy[lcg(&seed) % elen] =
			    bytes[lcg(&seed) % (sizeof(bytes) - 1)];
		parse_must_return(copy, elen);
	}
	free(copy);
}

/* ---- the locator ---- */

static void locate_at(const char *text, const char *path, int line,
                      int column)
{
	int l = 0, c = 0;
	if (!cfh_json_locate(text, strlen(text), path, &l, &c))
		tap_fail(__FILE__, __LINE__, "path '%s' not found", path);
	if (l != line || c != column)
		tap_fail(__FILE__, __LINE__, "path '%s' at %d:%d, not %d:%d",
		         path, l, c, line, column);
}

static void locate_finds_nested_paths(void)
{
	static const char text[] =
	    "  {\"a\": {\"b\": [10, [20, 21, {\"c\": \"x\"}]]},\n"
	    "\t\"s\\\"}{\": \"}]\\\\\\\"{[\", \"t\":\"\xc3\xa9\xe2\x82\xac\" ,\n"
	    "   \"o\\u0070s\" :\r\n"
	    "     [ {\"op\": \"call\"} ,\n"
	    "       {\"x\": [[], {}, \"\"], \"op\":\n"
	    "          \"cancle\"}],\n"
	    "  \"u\": 1, \"\xc3\xa9\xe2\x82\xac\": true, \"v\": [1,\n"
	    "2]\n"
	    "}";
	locate_at(text, "", 1, 3);
	locate_at(text, "a", 1, 9);
	locate_at(text, "a.b", 1, 15);
	locate_at(text, "a.b[0]", 1, 16);
	locate_at(text, "a.b[1]", 1, 20);
	locate_at(text, "a.b[1][1]", 1, 25);
	locate_at(text, "a.b[1][2]", 1, 29);
	locate_at(text, "a.b[1][2].c", 1, 35);
	/* Keys and strings full of quotes, brackets and escapes. */
	locate_at(text, "s\"}{", 2, 11);
	locate_at(text, "t", 2, 27);
	/* An escaped key; whitespace of every kind; a path through it. */
	locate_at(text, "ops", 4, 6);
	locate_at(text, "ops[0].op", 4, 15);
	locate_at(text, "ops[1]", 5, 8);
	locate_at(text, "ops[1].x[2]", 5, 23);
	locate_at(text, "ops[1].op", 6, 11);
	/* Columns count characters: e-acute and the euro sign are one each. */
	locate_at(text, "u", 7, 8);
	locate_at(text, "v", 7, 28);
	locate_at(text, "v[1]", 8, 1);

	int l, c;
	const size_t n = strlen(text);
	ASSERT_TRUE(!cfh_json_locate(text, n, "b", &l, &c));
	ASSERT_TRUE(!cfh_json_locate(text, n, "ops[2]", &l, &c));
	ASSERT_TRUE(!cfh_json_locate(text, n, "a.b[1][2].c.d", &l, &c));
	ASSERT_TRUE(!cfh_json_locate(text, n, "a[0]", &l, &c));
	ASSERT_TRUE(!cfh_json_locate(text, n, "ops[x]", &l, &c));
	ASSERT_TRUE(!cfh_json_locate(text, n, "ops[1", &l, &c));
	ASSERT_TRUE(!cfh_json_locate(text, n,
	                             "ops[99999999999999999999999999]", &l,
	                             &c));
	ASSERT_TRUE(!cfh_json_locate("", 0, "", &l, &c));
	ASSERT_TRUE(!cfh_json_locate(NULL, 0, "", &l, &c));

	ASSERT_TRUE(cfh_json_locate_key(text, n, "ops[1]", "op", &l, &c));
	ASSERT_EQ(l, 5);
	ASSERT_EQ(c, 28);
	ASSERT_TRUE(cfh_json_locate_key(text, n, "", "ops", &l, &c));
	ASSERT_EQ(l, 3);
	ASSERT_EQ(c, 4);
	ASSERT_TRUE(cfh_json_locate_key(text, n, "", "\xc3\xa9\xe2\x82\xac",
	                                &l, &c));
	ASSERT_EQ(l, 7);
	ASSERT_EQ(c, 11);
	ASSERT_TRUE(!cfh_json_locate_key(text, n, "", "nope", &l, &c));
	ASSERT_TRUE(!cfh_json_locate_key(text, n, "v", "x", &l, &c));
}

static void locate_is_safe_on_any_text(void)
{
	static const char text[] =
	    "{\"a\": [1, {\"b\\u00e9\\ud83d\\ude00\": \"x\\\"y\"}], \"c\": "
	    "{\"d\": [[[\"]\"]]]}, \"e\": tru}";
	static const char *const paths[] = {
	    "", "a", "a[1]", "a[1].b\xc3\xa9\xf0\x9f\x98\x80", "c.d[0][0][0]",
	    "e", "z"};
	static const char bytes[] = "{}[]\",:\\u 0a";
	char buf[sizeof(text)];
	uint64_t seed = 7;
	int l, c;
	ASSERT_TRUE(cfh_json_locate(text, strlen(text), paths[3], &l, &c));
	ASSERT_TRUE(cfh_json_locate(text, strlen(text), paths[4], &l, &c));
	for (size_t len = 0; len <= strlen(text); len++)
		for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++) {
			(void)cfh_json_locate(text, len, paths[p], &l, &c);
			(void)cfh_json_locate_key(text, len, "", "a", &l, &c);
		}
	for (int round = 0; round < 5000; round++) {
		memcpy(buf, text, sizeof(text));
		for (int k = 1 + (int)(lcg(&seed) % 4); k > 0; k--)
			buf[lcg(&seed) % (sizeof(text) - 1)] =
			    bytes[lcg(&seed) % (sizeof(bytes) - 1)];
		size_t len = lcg(&seed) % sizeof(text);
		for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++)
			if (cfh_json_locate(buf, len, paths[p], &l, &c))
				ASSERT_TRUE(l >= 1 && c >= 1);
	}
}

/* ---- the model, the writer and the binary format ---- */

static void scenario_result_mismatch_is_located(void)
{
	struct cfh_scenario s;
	struct cfh_json_error err;
	char path[128], got[600], want[600];
	ASSERT_EQ(load_text("results.json",
	                    "{\"cancelfuzz\": 1, \"ops\": [\n"
	                    "  {\"actor\": \"host\", \"op\": \"call\", "
	                    "\"instance\": 1, \"result\": \"STARTED h1 T1\"},\n"
	                    "  {\"actor\": \"host\", \"op\": \"run\", \"k\": 0},\n"
	                    "  {\"actor\": \"T1\", \"op\": \"task.cancel\",\n"
	                    "   \"result\": \"ok\"}]}",
	                    &s, &err, path, sizeof(path)),
	          0);
	ASSERT_EQ(cfh_scenario_check_results(&s, &err), 1);
	snprintf(want, sizeof(want),
	         "%s:5:14: op 3: expected 'ok', the model gives "
	         "'E_NOTDELIVERED'",
	         path);
	ASSERT_STR_EQ(cfh_json_error_format(&err, got, sizeof(got)), want);
	free(s.results[2]);
	s.results[2] = NULL;
	ASSERT_EQ(cfh_scenario_check_results(&s, &err), 0);
	cfh_scenario_free(&s);
}

/* A scenario every op of which the binary format can express, misuses
 * included. */
static const char encodable[] =
    "{\"cancelfuzz\": 1,\n"
    " \"config\": {\"instances\": 4, \"max_tasks\": 8, \"max_handles\": 4,"
    " \"max_resources\": 2, \"max_keys\": 2, \"features\": [\"shared\","
    " \"deadlines\", \"resources\", \"backpressure\", \"misuse\"]},\n"
    " \"ops\": [\n"
    "  {\"actor\": \"host\", \"op\": \"call\", \"instance\": 1},\n"
    "  {\"actor\": \"host\", \"op\": \"call\", \"instance\": 2, \"shared\": 1,"
    " \"deadline\": 5},\n"
    "  {\"actor\": \"host\", \"op\": \"run\", \"k\": 0},\n"
    "  {\"actor\": \"T1\", \"op\": \"call\", \"instance\": 3},\n"
    "  {\"actor\": \"T1\", \"op\": \"resource.new\"},\n"
    "  {\"actor\": \"T1\", \"op\": \"resource.drop\", \"resource\": 1},\n"
    "  {\"actor\": \"T1\", \"op\": \"subtask.cancel\", \"handle\": 1},\n"
    "  {\"actor\": \"T1\", \"op\": \"subtask.cancel\", \"handle\": 1},\n"
    "  {\"actor\": \"T1\", \"op\": \"task.cancel\"},\n"
    "  {\"actor\": \"T1\", \"op\": \"exit\"},\n"
    "  {\"actor\": \"T1\", \"op\": \"task.return\", \"kind\": \"err\","
    " \"value\": 200},\n"
    "  {\"actor\": \"T1\", \"op\": \"backpressure\", \"instance\": 1,"
    " \"delta\": 1},\n"
    "  {\"actor\": \"T1\", \"op\": \"wait\", \"cancellable\": false},\n"
    "  {\"actor\": \"host\", \"op\": \"tick\", \"n\": 5},\n"
    "  {\"actor\": \"host\", \"op\": \"tick\", \"n\": 0},\n"
    "  {\"actor\": \"host\", \"op\": \"backpressure\", \"instance\": 1,"
    " \"delta\": -1},\n"
    "  {\"actor\": \"host\", \"op\": \"call\", \"instance\": 1,"
    " \"deadline\": 0},\n"
    "  {\"actor\": \"host\", \"op\": \"poll\"},\n"
    "  {\"actor\": \"host\", \"op\": \"subtask.drop\", \"handle\": 2},\n"
    "  {\"actor\": \"host\", \"op\": \"run\", \"k\": 7}\n"
    " ]}\n";

static void scenario_encode_then_decode_gives_same_ops(void)
{
	struct cfh_scenario s;
	struct cfh_json_error err;
	struct cfh_setup setup;
	struct cfm_op *ops;
	uint8_t *bytes;
	size_t size;
	char path[128], got[600];
	ASSERT_EQ(load_text("encodable.json", encodable, &s, &err, path,
	                    sizeof(path)),
	          0);
	if (cfh_scenario_encode(&s, &bytes, &size, &err) != 0)
		tap_fail(__FILE__, __LINE__, "%s",
		         cfh_json_error_format(&err, got, sizeof(got)));
	/* Version 1 can say it all, so version 1 it is. */
	ASSERT_EQ(bytes[0], CFH_FORMAT_V1);

	/* Through a file, as the command line does it. */
	tmp_path("encodable.bin", path, sizeof(path));
	write_file(path, bytes, size);
	free(bytes);
	char *text;
	ASSERT_EQ(cfh_file_read(path, &text, &size, &err), 0);
	size_t n = decode_all((const uint8_t *)text, size, &setup, &ops);
	free(text);
	ASSERT_EQ(n, s.nops);
	ASSERT_EQ(setup.features, s.setup.features);
	ASSERT_TRUE(memcmp(&setup.caps, &s.setup.caps, sizeof(setup.caps)) ==
	            0);
	assert_ops_same(ops, s.ops, n);
	free(ops);
	cfh_scenario_free(&s);
}

static void scenario_encode_refusal_is_located(void)
{
	struct cfh_scenario s;
	struct cfh_json_error err;
	uint8_t *bytes;
	size_t size;
	char path[128], got[600], want[600];

	/* A shared key beyond the format's 15. */
	ASSERT_EQ(load_text("far.json",
	                    "{\"cancelfuzz\": 1, \"ops\": [\n"
	                    "  {\"actor\": \"host\", \"op\": \"poll\"},\n"
	                    "  {\"actor\": \"host\", \"op\": \"call\", "
	                    "\"instance\": 1, \"shared\": 20}]}",
	                    &s, &err, path, sizeof(path)),
	          0);
	ASSERT_EQ(cfh_scenario_encode(&s, &bytes, &size, &err), -1);
	ASSERT_TRUE(bytes == NULL);
	snprintf(want, sizeof(want),
	         "%s:3:3: op 2 (host call 1 shared(20)): the binary format "
	         "cannot express this operation here",
	         path);
	ASSERT_STR_EQ(cfh_json_error_format(&err, got, sizeof(got)), want);
	cfh_scenario_free(&s);

	/* A misuse without the misuse feature. */
	ASSERT_EQ(load_text("misuse.json",
	                    "{\"cancelfuzz\": 1, \"config\": {\"features\": []},\n"
	                    " \"ops\": [{\"actor\": \"host\", \"op\": \"tick\", "
	                    "\"n\": 0}]}",
	                    &s, &err, path, sizeof(path)),
	          0);
	ASSERT_EQ(cfh_scenario_encode(&s, &bytes, &size, &err), -1);
	snprintf(want, sizeof(want),
	         "%s:2:10: op 1 (host tick 0): the binary format cannot "
	         "express this operation here",
	         path);
	ASSERT_STR_EQ(cfh_json_error_format(&err, got, sizeof(got)), want);
	cfh_scenario_free(&s);

	/* A config beyond the format's caps. */
	ASSERT_EQ(load_text("caps.json",
	                    "{\"cancelfuzz\": 1,\n \"config\": {\"instances\": 8},"
	                    " \"ops\": []}",
	                    &s, &err, path, sizeof(path)),
	          0);
	ASSERT_EQ(cfh_scenario_encode(&s, &bytes, &size, &err), -1);
	snprintf(want, sizeof(want),
	         "%s:2:12: the binary format cannot express this config "
	         "(instances 2..6, max_tasks 1..64, max_handles 1..32, "
	         "max_resources 1..16, max_keys 1..16)",
	         path);
	ASSERT_STR_EQ(cfh_json_error_format(&err, got, sizeof(got)), want);
	cfh_scenario_free(&s);
}

/* One input: a header with every field random, then steps whose bytes
 * lean towards the ones that pick operations and misuses. */
static size_t random_input(uint64_t *seed, uint8_t *buf, size_t cap)
{
	size_t len = CFH_HEADER_SIZE + lcg(seed) % (cap - CFH_HEADER_SIZE);
	for (size_t i = 0; i < len; i++) {
		uint32_t r = lcg(seed);
		buf[i] = (uint8_t)(i >= CFH_HEADER_SIZE && r % 4 == 0
		                       ? (r >> 8) % 16 + (r % 8 == 0 ? 0xf0 : 0)
		                       : r >> 8);
	}
	if (lcg(seed) % 4 == 0)
		len = lcg(seed) % CFH_HEADER_SIZE; /* short ones too */
	return len;
}

static void scenario_binary_to_json_and_back_gives_same_ops(void)
{
	uint8_t input[400];
	uint64_t seed = 2026;
	char path[128], got[600];
	tmp_path("decoded.json", path, sizeof(path));
	for (int round = 0; round < 300; round++) {
		size_t size = random_input(&seed, input, sizeof(input));
		struct cfh_scenario from, back;
		struct cfh_json_error err;
		struct cfh_setup setup;
		struct cfm_op *ops, *again;
		uint8_t *bytes;
		size_t bsize;

		/* binary -> scenario: the decoder's own ops. */
		size_t n = decode_all(input, size, &setup, &ops);
		ASSERT_EQ(cfh_scenario_from_binary(input, size, "dir/in.bin",
		                                   &from),
		          0);
		ASSERT_STR_EQ(from.title, "decoded from in.bin");
		ASSERT_EQ(from.nops, n);
		assert_ops_same(from.ops, ops, n);
		ASSERT_EQ(cfh_scenario_check_results(&from, &err), 0);

		/* -> JSON text -> scenario. */
		FILE *f = fopen(path, "w");
		ASSERT_TRUE(f != NULL);
		ASSERT_EQ(cfh_scenario_write(f, &from), 0);
		ASSERT_EQ(fclose(f), 0);
		if (cfh_scenario_load(path, &back, &err) != 0)
			tap_fail(__FILE__, __LINE__, "round %d: %s", round,
			         cfh_json_error_format(&err, got, sizeof(got)));
		assert_scenarios_same(&from, &back);

		/* -> binary -> the same ops again. */
		if (cfh_scenario_encode(&back, &bytes, &bsize, &err) != 0)
			tap_fail(__FILE__, __LINE__, "round %d: %s", round,
			         cfh_json_error_format(&err, got, sizeof(got)));
		size_t m = decode_all(bytes, bsize, &setup, &again);
		ASSERT_EQ(m, n);
		ASSERT_TRUE(memcmp(&setup, &from.setup, sizeof(setup)) == 0);
		assert_ops_same(again, ops, n);
		free(bytes);
		free(ops);
		free(again);
		cfh_scenario_free(&from);
		cfh_scenario_free(&back);
	}
}

static void scenario_save_then_load_gives_same(void)
{
	struct cfh_scenario a, b;
	struct cfh_json_error err;
	char path[128], *first, *second;
	size_t first_len, second_len;

	ASSERT_EQ(load_text("example.json", example, &a, &err, path,
	                    sizeof(path)),
	          0);
	/* Strings that need escaping survive. */
	free(a.title);
	a.title = malloc(64);
	ASSERT_TRUE(a.title != NULL);
	strcpy(a.title, "quote \" backslash \\ tab \t nl \n bell \a \xc3\xa9");

	FILE *f = open_memstream(&first, &first_len);
	ASSERT_TRUE(f != NULL);
	ASSERT_EQ(cfh_scenario_write(f, &a), 0);
	ASSERT_EQ(fclose(f), 0);
	tmp_path("saved.json", path, sizeof(path));
	write_file(path, first, first_len);
	ASSERT_EQ(cfh_scenario_load(path, &b, &err), 0);
	assert_scenarios_same(&a, &b);

	/* Writing what was read gives the same text. */
	f = open_memstream(&second, &second_len);
	ASSERT_TRUE(f != NULL);
	ASSERT_EQ(cfh_scenario_write(f, &b), 0);
	ASSERT_EQ(fclose(f), 0);
	ASSERT_STR_EQ(first, second);

	/* One op per line, 2-space indent. */
	ASSERT_TRUE(strstr(first, "\n  \"ops\": [\n    {\"actor\": \"host\", "
	                          "\"op\": \"call\", \"instance\": 1, "
	                          "\"result\": \"STARTED h1 T1\"},\n") != NULL);
	ASSERT_TRUE(strstr(first, "\"mutant\": \"late_publish\"") != NULL);
	free(first);
	free(second);
	cfh_scenario_free(&a);
	cfh_scenario_free(&b);
}

static void scenario_write_replaces_bad_utf8(void)
{
	struct cfh_scenario a, b;
	struct cfh_json_error err;
	char *text;
	size_t len;
	static const uint8_t input[] = {1, 0, 0x1f, 0, 0, 0x00, 0x03};
	ASSERT_EQ(cfh_scenario_from_binary(input, sizeof(input),
	                                   "caf\xe9\xff.bin", &a),
	          0);
	FILE *f = open_memstream(&text, &len);
	ASSERT_TRUE(f != NULL);
	ASSERT_EQ(cfh_scenario_write(f, &a), 0);
	ASSERT_EQ(fclose(f), 0);
	ASSERT_TRUE(strstr(text, "\"decoded from caf\\ufffd\\ufffd.bin\"") !=
	            NULL);
	ASSERT_EQ(cfh_scenario_parse(text, len, "mem", &b, &err), 0);
	ASSERT_STR_EQ(b.title, "decoded from caf\xef\xbf\xbd\xef\xbf\xbd.bin");
	ASSERT_EQ(b.nops, a.nops);
	assert_ops_same(a.ops, b.ops, a.nops);
	free(text);
	cfh_scenario_free(&a);
	cfh_scenario_free(&b);
}

static void scenario_fnv1a_known_values(void)
{
	ASSERT_EQ(cfh_fnv1a("", 0), 0xcbf29ce484222325ull);
	ASSERT_EQ(cfh_fnv1a("a", 1), 0xaf63dc4c8601ec8cull);
	ASSERT_EQ(cfh_fnv1a("foobar", 6), 0x85944171f73967e8ull);
}

/* Empties and removes tmp_dir (one level: the tests make no folders). */
static void remove_tmp_dir(void)
{
	DIR *d = opendir(tmp_dir);
	struct dirent *e;
	char path[512];
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmp_dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(tmp_dir);
}

/* The cm profile: contract-only features are located errors. */
static void scenario_cm_contract_only_is_located_error(void)
{
	expect_error("{\"cancelfuzz\": 1, \"profile\": \"cm\",\n"
	             "  \"ops\": [\n"
	             "    {\"actor\": \"host\", \"op\": \"call\", \"instance\": 1,"
	             " \"shared\": 3}]}",
	             "3:52: 'shared' is contract-only: the cm profile has no "
	             "shared producers");
	expect_error("{\"cancelfuzz\": 1, \"profile\": \"cm\",\n"
	             "  \"ops\": [{\"actor\": \"host\", \"op\": \"tick\", "
	             "\"n\": 1}]}",
	             "2:35: op 'tick' is contract-only: the cm profile has no "
	             "deadlines (the clock)");
	expect_error("{\"cancelfuzz\": 1, \"profile\": \"cm\",\n"
	             "  \"config\": {\"features\": [\"resources\"]}, "
	             "\"ops\": []}",
	             "2:27: feature 'resources' is contract-only: the cm "
	             "profile has no task-owned resources");
	expect_error("{\"cancelfuzz\": 1, \"profile\": \"cm\",\n"
	             "  \"ops\": [{\"actor\": \"T1\", \"op\": \"wait\", "
	             "\"cancellable\": true}]}",
	             "2:41: 'cancellable' is contract-only: the cm profile has "
	             "no cancellable waits (removed by component-model #716)");
	expect_error("{\"cancelfuzz\": 1, \"profile\": \"fast\", \"ops\": []}",
	             "1:30: \"profile\" must be \"contract\" or \"cm\"");
	expect_error("{\"cancelfuzz\": 1, \"ops\": [{\"actor\": \"T1\", "
	             "\"op\": \"waitable.join\"}]}",
	             "1:49: unknown op 'waitable.join'");
}

/* A cm scenario's results are observations: an allowed one is followed,
 * one the spec does not allow fails naming the allowed set, located. */
static void scenario_cm_results_checked_by_refinement(void)
{
	static const char good[] =
	    "{\"cancelfuzz\": 1, \"profile\": \"cm\", \"config\": "
	    "{\"instances\": 3},\n"
	    "  \"ops\": [\n"
	    "    {\"actor\": \"host\", \"op\": \"call\", \"instance\": 1, "
	    "\"result\": \"T1 START\"},\n"
	    "    {\"actor\": \"T1\", \"op\": \"call\", \"instance\": 2, "
	    "\"result\": \"T2 START\"},\n"
	    "    {\"actor\": \"T2\", \"op\": \"yield\", "
	    "\"result\": \"suspended; T1 <- STARTED h1 T2\"},\n"
	    "    {\"actor\": \"T1\", \"op\": \"subtask.cancel\", \"handle\": 1, "
	    "\"result\": \"%s\"}]}";
	struct cfh_scenario s, back;
	struct cfh_json_error err;
	char text[1024], path[128], got[600];
	uint8_t *bytes;
	size_t size;
	FILE *f;
	snprintf(text, sizeof(text), good, "switch; host <- STARTED h1 T1");
	ASSERT_EQ(load_text("cm.json", text, &s, &err, path, sizeof(path)), 0);
	ASSERT_TRUE(s.cm);
	ASSERT_EQ(cfh_scenario_check_results(&s, &err), 0);
	/* Written and read back: the same ops. */
	ASSERT_TRUE((f = tmpfile()) != NULL);
	ASSERT_EQ(cfh_scenario_write(f, &s), 0);
	rewind(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	if (cfh_scenario_parse(text, n, "back.json", &back, &err) != 0)
		tap_note("%s", cfh_json_error_format(&err, got, sizeof(got)));
	ASSERT_TRUE(back.cm && back.nops == 4);
	ASSERT_TRUE(memcmp(back.cm_ops, s.cm_ops, 4 * sizeof(*s.cm_ops)) == 0);
	ASSERT_STR_EQ(back.results[3], "switch; host <- STARTED h1 T1");
	cfh_scenario_free(&back);
	cfh_scenario_free(&s);

	snprintf(text, sizeof(text), good, "CANCELLED_BEFORE_RETURNED");
	ASSERT_EQ(load_text("cm.json", text, &s, &err, path, sizeof(path)), 0);
	ASSERT_EQ(cfh_scenario_check_results(&s, &err), 1);
	cfh_json_error_format(&err, got, sizeof(got));
	ASSERT_TRUE(strstr(got, ":6:") != NULL);
	ASSERT_TRUE(strstr(got, "op 4 (T1 subtask.cancel 1): "
	                        "'CANCELLED_BEFORE_RETURNED' is not allowed "
	                        "here; the spec allows {BLOCKED | switch; host "
	                        "<- STARTED h1 T1}") != NULL);
	ASSERT_EQ(cfh_scenario_encode(&s, &bytes, &size, &err), -1);
	cfh_scenario_free(&s);
}

int main(int argc, char **argv)
{
	static const struct tap_test tests[] = {
	    TAP_TEST(scenario_cm_contract_only_is_located_error),
	    TAP_TEST(scenario_cm_results_checked_by_refinement),
	    TAP_TEST(scenario_load_reads_every_field),
	    TAP_TEST(scenario_load_applies_defaults),
	    TAP_TEST(scenario_error_syntax),
	    TAP_TEST(scenario_error_unknown_op),
	    TAP_TEST(scenario_error_missing_field),
	    TAP_TEST(scenario_error_wrong_type),
	    TAP_TEST(scenario_error_unknown_key),
	    TAP_TEST(scenario_error_bad_actor),
	    TAP_TEST(scenario_error_bad_expect),
	    TAP_TEST(scenario_error_bad_config),
	    TAP_TEST(scenario_error_version),
	    TAP_TEST(scenario_error_first_one_wins),
	    TAP_TEST(scenario_error_unreadable_file),
	    TAP_TEST(scenario_hostile_inputs_never_crash),
	    TAP_TEST(locate_finds_nested_paths),
	    TAP_TEST(locate_is_safe_on_any_text),
	    TAP_TEST(scenario_result_mismatch_is_located),
	    TAP_TEST(scenario_encode_then_decode_gives_same_ops),
	    TAP_TEST(scenario_encode_refusal_is_located),
	    TAP_TEST(scenario_binary_to_json_and_back_gives_same_ops),
	    TAP_TEST(scenario_save_then_load_gives_same),
	    TAP_TEST(scenario_write_replaces_bad_utf8),
	    TAP_TEST(scenario_fnv1a_known_values),
	};
	const char *base = getenv("TMPDIR");
	snprintf(tmp_dir, sizeof(tmp_dir), "%s/cfh-scenario-XXXXXX",
	         base && base[0] && strlen(base) < 40 ? base : "/tmp");
	if (!mkdtemp(tmp_dir)) {
		printf("Bail out! cannot make a temporary directory\n");
		return 1;
	}
	int status = tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
	remove_tmp_dir();
	return status;
}

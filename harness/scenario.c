/* scenario.c - JSON scenarios: the reader with located errors, the writer,
 * and the conversions to and from the binary input format. */
#include "scenario.h"

#include "remote.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* The largest scenario file read: far beyond any real one, and small
 * enough that a wrong path (a disk image, a core file) fails cleanly. */
#define MAX_FILE_SIZE (64u << 20)

uint64_t cfh_fnv1a(const void *data, size_t size)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < size; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

char *cfh_json_error_format(const struct cfh_json_error *e, char *buf,
                            size_t size)
{
	if (e->line > 0)
		snprintf(buf, size, "%s:%d:%d: %s", e->file, e->line,
		         e->column, e->text);
	else
		snprintf(buf, size, "%s: %s", e->file, e->text);
	return buf;
}

static char *dup_string(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* Sets the error's text (its place is set apart). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void error_text(struct cfh_json_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
}

static void error_begin(struct cfh_json_error *err, const char *file)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "-");
}

/* ---- the locator: where a path's value sits in the text ---- */

/* jansson gives places for syntax errors only; a scenario's semantic
 * errors (an unknown op, a missing field) are found in its parsed tree,
 * which has none. This scanner walks the original text to the value a
 * path names. It reads JSON well enough to skip values (strings with
 * escapes, nesting to any depth, without recursion) and checks every
 * index against the length, so it is safe on any text. */

struct scan {
	const char *t;
	size_t n;
};

static size_t skip_ws(const struct scan *s, size_t i)
{
	while (i < s->n && (s->t[i] == ' ' || s->t[i] == '\t' ||
	                    s->t[i] == '\n' || s->t[i] == '\r'))
		i++;
	return i;
}

/* A string's decoded bytes, compared with want[0..len) as they come. */
struct match {
	const char *want;
	size_t len, at;
	bool same;
};

static void match_byte(struct match *m, unsigned char c)
{
	if (!m)
		return;
	if (m->at < m->len && (unsigned char)m->want[m->at] == c)
		m->at++;
	else
		m->same = false;
}

static void match_codepoint(struct match *m, uint32_t cp)
{
	if (cp < 0x80) {
		match_byte(m, (unsigned char)cp);
	} else if (cp < 0x800) {
		match_byte(m, (unsigned char)(0xc0 | cp >> 6));
		match_byte(m, (unsigned char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		match_byte(m, (unsigned char)(0xe0 | cp >> 12));
		match_byte(m, (unsigned char)(0x80 | (cp >> 6 & 0x3f)));
		match_byte(m, (unsigned char)(0x80 | (cp & 0x3f)));
	} else {
		match_byte(m, (unsigned char)(0xf0 | cp >> 18));
		match_byte(m, (unsigned char)(0x80 | (cp >> 12 & 0x3f)));
		match_byte(m, (unsigned char)(0x80 | (cp >> 6 & 0x3f)));
		match_byte(m, (unsigned char)(0x80 | (cp & 0x3f)));
	}
}

/* Four hex digits at s->t[i..i+4) into *v; false if there are not. */
static bool hex4(const struct scan *s, size_t i, uint32_t *v)
{
	*v = 0;
	if (i > s->n || s->n - i < 4)
		return false;
	for (size_t k = i; k < i + 4; k++) {
		char c = s->t[k];
		uint32_t d;
		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return false;
		*v = *v << 4 | d;
	}
	return true;
}

/* Scans the string whose opening quote is s->t[i]. Returns the index just
 * past its closing quote, or 0 if it is malformed or unterminated. With m,
 * m->same ends true only if its decoded text is exactly m->want. */
static size_t scan_string(const struct scan *s, size_t i, struct match *m)
{
	uint32_t cp, lo;
	for (i++; i < s->n;) {
		unsigned char c = (unsigned char)s->t[i++];
		if (c == '"') {
			if (m && m->at != m->len)
				m->same = false;
			return i;
		}
		if (c != '\\') {
			match_byte(m, c);
			continue;
		}
		if (i >= s->n)
			return 0;
		switch (s->t[i++]) {
		case '"': match_byte(m, '"'); break;
		case '\\': match_byte(m, '\\'); break;
		case '/': match_byte(m, '/'); break;
		case 'b': match_byte(m, '\b'); break;
		case 'f': match_byte(m, '\f'); break;
		case 'n': match_byte(m, '\n'); break;
		case 'r': match_byte(m, '\r'); break;
		case 't': match_byte(m, '\t'); break;
		case 'u':
			if (!hex4(s, i, &cp))
				return 0;
			i += 4;
			/* A surrogate pair is one character. */
			if (cp >= 0xd800 && cp < 0xdc00 && i + 2 <= s->n &&
			    s->t[i] == '\\' && s->t[i + 1] == 'u' &&
			    hex4(s, i + 2, &lo) && lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			}
			match_codepoint(m, cp);
			break;
		default:
			return 0;
		}
	}
	return 0;
}

static bool is_delimiter(char c)
{
	return c == ',' || c == ':' || c == ']' || c == '}' || c == '[' ||
	       c == '{' || c == '"' || c == ' ' || c == '\t' || c == '\n' ||
	       c == '\r';
}

/* Skips the value starting at s->t[i]. Returns the index just past it, or
 * 0 if there is no well-formed value there. */
static size_t skip_value(const struct scan *s, size_t i)
{
	if (i >= s->n)
		return 0;
	if (s->t[i] == '"')
		return scan_string(s, i, NULL);
	if (s->t[i] == '{' || s->t[i] == '[') {
		size_t depth = 0;
		while (i < s->n) {
			char c = s->t[i];
			if (c == '"') {
				if (!(i = scan_string(s, i, NULL)))
					return 0;
				continue;
			}
			if (c == '{' || c == '[')
				depth++;
			else if ((c == '}' || c == ']') && --depth == 0)
				return i + 1;
			i++;
		}
		return 0;
	}
	size_t start = i;
	while (i < s->n && !is_delimiter(s->t[i]))
		i++;
	return i > start ? i : 0;
}

/* In the object starting at s->t[i], the member named key[0..klen): the
 * index of its value, or with at_key of its key's string; 0 if absent. */
static size_t member(const struct scan *s, size_t i, const char *key,
                     size_t klen, bool at_key)
{
	if (i >= s->n || s->t[i] != '{')
		return 0;
	i = skip_ws(s, i + 1);
	if (i < s->n && s->t[i] == '}')
		return 0;
	for (;;) {
		if (i >= s->n || s->t[i] != '"')
			return 0;
		struct match m = {key, klen, 0, true};
		size_t key_at = i;
		if (!(i = scan_string(s, i, &m)))
			return 0;
		i = skip_ws(s, i);
		if (i >= s->n || s->t[i] != ':')
			return 0;
		i = skip_ws(s, i + 1);
		if (m.same)
			return at_key ? key_at : i < s->n ? i : 0;
		if (!(i = skip_value(s, i)))
			return 0;
		i = skip_ws(s, i);
		if (i >= s->n || s->t[i] != ',')
			return 0;
		i = skip_ws(s, i + 1);
	}
}

/* In the array starting at s->t[i], the index of element `index`, or 0. */
static size_t element(const struct scan *s, size_t i, size_t index)
{
	if (i >= s->n || s->t[i] != '[')
		return 0;
	i = skip_ws(s, i + 1);
	if (i < s->n && s->t[i] == ']')
		return 0;
	for (size_t k = 0;; k++) {
		if (i >= s->n)
			return 0;
		if (k == index)
			return i;
		if (!(i = skip_value(s, i)))
			return 0;
		i = skip_ws(s, i);
		if (i >= s->n || s->t[i] != ',')
			return 0;
		i = skip_ws(s, i + 1);
	}
}

/* Follows path from the document's value; *at is where it leads. */
static bool walk(const struct scan *s, const char *path, size_t *at)
{
	size_t i = skip_ws(s, 0);
	const char *p = path;
	if (i >= s->n)
		return false;
	while (*p) {
		if (*p == '[') {
			size_t index = 0;
			if (*++p < '0' || *p > '9')
				return false;
			for (; *p >= '0' && *p <= '9'; p++) {
				size_t d = (size_t)(*p - '0');
				if (index > (SIZE_MAX - d) / 10)
					return false;
				index = index * 10 + d;
			}
			if (*p++ != ']')
				return false;
			i = element(s, i, index);
		} else {
			if (*p == '.')
				p++;
			const char *key = p;
			while (*p && *p != '.' && *p != '[')
				p++;
			i = member(s, i, key, (size_t)(p - key), false);
		}
		if (!i)
			return false;
	}
	*at = i;
	return true;
}

/* Line and column (1-based, in characters) of s->t[at]. */
static void place(const struct scan *s, size_t at, int *line, int *column)
{
	int l = 1, c = 1;
	for (size_t i = 0; i < at && i < s->n; i++) {
		if (s->t[i] == '\n') {
			l += l < INT_MAX;
			c = 1;
		} else if (((unsigned char)s->t[i] & 0xc0) != 0x80) {
			c += c < INT_MAX;
		}
	}
	*line = l;
	*column = c;
}

bool cfh_json_locate(const char *text, size_t len, const char *path,
                     int *line, int *column)
{
	struct scan s = {text, text ? len : 0};
	size_t at;
	if (!walk(&s, path, &at))
		return false;
	place(&s, at, line, column);
	return true;
}

bool cfh_json_locate_key(const char *text, size_t len, const char *path,
                         const char *key, int *line, int *column)
{
	struct scan s = {text, text ? len : 0};
	size_t at;
	if (!walk(&s, path, &at) ||
	    !(at = member(&s, at, key, strlen(key), true)))
		return false;
	place(&s, at, line, column);
	return true;
}

/* ---- the reader ---- */

struct loader {
	struct scan src;
	struct cfh_json_error *err;
	bool failed;
	bool cm; /* reading a cm scenario */
};

/* Records the first error, placed at path's value (or at key's string in
 * the object at path); if the text has no such place, at the nearest
 * enclosing one. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void fail(struct loader *l, const char *path, const char *key,
                 const char *fmt, ...)
{
	va_list ap;
	char at[128];
	if (l->failed)
		return;
	l->failed = true;
	va_start(ap, fmt);
	vsnprintf(l->err->text, sizeof(l->err->text), fmt, ap);
	va_end(ap);
	l->err->line = l->err->column = 1;
	if (key && cfh_json_locate_key(l->src.t, l->src.n, path, key,
	                               &l->err->line, &l->err->column))
		return;
	snprintf(at, sizeof(at), "%s", path);
	while (!cfh_json_locate(l->src.t, l->src.n, at, &l->err->line,
	                        &l->err->column) &&
	       at[0]) {
		/* Up one level: cut at the last '.' or '['. */
		size_t cut = strlen(at);
		while (cut > 0 && at[cut] != '.' && at[cut] != '[')
			cut--;
		at[cut] = '\0';
	}
}

static void fail_oom(struct loader *l)
{
	fail(l, "", NULL, "out of memory");
}

/* A string member, copied into *out. */
static void get_string(struct loader *l, const json_t *v, const char *path,
                       const char *name, char **out)
{
	if (!json_is_string(v)) {
		fail(l, path, NULL, "\"%s\" must be a string", name);
		return;
	}
	free(*out);
	if (!(*out = dup_string(json_string_value(v))))
		fail_oom(l);
}

/* An integer member within lo..hi. */
static bool get_int(struct loader *l, const json_t *v, const char *path,
                    const char *name, long long lo, long long hi,
                    long long *out)
{
	if (!json_is_integer(v)) {
		fail(l, path, NULL, "\"%s\" must be %s", name,
		     lo >= 0 ? "a non-negative integer" : "an integer");
		return false;
	}
	long long x = json_integer_value(v);
	if (x < lo || x > hi) {
		if (lo == 0 && x < 0)
			fail(l, path, NULL,
			     "\"%s\" must be a non-negative integer", name);
		else
			fail(l, path, NULL, "\"%s\" must be between %lld and %lld",
			     name, lo, hi);
		return false;
	}
	*out = x;
	return true;
}

static void get_u32(struct loader *l, const json_t *v, const char *path,
                    const char *name, uint32_t lo, uint32_t hi,
                    uint32_t *out)
{
	long long x;
	if (get_int(l, v, path, name, lo, hi, &x))
		*out = (uint32_t)x;
}

static const struct {
	const char *name;
	uint32_t bit;
} features[] = {
    {"shared", CFH_F_SHARED},
    {"deadlines", CFH_F_DEADLINES},
    {"resources", CFH_F_RESOURCES},
    {"backpressure", CFH_F_BACKPRESSURE},
    {"misuse", CFH_F_MISUSE},
};
#define NFEATURES (sizeof(features) / sizeof(features[0]))

static const char *contract_only(const char *name);

static void read_features(struct loader *l, const json_t *v,
                          uint32_t *out)
{
	char path[64];
	size_t i;
	const json_t *f;
	if (!json_is_array(v)) {
		fail(l, "config.features", NULL,
		     "\"features\" must be an array of feature names");
		return;
	}
	*out = 0;
	json_array_foreach(v, i, f) {
		snprintf(path, sizeof(path), "config.features[%zu]", i);
		if (!json_is_string(f)) {
			fail(l, path, NULL, "a feature is a name (a string)");
			return;
		}
		size_t k = 0;
		while (k < NFEATURES &&
		       strcmp(features[k].name, json_string_value(f)) != 0)
			k++;
		if (k == NFEATURES) {
			fail(l, path, NULL,
			     "unknown feature '%s' (shared, deadlines, resources, "
			     "backpressure, misuse)",
			     json_string_value(f));
			return;
		}
		if (l->cm && features[k].bit != CFH_F_BACKPRESSURE &&
		    features[k].bit != CFH_F_MISUSE) {
			fail(l, path, NULL,
			     "feature '%s' is contract-only: the cm profile "
			     "has no %s",
			     features[k].name, contract_only(features[k].name));
			return;
		}
		if (*out & features[k].bit) {
			fail(l, path, NULL, "feature '%s' listed twice",
			     features[k].name);
			return;
		}
		*out |= features[k].bit;
	}
}

static void read_config(struct loader *l, const json_t *v,
                        struct cfh_setup *su)
{
	const char *key;
	json_t *x;
	char path[64];
	if (!json_is_object(v)) {
		fail(l, "config", NULL, "\"config\" must be an object");
		return;
	}
	json_object_foreach((json_t *)v, key, x) {
		snprintf(path, sizeof(path), "config.%s", key);
		if (strcmp(key, "instances") == 0)
			get_u32(l, x, path, key, 2, CFM_MAX_INSTANCES,
			        &su->caps.instances);
		else if (strcmp(key, "max_tasks") == 0)
			get_u32(l, x, path, key, 1, CFM_MAX_TASKS,
			        &su->caps.max_tasks);
		else if (strcmp(key, "max_handles") == 0)
			get_u32(l, x, path, key, 1, CFM_MAX_HANDLES,
			        &su->caps.max_handles);
		else if (strcmp(key, "max_resources") == 0)
			get_u32(l, x, path, key, 1, CFM_MAX_RESOURCES,
			        &su->caps.max_resources);
		else if (strcmp(key, "max_keys") == 0)
			get_u32(l, x, path, key, 1, CFM_MAX_KEYS,
			        &su->caps.max_keys);
		else if (strcmp(key, "features") == 0)
			read_features(l, x, &su->features);
		else
			fail(l, "config", key, "unknown key '%s' in config", key);
		if (l->failed)
			return;
	}
}

/* The keys an op may have. */
enum arg {
	A_ACTOR,
	A_OP,
	A_RESULT,
	A_INSTANCE,
	A_SHARED,
	A_DEADLINE,
	A_HANDLE,
	A_KIND,
	A_VALUE,
	A_CANCELLABLE,
	A_RESOURCE,
	A_DELTA,
	A_N,
	A_K,
	A_SET,
	A_COUNT
};

static const char *const arg_names[A_COUNT] = {
    "actor",  "op",    "result",      "instance", "shared",
    "deadline", "handle", "kind",     "value",    "cancellable",
    "resource", "delta", "n",         "k",      "set",
};

#define BIT(a) (1u << (a))

/* The arguments an opcode takes, and those it cannot do without. */
static void op_args(enum cfm_opcode code, uint32_t *allowed,
                    uint32_t *required)
{
	*allowed = *required = 0;
	switch (code) {
	case CFM_OP_CALL:
		*required = BIT(A_INSTANCE);
		*allowed = BIT(A_SHARED) | BIT(A_DEADLINE);
		break;
	case CFM_OP_SUBTASK_CANCEL:
	case CFM_OP_SUBTASK_DROP:
		*required = BIT(A_HANDLE);
		break;
	case CFM_OP_TASK_RETURN:
		*required = BIT(A_KIND) | BIT(A_VALUE);
		break;
	case CFM_OP_WAIT:
		*required = BIT(A_CANCELLABLE);
		break;
	case CFM_OP_RESOURCE_DROP:
		*required = BIT(A_RESOURCE);
		break;
	case CFM_OP_BACKPRESSURE:
		*required = BIT(A_INSTANCE) | BIT(A_DELTA);
		break;
	case CFM_OP_TICK:
		*required = BIT(A_N);
		break;
	case CFM_OP_RUN:
		*required = BIT(A_K);
		break;
	case CFM_OP_TASK_CANCEL:
	case CFM_OP_YIELD:
	case CFM_OP_EXIT:
	case CFM_OP_RESOURCE_NEW:
	case CFM_OP_POLL:
		break;
	}
	*required |= BIT(A_ACTOR) | BIT(A_OP);
	*allowed |= *required | BIT(A_RESULT);
}

/* "host" is CFM_HOST; "T<id>" is task id, 1 <= id <= UINT32_MAX, written
 * without leading zeros. */
static bool parse_actor(const char *text, uint32_t *actor)
{
	if (strcmp(text, "host") == 0) {
		*actor = CFM_HOST;
		return true;
	}
	if (text[0] != 'T' || text[1] < '1' || text[1] > '9')
		return false;
	uint64_t id = 0;
	for (const char *p = text + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		id = id * 10 + (uint64_t)(*p - '0');
		if (id > UINT32_MAX)
			return false;
	}
	*actor = (uint32_t)id;
	return true;
}

static void read_arg(struct loader *l, enum arg a, const json_t *x,
                     const char *path, struct cfm_op *op, char **result)
{
	const char *name = arg_names[a];
	long long delta;
	switch (a) {
	case A_ACTOR:
		if (!json_is_string(x))
			fail(l, path, NULL, "\"actor\" must be a string");
		else if (!parse_actor(json_string_value(x), &op->actor))
			fail(l, path, NULL,
			     "bad actor '%s' (expected \"host\" or \"T<id>\")",
			     json_string_value(x));
		break;
	case A_OP:
		break; /* read first, to know the rest */
	case A_RESULT:
		get_string(l, x, path, name, result);
		break;
	case A_INSTANCE:
		get_u32(l, x, path, name, 0, UINT32_MAX, &op->instance);
		break;
	case A_SHARED:
		op->shared = true;
		get_u32(l, x, path, name, 0, UINT32_MAX, &op->key);
		break;
	case A_DEADLINE:
		op->has_deadline = true;
		get_u32(l, x, path, name, 0, UINT32_MAX, &op->deadline);
		break;
	case A_HANDLE:
		get_u32(l, x, path, name, 0, UINT32_MAX, &op->handle);
		break;
	case A_KIND:
		if (json_is_string(x) && strcmp(json_string_value(x), "ok") == 0)
			op->kind = CFM_KIND_OK;
		else if (json_is_string(x) &&
		         strcmp(json_string_value(x), "err") == 0)
			op->kind = CFM_KIND_ERR;
		else
			fail(l, path, NULL, "\"kind\" must be \"ok\" or \"err\"");
		break;
	case A_VALUE:
		get_u32(l, x, path, name, 0, UINT32_MAX, &op->value);
		break;
	case A_CANCELLABLE:
		if (json_is_boolean(x))
			op->cancellable = json_is_true(x);
		else
			fail(l, path, NULL, "\"cancellable\" must be true or false");
		break;
	case A_RESOURCE:
		get_u32(l, x, path, name, 0, UINT32_MAX, &op->resource);
		break;
	case A_DELTA:
		if (get_int(l, x, path, name, INT32_MIN, INT32_MAX, &delta))
			op->delta = (int32_t)delta;
		break;
	case A_N:
	case A_K:
		get_u32(l, x, path, name, 0, UINT32_MAX, &op->n);
		break;
	case A_SET: /* cm only: read by read_cm_op */
	case A_COUNT:
		break;
	}
}

static void read_op(struct loader *l, const json_t *v, size_t index,
                    struct cfm_op *op, char **result)
{
	char path[64], arg_path[96];
	const char *key;
	json_t *x;
	uint32_t allowed, required, seen = 0;

	snprintf(path, sizeof(path), "ops[%zu]", index);
	if (!json_is_object(v)) {
		fail(l, path, NULL, "an op is an object: {\"actor\": ..., "
		                    "\"op\": ...}");
		return;
	}
	const json_t *name = json_object_get(v, "op");
	snprintf(arg_path, sizeof(arg_path), "%s.op", path);
	if (!name) {
		fail(l, path, NULL, "missing \"op\"");
		return;
	}
	if (!json_is_string(name)) {
		fail(l, arg_path, NULL, "\"op\" must be a string");
		return;
	}
	int code = 0;
	while (code < CFM_OPCODE_COUNT &&
	       strcmp(cfm_opcode_name((enum cfm_opcode)code),
	              json_string_value(name)) != 0)
		code++;
	if (code == CFM_OPCODE_COUNT) {
		fail(l, arg_path, NULL, "unknown op '%s'",
		     json_string_value(name));
		return;
	}
	op->code = (enum cfm_opcode)code;
	op_args(op->code, &allowed, &required);

	json_object_foreach((json_t *)v, key, x) {
		int a = 0;
		while (a < A_COUNT && strcmp(arg_names[a], key) != 0)
			a++;
		if (a == A_COUNT || !(allowed & BIT(a))) {
			fail(l, path, key, "unknown key '%s' for %s", key,
			     cfm_opcode_name(op->code));
			return;
		}
		snprintf(arg_path, sizeof(arg_path), "%s.%s", path, key);
		read_arg(l, (enum arg)a, x, arg_path, op, result);
		if (l->failed)
			return;
		seen |= BIT(a);
	}
	for (int a = 0; a < A_COUNT; a++)
		if ((required & BIT(a)) && !(seen & BIT(a))) {
			fail(l, path, NULL, "missing \"%s\" for %s", arg_names[a],
			     cfm_opcode_name(op->code));
			return;
		}
}

/* ---- the cm profile's ops ---- */

/* The arguments a cm opcode takes (all of them required). */
static uint32_t cm_op_args(enum cfm_cm_opcode code)
{
	switch (code) {
	case CFM_CM_OP_CALL:
		return BIT(A_INSTANCE);
	case CFM_CM_OP_SUBTASK_CANCEL:
	case CFM_CM_OP_SUBTASK_DROP:
		return BIT(A_HANDLE);
	case CFM_CM_OP_TASK_RETURN:
		return BIT(A_KIND) | BIT(A_VALUE);
	case CFM_CM_OP_WSET_WAIT:
	case CFM_CM_OP_WSET_POLL:
	case CFM_CM_OP_WSET_DROP:
	case CFM_CM_OP_WAIT:
		return BIT(A_SET);
	case CFM_CM_OP_JOIN:
		return BIT(A_HANDLE) | BIT(A_SET);
	case CFM_CM_OP_RUN:
		return BIT(A_K);
	case CFM_CM_OP_TASK_CANCEL:
	case CFM_CM_OP_WSET_NEW:
	case CFM_CM_OP_THREAD_YIELD:
	case CFM_CM_OP_BP_INC:
	case CFM_CM_OP_BP_DEC:
	case CFM_CM_OP_YIELD:
	case CFM_CM_OP_EXIT:
	case CFM_CM_OP_POLL:
		return 0;
	}
	return 0;
}

/* Why a contract key or op has no place in a cm scenario, or NULL. */
static const char *contract_only(const char *name)
{
	static const struct {
		const char *name, *why;
	} list[] = {
	    {"shared", "shared producers"},
	    {"deadline", "deadlines"},
	    {"tick", "deadlines (the clock)"},
	    {"resource", "task-owned resources"},
	    {"resource.new", "task-owned resources"},
	    {"resource.drop", "task-owned resources"},
	    {"backpressure", "backpressure(j, delta): it has backpressure.inc "
	                     "and backpressure.dec"},
	    {"delta", "backpressure(j, delta)"},
	    {"cancellable", "cancellable waits (removed by component-model "
	                    "#716)"},
	    {"n", "tick"},
	    {"deadlines", "deadlines"},
	    {"resources", "task-owned resources"},
	};
	for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++)
		if (strcmp(list[i].name, name) == 0)
			return list[i].why;
	return NULL;
}

static void read_cm_op(struct loader *l, const json_t *v, size_t index,
                       struct cfm_cm_op *op, char **result)
{
	char path[64], arg_path[96];
	const char *key, *why;
	json_t *x;
	uint32_t seen = 0;
	struct cfm_op scratch;

	snprintf(path, sizeof(path), "ops[%zu]", index);
	if (!json_is_object(v)) {
		fail(l, path, NULL, "an op is an object: {\"actor\": ..., "
		                    "\"op\": ...}");
		return;
	}
	const json_t *name = json_object_get(v, "op");
	snprintf(arg_path, sizeof(arg_path), "%s.op", path);
	if (!name) {
		fail(l, path, NULL, "missing \"op\"");
		return;
	}
	if (!json_is_string(name)) {
		fail(l, arg_path, NULL, "\"op\" must be a string");
		return;
	}
	int code = 0;
	while (code < CFM_CM_OPCODE_COUNT &&
	       strcmp(cfm_cm_opcode_name((enum cfm_cm_opcode)code),
	              json_string_value(name)) != 0)
		code++;
	if (code == CFM_CM_OPCODE_COUNT) {
		why = contract_only(json_string_value(name));
		if (why)
			fail(l, arg_path, NULL,
			     "op '%s' is contract-only: the cm profile has no "
			     "%s",
			     json_string_value(name), why);
		else
			fail(l, arg_path, NULL, "unknown cm op '%s'",
			     json_string_value(name));
		return;
	}
	op->code = (enum cfm_cm_opcode)code;
	uint32_t required = cm_op_args(op->code) | BIT(A_ACTOR) | BIT(A_OP);
	uint32_t allowed = required | BIT(A_RESULT);

	json_object_foreach((json_t *)v, key, x) {
		int a = 0;
		while (a < A_COUNT && strcmp(arg_names[a], key) != 0)
			a++;
		if (a == A_COUNT || !(allowed & BIT(a))) {
			why = contract_only(key);
			if (why)
				fail(l, path, key,
				     "'%s' is contract-only: the cm profile "
				     "has no %s",
				     key, why);
			else
				fail(l, path, key, "unknown key '%s' for %s",
				     key, cfm_cm_opcode_name(op->code));
			return;
		}
		snprintf(arg_path, sizeof(arg_path), "%s.%s", path, key);
		memset(&scratch, 0, sizeof(scratch));
		scratch.actor = op->actor;
		if (a == A_SET)
			get_u32(l, x, arg_path, key, 0, UINT32_MAX, &op->set);
		else
			read_arg(l, (enum arg)a, x, arg_path, &scratch, result);
		if (l->failed)
			return;
		switch ((enum arg)a) {
		case A_ACTOR:
			op->actor = scratch.actor;
			break;
		case A_INSTANCE:
			op->instance = scratch.instance;
			break;
		case A_HANDLE:
			op->handle = scratch.handle;
			break;
		case A_KIND:
			op->kind = scratch.kind;
			break;
		case A_VALUE:
			op->value = scratch.value;
			break;
		case A_K:
			op->n = scratch.n;
			break;
		case A_OP:
		case A_RESULT:
		case A_SET:
		case A_SHARED:
		case A_DEADLINE:
		case A_CANCELLABLE:
		case A_RESOURCE:
		case A_DELTA:
		case A_N:
		case A_COUNT:
			break;
		}
		seen |= BIT(a);
	}
	for (int a = 0; a < A_COUNT; a++)
		if ((required & BIT(a)) && !(seen & BIT(a))) {
			fail(l, path, NULL, "missing \"%s\" for %s", arg_names[a],
			     cfm_cm_opcode_name(op->code));
			return;
		}
}

/* "choices": pairs of hex digits, a runtime's random choices. */
static void read_choices(struct loader *l, const json_t *v,
                         struct cfh_scenario *s)
{
	const char *hex = json_is_string(v) ? json_string_value(v) : NULL;
	size_t n = hex ? strlen(hex) : 0;
	if (!hex || n % 2 || n > 512 || strspn(hex, "0123456789abcdefABCDEF") != n) {
		fail(l, "choices", NULL,
		     "\"choices\" must be pairs of hex digits, at most 256 "
		     "bytes");
		return;
	}
	s->choices = malloc(n / 2 + 1);
	if (!s->choices) {
		fail(l, "choices", NULL, "out of memory");
		return;
	}
	for (size_t k = 0; k < n / 2; k++) {
		unsigned b;
		sscanf(hex + 2 * k, "%2x", &b);
		s->choices[k] = (uint8_t)b;
	}
	s->nchoices = n / 2;
}

static void read_ops(struct loader *l, const json_t *v,
                     struct cfh_scenario *s)
{
	size_t i;
	const json_t *x;
	uint32_t calls = 0;
	if (!json_is_array(v)) {
		fail(l, "ops", NULL, "\"ops\" must be an array");
		return;
	}
	size_t n = json_array_size(v);
	s->ops = calloc(n ? n : 1, sizeof(*s->ops));
	s->results = calloc(n ? n : 1, sizeof(*s->results));
	if (s->cm)
		s->cm_ops = calloc(n ? n : 1, sizeof(*s->cm_ops));
	if (!s->ops || !s->results || (s->cm && !s->cm_ops)) {
		fail_oom(l);
		return;
	}
	s->nops = n;
	json_array_foreach(v, i, x) {
		if (s->cm)
			read_cm_op(l, x, i, &s->cm_ops[i], &s->results[i]);
		else
			read_op(l, x, i, &s->ops[i], &s->results[i]);
		if (l->failed)
			return;
		/* A call's slot is its number among the calls, as the
		 * decoder hands them out. */
		if (s->ops[i].code == CFM_OP_CALL)
			s->ops[i].slot = ++calls;
	}
}

static void read_root(struct loader *l, const json_t *root,
                      struct cfh_scenario *s)
{
	const char *key;
	json_t *x;
	if (!json_is_object(root)) {
		fail(l, "", NULL, "a scenario is a JSON object");
		return;
	}
	/* The version first: it says how to read the rest. */
	x = json_object_get(root, "cancelfuzz");
	if (!x) {
		fail(l, "", NULL,
		     "missing \"cancelfuzz\" (the format version, %d)",
		     CFH_SCENARIO_VERSION);
		return;
	}
	if (!json_is_integer(x)) {
		fail(l, "cancelfuzz", NULL,
		     "\"cancelfuzz\" must be the format version, %d",
		     CFH_SCENARIO_VERSION);
		return;
	}
	if (json_integer_value(x) != CFH_SCENARIO_VERSION) {
		fail(l, "cancelfuzz", NULL,
		     "unsupported format version %lld (this tool reads %d)",
		     (long long)json_integer_value(x), CFH_SCENARIO_VERSION);
		return;
	}
	s->version = CFH_SCENARIO_VERSION;
	/* The profile next: it says how to read the ops. */
	x = json_object_get(root, "profile");
	if (x && (!json_is_string(x) ||
	          (strcmp(json_string_value(x), "cm") != 0 &&
	           strcmp(json_string_value(x), "contract") != 0))) {
		fail(l, "profile", NULL,
		     "\"profile\" must be \"contract\" or \"cm\"");
		return;
	}
	s->cm = x && strcmp(json_string_value(x), "cm") == 0;
	l->cm = s->cm;
	if (s->cm)
		s->setup.features = CFH_F_BACKPRESSURE | CFH_F_MISUSE;

	/* A target next: it says what "expect" names. */
	x = json_object_get(root, "target");
	if (x && (!json_is_string(x) || !json_string_value(x)[0])) {
		fail(l, "target", NULL, "\"target\" must be a target's name");
		return;
	}
	if (x && !s->cm) {
		fail(l, "target", NULL,
		     "a target runs the cm profile: add \"profile\": \"cm\"");
		return;
	}
	if (x) {
		size_t n = strlen(json_string_value(x)) + 1;
		if (!(s->target = malloc(n))) {
			fail(l, "target", NULL, "out of memory");
			return;
		}
		memcpy(s->target, json_string_value(x), n);
	}

	json_object_foreach((json_t *)root, key, x) {
		if (strcmp(key, "cancelfuzz") == 0 ||
		    strcmp(key, "profile") == 0 || strcmp(key, "target") == 0) {
			continue;
		} else if (strcmp(key, "choices") == 0 && s->target) {
			read_choices(l, x, s);
		} else if (strcmp(key, "expect") == 0 && s->target) {
			int c = json_is_string(x) ? cfh_remote_finding_from_name(
			                                json_string_value(x))
			                          : -1;
			if (c < 0)
				fail(l, key, NULL,
				     "\"expect\" must name a target finding "
				     "(none, divergence, wrong_result, "
				     "late_publication, double_settlement, "
				     "stalled, left_running, leak, "
				     "target_crash, target_hang, protocol)");
			else
				s->expect_target = c;
		} else if (strcmp(key, "title") == 0) {
			get_string(l, x, key, key, &s->title);
		} else if (strcmp(key, "origin") == 0) {
			get_string(l, x, key, key, &s->origin);
		} else if (strcmp(key, "mutant") == 0) {
			get_string(l, x, key, key, &s->mutant);
		} else if (strcmp(key, "config") == 0) {
			read_config(l, x, &s->setup);
		} else if (strcmp(key, "ops") == 0) {
			read_ops(l, x, s);
		} else if (strcmp(key, "expect") == 0) {
			int c = json_is_string(x)
			            ? cfh_class_from_name(json_string_value(x))
			            : -1;
			if (!json_is_string(x))
				fail(l, key, NULL,
				     "\"expect\" must be a finding class name");
			else if (c < 0)
				fail(l, key, NULL,
				     "unknown finding class '%s' (none, "
				     "divergence, double_settlement, "
				     "late_publication, stale_event, "
				     "left_running, leak, crash)",
				     json_string_value(x));
			else
				s->expect = (enum cfh_class)c;
		} else {
			fail(l, "", key, "unknown key '%s'", key);
		}
		if (l->failed)
			return;
	}
	if (!json_object_get(root, "ops"))
		fail(l, "", NULL, "missing \"ops\"");
	for (size_t i = 0; s->target && !l->failed && i < s->nops; i++) {
		char path[32];
		snprintf(path, sizeof(path), "ops[%zu].op", i);
		if (s->cm_ops[i].code == CFM_CM_OP_RUN || s->results[i])
			fail(l, path, NULL,
			     s->results[i]
			         ? "a target scenario's ops are decisions: "
			           "the target reports the results"
			         : "run is the target's own doing: a target "
			           "scenario lists only the harness's decisions");
	}
}

static void set_defaults(struct cfh_scenario *s)
{
	s->setup.caps = (struct cfm_config){
	    .instances = 4,
	    .max_tasks = 32,
	    .max_handles = 16,
	    .max_resources = 4,
	    .max_keys = 4,
	};
	s->setup.features = CFH_F_ALL;
	s->expect = CFH_NONE;
}


int cfh_scenario_parse(const char *text, size_t len, const char *file,
                       struct cfh_scenario *s, struct cfh_json_error *err)
{
	json_error_t je;
	memset(s, 0, sizeof(*s));
	error_begin(err, file);
	if (!text)
		text = "";
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		err->line = je.line > 0 ? je.line : 1;
		err->column = je.column > 0 ? je.column : 1;
		error_text(err, "%s", je.text);
		return -1;
	}
	struct loader l = {{text, len}, err, false, false};
	set_defaults(s);
	read_root(&l, root, s);
	json_decref(root);
	if (!l.failed) {
		s->file = dup_string(err->file);
		s->source = malloc(len + 1);
		if (!s->file || !s->source) {
			fail_oom(&l);
		} else {
			memcpy(s->source, text, len);
			s->source[len] = '\0';
			s->source_len = len;
		}
	}
	if (l.failed) {
		cfh_scenario_free(s);
		return -1;
	}
	return 0;
}

int cfh_file_read(const char *path, char **out, size_t *len,
                  struct cfh_json_error *err)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0;
	char *buf = NULL;
	*out = NULL;
	*len = 0;
	error_begin(err, path);
	if (!f) {
		error_text(err, "cannot open: %s",
		         strerror(errno));
		return -1;
	}
	for (;;) {
		if (!buf || n == cap) {
			char *grown = n == cap ? realloc(buf, (cap *= 2) + 1)
			                       : malloc(cap + 1);
			if (!grown) {
				error_text(err,
				         "out of memory");
				break;
			}
			buf = grown;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n > MAX_FILE_SIZE) {
			error_text(err,
			         "too large (over %u bytes)", MAX_FILE_SIZE);
			break;
		}
		if (got == 0) {
			if (ferror(f)) {
				error_text(err,
				         "cannot read: %s", strerror(errno));
				break;
			}
			fclose(f);
			buf[n] = '\0';
			*out = buf;
			*len = n;
			return 0;
		}
	}
	fclose(f);
	free(buf);
	return -1;
}

int cfh_scenario_load(const char *path, struct cfh_scenario *s,
                      struct cfh_json_error *err)
{
	char *text;
	size_t len;
	memset(s, 0, sizeof(*s));
	if (cfh_file_read(path, &text, &len, err) != 0)
		return -1;
	int r = cfh_scenario_parse(text, len, path, s, err);
	free(text);
	return r;
}

void cfh_scenario_free(struct cfh_scenario *s)
{
	free(s->title);
	free(s->origin);
	free(s->mutant);
	free(s->ops);
	free(s->cm_ops);
	if (s->results)
		for (size_t i = 0; i < s->nops; i++)
			free(s->results[i]);
	free(s->results);
	free(s->file);
	free(s->source);
	free(s->target);
	free(s->choices);
	memset(s, 0, sizeof(*s));
}

/* ---- the writer ---- */

/* The length of the valid UTF-8 sequence at p, or 0 if there is none. */
static size_t utf8_length(const unsigned char *p)
{
	size_t n;
	uint32_t cp;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07u;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0; /* also stops at the NUL */
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* A JSON string; bytes that are not UTF-8 (a file name, say) become
 * U+FFFD, so the output always reads back. */
static void put_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	fputc('"', out);
	while (*p) {
		size_t n = utf8_length(p);
		if (n == 0) {
			fputs("\\ufffd", out);
			p++;
			continue;
		}
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p == '\t')
			fputs("\\t", out);
		else if (*p == '\r')
			fputs("\\r", out);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fwrite(p, 1, n, out);
		p += n;
	}
	fputc('"', out);
}

static void put_op(FILE *out, const struct cfm_op *op, const char *result)
{
	fputs("{\"actor\": ", out);
	if (op->actor == CFM_HOST)
		fputs("\"host\"", out);
	else
		fprintf(out, "\"T%u\"", op->actor);
	fprintf(out, ", \"op\": \"%s\"", cfm_opcode_name(op->code));
	switch (op->code) {
	case CFM_OP_CALL:
		fprintf(out, ", \"instance\": %u", op->instance);
		if (op->shared)
			fprintf(out, ", \"shared\": %u", op->key);
		if (op->has_deadline)
			fprintf(out, ", \"deadline\": %u", op->deadline);
		break;
	case CFM_OP_SUBTASK_CANCEL:
	case CFM_OP_SUBTASK_DROP:
		fprintf(out, ", \"handle\": %u", op->handle);
		break;
	case CFM_OP_TASK_RETURN:
		fprintf(out, ", \"kind\": \"%s\", \"value\": %u",
		        cfm_kind_name(op->kind), op->value);
		break;
	case CFM_OP_WAIT:
		fprintf(out, ", \"cancellable\": %s",
		        op->cancellable ? "true" : "false");
		break;
	case CFM_OP_RESOURCE_DROP:
		fprintf(out, ", \"resource\": %u", op->resource);
		break;
	case CFM_OP_BACKPRESSURE:
		fprintf(out, ", \"instance\": %u, \"delta\": %d", op->instance,
		        (int)op->delta);
		break;
	case CFM_OP_TICK:
		fprintf(out, ", \"n\": %u", op->n);
		break;
	case CFM_OP_RUN:
		fprintf(out, ", \"k\": %u", op->n);
		break;
	case CFM_OP_TASK_CANCEL:
	case CFM_OP_YIELD:
	case CFM_OP_EXIT:
	case CFM_OP_RESOURCE_NEW:
	case CFM_OP_POLL:
		break;
	}
	if (result) {
		fputs(", \"result\": ", out);
		put_string(out, result);
	}
	fputc('}', out);
}

static void put_cm_op(FILE *out, const struct cfm_cm_op *op,
                      const char *result)
{
	fputs("{\"actor\": ", out);
	if (op->actor == CFM_HOST)
		fputs("\"host\"", out);
	else
		fprintf(out, "\"T%u\"", op->actor);
	fprintf(out, ", \"op\": \"%s\"", cfm_cm_opcode_name(op->code));
	uint32_t args = cm_op_args(op->code);
	if (args & BIT(A_INSTANCE))
		fprintf(out, ", \"instance\": %u", op->instance);
	if (args & BIT(A_HANDLE))
		fprintf(out, ", \"handle\": %u", op->handle);
	if (args & BIT(A_SET))
		fprintf(out, ", \"set\": %u", op->set);
	if (args & BIT(A_KIND))
		fprintf(out, ", \"kind\": \"%s\", \"value\": %u",
		        cfm_kind_name(op->kind), op->value);
	if (args & BIT(A_K))
		fprintf(out, ", \"k\": %u", op->n);
	if (result) {
		fputs(", \"result\": ", out);
		put_string(out, result);
	}
	fputc('}', out);
}

int cfh_scenario_write(FILE *out, const struct cfh_scenario *s)
{
	const struct cfm_config *c = &s->setup.caps;
	const char *sep = "";
	fprintf(out, "{\n  \"cancelfuzz\": %d,\n", CFH_SCENARIO_VERSION);
	if (s->title) {
		fputs("  \"title\": ", out);
		put_string(out, s->title);
		fputs(",\n", out);
	}
	if (s->origin) {
		fputs("  \"origin\": ", out);
		put_string(out, s->origin);
		fputs(",\n", out);
	}
	if (s->mutant) {
		fputs("  \"mutant\": ", out);
		put_string(out, s->mutant);
		fputs(",\n", out);
	}
	if (s->cm)
		fputs("  \"profile\": \"cm\",\n", out);
	if (s->target) {
		fputs("  \"target\": ", out);
		put_string(out, s->target);
		fputs(",\n  \"choices\": \"", out);
		for (size_t k = 0; k < s->nchoices; k++)
			fprintf(out, "%02x", s->choices[k]);
		fputs("\",\n", out);
	}
	if (s->cm)
		fprintf(out,
		        "  \"config\": {\"instances\": %u, \"max_tasks\": %u},\n"
		        "  \"ops\": [",
		        c->instances, c->max_tasks);
	else
		fprintf(out,
	        "  \"config\": {\"instances\": %u, \"max_tasks\": %u, "
	        "\"max_handles\": %u, \"max_resources\": %u, \"max_keys\": %u, "
	        "\"features\": [",
	        c->instances, c->max_tasks, c->max_handles, c->max_resources,
	        c->max_keys);
	for (size_t k = 0; k < NFEATURES && !s->cm; k++)
		if (s->setup.features & features[k].bit) {
			fprintf(out, "%s\"%s\"", sep, features[k].name);
			sep = ", ";
		}
	if (!s->cm)
		fputs("]},\n  \"ops\": [", out);
	for (size_t i = 0; i < s->nops; i++) {
		fputs(i ? ",\n    " : "\n    ", out);
		if (s->cm)
			put_cm_op(out, &s->cm_ops[i],
			          s->results ? s->results[i] : NULL);
		else
			put_op(out, &s->ops[i],
			       s->results ? s->results[i] : NULL);
	}
	fputs(s->nops ? "\n  ],\n" : "],\n", out);
	fprintf(out, "  \"expect\": \"%s\"\n}\n",
	        s->target ? cfh_remote_finding_name(
	                        (enum cfh_remote_finding)s->expect_target)
	                  : cfh_class_name(s->expect));
	return ferror(out) ? -1 : 0;
}

/* ---- against the model ---- */

/* Places err at path in s's source text, if it has one. */
static void place_in(const struct cfh_scenario *s, const char *path,
                     struct cfh_json_error *err)
{
	struct loader l = {{s->source, s->source ? s->source_len : 0}, err,
	                   false, false};
	char text[sizeof(err->text)];
	if (!s->source)
		return;
	memcpy(text, err->text, sizeof(text));
	fail(&l, path, NULL, "%s", text);
}

/* A bare model started with s's caps, or NULL with *err filled. */
static struct cfm *model_for(const struct cfh_setup *su,
                             struct cfh_json_error *err)
{
	struct cfm *m = malloc(sizeof(*m));
	if (!m) {
		error_text(err, "out of memory");
		return NULL;
	}
	if (cfm_init(m, &su->caps) != CFM_OK) {
		error_text(err,
		         "the model refuses this config");
		free(m);
		return NULL;
	}
	return m;
}

int cfh_scenario_check_results(const struct cfh_scenario *s,
                               struct cfh_json_error *err)
{
	char path[64], got[128];
	if (s->cm)
		return cfh_scenario_check_cm(s, NULL, err);
	error_begin(err, s->file);
	struct cfm *m = model_for(&s->setup, err);
	if (!m) {
		place_in(s, "config", err);
		return -1;
	}
	for (size_t i = 0; i < s->nops; i++) {
		struct cfm_result r = cfm_apply(m, &s->ops[i]);
		const char *want = s->results ? s->results[i] : NULL;
		if (!want)
			continue;
		cfm_result_format(&s->ops[i], &r, got, sizeof(got));
		if (strcmp(want, got) != 0) {
			error_text(err,
			         "op %zu: expected '%.96s', the model gives '%s'",
			         i + 1, want, got);
			snprintf(path, sizeof(path), "ops[%zu].result", i);
			place_in(s, path, err);
			free(m);
			return 1;
		}
	}
	free(m);
	return 0;
}

int cfh_scenario_check_cm(const struct cfh_scenario *s, FILE *out,
                          struct cfh_json_error *err)
{
	char path[64], op[96], got[160], allowed[1024];
	struct cfm_cm_outcome o, all[CFM_CM_MAX_OUTCOMES];
	error_begin(err, s->file);
	struct cfm_cm *m = malloc(sizeof(*m));
	if (!m) {
		error_text(err, "out of memory");
		return -1;
	}
	if (cfm_cm_init(m, &s->setup.caps) != CFM_OK) {
		error_text(err, "the cm model refuses this config "
		                "(max_tasks 1..%d)",
		           CFM_CM_MAX_TASKS);
		place_in(s, "config", err);
		free(m);
		return -1;
	}
	for (size_t i = 0; i < s->nops; i++) {
		const struct cfm_cm_op *p = &s->cm_ops[i];
		const char *want = s->results ? s->results[i] : NULL;
		size_t n = cfm_cm_allowed(m, p, all, CFM_CM_MAX_OUTCOMES);
		cfm_cm_allowed_format(m, p, allowed, sizeof(allowed));
		/* A run's k is its choice; anything else without a result
		 * takes the first outcome. */
		uint32_t choice = p->code == CFM_CM_OP_RUN ? p->n : 0;
		if (cfm_cm_apply(m, p, want, choice, &o) != 0) {
			error_text(err,
			           "op %zu (%s): '%.60s' is not allowed here; "
			           "the spec allows %.120s",
			           i + 1, cfm_cm_op_format(p, op, sizeof(op)),
			           want ? want : "", allowed);
			snprintf(path, sizeof(path), "ops[%zu].result", i);
			place_in(s, path, err);
			free(m);
			return 1;
		}
		if (out) {
			fprintf(out, "%4zu. %-28s => %s\n", i + 1,
			        cfm_cm_op_format(p, op, sizeof(op)),
			        cfm_cm_outcome_format(&o, got, sizeof(got)));
			if (n > 1)
				fprintf(out, "      allowed %s\n", allowed);
		}
	}
	free(m);
	return 0;
}

/* The ops of s as format version into buf (room for the header and
 * CFH_STEP_MAX bytes an op). Returns the size, or 0 with *bad set: the
 * index of the first op the version cannot express, or s->nops if it
 * cannot express the config. */
static size_t encode_as(const struct cfh_scenario *s, unsigned version,
                        struct cfm *m, uint8_t *buf, size_t *bad)
{
	struct cfh_decoder d;
	size_t n = cfh_encode_setup(&s->setup, version, buf, &d), len;
	*bad = s->nops;
	if (n == 0 || cfm_init(m, &s->setup.caps) != CFM_OK)
		return 0;
	for (size_t i = 0; i < s->nops; i++) {
		if (!cfh_encode_step(&d, m, &s->ops[i], buf + n, &len)) {
			*bad = i;
			return 0;
		}
		n += len;
		(void)cfm_apply(m, &s->ops[i]);
	}
	return n;
}

int cfh_scenario_encode(const struct cfh_scenario *s, uint8_t **out,
                        size_t *size, struct cfh_json_error *err)
{
	char path[64], text[96];
	uint8_t *buf;
	size_t n, bad;
	*out = NULL;
	*size = 0;
	error_begin(err, s->file);
	if (s->cm) {
		error_text(err, "the binary format has no cm profile");
		place_in(s, "profile", err);
		return -1;
	}
	if (s->nops > (SIZE_MAX - CFH_HEADER_SIZE) / CFH_STEP_MAX ||
	    !(buf = malloc(CFH_HEADER_SIZE + CFH_STEP_MAX * s->nops))) {
		error_text(err, "out of memory");
		return -1;
	}
	struct cfm *m = model_for(&s->setup, err);
	if (!m) {
		place_in(s, "config", err);
		free(buf);
		return -1;
	}
	/* Version 1 when it can say it all, so seeds it can express keep
	 * their bytes; version 2 otherwise. */
	n = encode_as(s, CFH_FORMAT_V1, m, buf, &bad);
	if (n == 0)
		n = encode_as(s, CFH_FORMAT_V2, m, buf, &bad);
	free(m);
	if (n == 0 && bad == s->nops) {
		error_text(err,
		         "the binary format cannot express this config "
		         "(instances 2..6, max_tasks 1..64, max_handles 1..32, "
		         "max_resources 1..16, max_keys 1..16)");
		place_in(s, "config", err);
		free(buf);
		return -1;
	}
	if (n == 0) {
		error_text(err,
		         "op %zu (%s): the binary format cannot express "
		         "this operation here",
		         bad + 1, cfm_op_format(&s->ops[bad], text, sizeof(text)));
		snprintf(path, sizeof(path), "ops[%zu]", bad);
		place_in(s, path, err);
		free(buf);
		return -1;
	}
	*out = buf;
	*size = n;
	return 0;
}

/* Makes room for one more op in s (cap entries so far). */
static bool grow_ops(struct cfh_scenario *s, size_t *cap)
{
	if (s->nops < *cap)
		return true;
	size_t n = *cap ? *cap * 2 : 64;
	struct cfm_op *ops = realloc(s->ops, n * sizeof(*ops));
	if (!ops)
		return false;
	s->ops = ops;
	char **results = realloc(s->results, n * sizeof(*results));
	if (!results)
		return false;
	s->results = results;
	*cap = n;
	return true;
}

int cfh_scenario_from_binary(const uint8_t *data, size_t size,
                             const char *name, struct cfh_scenario *s)
{
	static const uint8_t nothing[1];
	struct cfh_json_error err;
	struct cfh_decoder d;
	struct cfm_op op;
	char text[128];
	size_t cap = 0;
	bool misuse;

	memset(s, 0, sizeof(*s));
	cfh_decode_begin(&d, size ? data : nothing, size);
	s->version = CFH_SCENARIO_VERSION;
	s->setup = d.setup;
	s->expect = CFH_NONE;
	struct cfm *m = model_for(&s->setup, &err);
	if (!m)
		return -1;
	const char *base = name ? strrchr(name, '/') : NULL;
	base = base ? base + 1 : name ? name : "-";
	snprintf(text, sizeof(text), "decoded from %s", base);
	s->title = dup_string(text);
	snprintf(text, sizeof(text), "binary input %016llx",
	         (unsigned long long)cfh_fnv1a(data, size));
	s->origin = dup_string(text);
	if (!s->title || !s->origin)
		goto fail;
	while (cfh_decode_next(&d, m, &op, &misuse)) {
		if (!grow_ops(s, &cap))
			goto fail;
		struct cfm_result r = cfm_apply(m, &op);
		s->ops[s->nops] = op;
		s->results[s->nops] =
		    dup_string(cfm_result_format(&op, &r, text, sizeof(text)));
		s->nops++; /* counted before the check, so free() frees it */
		if (!s->results[s->nops - 1])
			goto fail;
	}
	free(m);
	return 0;
fail:
	free(m);
	cfh_scenario_free(s);
	return -1;
}

/* ---- target scenarios ---- */

int cfh_scenario_target_input(const struct cfh_scenario *s,
                              struct cfh_remote_input *in, char ***lines)
{
	char **l = calloc(s->nops + 1, sizeof(*l));
	if (!l)
		return -1;
	for (size_t i = 0; i < s->nops; i++) {
		char op[96];
		size_t n = strlen(cfm_cm_op_format(&s->cm_ops[i], op,
		                                   sizeof(op))) + 1;
		if (!(l[i] = malloc(n))) {
			cfh_scenario_target_free(l, i);
			return -1;
		}
		memcpy(l[i], op, n);
	}
	*in = (struct cfh_remote_input){.scripted = true,
	                                .cfg = s->setup.caps,
	                                .choices = s->choices,
	                                .nchoices = s->nchoices,
	                                .script = l,
	                                .nscript = s->nops};
	*lines = l;
	return 0;
}

void cfh_scenario_target_free(char **lines, size_t n)
{
	for (size_t i = 0; lines && i < n; i++)
		free(lines[i]);
	free(lines);
}

/* test_decode.c - the input format: version 1 decodes as it always did,
 * version 2 reaches what version 1 cannot, and encoding inverts both. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
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

int main(int argc, char **argv)
{
	static const struct tap_test tests[] = {
	    TAP_TEST(v1_decodes_exactly_as_before),
	};
	return tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
}

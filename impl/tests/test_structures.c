/* test_structures.c - the runtime's building blocks, one at a time: handle
 * tables, pairing heaps, pools, the registry, intrusive lists. */
#include "fixture.h"
#include "list.h"
#include "pheap.h"
#include "pool.h"
#include "registry.h"
#include "table.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

/* A deterministic generator for randomized checks (no rand()). */
static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

/* The counting allocator's hooks, as the runtime takes them. */
static struct cfr_allocator cfr_hooks(const struct cfh_alloc *ca)
{
	return (struct cfr_allocator){ca->hooks.alloc, ca->hooks.release,
	                              ca->hooks.ctx};
}

static struct cfr_mem test_mem(struct cfh_alloc *ca)
{
	cfh_alloc_init(ca, 0);
	return (struct cfr_mem){cfr_hooks(ca), 0};
}

/* C-3: the lowest free index, reused at once. */
static void table_gives_lowest_free_index(void)
{
	struct cfr_table t;
	uint32_t gen;
	int items[8];
	void *mem = malloc(cfr_table_size(5));
	ASSERT_TRUE(mem != NULL);
	cfr_table_init(&t, 5, mem);
	for (uint32_t i = 1; i <= 5; i++)
		ASSERT_EQ(cfr_table_insert(&t, &items[i], &gen), i);
	ASSERT_EQ(cfr_table_insert(&t, &items[6], &gen), 0); /* full */
	cfr_table_remove(&t, 4);
	cfr_table_remove(&t, 2);
	cfr_table_remove(&t, 5);
	ASSERT_EQ(cfr_table_insert(&t, &items[7], &gen), 2);
	ASSERT_EQ(cfr_table_insert(&t, &items[7], &gen), 4);
	ASSERT_EQ(cfr_table_insert(&t, &items[7], &gen), 5);
	ASSERT_EQ(t.live, 5);
	free(mem);
}

/* C-3 with generations: a reused index is a different generation, so a
 * checked lookup with the old one finds nothing. */
static void table_generation_rejects_stale_reference(void)
{
	struct cfr_table t;
	uint32_t g1, g2;
	int a, b;
	void *mem = malloc(cfr_table_size(4));
	ASSERT_TRUE(mem != NULL);
	cfr_table_init(&t, 4, mem);
	ASSERT_EQ(cfr_table_insert(&t, &a, &g1), 1);
	ASSERT_TRUE(cfr_table_get_checked(&t, 1, g1) == &a);
	cfr_table_remove(&t, 1);
	ASSERT_TRUE(cfr_table_get(&t, 1) == NULL);
	ASSERT_EQ(cfr_table_insert(&t, &b, &g2), 1);
	ASSERT_TRUE(g2 != g1);
	ASSERT_TRUE(cfr_table_get_checked(&t, 1, g1) == NULL);
	ASSERT_TRUE(cfr_table_get_checked(&t, 1, g2) == &b);
	ASSERT_TRUE(cfr_table_get(&t, 0) == NULL);
	ASSERT_TRUE(cfr_table_get(&t, 5) == NULL);
	cfr_table_reset(&t);
	ASSERT_EQ(t.live, 0);
	ASSERT_EQ(cfr_table_insert(&t, &a, &g1), 1);
	free(mem);
}

/* The table against a naive model over many random inserts and removes. */
static void table_matches_naive_lowest_free(void)
{
	struct cfr_table t;
	bool used[65] = {false};
	uint32_t seed = 7, gen;
	void *mem = malloc(cfr_table_size(64));
	ASSERT_TRUE(mem != NULL);
	cfr_table_init(&t, 64, mem);
	for (int step = 0; step < 20000; step++) {
		uint32_t r = lcg(&seed);
		if (r % 3 != 0) {
			uint32_t want = 1;
			while (want <= 64 && used[want])
				want++;
			uint32_t got = cfr_table_insert(&t, &used, &gen);
			ASSERT_EQ(got, want <= 64 ? want : 0);
			if (got)
				used[got] = true;
		} else {
			uint32_t i = 1 + r % 64;
			if (used[i]) {
				cfr_table_remove(&t, i);
				used[i] = false;
			}
		}
	}
	free(mem);
}

struct item {
	uint32_t key, tie;
	struct cfr_pnode node;
};

static bool item_less(const struct cfr_pnode *a, const struct cfr_pnode *b)
{
	const struct item *x = cfr_container_of(a, struct item, node);
	const struct item *y = cfr_container_of(b, struct item, node);
	return x->key < y->key || (x->key == y->key && x->tie < y->tie);
}

/* C-29's deadline order: (deadline, creation) comes out sorted, also
 * after removals from the middle. */
static void pheap_orders_and_removes_any_node(void)
{
	enum { N = 500 };
	static struct item items[N];
	static bool in[N];
	struct cfr_pheap h;
	uint32_t seed = 42;
	cfr_pheap_init(&h, item_less);
	for (uint32_t i = 0; i < N; i++) {
		items[i] = (struct item){lcg(&seed) % 50, i, {0}};
		cfr_pheap_insert(&h, &items[i].node);
		in[i] = true;
	}
	for (uint32_t i = 0; i < N; i += 3) { /* remove a third, anywhere */
		cfr_pheap_remove(&h, &items[i].node);
		in[i] = false;
	}
	ASSERT_EQ(h.len, N - (N + 2) / 3);
	uint32_t last_key = 0, last_tie = 0, popped = 0;
	while (cfr_pheap_min(&h)) {
		struct item *it =
		    cfr_container_of(cfr_pheap_min(&h), struct item, node);
		ASSERT_TRUE(in[it->tie]);
		ASSERT_TRUE(it->key > last_key ||
		            (it->key == last_key && it->tie >= last_tie));
		last_key = it->key;
		last_tie = it->tie;
		cfr_pheap_remove(&h, &it->node);
		in[it->tie] = false;
		popped++;
	}
	ASSERT_EQ(popped, N - (N + 2) / 3);
	ASSERT_EQ(h.len, 0);
}

/* Pools reuse freed records and keep chunks across a reset; every byte
 * returns on release. */
static void pool_reuses_records_and_chunks(void)
{
	struct cfh_alloc ca;
	struct cfr_mem m = test_mem(&ca);
	struct cfr_pool p;
	void *r[10];
	cfr_pool_init(&p, 24, 4);
	for (int i = 0; i < 10; i++)
		ASSERT_TRUE((r[i] = cfr_pool_get(&p, &m)) != NULL);
	ASSERT_EQ(p.live, 10);
	ASSERT_EQ(ca.allocs, 3); /* chunks of 4 */
	cfr_pool_put(&p, r[3]);
	ASSERT_TRUE(cfr_pool_get(&p, &m) == r[3]);
	cfr_pool_reset(&p);
	ASSERT_EQ(p.live, 0);
	for (int i = 0; i < 12; i++)
		ASSERT_TRUE(cfr_pool_get(&p, &m) != NULL);
	ASSERT_EQ(ca.allocs, 3); /* the reset kept the chunks */
	cfr_pool_release(&p, &m);
	ASSERT_EQ(ca.bytes, 0);
	ASSERT_EQ(m.bytes, 0);
}

/* A pool whose allocator fails returns NULL and leaves nothing behind. */
static void pool_reports_allocation_failure(void)
{
	struct cfh_alloc ca;
	cfh_alloc_init(&ca, 2);
	struct cfr_mem m = {cfr_hooks(&ca), 0};
	struct cfr_pool p;
	cfr_pool_init(&p, 16, 1);
	ASSERT_TRUE(cfr_pool_get(&p, &m) != NULL);
	ASSERT_TRUE(cfr_pool_get(&p, &m) == NULL);
	ASSERT_EQ(p.live, 1);
	ASSERT_TRUE(cfr_pool_get(&p, &m) != NULL);
	cfr_pool_release(&p, &m);
	ASSERT_EQ(ca.bytes, 0);
}

/* C-31: one entry per (instance, key); removal is exact, also within a
 * bucket chain. */
static void registry_maps_instance_and_key(void)
{
	struct cfr_registry r;
	static struct cfr_reg_node nodes[200];
	memset(nodes, 0, sizeof(nodes));
	void *mem = malloc(cfr_registry_size(4));
	ASSERT_TRUE(mem != NULL);
	cfr_registry_init(&r, 4, mem); /* 8 buckets: chains */
	ASSERT_EQ(r.mask, 7);
	for (uint32_t i = 0; i < 200; i++)
		cfr_registry_add(&r, &nodes[i], 1 + i % 3, i);
	ASSERT_EQ(r.len, 200);
	for (uint32_t i = 0; i < 200; i++) {
		ASSERT_TRUE(cfr_registry_find(&r, 1 + i % 3, i) == &nodes[i]);
		ASSERT_TRUE(cfr_registry_find(&r, 1 + (i + 1) % 3, i) == NULL);
	}
	for (uint32_t i = 0; i < 200; i += 2)
		cfr_registry_remove(&r, &nodes[i]);
	cfr_registry_remove(&r, &nodes[0]); /* twice is harmless */
	ASSERT_EQ(r.len, 100);
	for (uint32_t i = 0; i < 200; i++)
		ASSERT_TRUE(cfr_registry_find(&r, 1 + i % 3, i) ==
		            (i % 2 ? &nodes[i] : NULL));
	cfr_registry_reset(&r);
	ASSERT_TRUE(cfr_registry_find(&r, 2, 1) == NULL);
	free(mem);
}

/* The intrusive list keeps FIFO order and knows whether a link is in. */
static void list_keeps_fifo_order(void)
{
	struct node {
		int v;
		struct cfr_link link;
	} n[4];
	struct cfr_link head;
	cfr_list_init(&head);
	ASSERT_TRUE(cfr_list_empty(&head));
	for (int i = 0; i < 4; i++) {
		n[i].v = i;
		cfr_list_init(&n[i].link);
		ASSERT_TRUE(!cfr_list_linked(&n[i].link));
		cfr_list_append(&head, &n[i].link);
		ASSERT_TRUE(cfr_list_linked(&n[i].link));
	}
	cfr_list_remove(&n[1].link);
	ASSERT_TRUE(!cfr_list_linked(&n[1].link));
	int want[] = {0, 2, 3}, k = 0;
	for (struct cfr_link *l = head.next; l != &head; l = l->next)
		ASSERT_EQ(cfr_container_of(l, struct node, link)->v, want[k++]);
	ASSERT_EQ(k, 3);
}

/* A bad config is refused with E_CONFIG and nothing allocated. */
static void runtime_rejects_bad_config(void)
{
	struct cfh_alloc ca;
	cfh_alloc_init(&ca, 0);
	struct cfr_allocator hooks = cfr_hooks(&ca);
	struct cfr_config c = {1, 4, 4, 4, 4, 0, &hooks, NULL, NULL, 0};
	struct cfr *rt = (struct cfr *)&ca;
	ASSERT_EQ(cfr_create(&c, &rt), CFR_E_CONFIG);
	ASSERT_TRUE(rt == NULL);
	c.instances = 2;
	c.max_resources = CFR_MAX_RESOURCES + 1;
	ASSERT_EQ(cfr_create(&c, &rt), CFR_E_CONFIG);
	ASSERT_EQ(ca.allocs, 0);
	ASSERT_STR_EQ(cfr_err_name(CFR_E_NOTDELIVERED), "E_NOTDELIVERED");
	ASSERT_STR_EQ(cfr_strerror(CFR_E_NOMEM), "out of memory");
	cfr_destroy(NULL);
	cfr_destroy(&rt);
}

static const struct tap_test tests[] = {
    TAP_TEST(table_gives_lowest_free_index),
    TAP_TEST(table_generation_rejects_stale_reference),
    TAP_TEST(table_matches_naive_lowest_free),
    TAP_TEST(pheap_orders_and_removes_any_node),
    TAP_TEST(pool_reuses_records_and_chunks),
    TAP_TEST(pool_reports_allocation_failure),
    TAP_TEST(registry_maps_instance_and_key),
    TAP_TEST(list_keeps_fifo_order),
    TAP_TEST(runtime_rejects_bad_config),
};

int main(int argc, char **argv)
{
	return tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
}

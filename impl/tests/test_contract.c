/* test_contract.c - the runtime against the contract: scripts run in
 * lockstep with the model (every result and every state compared), each
 * test ending with the drain and a teardown that must return every byte. */
#include "examples.h"
#include "fixture.h"
#include "tap.h"

#include <string.h>

static const char empty[] =
    "? counts = tasks 0 subtasks 0 handles 0 resources 0 keys 0 queue 0\n";

/* C-11.3, C-13, C-16, C-22: a nested cancel reaches the exporter. */
static void example_a_nested_cancel_reaches_exporter(void)
{
	struct fixture f;
	fx_begin(&f, 4);
	fx_run(&f, example_a_script);
	fx_end(&f);
}

/* C-14, C-20: the completion wins over a pending cancel. */
static void example_b_return_wins_over_pending_cancel(void)
{
	struct fixture f;
	fx_begin(&f, 2);
	fx_run(&f, example_b_script);
	fx_end(&f);
}

/* C-31, C-32: a shared producer outlives one subscriber, not the last. */
static void example_c_shared_outlives_one_subscriber(void)
{
	struct fixture f;
	fx_begin(&f, 2);
	fx_run(&f, example_c_script);
	fx_end(&f);
}

/* C-29, C-13: a timeout cancels a call queued behind backpressure. */
static void example_d_timeout_cancels_queued_call(void)
{
	struct fixture f;
	fx_begin(&f, 2);
	fx_run(&f, example_d_script);
	fx_end(&f);
}

/* C-3, C-27: a handle reused after an abandon never sees the old callee's
 * resolution (Wasmtime #12631): the generation check routes it away. */
static void handle_reuse_after_abandon_gets_no_stale_event(void)
{
	struct fixture f;
	fx_begin(&f, 2);
	fx_run(&f,
	       "host call 1              => STARTED h1 T1\n"
	       "host run 0               => T1 START\n"
	       "T1 wait noncancellable\n"
	       "host subtask.drop 1\n"
	       "? T1 = PENDING_CANCEL BLOCKED\n"
	       "? T1 subscribers = abandoned\n"
	       "host call 1              => STARTED h1 T2\n"
	       "? T2 subscribers = h1@0\n");
	/* T1 can only run again if something wakes it; a second host call
	 * cannot reach it, so finish it through the drain's path instead:
	 * let T2 start, return and exit, and check h1 only saw T2. */
	fx_run(&f,
	       "host run 0               => T2 START\n"
	       "T2 task.return ok 9\n"
	       "T2 exit\n"
	       "? h1@0 = RETURNED pending slot=ok:9\n"
	       "host poll                => SUBTASK(h1, RETURNED)\n"
	       "host poll                => NONE\n");
	fx_end(&f);
}

/* C-3, C-27, C-9: the abandoned callee returns after the handle was
 * reused; its result must reach neither the new subtask nor its slot. */
static void abandoned_callee_return_does_not_publish(void)
{
	struct fixture f;
	fx_begin(&f, 2);
	fx_run(&f,
	       "host call 1              => STARTED h1 T1\n"
	       "host subtask.drop 1\n"
	       "? T1 = PENDING_CANCEL READY\n"
	       "host call 1              => STARTED h1 T2\n"
	       "host run 0               => T1 START\n"
	       "T1 task.return ok 5\n"
	       "? h1@0 = STARTED\n"
	       "T1 exit\n"
	       "host poll                => NONE\n"
	       "? counts = tasks 1 subtasks 1 handles 1 resources 0 keys 0 queue 1\n");
	fx_end(&f);
}

/* C-21: run(k) takes position k mod length, from either end. */
static void run_queue_position_k_mod_length(void)
{
	struct fixture f;
	fx_begin(&f, 2);
	fx_run(&f,
	       "host call 1\n"
	       "host call 1\n"
	       "host call 1\n"
	       "host call 1\n"
	       "host call 1\n"
	       "? queue = T1 T2 T3 T4 T5\n"
	       "host run 3               => T4 START\n"
	       "T4 yield\n"
	       "? queue = T1 T2 T3 T5 T4\n"
	       "host run 7               => T3 START\n"
	       "T3 yield\n"
	       "host run 1               => T2 START\n"
	       "T2 yield\n"
	       "? queue = T1 T5 T4 T3 T2\n"
	       "host run 4               => T2 NONE\n"
	       "T2 yield\n"
	       "host run 0               => T1 START\n");
	fx_end(&f);
}

/* C-29: expiries fire by deadline, then creation order, and a fired or
 * cancelled deadline never fires again. */
static void deadlines_fire_in_order_once(void)
{
	struct fixture f;
	fx_begin(&f, 2);
	fx_run(&f,
	       "host call 1 deadline(7)  => STARTED h1 T1\n"
	       "host call 1 deadline(3)  => STARTED h2 T2\n"
	       "host call 1 deadline(3)  => STARTED h3 T3\n"
	       "host call 1 deadline(9)  => STARTED h4 T4\n"
	       "host subtask.cancel 4    => BLOCKED\n"
	       "host tick 3\n"
	       "? T2 = PENDING_CANCEL READY\n"
	       "? T3 = PENDING_CANCEL READY\n"
	       "? T1 = STARTED READY\n"
	       "host tick 10\n"
	       "? h1@0 = STARTED cancel_requested timed_out\n"
	       "? h4@0 = STARTED cancel_requested\n");
	fx_end(&f);
}

/* C-32, C-33: subscribers settle once each, in subscription order, and
 * their owners wake in that order. */
static void shared_subscribers_settle_in_order(void)
{
	struct fixture f;
	fx_begin(&f, 4);
	fx_run(&f,
	       "host call 1              => STARTED h1 T1\n"
	       "host call 1              => STARTED h2 T2\n"
	       "host run 0               => T1 START\n"
	       "T1 call 3 shared(4)      => STARTED h1 T3\n"
	       "T1 wait cancellable\n"
	       "host run 0               => T2 START\n"
	       "T2 call 3 shared(4)      => STARTED h2 T3\n"
	       "T2 wait cancellable\n"
	       "host run 0               => T3 START\n"
	       "T3 task.return err 1\n"
	       "? queue = T1 T2\n"
	       "? h1@1 = RETURNED pending slot=err:1\n"
	       "? h2@1 = RETURNED pending slot=err:1\n"
	       "T3 exit\n"
	       "host run 0               => T1 SUBTASK(h1, RETURNED)\n"
	       "T1 subtask.cancel 1      => E_DELIVERED\n");
	fx_end(&f);
}

/* C-35, C-34: exit releases resources and abandons subtasks lowest handle
 * first, cascading the cancellation down. */
static void exit_cascades_lowest_handle_first(void)
{
	struct fixture f;
	fx_begin(&f, 3);
	fx_run(&f,
	       "host call 1              => STARTED h1 T1\n"
	       "host run 0               => T1 START\n"
	       "T1 resource.new          => r1\n"
	       "T1 resource.new          => r2\n"
	       "T1 call 2                => STARTED h1 T2\n"
	       "T1 call 2                => STARTED h2 T3\n"
	       "T1 wait cancellable\n"
	       "host run 1               => T3 START\n"
	       "T3 wait cancellable\n"
	       "host run 0               => T2 START\n"
	       "T2 wait cancellable\n"
	       "host subtask.cancel 1    => BLOCKED\n"
	       "host run 0               => T1 TASK_CANCELLED\n"
	       "T1 task.cancel\n"
	       "T1 exit\n"
	       "? T1 = EXITED\n"
	       "? queue = T2 T3\n"
	       "? T2 = CANCEL_DELIVERED READY\n"
	       "? T2 subscribers = abandoned\n"
	       "? counts = tasks 2 subtasks 3 handles 1 resources 0 keys 0 queue 2\n");
	fx_end(&f);
}

/* C-5, C-6: every cap refuses with E_LIMIT and changes nothing. */
static void limits_refuse_without_change(void)
{
	struct fixture f;
	struct cfm_config cfg = {3, 2, 2, 1, 1};
	fx_begin_cfg(&f, &cfg);
	fx_run(&f,
	       "host call 1 shared(1)    => STARTED h1 T1\n"
	       "host call 2 shared(2)    => E_LIMIT\n"
	       "host call 2              => STARTED h2 T2\n"
	       "host call 1              => E_LIMIT\n"
	       "host subtask.drop 2\n"
	       "host run 1               => T2 START\n"
	       "T2 resource.new          => r1\n"
	       "T2 resource.new          => E_LIMIT\n"
	       "T2 resource.drop 2       => E_BADRESOURCE\n"
	       "T2 call 1                => E_BADINSTANCE\n"
	       "T2 task.cancel           => E_NOTDELIVERED\n"
	       "T2 exit                  => E_UNRESOLVED\n"
	       "host poll                => E_ACTIVE\n"
	       "T2 run 0                 => E_ACTIVE\n"
	       "T1 yield                 => E_NOTACTIVE\n");
	fx_end(&f);
}

/* A runtime can be reset and reused: the second run behaves as the first
 * and keeps its memory. */
static void reset_gives_a_fresh_runtime(void)
{
	struct fixture f;
	fx_begin(&f, 3);
	fx_run(&f, "host call 1\nhost call 2 shared(3)\nhost run 0\n");
	size_t bytes = cfr_counts(fx_rt(&f)->rt).bytes;
	cfh_target_bundled.reset(f.ls.rt);
	struct cfm_config cfg = f.ls.model.cfg;
	cfm_init(&f.ls.model, &cfg);
	struct cfr_counts c = cfr_counts(fx_rt(&f)->rt);
	ASSERT_EQ(c.tasks, 0);
	ASSERT_EQ(c.subtasks, 0);
	ASSERT_EQ(c.keys, 0);
	ASSERT_EQ(c.queue, 0);
	ASSERT_EQ(c.bytes, bytes);
	fx_run(&f, "host call 1 => STARTED h1 T1\n");
	fx_end(&f);
}

/* The runtime alone as a script target (no model beside it). */
static struct cfm_result rt_apply(void *ctx, const struct cfm_op *op)
{
	return cfh_rt_apply(ctx, op);
}

static void rt_snapshot(void *ctx, struct cfm_snapshot *out)
{
	cfh_rt_snapshot(ctx, out);
}

/* What an observer heard, in order, as text. */
struct heard {
	char text[1024];
	const struct cfh_rt *v; /* to read a slot as it is written */
};

static void listen(void *ctx, const struct cfh_notice *n)
{
	static const char *const kinds[] = {"settle", "release", "write",
	                                    "deliver"};
	struct heard *h = ctx;
	size_t len = strlen(h->text);
	snprintf(h->text + len, sizeof(h->text) - len, "%s%s #%u h%u T%u %u",
	         len ? "; " : "", kinds[n->kind], n->call, n->handle, n->task,
	         (unsigned)n->status);
	if (n->kind == CFH_NOTICE_SLOT_WRITE) {
		const struct cfr_slot *slot = cfh_rt_slot(h->v, n->call);
		len = strlen(h->text);
		snprintf(h->text + len, sizeof(h->text) - len, " =%u:%u",
		         slot ? slot->kind : 99u, slot ? slot->value : 99u);
	}
}

/* The observer hears each settlement and each slot write once, as they
 * happen; an abandoned subscriber's release is heard as a release, with
 * no write; a cancelled call is settled without a write (C-9, C-27, C-33). */
static void observer_hears_each_settlement_once(void)
{
	struct cfh_rt v;
	struct heard h = {"", &v};
	struct cfm m;
	script_init(&m, 2);
	struct cfh_rt_options opts = {.notice = listen, .notice_ctx = &h};
	ASSERT_EQ(cfh_rt_init(&v, &m.cfg, &opts), CFR_OK);
	struct script_target t = {"runtime", &v, rt_apply, rt_snapshot};
	script_exec(&t,
	            "host call 1 shared(1)    => STARTED h1 T1\n"
	            "host call 1 shared(1)    => STARTED h2 T1\n"
	            "host call 1              => STARTED h3 T2\n"
	            "host call 1              => STARTED h4 T3\n"
	            "host subtask.drop 3\n"
	            "host subtask.cancel 4    => BLOCKED\n"
	            "host run 0               => T1 START\n"
	            "T1 task.return ok 7\n"
	            "T1 exit\n"
	            "host run 0               => T2 START\n"
	            "T2 task.return ok 8\n"
	            "T2 exit\n"
	            "host run 0               => T3 START\n"
	            "T3 wait cancellable\n"
	            "host run 0               => T3 TASK_CANCELLED\n"
	            "T3 task.cancel\n"
	            "T3 exit\n"
	            "host poll                => SUBTASK(h1, RETURNED)\n");
	ASSERT_STR_EQ(h.text,
	              "write #1 h1 T1 2 =0:7; settle #1 h1 T1 2; "
	              "write #2 h2 T1 2 =0:7; settle #2 h2 T1 2; "
	              "release #3 h0 T2 1; "
	              "settle #4 h4 T3 4; "
	              "deliver #1 h1 T1 2");
	cfh_rt_fini(&v);
}

static const struct tap_test tests[] = {
    TAP_TEST(example_a_nested_cancel_reaches_exporter),
    TAP_TEST(example_b_return_wins_over_pending_cancel),
    TAP_TEST(example_c_shared_outlives_one_subscriber),
    TAP_TEST(example_d_timeout_cancels_queued_call),
    TAP_TEST(handle_reuse_after_abandon_gets_no_stale_event),
    TAP_TEST(abandoned_callee_return_does_not_publish),
    TAP_TEST(run_queue_position_k_mod_length),
    TAP_TEST(deadlines_fire_in_order_once),
    TAP_TEST(shared_subscribers_settle_in_order),
    TAP_TEST(exit_cascades_lowest_handle_first),
    TAP_TEST(limits_refuse_without_change),
    TAP_TEST(reset_gives_a_fresh_runtime),
    TAP_TEST(observer_hears_each_settlement_once),
};

int main(int argc, char **argv)
{
	(void)empty;
	return tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
}

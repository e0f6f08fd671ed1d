/* fixture.c - lockstep scripts and teardown checks for runtime tests. */
#include "fixture.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static struct cfm_result lockstep_apply(void *ctx, const struct cfm_op *op)
{
	struct fixture *f = ctx;
	struct cfm_result mr, rr;
	char optext[128], mtext[128], rtext[128];
	bool same = cfh_lockstep_apply(&f->ls, op, &mr, &rr);
	cfm_op_format(op, optext, sizeof(optext));
	if (!same)
		tap_fail(__FILE__, __LINE__,
		         "divergence at '%s': model '%s', runtime '%s'", optext,
		         cfm_result_format(op, &mr, mtext, sizeof(mtext)),
		         cfm_result_format(op, &rr, rtext, sizeof(rtext)));
	if (!cfh_lockstep_compare(&f->ls, stdout))
		tap_fail(__FILE__, __LINE__,
		         "states differ after '%s' (lines above)", optext);
	return rr;
}

static void lockstep_snapshot(void *ctx, struct cfm_snapshot *out)
{
	struct fixture *f = ctx;
	cfh_rt_snapshot(fx_rt(f), out);
}

void fx_begin_cfg(struct fixture *f, const struct cfm_config *cfg)
{
	memset(f, 0, sizeof(*f));
	cfh_alloc_init(&f->ca, 0);
	struct cfh_target_env env = {.allocator = &f->ca.hooks};
	if (!cfh_lockstep_init(&f->ls, cfg, &cfh_target_bundled, &env))
		tap_fail(__FILE__, __LINE__, "cannot set up model and runtime");
	f->target = (struct script_target){"runtime", f, lockstep_apply,
	                                   lockstep_snapshot};
}

void fx_begin(struct fixture *f, uint32_t instances)
{
	struct cfm m;
	script_init(&m, instances);
	fx_begin_cfg(f, &m.cfg);
}

void fx_run(struct fixture *f, const char *text)
{
	script_exec(&f->target, text);
}

void fx_end(struct fixture *f)
{
	struct cfm_op op;
	long steps = 0;
	while (cfm_drain_next(&f->ls.model, &op)) {
		if (++steps > 100000)
			tap_fail(__FILE__, __LINE__, "the drain did not finish");
		lockstep_apply(f, &op);
	}
	struct cfm_counts mc = cfm_counts(&f->ls.model);
	struct cfr_counts rc = cfr_counts(fx_rt(f)->rt);
	ASSERT_EQ(rc.tasks, mc.tasks);
	ASSERT_EQ(rc.subtasks, mc.subtasks);
	ASSERT_EQ(rc.handles, mc.handles);
	ASSERT_EQ(rc.resources, mc.resources);
	ASSERT_EQ(rc.keys, mc.keys);
	ASSERT_EQ(rc.queue, mc.queue);
	ASSERT_EQ(rc.bytes, f->ca.bytes);
	cfh_lockstep_fini(&f->ls);
	/* Teardown returns everything, live tasks included. */
	ASSERT_EQ(f->ca.bytes, 0);
	ASSERT_EQ(f->ca.allocs, f->ca.frees);
}

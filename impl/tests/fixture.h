/* fixture.h - runtime tests: scripts in lockstep with the model, a counting
 * allocator that can fail the n-th allocation, and a teardown check. */
#ifndef FIXTURE_H
#define FIXTURE_H

#include <stddef.h>

#include "alloc.h"
#include "cfr.h"
#include "lockstep.h"
#include "rtview.h"
#include "script.h"

struct fixture {
	struct cfh_alloc ca;
	struct cfh_lockstep ls;
	struct script_target target;
};

/* Both sides with script_init()'s roomy caps, or with cfg. */
void fx_begin(struct fixture *f, uint32_t instances);
void fx_begin_cfg(struct fixture *f, const struct cfm_config *cfg);
/* Runs a script on both sides; every result and every state must match,
 * and the script's own expectations must hold. */
void fx_run(struct fixture *f, const char *text);
/* Drains both sides in lockstep (C-36), checks that the runtime holds no
 * more than the model, destroys the runtime and checks that every byte
 * came back. */
void fx_end(struct fixture *f);

/* The bundled runtime's view behind the lockstep's target table. */
static inline struct cfh_rt *fx_rt(struct fixture *f)
{
	return f->ls.rt;
}

#endif /* FIXTURE_H */

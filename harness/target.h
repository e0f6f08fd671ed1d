/* target.h - an in-process runtime under test, driven in lockstep with the
 * contract model (model/cfm.h).
 *
 * A target is a table of functions (struct cfh_target) that a runtime
 * provides. The harness (engine.c, lockstep.c, oracle.c) reaches the
 * runtime only through it: it creates one instance per run with the run's
 * caps, applies each operation the decoder (or a scenario) gives to the
 * model and to the target alike, compares the results, and reads whatever
 * else the target offers to judge it. The bundled runtime (impl/) is the
 * first target, cfh_target_bundled (rtview.c); harness/tests/
 * tiny_target.c is a minimal one to copy from.
 *
 * Out-of-process runtimes (another language, another address space) speak
 * the line protocol of PROTOCOL.md instead (remote.h); this interface is for
 * a runtime that links into the harness, and judges it against the
 * contract profile (model/README.md) rather than cm.
 *
 * Bringing your own runtime: fill a struct cfh_target, declare what it
 * supports in caps, and give it to the engine in cfh_options.target. Only
 * name, caps, create, destroy and apply are required; each optional member
 * you leave NULL (or false) switches off exactly the checks listed with it
 * below, nothing else, and every run says which checks it skipped
 * (cfh_outcome.skipped, and a line in a finding's report).
 *
 * What each member means:
 *
 *   name     for reports ("bundled").
 *
 *   caps     what the runtime supports (struct cfh_target_caps). The
 *            decoder generates nothing else: a fuzz input's operations
 *            outside caps.ops become the context's fallback (the host
 *            polls, a task waits cancellably), its features are narrowed
 *            to caps.features, and call options the target lacks
 *            (shared, deadline) are cleared even in misuse steps. So no
 *            finding is an artefact of asking for what a target cannot
 *            do. The drain (C-36) needs CFH_TARGET_OPS_REQUIRED, and the
 *            features need their ops (deadlines: tick; resources:
 *            resource.new and .drop; backpressure: backpressure);
 *            cfh_target_check() says what a table lacks, and the engine
 *            refuses a table that fails it. A scenario's explicit
 *            operation that the target does not support stops the run as
 *            a harness limit, never a finding.
 *
 *   create   a fresh runtime with the model's caps (cfg) and the harness's
 *            environment (env, below). Returns the instance, or NULL with
 *            *why set to a static sentence (a config it refuses, no
 *            memory, a mutant it does not have). Called once per run.
 *   destroy  frees everything the instance holds, live tasks included.
 *            With caps.allocator, everything taken through env->allocator
 *            must be given back by then: what is not is a leak finding.
 *   reset    optional: back to the state create gave, with the same cfg
 *            and env. The engine makes a fresh instance per run; tools
 *            and tests that reuse one call this. NULL: not reusable.
 *
 *   apply    performs one operation, exactly as the model's cfm_apply
 *            would be asked to, and returns its observable result in the
 *            model's form (struct cfm_result: the fields the opcode
 *            produces; an error returns nothing else, C-6). The actor is
 *            the one the op names, right or wrong: misuse must come back
 *            as the contract's error code. A code the contract does not
 *            have (out of memory, an internal error) sets *foreign to the
 *            runtime's own name for it ("E_NOMEM") and result.err to any
 *            nonzero code; the engine reports it as a divergence (C-6)
 *            with or without the model. *foreign is NULL on entry.
 *            Call numbers: the target's successful calls are numbered 1,
 *            2, 3 ... in order; slots, notices and the snapshot's
 *            subtask seq all use these numbers.
 *
 *   reserve_slot  optional: make room for the result slot of call number
 *            `call` (the next one) before it is applied. False stops the
 *            run at a harness limit (never a finding). NULL: always room.
 *   read_slot     optional: the result slot of call number `call` as the
 *            runtime's caller sees it now: {kind, value} as written by
 *            the runtime (C-9), or kind CFH_SLOT_UNWRITTEN. NULL skips
 *            CFH_CHECK_SLOTS.
 *
 *   snapshot optional: the runtime's whole state in the model's canonical
 *            form (struct cfm_snapshot, cfm.h: tasks by id, subtasks in
 *            tables by (instance, handle) then abandoned ones by seq,
 *            keys by (instance, key)), every field as the model fills it
 *            (a subtask's seq is its call number, its slot the tag the
 *            call's op carried). A target without read_slot may leave
 *            the subtasks' slot fields zero; they are then not compared.
 *            NULL skips CFH_CHECK_STATES, CFH_CHECK_LEFT_RUNNING,
 *            CFH_CHECK_RECORDS and CFH_CHECK_TIMEOUTS, and the parts of
 *            CFH_CHECK_COUNTS that compare counts with the snapshot; only
 *            results (and what notices, slots and counts show) are
 *            judged.
 *
 *   counts   optional: what the runtime holds now (struct cfm_counts:
 *            tasks, subtask records, handles, resources, keys, queued
 *            tasks). Returns false if it cannot say. NULL (or false)
 *            skips CFH_CHECK_COUNTS.
 *
 *   caps.notices   the target calls env->notice as things happen: a
 *            subscriber taking a resolved state (SETTLE), an abandoned
 *            subscriber released (RELEASE, C-27), a result slot written
 *            (SLOT_WRITE, before the SETTLE it belongs to), a resolved
 *            state delivered to its owner (DELIVER), each with the call's
 *            number. The model-free half of the oracle (oracle.h) is built
 *            on them; false skips CFH_CHECK_ORACLE, CFH_CHECK_OUTCOMES,
 *            CFH_CHECK_RECORDS, CFH_CHECK_TIMEOUTS and CFH_CHECK_SLOTS.
 *   caps.allocator the target takes all its memory through env->allocator
 *            (so cfh_options.fail_alloc reaches it). false skips
 *            CFH_CHECK_TEARDOWN.
 *
 * Which check needs what (the CFH_CHECKS list below names them):
 *
 *   always     results of every step against the model (divergence),
 *              and a code outside the contract's (C-6)
 *   states        snapshot          whole states equal to the model's,
 *                                   after every step (every_step), the
 *                                   last step and the drain
 *   left_running  snapshot          C-37: a task the model has EXITED is
 *                                   still there; without the model, C-36:
 *                                   only a guest's own dead ends remain
 *   counts        counts            C-37 leak: more held after the drain
 *                                   than the model holds; with a
 *                                   snapshot, counts equal to what it
 *                                   shows; with snapshot and notices,
 *                                   no more subtask records than calls
 *                                   still held or awaiting release
 *   oracle        notices           the model-free bookkeeping: C-3,
 *                                   C-14/15/20/33 double settlement,
 *                                   stale events, C-21/22/24, C-31/32,
 *                                   C-34, C-11.2, C-9 "RETURNED with no
 *                                   task.return", writes to dropped calls
 *   outcomes      notices           every call's outcome after the drain
 *                                   against the model's (with the model)
 *   records       snapshot+notices  C-27, C-28: no record of a released
 *                                   or dropped call after the drain
 *   timeouts      snapshot+notices  C-29, C-30: the timed-out flags when
 *                                   a deadline is reached
 *   slots         read_slot+notices C-9 slot contents: a RETURNED call's
 *                                   slot holds exactly what task.return
 *                                   gave (wrong_result), no slot changes
 *                                   once sealed or is written without
 *                                   RETURNED (late_publication), and the
 *                                   slots in the outcome comparison
 *   teardown      caps.allocator    nothing left allocated after destroy
 */
#ifndef CFH_TARGET_H
#define CFH_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfm.h"
#include "decode.h" /* enum cfh_feature */

/* Result slots for this many calls per run at most (call numbers start at
 * 1): a limit of the harness, never of the runtime under test. */
#define CFH_MAX_CALLS (256u * 1024u - 1u)

/* A result slot in the caller's memory (C-9): what the runtime wrote. */
struct cfh_slot {
	uint32_t kind; /* enum cfm_kind, or CFH_SLOT_UNWRITTEN */
	uint32_t value;
};
#define CFH_SLOT_UNWRITTEN 0xfffffffeu

/* What a target tells the harness as it happens (caps.notices). */
enum cfh_notice_kind {
	CFH_NOTICE_SETTLE,     /* a subscriber in a table took a resolved state */
	CFH_NOTICE_RELEASE,    /* an abandoned subscriber was released (C-27) */
	CFH_NOTICE_SLOT_WRITE, /* a result slot was written (C-9) */
	CFH_NOTICE_DELIVER     /* a resolved state was delivered to its owner */
};

struct cfh_notice {
	enum cfh_notice_kind kind;
	uint32_t instance; /* the caller's instance */
	uint32_t handle;   /* 0 for a released abandoned subscriber */
	uint32_t call;     /* the call's number, 1, 2, 3 ... */
	uint32_t task;     /* the task whose resolution this is */
	enum cfm_status status;
};

/* Allocation hooks (caps.allocator). alloc returns NULL on failure;
 * release gets the size that was asked for. */
struct cfh_allocator {
	void *(*alloc)(void *ctx, size_t size);
	void (*release)(void *ctx, void *ptr, size_t size);
	void *ctx;
};

/* What the harness gives a target at create. */
struct cfh_target_env {
	const struct cfh_allocator *allocator; /* NULL: the target's own */
	/* NULL when the harness does not listen; otherwise call it for every
	 * notice (caps.notices). */
	void (*notice)(void *ctx, const struct cfh_notice *n);
	void *notice_ctx;
	/* A planted bug of the target's own, by its own numbering; 0 for
	 * none. A target refuses (create returns NULL) a number it lacks. */
	uint32_t mutant;
};

/* Bits of caps.ops, by enum cfm_opcode. */
#define CFH_OP_BIT(code) (1u << (code))
#define CFH_TARGET_OPS_ALL ((1u << CFM_OPCODE_COUNT) - 1u)
/* The drain and the decoder's fallbacks use these: every target has them. */
#define CFH_TARGET_OPS_REQUIRED                                                \
	(CFH_OP_BIT(CFM_OP_CALL) | CFH_OP_BIT(CFM_OP_SUBTASK_CANCEL) |         \
	 CFH_OP_BIT(CFM_OP_SUBTASK_DROP) | CFH_OP_BIT(CFM_OP_TASK_RETURN) |    \
	 CFH_OP_BIT(CFM_OP_TASK_CANCEL) | CFH_OP_BIT(CFM_OP_WAIT) |            \
	 CFH_OP_BIT(CFM_OP_EXIT) | CFH_OP_BIT(CFM_OP_RUN) |                    \
	 CFH_OP_BIT(CFM_OP_POLL))

struct cfh_target_caps {
	uint32_t ops;      /* CFH_OP_BIT per supported operation */
	uint32_t features; /* enum cfh_feature (decode.h) bits it supports */
	bool notices;      /* it calls env->notice */
	bool allocator;    /* it allocates only through env->allocator */
};

struct cfh_target {
	const char *name;
	struct cfh_target_caps caps;
	void *(*create)(const struct cfm_config *cfg,
	                const struct cfh_target_env *env, const char **why);
	void (*destroy)(void *rt);
	void (*reset)(void *rt); /* optional */
	struct cfm_result (*apply)(void *rt, const struct cfm_op *op,
	                           const char **foreign);
	bool (*reserve_slot)(void *rt, uint32_t call);        /* optional */
	struct cfh_slot (*read_slot)(void *rt, uint32_t call); /* optional */
	void (*snapshot)(void *rt, struct cfm_snapshot *out);  /* optional */
	bool (*counts)(void *rt, struct cfm_counts *out);      /* optional */
};

/* The bundled runtime (impl/), every part provided (rtview.c). */
extern const struct cfh_target cfh_target_bundled;

/* The checks that depend on a target's optional parts, as bits of
 * cfh_outcome.skipped. */
#define CFH_CHECKS(X)                                                          \
	X(STATES, "states")                                                    \
	X(LEFT_RUNNING, "left_running")                                        \
	X(COUNTS, "counts")                                                    \
	X(ORACLE, "oracle")                                                    \
	X(OUTCOMES, "outcomes")                                                \
	X(RECORDS, "records")                                                  \
	X(TIMEOUTS, "timeouts")                                                \
	X(SLOTS, "slots")                                                      \
	X(TEARDOWN, "teardown")

#define CFH_ENUM_CHECK(name, text) CFH_CHECK_BIT_##name,
enum { CFH_CHECKS(CFH_ENUM_CHECK) CFH_CHECK_COUNT };
#undef CFH_ENUM_CHECK
#define CFH_ENUM_CHECK(name, text)                                             \
	CFH_CHECK_##name = 1u << CFH_CHECK_BIT_##name,
enum cfh_check { CFH_CHECKS(CFH_ENUM_CHECK) };
#undef CFH_ENUM_CHECK

/* The checks t's missing parts switch off (CFH_CHECK_* bits). */
uint32_t cfh_target_skipped(const struct cfh_target *t);

/* The names of the checks in mask, comma-separated ("states, counts"),
 * into buf; "" for none. */
char *cfh_checks_text(uint32_t mask, char *buf, size_t size);

/* True if t can be driven: the required members and ops are there and
 * each feature has its ops. Otherwise false with why into err. */
bool cfh_target_check(const struct cfh_target *t, char *err, size_t size);

/* The features t can take: caps.features less those whose ops it lacks. */
uint32_t cfh_target_features(const struct cfh_target *t);

#endif /* CFH_TARGET_H */

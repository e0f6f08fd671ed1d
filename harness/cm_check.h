/* cm_check.h - fuzzer bytes to a cm-profile run, drained and checked.
 *
 * The model-only fuzz mode of the cm profile (model/cfm_cm.h): no runtime
 * implements cm yet, so the bytes drive the model alone and the checks are
 * the model's own invariants (model/README.md, "The cm fuzz mode").
 *
 * Every byte string is a valid input; a missing byte reads as 0.
 *
 *   byte 0   instances = 2 + b % 7                               (2..8)
 *   byte 1   max_tasks = 1 + b % 32                              (1..32)
 *   then     steps, until the bytes run out or CFH_CM_MAX_STEPS:
 *     [op]     the actor is the active task, else the host. b == 0xFF is
 *              a misuse: [code] [arg] name any cm opcode (code % count)
 *              with a raw argument (usually a trap). Otherwise b picks
 *              the (b mod n)-th of the n candidates the state offers
 *              (cfh_cm_cands(): calls first, then the actor's
 *              other ops, then per handle of its instance's table).
 *     [value]  only after a task.return candidate: its value
 *     [choice] only when the spec allows more than one outcome: b picks
 *              the (b mod n)-th, so the fuzzer explores the schedule.
 *
 * Then a fixed drain policy runs to quiescence (cfh_cm_drain_next)
 * and the invariants are checked; the first broken one is the finding.
 */
#ifndef CFH_CM_CHECK_H
#define CFH_CM_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cfm_cm.h"

#define CFH_CM_MAX_STEPS 400   /* decoded ops per input */
#define CFH_CM_MAX_DRAIN 4000  /* drain steps: past this is a finding */
#define CFH_CM_MAX_IDS 512     /* task ids one run can hand out */

/* What a cm run can break, with the text a report prints. */
#define CFH_CM_FINDINGS(X)                                                     \
	X(NONE, "no finding")                                                  \
	X(REFUSED, "the model refused an outcome it enumerated itself")       \
	X(RESOLVED_TWICE, "a subtask changed after it resolved")              \
	X(EVENT_AFTER_DELIVERY, "an event for a subtask whose resolution was delivered") \
	X(EVENT_STALE, "an event whose state is not the subtask's state")     \
	X(TRAPPED_ENTERED, "a trapped instance was entered")                  \
	X(DRAIN_MISUSE, "the drain policy trapped or was refused")            \
	X(DRAIN_UNBOUNDED, "the drain did not reach quiescence")              \
	X(LEFT_RUNNING, "a task left running after the drain, not a guest dead end") \
	X(LEAK, "a handle left in a table after the drain, not a dead end")

#define CFH_CM_ENUM_FINDING(name, text) CFH_CM_##name,
enum cfh_cm_finding { CFH_CM_FINDINGS(CFH_CM_ENUM_FINDING) };
#undef CFH_CM_ENUM_FINDING

const char *cfh_cm_finding_text(enum cfh_cm_finding f);

struct cfh_cm_stats {
	uint32_t steps, drain_steps, choice_points, traps, dead_ends;
	uint32_t short_runs; /* 1: the leak check was skipped (no room for a
	                        janitor under max_tasks) */
};

/* Decodes data into a cm run, drains it and checks it. With trace, every
 * step is printed ("N. OP => OUTCOME") and a finding is explained. stats
 * may be NULL. */
enum cfh_cm_finding cfh_cm_check(const uint8_t *data, size_t size,
                                 FILE *trace, struct cfh_cm_stats *stats);

/* The bytes that decode to cfg and ops[0..n) with the observed results
 * (NULL: choice 0, or op.n for run). Returns the length written (at most
 * max), or 0 with *bad set to the index of the first op the format cannot
 * express (another actor than the one that may act, an outcome not
 * allowed, a value past 255). */
size_t cfh_cm_encode(const struct cfm_config *cfg, const struct cfm_cm_op *ops,
                     char *const *results, size_t n, uint8_t *out,
                     size_t max, size_t *bad);

/* The pieces the cm fuzz mode is made of, for other drivers of the cm
 * model (remote.c runs them against a real runtime). */

#define CFH_CM_MAX_CANDS 256

/* The ops the active task (or the host) may sensibly do now, none of them
 * a trap, in a fixed order: calls, the actor's own ops, then per handle of
 * its instance's table. Fills c[0..CFH_CM_MAX_CANDS); returns how many
 * (never 0). */
size_t cfh_cm_cands(const struct cfm_cm *m, struct cfm_cm_op *c);

/* A misuse on purpose: opcode code (mod the count) with a raw argument,
 * by the actor that may act, so the spec's traps show. */
struct cfm_cm_op cfh_cm_misuse(const struct cfm_cm *m, uint8_t code,
                               uint8_t arg);

/* The next op of the fixed drain policy, false at quiescence. Without
 * host_cancels the host never cancels (a host such as JavaScript's that
 * has no way to): its unresolved calls are waited for instead. */
bool cfh_cm_drain_next(const struct cfm_cm *m, bool host_cancels,
                       struct cfm_cm_op *op);

/* The checks at quiescence: tasks left running that had a way out, and
 * handles or sets left in tables that are not a guest dead end. With
 * host_cancels false, the host's own calls are no way out. */
enum cfh_cm_finding cfh_cm_quiescent(const struct cfm_cm *m, bool host_cancels,
                                    struct cfh_cm_stats *st, FILE *trace);

#endif /* CFH_CM_CHECK_H */

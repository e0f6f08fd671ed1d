/* mutants.h - known bugs the runtime can switch on, to prove the oracle.
 *
 * Each mutant is a small, realistic deviation in the runtime's own code
 * path — the kind of bug real runtimes shipped — named after the rule it
 * breaks and the finding the harness must report. They are compiled in only
 * when meson's `mutants` option is on (CFR_WITH_MUTANTS=1; test and fuzz
 * builds) and selected at run time by cfr_config.mutant. A build without
 * them refuses any mutant with CFR_E_CONFIG.
 */
#ifndef CFR_MUTANTS_H
#define CFR_MUTANTS_H

#include <stdbool.h>
#include <stdint.h>

/* id, name, the rules it breaks, the finding the oracle must report with
 * the model comparison on, and the one its invariant checks must report
 * alone (NULL where they are not expected to catch it by themselves). With
 * the model on, the comparison often sees a bug before its consequence
 * does: then the first finding is a divergence. */
#define CFR_MUTANT_LIST(X)                                                     \
	X(CANCEL_NOT_PROPAGATED, "cancel_not_propagated", "C-11, C-13",        \
	  "divergence", "left_running")                                        \
	X(DROP_NOT_PROPAGATED, "drop_not_propagated", "C-27", "divergence",    \
	  "left_running")                                                      \
	X(LATE_PUBLISH, "late_publish", "C-9", "late_publication",             \
	  "late_publication")                                                  \
	X(CANCEL_OVERRIDES_COMPLETION, "cancel_overrides_completion",          \
	  "C-11.2, C-20", "double_settlement", "double_settlement")            \
	X(SHARED_DOUBLE_SETTLE, "shared_double_settle", "C-32, C-33",          \
	  "double_settlement", "double_settlement")                            \
	X(REGISTRY_LEAK, "registry_leak", "C-31", "divergence", "divergence")          \
	X(RESOURCE_LEAK_ON_CANCEL, "resource_leak_on_cancel", "C-34", "leak",  \
	  "leak")                                                              \
	X(REPOLL_EXITED, "repoll_exited", "C-21", "divergence",                \
	  "left_running")                                                      \
	X(PENDING_CANCEL_LOST, "pending_cancel_lost", "C-16", "divergence",    \
	  "left_running")                                                                \
	X(NONCANCELLABLE_DELIVERY, "noncancellable_delivery", "C-24",          \
	  "divergence", "left_running")                                                  \
	X(STALE_HANDLE_EVENT, "stale_handle_event", "C-3", "stale_event",      \
	  "stale_event")                                                       \
	X(ADMITTED_NOT_SCHEDULED, "admitted_not_scheduled", "C-19",            \
	  "divergence", "left_running")                                        \
	X(SHARED_EARLY_TEARDOWN, "shared_early_teardown", "C-32",              \
	  "divergence", "divergence")                                                  \
	X(SHARED_NEVER_TEARDOWN, "shared_never_teardown", "C-32",              \
	  "divergence", "left_running")                                                  \
	X(CANCEL_AS_ERROR, "cancel_as_error", "C-30", "wrong_result",          \
	  "wrong_result")                                                      \
	X(TIMEOUT_WITHOUT_CANCEL, "timeout_without_cancel", "C-29",            \
	  "divergence", "left_running")                                        \
	X(NO_CASCADE_ON_EXIT, "no_cascade_on_exit", "C-35", "divergence",      \
	  "left_running")                                                      \
	X(CANCELLED_INITIAL_STILL_STARTS, "cancelled_initial_still_starts",    \
	  "C-13", "divergence", "left_running")                                          \
	X(RETURN_TWICE_ACCEPTED, "return_twice_accepted", "C-14, C-20",        \
	  "divergence", "double_settlement")                                   \
	X(RESULT_LOST_AFTER_CANCEL, "result_lost_after_cancel", "C-9, C-20",   \
	  "wrong_result", "wrong_result")                                      \
	X(RELEASED_RECORD_KEPT, "released_record_kept", "C-27", "divergence",  \
	  "leak")                                                              \
	X(RESOURCE_ID_NOT_LOWEST, "resource_id_not_lowest", "C-34",            \
	  "divergence", "divergence")                                          \
	X(CANCEL_REDELIVERED, "cancel_redelivered", "C-24", "divergence",      \
	  "double_settlement")                                                 \
	X(TIMER_SURVIVES_CANCEL, "timer_survives_cancel", "C-29, C-30",        \
	  "stale_event", "stale_event")                                        \
	X(CANCEL_DELIVERY_NO_WAKE, "cancel_delivery_no_wake", "C-13, C-23",    \
	  "divergence", "left_running")

#define CFR_MUTANT_ENUM(id, name, rules, finding, alone) CFR_MUTANT_##id,
enum cfr_mutant { CFR_MUTANT_NONE, CFR_MUTANT_LIST(CFR_MUTANT_ENUM) };
#undef CFR_MUTANT_ENUM

#define CFR_MUTANT_COUNT (CFR_MUTANT_CANCEL_DELIVERY_NO_WAKE + 1)

/* "late_publish", or NULL for CFR_MUTANT_NONE and bad values. */
const char *cfr_mutant_name(uint32_t mutant);
/* The rules a mutant breaks ("C-9"), the finding class it must give with
 * the model comparison on, and alone (NULL: not expected). */
const char *cfr_mutant_rules(uint32_t mutant);
const char *cfr_mutant_finding(uint32_t mutant);
const char *cfr_mutant_finding_alone(uint32_t mutant);
/* The mutant named name, or CFR_MUTANT_NONE if there is none. */
uint32_t cfr_mutant_from_name(const char *name);
/* Whether this build has the mutants compiled in. */
bool cfr_mutants_built(void);

#endif /* CFR_MUTANTS_H */

/* engine.h - one run of the differential harness: steps applied to the
 * model and the runtime in lockstep, the drain of C-36, teardown, and the
 * oracle of C-37.
 *
 * The oracle has two halves. The differential half (here) compares the
 * runtime with the model: return codes, handles, activations, events,
 * whole states, after the drain the tasks and counts each side still holds,
 * and every call's outcome, the calls the drain freed included. The
 * invariant half (oracle.h) needs no model: it follows every call through
 * the runtime's results and observer notices with bookkeeping of its own.
 * With diff off, only the invariant half judges; the model still decodes
 * the input and chooses the drain, so the same bytes give the same steps
 * in both modes. A limit of the harness itself (result slots, the drain's
 * length, its own memory) stops the run short and is said in the outcome,
 * never reported as a finding.
 *
 * Finding classes (C-37, and wrong_result, which this harness adds):
 * divergence, double_settlement, late_publication, wrong_result (a call
 * resolved RETURNED without exactly the bytes its callee's task.return
 * gave), stale_event, left_running, leak, crash.
 */
#ifndef CFH_ENGINE_H
#define CFH_ENGINE_H

#include <stdint.h>
#include <stdio.h>

#include "cover.h"
#include "decode.h"
#include "lockstep.h"
#include "target.h"

#define CFH_CLASSES(X)                                                         \
	X(NONE, "none")                                                        \
	X(DIVERGENCE, "divergence")                                            \
	X(DOUBLE_SETTLEMENT, "double_settlement")                              \
	X(LATE_PUBLICATION, "late_publication")                                \
	X(WRONG_RESULT, "wrong_result")                                        \
	X(STALE_EVENT, "stale_event")                                          \
	X(LEFT_RUNNING, "left_running")                                        \
	X(LEAK, "leak")                                                        \
	X(CRASH, "crash")

#define CFH_ENUM_CLASS(name, text) CFH_##name,
enum cfh_class { CFH_CLASSES(CFH_ENUM_CLASS) };
#undef CFH_ENUM_CLASS

const char *cfh_class_name(enum cfh_class c);
/* The class named text ("late_publication"), or -1. */
int cfh_class_from_name(const char *text);

struct cfh_options {
	bool diff;       /* compare with the model (the default) */
	bool every_step; /* compare whole states after every step, not just
	                    at the end: slower, finds the first step exactly */
	bool no_invariants; /* ignore the model-free checks (oracle.h), to
	                       show what the comparison alone sees */
	uint32_t max_calls;  /* tests: a lower harness call limit than
	                        CFH_MAX_CALLS (0: CFH_MAX_CALLS) */
	unsigned long fail_alloc; /* tests: the runtime's n-th allocation
	                             fails (0: none) */
	FILE *trace;     /* if set, every step is printed here */
	uint32_t mutant; /* a known bug of the runtime (impl/mutants.h), or
	                    of the target's own numbering */
	const struct cfh_target *target; /* the runtime under test (target.h);
	                                    NULL: cfh_target_bundled */
	const struct cfh_cover *cover; /* if set, contract coverage is
	                                  counted there (cover.h) */
};

struct cfh_finding {
	enum cfh_class cls;
	char op[24];   /* the operation where it showed, or "drain", "teardown" */
	uint32_t step; /* 1-based; input steps, then drain steps */
	char detail[256];
};

/* What one run produced. The trace hash covers every step's operation and
 * both sides' results, so two runs of the same input must agree on it. */
struct cfh_outcome {
	struct cfh_finding finding;
	uint32_t steps;       /* input steps */
	uint32_t drain_steps; /* steps the drain took */
	uint64_t trace_hash;
	uint32_t skipped; /* CFH_CHECK_* bits: checks the target's missing
	                     parts switched off (target.h) */
	char limit[128]; /* non-empty if the harness stopped the run short
	                    at a limit of its own (not a finding): why */
};

/* Where the steps come from: fuzzer bytes, or an explicit list. */
struct cfh_source {
	const uint8_t *data; /* bytes, decoded against the model */
	size_t size;
	const struct cfh_setup *setup; /* with ops: the run's setup */
	const struct cfm_op *ops;      /* explicit operations */
	size_t nops;
};

/* Runs one input to the end (steps, drain, teardown) and fills *out. If
 * report is not NULL and there is a finding, a readable report goes there:
 * the signature, the step, the last operations with both sides' results and
 * the two states' difference. */
void cfh_run(const struct cfh_source *src, const struct cfh_options *opts,
             struct cfh_outcome *out, FILE *report);

/* What the fuzz target does with one input: a fast run (whole states
 * compared at the end), and on a finding a second run that compares them
 * after every step and prints the report. Returns the finding's class. */
enum cfh_class cfh_check(const uint8_t *data, size_t size, bool diff,
                         uint32_t mutant, FILE *report);

/* The same, counting the fast run's contract coverage into cover (NULL:
 * none); the fuzz target's guide. */
enum cfh_class cfh_check_covered(const uint8_t *data, size_t size, bool diff,
                                 uint32_t mutant,
                                 const struct cfh_cover *cover, FILE *report);

/* The signature "class:operation" of a finding, into buf. */
char *cfh_signature(const struct cfh_finding *f, char *buf, size_t size);

#endif /* CFH_ENGINE_H */

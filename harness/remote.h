/* remote.h - a cm run against a real runtime behind the target protocol.
 *
 * The harness decides what every component does (from fuzzer bytes or a
 * scenario's script), a target process (harness/PROTOCOL.md; jco is the
 * first) does it for real and reports facts, and the cm model checks every
 * fact by refinement: each reported outcome must be one the spec allows
 * at that point, and the model follows it. What the runtime does on its own
 * (running a ready task, resuming a cancel that yielded) is read as the
 * model's `host run`.
 *
 * Input bytes (every byte string is valid; a missing byte reads as 0):
 *
 *   byte 0   instances = 2 + b % (max_instances - 1), as the target's
 *            hello line says
 *   byte 1   max_tasks = 1 + b % 16
 *   byte 2   L: the input's last L bytes (at most half of what is left)
 *            are
 *            the runtime's choices (PROTOCOL.md, `reset`: jco's
 *            Math.random), so the fuzzer steers its schedule too
 *   then     up to those last L bytes, one decision per point where the
 *            harness must act, until they run out or CFH_REMOTE_MAX_STEPS:
 *     [op]     b == 0xFF (when the target takes misuse): a misuse,
 *              [code] [arg] as cm_check.h; else the (b mod n)-th of the
 *              candidates (cfh_cm_cands) the target supports (the host
 *              only calls; its polls and drops, the model's own
 *              bookkeeping, are left to the drain)
 *     [value]  after task.return: its value
 *   then the drain policy (cfh_cm_drain_next, with a host that cannot
 *   cancel) runs to quiescence, and the end-of-run checks follow.
 */
#ifndef CFH_REMOTE_H
#define CFH_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cfm_cm.h"
#include "cover.h"

#define CFH_REMOTE_MAX_STEPS 200   /* decisions from the input */
#define CFH_REMOTE_MAX_DRAIN 2000  /* drain decisions */
#define CFH_REMOTE_MAX_FACTS 64    /* facts between two decisions */
#define CFH_REMOTE_MAX_IDS 512     /* task ids one run can hand out */
#define CFH_REMOTE_FACT 256        /* a protocol line, with its NUL */
#define CFH_REMOTE_MAX_EXPECT 8    /* facts one outcome can produce */

/* What a run against a target can find, with its name (as scripts and
 * findings.json print it) and what it means. */
#define CFH_REMOTE_FINDINGS(X)                                                 \
	X(NONE, "none", "no finding")                                          \
	X(DIVERGENCE, "divergence",                                            \
	  "the target did something the spec does not allow here")            \
	X(WRONG_RESULT, "wrong_result",                                        \
	  "a delivered result is not what the callee's task.return gave")     \
	X(LATE_PUBLICATION, "late_publication",                                \
	  "a result slot changed after its call was settled or dropped")      \
	X(DOUBLE_SETTLEMENT, "double_settlement",                              \
	  "a call settled twice, or an event came after its resolution was delivered") \
	X(STALLED, "stalled",                                                  \
	  "the target went idle while the spec has a thread ready to run")    \
	X(LEFT_RUNNING, "left_running",                                        \
	  "a task still runs after the drain though it had a way out")        \
	X(LEAK, "leak", "the target still holds something after the drain")   \
	X(TARGET_CRASH, "target_crash", "the target process died")            \
	X(TARGET_HANG, "target_hang",                                          \
	  "the target said nothing within the time limit")                    \
	X(PROTOCOL, "protocol", "the target said something that is not the protocol")

#define CFH_REMOTE_ENUM(name, id, text) CFH_REMOTE_##name,
enum cfh_remote_finding { CFH_REMOTE_FINDINGS(CFH_REMOTE_ENUM) };
#undef CFH_REMOTE_ENUM

const char *cfh_remote_finding_name(enum cfh_remote_finding f);
const char *cfh_remote_finding_text(enum cfh_remote_finding f);
/* The finding a name names, or -1. */
int cfh_remote_finding_from_name(const char *name);

struct cfh_remote_options {
	char *const *argv;       /* the target's command line */
	unsigned timeout_ms;     /* per read; 0: 10000 */
};

/* What a target said it supports in its hello line (PROTOCOL.md): the
 * decoder generates nothing else. */
struct cfh_remote_caps {
	char name[32];
	uint32_t max_instances;  /* 2..8 */
	uint32_t ops;            /* bit per enum cfm_cm_opcode a task may do */
	bool misuse;             /* it reports traps: misuse may be sent */
};

/* A live target process, kept across runs. */
struct cfh_remote;

/* NULL with err filled when the target cannot be started or does not say
 * hello. */
struct cfh_remote *cfh_remote_open(const struct cfh_remote_options *opt,
                                   char *err, size_t errsize);
const struct cfh_remote_caps *cfh_remote_caps(const struct cfh_remote *r);
void cfh_remote_close(struct cfh_remote *r);

/* Where the decisions come from: fuzzer bytes, or a scenario's script
 * (one line per decision in the model's op text, "T1 call 2"). */
struct cfh_remote_input {
	const uint8_t *data;
	size_t size;
	/* A script instead of data: cfg, choices and ops. */
	bool scripted;
	struct cfm_config cfg;
	const uint8_t *choices;
	size_t nchoices;
	char *const *script;
	size_t nscript;
	/* If set, the contract coverage of the model's explanation of the
	 * run is counted there (cover.h, the cm points). */
	const struct cfh_cover *cover;
};

struct cfh_remote_stats {
	uint32_t decisions, drain, facts, runs, choice_points, traps;
	uint32_t choices_used; /* the target's own random choices taken */
	uint32_t dead_ends;
};

/* What one run found and did. decided[] is every decision the harness
 * made, as op text (a scenario's "ops"); the config and choices used are
 * there too, so the run can be written back as a scenario. */
struct cfh_remote_report {
	enum cfh_remote_finding finding;
	char signature[128]; /* "class:where[:what]", stable across inputs */
	char detail[2048];
	struct cfh_remote_stats stats;
	struct cfm_config cfg;
	uint8_t choices[256];
	size_t nchoices;
	char (*decided)[64];
	size_t ndecided;
	bool limit; /* the run stopped at a harness limit (not a finding) */
};

/* Runs one input against r. With trace, every fact and step is printed.
 * After a target_crash/hang/protocol finding the process is restarted at
 * the next run. */
enum cfh_remote_finding cfh_remote_run(struct cfh_remote *r,
                                       const struct cfh_remote_input *in,
                                       FILE *trace,
                                       struct cfh_remote_report *rep);

void cfh_remote_report_free(struct cfh_remote_report *rep);

/* What the harness knows of each task id: the task.return the model
 * accepted, and whether the host called it. */
struct cfh_remote_value {
	bool returned;
	enum cfm_kind kind;
	uint32_t v;
	bool host;    /* the host called it */
	bool settled; /* its host call settled */
};

/* The facts a target reports (PROTOCOL.md) when op has outcome o in state
 * m, before the op: e->line[0..e->n), in order, "trap" standing for any
 * trap line. values[0..CFH_REMOTE_MAX_IDS] give the expected `value`
 * lines. False when no report can show o (a harness error). This is the
 * one definition of what each outcome looks like from outside; the
 * example target uses it too. */
struct cfh_remote_expect {
	char line[CFH_REMOTE_MAX_EXPECT][CFH_REMOTE_FACT];
	size_t n;
};
bool cfh_remote_expect(const struct cfm_cm *m, const struct cfm_cm_op *op,
                       const struct cfm_cm_outcome *o,
                       const struct cfh_remote_value *values,
                       struct cfh_remote_expect *e);

#endif /* CFH_REMOTE_H */

/* script.h - operation scripts for model tests, in the text of traces.
 *
 * One line per step; blank lines and lines starting with '#' are skipped.
 *
 *   ACTOR OP ARGS [=> RESULT]   perform OP; RESULT is compared with
 *                               cfm_result_format(); without "=>" the
 *                               operation must succeed
 *   ? SUBJECT = TEXT            compare a piece of state with TEXT
 *
 * ACTOR is "host" or "T<id>". OP and ARGS are as cfm_op_format() prints
 * them: "call 2 shared(0) deadline(5) slot(9)", "subtask.cancel 1",
 * "task.return ok 7", "wait cancellable", "backpressure 1 +1", "run 0" ...
 *
 * SUBJECT is one of:
 *   T<id>              "STATE ACTIVITY", or "EXITED" once freed
 *   T<id> subscribers  "h1@0 h2@0 abandoned" in subscription order
 *   T<id> resources    "r1 r2", or "none"
 *   h<h>@<i>           "STATE[ cancel_requested][ delivered][ timed_out]
 *                      [ pending][ slot=KIND:VALUE]", or "free"
 *   queue              "T3 T4", or "empty"
 *   clock              "5"
 *   bp <j>             "0"
 *   key <k>@<j>        "T1", or "none"
 *   counts             "tasks N subtasks N handles N resources N keys N queue N"
 */
#ifndef SCRIPT_H
#define SCRIPT_H

#include "cfm.h"

/* What a script runs against: the model, or anything that takes the
 * model's operations and shows its state as a model snapshot (the harness
 * presents the runtime this way). */
struct script_target {
	const char *name; /* "model", "runtime": named in failures */
	void *ctx;
	struct cfm_result (*apply)(void *ctx, const struct cfm_op *op);
	void (*snapshot)(void *ctx, struct cfm_snapshot *out);
};

/* Runs text against a target line by line. On the first mismatch or parse
 * error it prints the target's snapshot and fails the current test
 * (tap_fail) naming the line. */
void script_exec(const struct script_target *t, const char *text);

/* script_exec() on the model m. */
void script_run(struct cfm *m, const char *text);

/* Parses "ACTOR OP ARGS" as the scripts write it; returns NULL on success
 * or what is wrong. text is modified. */
const char *script_parse_op(char *text, struct cfm_op *op);

/* A standard run for tests: N instances and roomy caps. */
void script_init(struct cfm *m, uint32_t instances);

/* C-6 in tests: "ACTOR OP ARGS" must fail with err and leave the whole
 * model byte for byte as it was. */
void script_fails(struct cfm *m, const char *op, const char *err);

/* task.return by `task`, applied directly, must succeed and write exactly
 * `written` result slots (C-9). */
void script_return_writes(struct cfm *m, uint32_t task, enum cfm_kind kind,
                          uint32_t value, uint32_t written);

/* Formats a piece of state as the "? SUBJECT = TEXT" query sees it; returns
 * false if the subject is not understood. */
bool script_query(const struct cfm_snapshot *s, const char *subject,
                  char *out, size_t size);

#endif /* SCRIPT_H */

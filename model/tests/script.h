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

/* Runs text against m line by line. On the first mismatch or parse error it
 * prints the snapshot and fails the current test (tap_fail) naming the
 * line. */
void script_run(struct cfm *m, const char *text);

/* A standard run for tests: N instances and roomy caps. */
void script_init(struct cfm *m, uint32_t instances);

/* Formats a piece of state as the "? SUBJECT = TEXT" query sees it; returns
 * false if the subject is not understood. */
bool script_query(const struct cfm *m, const char *subject, char *out,
                  size_t size);

#endif /* SCRIPT_H */

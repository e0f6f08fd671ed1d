/* cover.h - the clauses of the contract, as the model cites them.
 *
 * Every rule of model/README.md that branches has one clause per branch
 * here. cfm_apply() clears the set of cited clauses and cites each one it
 * applies, so after a step `cfm_cited()` says which parts of the contract
 * that step exercised. The harness counts them per input (contract
 * coverage, harness/cover.h) and feeds them to the fuzzer as a guide.
 *
 * A clause's rule is the number `/ * C-n * /` comments and the README use;
 * a sub-clause keeps the README's numbering (C-11.1) or names the branch.
 */
#ifndef CFM_COVER_H
#define CFM_COVER_H

/* X(ID, rule, what happened) */
#define CFM_CLAUSES(X)                                                         \
	X(C2_CALL_GRAPH, "C-2", "a call outside the call graph is refused")    \
	X(C5_LIMIT, "C-5", "a configured limit refuses the operation")         \
	X(C6_ACTOR, "C-6", "the wrong actor is refused before anything else")  \
	X(C9_SLOT, "C-9", "a RETURNED subscriber's slot is written")           \
	X(C10_QUEUED, "C-10", "a call waits for admission: STARTING")          \
	X(C10_STARTED, "C-10", "a call is admitted at once: STARTED")          \
	X(C10_DEADLINE, "C-10", "a call with a deadline")                      \
	X(C11_1_DELIVERED, "C-11.1", "cancel after delivery is refused")       \
	X(C11_1_ALREADY, "C-11.1", "a second cancel is refused")               \
	X(C11_2_LOST, "C-11.2", "cancel of a resolved, undelivered subtask "   \
	                        "reports its state")                            \
	X(C11_3_AT_ONCE, "C-11.3", "a cancel request resolves the subtask at " \
	                           "once")                                      \
	X(C11_3_BLOCKED, "C-11.3", "a cancel request returns BLOCKED")         \
	X(C13_INITIAL, "C-13", "a request reaches an INITIAL task: it never "  \
	                       "runs")                                          \
	X(C13_BLOCKED, "C-13", "a request wakes a task blocked in a "          \
	                       "cancellable wait")                              \
	X(C13_READY, "C-13", "a request reaches a READY task after a "         \
	                     "cancellable wait or yield: it keeps its place")   \
	X(C13_PENDING, "C-13", "a request reaches a task not waiting "         \
	                       "cancellably: PENDING_CANCEL")                   \
	X(C13_NOTHING, "C-13", "a request reaches a task already cancelled "   \
	                       "or resolved: nothing happens")                  \
	X(C14_RETURN, "C-14", "task.return of a STARTED task")                 \
	X(C14_RESOLVED, "C-14", "task.return after resolving is refused")      \
	X(C15_CANCEL, "C-15", "task.cancel resolves a task told of its "       \
	                      "cancellation")                                   \
	X(C15_NOTDELIVERED, "C-15", "task.cancel before delivery is refused")  \
	X(C16_WAIT_DELIVERS, "C-16", "a cancellable wait delivers a pending "  \
	                             "cancellation")                            \
	X(C16_WAIT_GOES_ON, "C-16", "a wait with a pending event goes on at "  \
	                            "once")                                     \
	X(C16_WAIT_BLOCKS, "C-16", "a wait blocks")                            \
	X(C16_WAIT_KEEPS_PENDING, "C-16", "a non-cancellable wait keeps a "    \
	                                  "pending cancellation pending")       \
	X(C16_YIELD, "C-16", "a yield: READY again with NONE")                 \
	X(C16_EXIT, "C-16", "a resolved task exits")                           \
	X(C16_EXIT_UNRESOLVED, "C-16", "exit before resolving is refused")     \
	X(C17_CHANGE, "C-17", "backpressure changes")                          \
	X(C17_RANGE, "C-17", "backpressure outside 0..255 is refused")         \
	X(C18_TICK, "C-18", "the clock moves on")                              \
	X(C19_ADMIT, "C-19", "backpressure back at 0 admits a queued task")    \
	X(C20_RETURN_PENDING, "C-20", "task.return wins over a pending "       \
	                              "cancellation")                           \
	X(C20_RETURN_DELIVERED, "C-20", "task.return after its cancellation "  \
	                                "was delivered")                        \
	X(C21_RUN, "C-21", "run activates a READY task")                       \
	X(C21_EMPTY, "C-21", "run with an empty queue is refused")             \
	X(C22_START, "C-22", "activation event START")                         \
	X(C22_CANCELLED, "C-22", "activation event TASK_CANCELLED")            \
	X(C22_NONE, "C-22", "activation event NONE")                           \
	X(C22_PROGRESS, "C-22", "activation event SUBTASK, still STARTED")     \
	X(C22_RESOLVED, "C-22", "activation event SUBTASK, resolved")          \
	X(C23_WAKE, "C-23", "a subtask event wakes its BLOCKED owner")         \
	X(C25_EVENT, "C-25", "poll hands the host an event")                   \
	X(C25_NONE, "C-25", "poll finds no event")                             \
	X(C27_ABANDON, "C-27", "dropping an unresolved subtask requests its "  \
	                       "cancellation")                                  \
	X(C27_ABANDON_CANCELLED, "C-27", "dropping an unresolved subtask "     \
	                                 "already cancelled requests nothing") \
	X(C27_RELEASED, "C-27", "an abandoned subscriber is released at "      \
	                        "resolution")                                   \
	X(C28_DISCARD, "C-28", "dropping a resolved subtask discards it")      \
	X(C29_EXPIRE, "C-29", "a deadline fires")                              \
	X(C31_JOIN, "C-31", "a shared call joins a live task")                 \
	X(C31_REGISTER, "C-31", "a shared call makes and registers a task")    \
	X(C31_LEAVE, "C-31", "a task leaves the registry on a cancel request") \
	X(C32_DETACH, "C-32", "a subscriber's cancel detaches it while others " \
	                      "listen")                                         \
	X(C33_FANOUT, "C-33", "one resolution settles two or more "            \
	                      "subscribers")                                    \
	X(C34_NEW, "C-34", "resource.new")                                     \
	X(C34_DROP, "C-34", "resource.drop")                                   \
	X(C34_BAD, "C-34", "resource.drop of a resource not held is refused")  \
	X(C34_RELEASE, "C-34", "exit releases resources still held")           \
	X(C35_CASCADE, "C-35", "exit drops the task's subtasks")

#define CFM_ENUM_CLAUSE(id, rule, text) CFM_CL_##id,
enum cfm_clause { CFM_CLAUSES(CFM_ENUM_CLAUSE) CFM_CLAUSE_COUNT };
#undef CFM_ENUM_CLAUSE

#define CFM_CITED_WORDS ((CFM_CLAUSE_COUNT + 31) / 32)

#endif /* CFM_COVER_H */

/* cfm_cm.h - the second profile of the model, `cm`: the Component Model's
 * async cancellation semantics as its canonical ABI specifies them.
 *
 * The contract profile (cfm.h) fixes every order; this one does not. Where
 * the spec lets the runtime choose (which ready task runs, whether a wait
 * that could go on at once does so, which pending event a set hands out,
 * whether subtask.cancel yields), an operation has a SET of allowed
 * outcomes. cfm_cm_allowed() lists them; cfm_cm_apply() follows the one a
 * runtime was observed to take, or the one a choice number picks, and
 * names the whole set when the observed one is not in it (refinement
 * checking, as in trace validation). model/README.md, section "The cm
 * profile", says which revision of the spec this is and cites it.
 *
 * Plain data and linear scans, like the contract model; a `struct cfm_cm`
 * is the whole state of one run and copying it copies the run.
 */
#ifndef CFM_CM_H
#define CFM_CM_H

#include "cfm.h"

#define CFM_CM_MAX_TASKS 32
#define CFM_CM_MAX_HANDLES 32 /* entries of one instance's handle table */
#define CFM_CM_MAX_SUBTASKS (CFM_MAX_INSTANCES * CFM_CM_MAX_HANDLES)
#define CFM_CM_MAX_SETS (CFM_MAX_INSTANCES * CFM_CM_MAX_HANDLES)
#define CFM_CM_BACKPRESSURE_LIMIT 65536 /* cm: canon_backpressure_inc */
#define CFM_CM_MAX_OUTCOMES 64 /* the most outcomes one choice point has */

/* Operations of the cm profile, with their names in scripts and JSON. The
 * first three groups are the spec's built-ins; wait, yield and exit are
 * the callback's return codes (WAIT with a set, YIELD, EXIT); run and
 * poll are the host's, as in the contract. */
#define CFM_CM_OPCODES(X)                                                      \
	X(CALL, "call")                                                        \
	X(SUBTASK_CANCEL, "subtask.cancel")                                    \
	X(SUBTASK_DROP, "subtask.drop")                                        \
	X(TASK_RETURN, "task.return")                                          \
	X(TASK_CANCEL, "task.cancel")                                          \
	X(WSET_NEW, "waitable-set.new")                                        \
	X(WSET_WAIT, "waitable-set.wait")                                      \
	X(WSET_POLL, "waitable-set.poll")                                      \
	X(WSET_DROP, "waitable-set.drop")                                      \
	X(JOIN, "waitable.join")                                               \
	X(THREAD_YIELD, "thread.yield")                                        \
	X(BP_INC, "backpressure.inc")                                          \
	X(BP_DEC, "backpressure.dec")                                          \
	X(WAIT, "wait")                                                        \
	X(YIELD, "yield")                                                      \
	X(EXIT, "exit")                                                        \
	X(RUN, "run")                                                          \
	X(POLL, "poll")

#define CFM_CM_ENUM_OPCODE(name, text) CFM_CM_OP_##name,
enum cfm_cm_opcode { CFM_CM_OPCODES(CFM_CM_ENUM_OPCODE) };
#undef CFM_CM_ENUM_OPCODE
#define CFM_CM_OPCODE_COUNT (CFM_CM_OP_POLL + 1)

/* Every misuse the spec traps on, with the condition it checks. The text
 * is printed in TRAP(...) results. */
#define CFM_CM_TRAPS(X)                                                        \
	X(BAD_INDEX, "no handle at this index")                               \
	X(NOT_SUBTASK, "the handle is not a subtask")                         \
	X(NOT_SET, "the handle is not a waitable set")                        \
	X(CANCEL_DELIVERED, "subtask.cancel after its resolution was delivered") \
	X(CANCEL_TWICE, "subtask.cancel after cancellation was requested")   \
	X(DROP_UNDELIVERED, "subtask.drop before its resolution was delivered") \
	X(RETURN_RESOLVED, "task.return after the task resolved")            \
	X(CANCEL_NOT_DELIVERED, "task.cancel before cancellation was delivered") \
	X(EXIT_UNRESOLVED, "the callback exited before the task resolved")   \
	X(SET_NOT_EMPTY, "waitable-set.drop of a set with members")          \
	X(SET_WAITED_ON, "waitable-set.drop of a set a thread waits on")     \
	X(BP_OVERFLOW, "backpressure.inc past 65535")                        \
	X(BP_UNDERFLOW, "backpressure.dec below 0")                           \
	X(TRAPPED_INSTANCE, "the callee instance has trapped and may not be entered")

#define CFM_CM_ENUM_TRAP(name, text) CFM_CM_TRAP_##name,
enum cfm_cm_trap { CFM_CM_TRAPS(CFM_CM_ENUM_TRAP) };
#undef CFM_CM_ENUM_TRAP

/* One operation. Only the fields its opcode uses are read. */
struct cfm_cm_op {
	enum cfm_cm_opcode code;
	uint32_t actor;    /* CFM_HOST or the acting task's id */
	uint32_t instance; /* call */
	uint32_t handle;   /* subtask.cancel/drop, waitable.join */
	uint32_t set;      /* wait, waitable-set.wait/poll/drop, waitable.join
	                      (0: leave the set) */
	enum cfm_kind kind; /* task.return */
	uint32_t value;     /* task.return */
	uint32_t n;         /* run: the choice, when no outcome is observed */
};

/* What an outcome is. */
enum cfm_cm_what {
	CFM_CM_ERR,       /* err: the actor may not do this (not a spec case) */
	CFM_CM_TRAP,      /* trap: the spec traps */
	CFM_CM_OK,        /* the op finished; nothing to report */
	CFM_CM_STATUS,    /* status (call: + handle, task) */
	CFM_CM_NEW,       /* waitable-set.new: handle */
	CFM_CM_EVENT,     /* event, for task (run, poll, or an activation
	                     that goes on at once) */
	CFM_CM_SUSPENDED, /* the actor's thread blocked */
	CFM_CM_SWITCH,    /* subtask.cancel yielded: the caller is suspended */
	CFM_CM_RESUMED,   /* run resumed a subtask.cancel: status for task */
};

/* The outcome of an op. `back` is set when the op ended the first
 * activation of a task its caller started by `call`: control goes back to
 * that caller (back_to), whose call returns back_status (and back_handle
 * when the call did not resolve). */
struct cfm_cm_outcome {
	enum cfm_cm_what what;
	enum cfm_err err;
	enum cfm_cm_trap trap;
	enum cfm_status status;
	uint32_t handle;
	uint32_t task;
	struct cfm_event event;
	bool back;
	uint32_t back_to;
	enum cfm_status back_status;
	uint32_t back_handle;
	uint32_t back_task;
};

/* How a task's thread is suspended; ACTIVE while it runs. */
enum cfm_cm_susp {
	CFM_CM_S_ACTIVE,
	CFM_CM_S_ENTER,        /* waiting to enter (backpressure) */
	CFM_CM_S_CB_WAIT,      /* callback returned WAIT(set) */
	CFM_CM_S_CB_YIELD,     /* callback returned YIELD */
	CFM_CM_S_WSET_WAIT,    /* in waitable-set.wait, holding the instance */
	CFM_CM_S_THREAD_YIELD, /* in thread.yield, holding the instance */
	CFM_CM_S_CANCEL,       /* in subtask.cancel's yield, holding it */
	CFM_CM_S_CALLING,      /* in call: the callee runs its first turn */
};

struct cfm_cm_task {
	bool live;
	uint32_t id;
	uint32_t instance;
	enum cfm_task_state state;
	enum cfm_cm_susp susp;
	bool started;     /* its callback has been called once */
	bool nested;      /* still in the first turn its caller started */
	uint32_t caller;  /* when nested: CFM_HOST or the calling task */
	bool cancel_due;  /* resumed with TASK_CANCELLED at its next turn */
	uint32_t set;     /* CB_WAIT, WSET_WAIT: the set's handle */
	uint32_t cancel_handle; /* S_CANCEL: the subtask it cancels */
	uint32_t subtask; /* index of its subscriber in subtasks[] */
};

struct cfm_cm_subtask {
	bool live;
	uint32_t instance; /* the caller's instance: whose table */
	uint32_t handle;   /* 0 until the call returns unresolved */
	uint32_t task;     /* the callee's id */
	enum cfm_status state;
	bool cancel_requested;
	bool delivered; /* cm: resolve_delivered() */
	bool pending;   /* cm: has_pending_event() */
	uint32_t set;   /* the waitable set it joined, 0 for none */
	enum cfm_kind kind;
	uint32_t value;
};

struct cfm_cm_set {
	bool live;
	uint32_t instance;
	uint32_t handle;
	uint32_t waiting; /* cm: WaitableSet.num_waiting */
};

/* One instance's handle table, as the spec's Table: index 0 is never
 * used, a freed index goes on a stack, and add takes the top of that stack
 * before growing the array. */
struct cfm_cm_table {
	uint32_t length; /* the array's length, index 0 included */
	uint32_t free[CFM_CM_MAX_HANDLES];
	uint32_t nfree;
};

struct cfm_cm {
	struct cfm_config cfg;
	uint32_t next_task_id;
	uint32_t active; /* the running task, 0 for none (the host may act) */
	struct cfm_cm_table table[CFM_MAX_INSTANCES];
	uint32_t backpressure[CFM_MAX_INSTANCES];
	uint32_t exclusive[CFM_MAX_INSTANCES]; /* task holding it, 0: none */
	bool trapped[CFM_MAX_INSTANCES];
	struct cfm_cm_task tasks[CFM_CM_MAX_TASKS];
	struct cfm_cm_subtask subtasks[CFM_CM_MAX_SUBTASKS];
	struct cfm_cm_set sets[CFM_CM_MAX_SETS];
};

const char *cfm_cm_opcode_name(enum cfm_cm_opcode code);
const char *cfm_cm_trap_text(enum cfm_cm_trap trap);

/* Starts a run with cfg's instances (2..CFM_MAX_INSTANCES); of the caps,
 * only max_tasks is used (1..CFM_CM_MAX_TASKS). CFM_E_RANGE otherwise. */
enum cfm_err cfm_cm_init(struct cfm_cm *m, const struct cfm_config *cfg);

/* Every outcome the spec allows for op now, at most max of them, in a
 * fixed order (choice 0 first). Returns how many. Changes nothing. */
size_t cfm_cm_allowed(const struct cfm_cm *m, const struct cfm_cm_op *op,
                      struct cfm_cm_outcome *out, size_t max);

/* Applies op. With observed, the outcome taken is the allowed one whose
 * text is observed's (returns 0), or none (returns -1, m unchanged, and
 * *taken is left as choice 0). Without observed, choice (mod the number of
 * outcomes) picks one. *taken is the outcome followed. */
int cfm_cm_apply(struct cfm_cm *m, const struct cfm_cm_op *op,
                 const char *observed, uint32_t choice,
                 struct cfm_cm_outcome *taken);

/* Text forms, as scripts and traces write them. */
char *cfm_cm_op_format(const struct cfm_cm_op *op, char *buf, size_t size);
char *cfm_cm_outcome_format(const struct cfm_cm_outcome *o, char *buf,
                            size_t size);
/* The allowed set as "{A | B | C}". */
char *cfm_cm_allowed_format(const struct cfm_cm *m,
                            const struct cfm_cm_op *op, char *buf,
                            size_t size);

/* Parses "ACTOR OP ARGS" ("T1 waitable.join 2 3", "host run 0"); NULL on
 * success, else what is wrong. */
const char *cfm_cm_op_parse(const char *text, struct cfm_cm_op *op);

/* Lookups for tests. */
const struct cfm_cm_task *cfm_cm_task_get(const struct cfm_cm *m,
                                          uint32_t id);
const struct cfm_cm_subtask *cfm_cm_subtask_get(const struct cfm_cm *m,
                                                uint32_t instance,
                                                uint32_t handle);

/* Live counts: tasks, subtasks with a handle, sets. */
struct cfm_cm_counts {
	uint32_t tasks, subtasks, sets;
};
struct cfm_cm_counts cfm_cm_counts(const struct cfm_cm *m);

#endif /* CFM_CM_H */

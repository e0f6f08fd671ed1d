/* cfm.h - the reference model of the import/export cancellation contract.
 *
 * The model is the contract of model/README.md written as code: plain data in
 * fixed arrays, linear scans, one function per operation, every transition
 * citing its rule (C-n). It is meant to be read, not to be fast. The runtime
 * in impl/ implements the same contract for speed; the harness runs both in
 * lockstep and compares what they do.
 *
 * Everything here is deterministic and free of global state: a `struct cfm`
 * is the whole state of one run, and the same operations on the same config
 * always give the same results.
 */
#ifndef CFM_H
#define CFM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cover.h"

/* Bounds of the model's fixed arrays. A run's caps (struct cfm_config) must
 * fit inside them; cfm_init() rejects a config that does not. */
#define CFM_MAX_INSTANCES 8
#define CFM_MAX_TASKS 64     /* live tasks (C-5) */
#define CFM_MAX_HANDLES 32   /* live handles per table (C-5) */
#define CFM_MAX_RESOURCES 16 /* live resources per task (C-5) */
#define CFM_MAX_KEYS 16      /* live shared keys (C-5) */
/* Every handle of every table, plus at most one abandoned subscriber per
 * task: a request reaches a task from its last live subscriber only (C-32),
 * and nothing joins a task after that (C-31). */
#define CFM_MAX_SUBTASKS (CFM_MAX_INSTANCES * CFM_MAX_HANDLES + CFM_MAX_TASKS)
#define CFM_BACKPRESSURE_MAX 255 /* C-17 */

#define CFM_HOST 0u /* the actor id of the host; tasks are 1, 2, 3 ... (C-3) */

/* Error codes (C-6), in the contract's order. */
#define CFM_ERRORS(X)                                                          \
	X(OK, "success")                                                       \
	X(E_BADINSTANCE, "instance out of range or not callable from here")    \
	X(E_BADHANDLE, "no live subtask under this handle")                    \
	X(E_NOTOWNER, "the subtask belongs to another task")                   \
	X(E_DELIVERED, "the subtask's resolution was already delivered")       \
	X(E_ALREADY, "cancellation was already requested")                     \
	X(E_RESOLVED, "the task has already resolved")                         \
	X(E_NOTDELIVERED, "no cancellation has been delivered to the task")    \
	X(E_UNRESOLVED, "the task has not resolved yet")                       \
	X(E_BADRESOURCE, "not a live resource of this task")                   \
	X(E_RANGE, "argument or result out of range")                          \
	X(E_LIMIT, "a configured limit would be exceeded")                     \
	X(E_NOTACTIVE, "the actor is not the active task")                     \
	X(E_ACTIVE, "the host cannot act while a task is active")

/* Subtask states (C-7) with the contract's numbering, then BLOCKED, which is
 * only ever a status returned by call or subtask.cancel (C-11). */
#define CFM_STATUSES(X)                                                        \
	X(STARTING)                                                            \
	X(STARTED)                                                             \
	X(RETURNED)                                                            \
	X(CANCELLED_BEFORE_STARTED)                                            \
	X(CANCELLED_BEFORE_RETURNED)                                           \
	X(BLOCKED)

#define CFM_TASK_STATES(X)                                                     \
	X(INITIAL)                                                             \
	X(STARTED)                                                             \
	X(PENDING_CANCEL)                                                      \
	X(CANCEL_DELIVERED)                                                    \
	X(RESOLVED)

#define CFM_ACTIVITIES(X)                                                      \
	X(QUEUED)                                                              \
	X(READY)                                                               \
	X(ACTIVE)                                                              \
	X(BLOCKED)                                                             \
	X(EXITED)

#define CFM_EVENTS(X)                                                          \
	X(NONE)                                                                \
	X(START)                                                               \
	X(SUBTASK)                                                             \
	X(TASK_CANCELLED)

/* Operations (section 3 of the contract), with their printed names. */
#define CFM_OPCODES(X)                                                         \
	X(CALL, "call")                                                        \
	X(SUBTASK_CANCEL, "subtask.cancel")                                    \
	X(SUBTASK_DROP, "subtask.drop")                                        \
	X(TASK_RETURN, "task.return")                                          \
	X(TASK_CANCEL, "task.cancel")                                          \
	X(WAIT, "wait")                                                        \
	X(YIELD, "yield")                                                      \
	X(EXIT, "exit")                                                        \
	X(RESOURCE_NEW, "resource.new")                                        \
	X(RESOURCE_DROP, "resource.drop")                                      \
	X(BACKPRESSURE, "backpressure")                                        \
	X(TICK, "tick")                                                        \
	X(RUN, "run")                                                          \
	X(POLL, "poll")

#define CFM_ENUM_ERR(name, text) CFM_##name,
enum cfm_err { CFM_ERRORS(CFM_ENUM_ERR) };
#undef CFM_ENUM_ERR

#define CFM_ENUM_STATUS(name) CFM_##name,
enum cfm_status { CFM_STATUSES(CFM_ENUM_STATUS) };
#undef CFM_ENUM_STATUS

#define CFM_ENUM_TASK_STATE(name) CFM_TASK_##name,
enum cfm_task_state { CFM_TASK_STATES(CFM_ENUM_TASK_STATE) };
#undef CFM_ENUM_TASK_STATE

#define CFM_ENUM_ACTIVITY(name) CFM_ACT_##name,
enum cfm_activity { CFM_ACTIVITIES(CFM_ENUM_ACTIVITY) };
#undef CFM_ENUM_ACTIVITY

#define CFM_ENUM_EVENT(name) CFM_EV_##name,
enum cfm_event_code { CFM_EVENTS(CFM_ENUM_EVENT) };
#undef CFM_ENUM_EVENT

#define CFM_ENUM_OPCODE(name, text) CFM_OP_##name,
enum cfm_opcode { CFM_OPCODES(CFM_ENUM_OPCODE) };
#undef CFM_ENUM_OPCODE

#define CFM_OPCODE_COUNT (CFM_OP_POLL + 1)

/* The kind of a task.return (C-14): a cancellation is never an error. */
enum cfm_kind { CFM_KIND_OK, CFM_KIND_ERR };

/* The caps of one run (C-1, C-5). Every field must be >= 1 and within the
 * CFM_MAX_* bounds; instances also >= 2. */
struct cfm_config {
	uint32_t instances;     /* N: instance 0 is the host */
	uint32_t max_tasks;     /* live tasks */
	uint32_t max_handles;   /* live handles in each table */
	uint32_t max_resources; /* live resources of one task */
	uint32_t max_keys;      /* live shared keys */
};

/* One operation, as the actor performs it. Only the fields its opcode uses
 * are read; the rest should be zero. */
struct cfm_op {
	enum cfm_opcode code;
	uint32_t actor;    /* CFM_HOST, or the id of the task that acts */
	uint32_t instance; /* call, backpressure: the instance j */
	uint32_t handle;   /* subtask.cancel, subtask.drop */
	uint32_t resource; /* resource.drop */
	int32_t delta;     /* backpressure: +1 or -1 */
	uint32_t n;        /* tick: clock advance; run: queue position k */
	bool cancellable;  /* wait */
	enum cfm_kind kind; /* task.return */
	uint32_t value;     /* task.return */
	bool shared;        /* call: shared(key) (C-31) */
	uint32_t key;
	bool has_deadline; /* call: deadline(d) (C-29) */
	uint32_t deadline;
	uint32_t slot; /* call: the caller's result slot, an opaque tag (C-9) */
};

struct cfm_event {
	enum cfm_event_code code;
	uint32_t handle;        /* SUBTASK */
	enum cfm_status status; /* SUBTASK: the subtask's state now (C-22) */
};

/* What an operation returns. err is always set; on success the fields its
 * opcode produces are set and the rest are zero. */
struct cfm_result {
	enum cfm_err err;
	enum cfm_status status; /* call, subtask.cancel */
	uint32_t handle;        /* call: the new handle */
	uint32_t task;          /* call: the callee task; run: the activated one */
	struct cfm_event event; /* run: the activation event; poll */
	uint32_t resource;      /* resource.new */
	uint32_t written;       /* task.return: result slots written (C-9) */
};

/* The exporter side of one call (C-8). */
struct cfm_task {
	bool live; /* false once EXITED and freed */
	uint32_t id;
	uint32_t instance;
	enum cfm_task_state state;
	enum cfm_activity activity;
	bool activated;        /* START has been delivered (C-22) */
	bool wait_cancellable; /* its current or last wait was cancellable (C-8) */
	bool yielded;          /* its last activation ended in yield (C-22) */
	bool cancel_due;       /* TASK_CANCELLED is due at its next activation */
	bool resource[CFM_MAX_RESOURCES + 1]; /* by resource id; [0] unused */
};

/* The importer side of one call (C-7). */
struct cfm_subtask {
	bool live;         /* in a table, or abandoned and still subscribed */
	uint32_t instance; /* the caller's instance: the table it lives in */
	uint32_t handle;   /* 0 once dropped while unresolved (abandoned) */
	uint32_t owner;    /* CFM_HOST or the id of the task that created it */
	uint32_t task;     /* the callee task's id (kept after the task exits) */
	uint32_t seq;      /* creation order, 1, 2, 3 ... (C-29, C-33) */
	bool subscribed;   /* will follow the task's resolution (C-31..C-33) */
	enum cfm_status state;
	bool cancel_requested;
	bool delivered; /* the resolved state was observed by the owner */
	bool timed_out;
	bool pending; /* the one-slot pending event (C-7) */
	uint64_t deadline; /* absolute expiry, 0 for none (C-29) */
	uint32_t slot;     /* the result slot named by the call (C-9) */
	bool slot_written;
	enum cfm_kind kind; /* what was written, when slot_written */
	uint32_t value;
};

struct cfm_key {
	bool live;
	uint32_t instance;
	uint32_t key;
	uint32_t task;
};

/* One subscriber's one resolution (C-33), as an observer hears it. */
struct cfm_settlement {
	uint32_t seq;          /* the call, in creation order (cfm_subtask.seq) */
	enum cfm_status state; /* the resolved state it took */
	bool released;         /* abandoned: released, no event, no slot (C-27) */
	bool slot_written;     /* C-9: the slot now holds kind and value */
	enum cfm_kind kind;
	uint32_t value;
};

/* Told of every settlement as it happens; the harness keeps them to compare
 * each call's outcome after the drain, when the records are gone. */
typedef void (*cfm_observer)(void *ctx, const struct cfm_settlement *s);

/* The whole state of one run. Treat it as read-only outside model/: change
 * it only through cfm_apply(). The arrays have room for the CFM_MAX_*
 * bounds; a run uses the first max_tasks, subtask_slots and max_keys of
 * them, so scans cost what the run's caps allow. A new record always takes
 * the first free one, so the records at and past tasks_used (subtasks_used,
 * keys_used) have never been live and are still zero: scans stop there.
 * Plain values only (indices, no pointers): a struct cfm can be copied. */
struct cfm {
	struct cfm_config cfg;
	uint32_t subtask_slots; /* subtask records this run's caps can need */
	uint32_t tasks_used;    /* tasks[] records ever taken (a high-water mark) */
	uint32_t subtasks_used; /* subtasks[] records ever taken */
	uint32_t keys_used;     /* keys[] records ever taken */
	uint32_t active;        /* 1 + the tasks[] index of the ACTIVE task,
	                           0 while none is (C-21); set by run, cleared
	                           by wait, yield and exit (C-16) */
	uint64_t clock;             /* C-4 */
	uint32_t next_task_id;      /* C-3 */
	uint32_t next_seq;          /* subtask creation order */
	uint32_t backpressure[CFM_MAX_INSTANCES];
	uint32_t queue[CFM_MAX_TASKS]; /* the run queue, task ids (C-21) */
	uint32_t queue_len;
	struct cfm_task tasks[CFM_MAX_TASKS];
	struct cfm_subtask subtasks[CFM_MAX_SUBTASKS];
	struct cfm_key keys[CFM_MAX_KEYS];
	cfm_observer observer; /* NULL, or set after cfm_init() */
	void *observer_ctx;
	/* What the last cfm_apply() exercised (cover.h), cleared by each. */
	uint32_t cited[CFM_CITED_WORDS]; /* the clauses it applied */
	uint32_t fanout; /* the most subscribers one resolution settled */
};

/* The state in canonical order, so that two runs can be compared whatever
 * slots their records happen to occupy: tasks by id; subtasks in tables by
 * (instance, handle), then abandoned ones by seq; keys by (instance, key). */
struct cfm_snapshot {
	uint64_t clock;
	uint32_t instances;
	uint32_t next_task_id;
	uint32_t active; /* the ACTIVE task's id, 0 for none */
	uint32_t backpressure[CFM_MAX_INSTANCES];
	uint32_t queue_len;
	uint32_t queue[CFM_MAX_TASKS];
	uint32_t ntasks;
	struct cfm_task tasks[CFM_MAX_TASKS];
	uint32_t nsubtasks;
	struct cfm_subtask subtasks[CFM_MAX_SUBTASKS];
	uint32_t nkeys;
	struct cfm_key keys[CFM_MAX_KEYS];
};

/* Names for printing. Each returns a static string; "?" for a bad value. */
const char *cfm_err_name(enum cfm_err err);
const char *cfm_err_text(enum cfm_err err);
const char *cfm_status_name(enum cfm_status status);
const char *cfm_task_state_name(enum cfm_task_state state);
const char *cfm_activity_name(enum cfm_activity activity);
const char *cfm_event_name(enum cfm_event_code code);
const char *cfm_opcode_name(enum cfm_opcode code);
const char *cfm_kind_name(enum cfm_kind kind);

/* The clauses of the contract (cover.h): their rule ("C-11.2"), what the
 * clause is, its identifier ("C11_2_LOST"); NULL for a bad value. */
const char *cfm_clause_rule(enum cfm_clause c);
const char *cfm_clause_text(enum cfm_clause c);
const char *cfm_clause_id(enum cfm_clause c);

/* True if the last cfm_apply() applied clause c. */
bool cfm_cited(const struct cfm *m, enum cfm_clause c);

/* Starts a run: all zero, clock 0, no tasks. Returns CFM_OK, or CFM_E_RANGE
 * (and leaves *m zeroed) if cfg does not fit the model's bounds. */
enum cfm_err cfm_init(struct cfm *m, const struct cfm_config *cfg);

/* Performs one operation (section 3) and returns its observable result. On
 * an error nothing changes (C-6). */
struct cfm_result cfm_apply(struct cfm *m, const struct cfm_op *op);

/* True if the status is a resolved subtask state (C-7: states 2-4). */
bool cfm_status_resolved(enum cfm_status status);

/* Lookups for tests and the oracle; NULL when absent. */
const struct cfm_task *cfm_task_get(const struct cfm *m, uint32_t id);
const struct cfm_task *cfm_active_task(const struct cfm *m);
const struct cfm_subtask *cfm_subtask_get(const struct cfm *m,
                                          uint32_t instance, uint32_t handle);
uint32_t cfm_registry_get(const struct cfm *m, uint32_t instance,
                          uint32_t key);

/* Live counts, for the oracle's leak checks (C-37). */
struct cfm_counts {
	uint32_t tasks;
	uint32_t subtasks; /* records: in tables or abandoned */
	uint32_t handles;  /* records in tables */
	uint32_t resources;
	uint32_t keys;
	uint32_t queue;
};
struct cfm_counts cfm_counts(const struct cfm *m);

/* The same counts, as a snapshot shows them. */
struct cfm_counts cfm_snapshot_counts(const struct cfm_snapshot *s);

/* True if two operations are the same, their slot tags aside. */
bool cfm_op_equal(const struct cfm_op *a, const struct cfm_op *b);

/* The drain of C-36, one step at a time: fills *op with the next operation
 * of the fixed policy and returns true, or returns false once nothing is
 * left to do. The harness applies the same op to the model and to the
 * runtime, so both sides run exactly the same drain. */
bool cfm_drain_next(const struct cfm *m, struct cfm_op *op);

/* Runs the drain on the model alone for at most max_steps operations.
 * Returns the number of steps taken, or -1 if it had not finished. */
long cfm_drain(struct cfm *m, long max_steps);

/* Fills *s with the state in canonical order. */
void cfm_snapshot(const struct cfm *m, struct cfm_snapshot *s);

/* Text forms, as traces print them. Each writes a NUL-terminated string of
 * at most size bytes (truncating) and returns buf.
 *   op:     "T1 call 2 shared(0) deadline(5)", "host run 1", "T4 wait cancellable"
 *   result: "E_LIMIT", "STARTED h1 T2", "T4 START", "SUBTASK(h2, RETURNED)", "ok" */
char *cfm_op_format(const struct cfm_op *op, char *buf, size_t size);
char *cfm_result_format(const struct cfm_op *op, const struct cfm_result *r,
                        char *buf, size_t size);
char *cfm_event_format(const struct cfm_event *ev, char *buf, size_t size);

/* Prints a snapshot, one object per line, in its canonical order. */
void cfm_snapshot_print(FILE *out, const struct cfm_snapshot *s);

#endif /* CFM_H */

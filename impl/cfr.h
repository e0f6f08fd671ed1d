/* cfr.h - an embeddable async runtime that honours the import/export
 * cancellation contract (model/README.md).
 *
 * A `struct cfr` is one runtime: N instances (0 is the host), tasks that
 * export, subtasks that import, a run queue, a virtual clock with deadlines,
 * a registry of shared producers and task-owned resources. The embedder
 * drives it one operation at a time; every operation returns a `cfr_err`
 * and changes nothing when it fails (C-6). Nothing here uses time, threads,
 * randomness or global state: the same operations give the same results.
 *
 * Cost: every operation is O(1) or O(log n) in the number of live objects,
 * except cfr_run(k), which walks min(k, len-k) queue entries (k = 0, the
 * scheduler's usual pop, is O(1)), exit, which orders the exiting task's own
 * subtasks, and cfr_snapshot(), which is meant for tests.
 *
 * Memory: task and subtask records come from pools that grow in chunks
 * through the configured allocator; handle tables, free-index heaps and
 * registry buckets are allocated once at creation. No operation but call
 * allocates, and an allocation failure returns CFR_E_NOMEM with nothing
 * changed. cfr_reset() returns a runtime to its initial state without
 * freeing its chunks, so one runtime can serve many fuzz inputs.
 */
#ifndef CFR_H
#define CFR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFR_HOST 0u /* the actor id of the host; tasks are 1, 2, 3 ... */
#define CFR_MAX_RESOURCES 64u /* upper bound of cfr_config.max_resources */
#define CFR_BACKPRESSURE_MAX 255u

/* Error codes: the contract's (C-6) in its order, then the runtime's own. */
#define CFR_ERRORS(X)                                                          \
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
	X(E_ACTIVE, "the host cannot act while a task is active")              \
	X(E_NOMEM, "out of memory")                                            \
	X(E_CONFIG, "invalid runtime configuration")

#define CFR_ENUM_ERR(name, text) CFR_##name,
enum cfr_err { CFR_ERRORS(CFR_ENUM_ERR) };
#undef CFR_ENUM_ERR

/* Subtask states (C-7, the contract's numbering), then the status BLOCKED. */
enum cfr_status {
	CFR_STARTING,
	CFR_STARTED,
	CFR_RETURNED,
	CFR_CANCELLED_BEFORE_STARTED,
	CFR_CANCELLED_BEFORE_RETURNED,
	CFR_BLOCKED
};

enum cfr_task_state {
	CFR_TASK_INITIAL,
	CFR_TASK_STARTED,
	CFR_TASK_PENDING_CANCEL,
	CFR_TASK_CANCEL_DELIVERED,
	CFR_TASK_RESOLVED
};

enum cfr_activity {
	CFR_ACT_QUEUED,
	CFR_ACT_READY,
	CFR_ACT_ACTIVE,
	CFR_ACT_BLOCKED,
	CFR_ACT_EXITED
};

enum cfr_event_code {
	CFR_EV_NONE,
	CFR_EV_START,
	CFR_EV_SUBTASK,
	CFR_EV_TASK_CANCELLED
};

enum cfr_kind { CFR_KIND_OK, CFR_KIND_ERR };

/* A result slot in the caller's memory (C-9). The runtime writes it once,
 * when the call resolves RETURNED, and never otherwise. */
struct cfr_slot {
	uint32_t kind; /* enum cfr_kind */
	uint32_t value;
};

struct cfr_call_options {
	bool shared; /* join or register the producer under key (C-31) */
	uint32_t key;
	bool has_deadline; /* cancel when the clock reaches now + deadline */
	uint32_t deadline; /* >= 1 (C-29) */
};

struct cfr_call_result {
	enum cfr_status status; /* STARTING or STARTED */
	uint32_t handle;        /* in the caller's table */
	uint32_t task;          /* the callee task, new or joined */
};

struct cfr_event {
	enum cfr_event_code code;
	uint32_t handle;        /* SUBTASK */
	enum cfr_status status; /* SUBTASK: the state now (C-22) */
};

/* Allocation hooks. alloc returns NULL on failure; release gets the size
 * that was asked for. */
struct cfr_allocator {
	void *(*alloc)(void *ctx, size_t size);
	void (*release)(void *ctx, void *ptr, size_t size);
	void *ctx;
};

/* What the observer hears about: every settlement of a subscriber and
 * every write of a result slot, as they happen. */
enum cfr_notice_kind {
	CFR_NOTICE_SETTLE,     /* a subscriber in a table took a resolved state */
	CFR_NOTICE_RELEASE,    /* an abandoned subscriber was released (C-27) */
	CFR_NOTICE_SLOT_WRITE, /* a result slot was written (C-9) */
	CFR_NOTICE_DELIVER     /* a resolved state was delivered to its owner */
};

struct cfr_notice {
	enum cfr_notice_kind kind;
	uint32_t instance; /* the caller's instance */
	uint32_t handle;   /* 0 for a released abandoned subscriber */
	uint32_t call;     /* the call's number, 1, 2, 3 ...: unique per run */
	uint32_t task;     /* the task whose resolution this is */
	enum cfr_status status;
	struct cfr_slot *slot; /* SLOT_WRITE: where, and what was written */
};

struct cfr_config {
	uint32_t instances;     /* >= 2; instance 0 is the host */
	uint32_t max_tasks;     /* live tasks, >= 1 */
	uint32_t max_handles;   /* live handles per table, >= 1 */
	uint32_t max_resources; /* live resources per task, 1..64 */
	uint32_t max_keys;      /* live shared keys, >= 1 */
	uint32_t pool_chunk;    /* records per pool allocation; 0 means 64 */
	const struct cfr_allocator *allocator; /* NULL: malloc and free */
	void (*observer)(void *ctx, const struct cfr_notice *notice);
	void *observer_ctx;
	uint32_t mutant; /* test builds only: a known bug to switch on
	                    (mutants.h); 0 for none */
};

struct cfr;

/* Creates a runtime. On success *out owns it; free it with cfr_destroy().
 * Returns CFR_E_CONFIG for a bad config, CFR_E_NOMEM if allocation fails. */
enum cfr_err cfr_create(const struct cfr_config *cfg, struct cfr **out);

/* Frees everything the runtime holds, live tasks included, and sets *rt to
 * NULL. Accepts NULL and a pointer to NULL. */
void cfr_destroy(struct cfr **rt);

/* Back to the state cfr_create() gave (clock 0, no tasks, ids from 1),
 * keeping pool chunks for reuse. */
void cfr_reset(struct cfr *rt);

/* Operations (section 3). actor is CFR_HOST or the id of the active task. */
enum cfr_err cfr_call(struct cfr *rt, uint32_t actor, uint32_t instance,
                      const struct cfr_call_options *opts,
                      struct cfr_slot *slot, struct cfr_call_result *out);
enum cfr_err cfr_subtask_cancel(struct cfr *rt, uint32_t actor,
                                uint32_t handle, enum cfr_status *status);
enum cfr_err cfr_subtask_drop(struct cfr *rt, uint32_t actor,
                              uint32_t handle);
enum cfr_err cfr_task_return(struct cfr *rt, uint32_t actor,
                             enum cfr_kind kind, uint32_t value);
enum cfr_err cfr_task_cancel(struct cfr *rt, uint32_t actor);
enum cfr_err cfr_wait(struct cfr *rt, uint32_t actor, bool cancellable);
enum cfr_err cfr_yield(struct cfr *rt, uint32_t actor);
enum cfr_err cfr_exit(struct cfr *rt, uint32_t actor);
enum cfr_err cfr_resource_new(struct cfr *rt, uint32_t actor,
                              uint32_t *resource);
enum cfr_err cfr_resource_drop(struct cfr *rt, uint32_t actor,
                               uint32_t resource);
enum cfr_err cfr_backpressure(struct cfr *rt, uint32_t actor,
                              uint32_t instance, int32_t delta);
enum cfr_err cfr_tick(struct cfr *rt, uint32_t actor, uint32_t n);
enum cfr_err cfr_run(struct cfr *rt, uint32_t actor, uint32_t k,
                     uint32_t *task, struct cfr_event *event);
enum cfr_err cfr_poll(struct cfr *rt, uint32_t actor, struct cfr_event *event);

/* Names: "E_LIMIT", and a sentence for people. */
const char *cfr_err_name(enum cfr_err err);
const char *cfr_strerror(enum cfr_err err);

/* Live counts, O(1). */
struct cfr_counts {
	uint32_t tasks;
	uint32_t tasks_by_state[CFR_TASK_RESOLVED + 1];
	uint32_t tasks_by_activity[CFR_ACT_EXITED + 1];
	uint32_t subtasks; /* records: in tables or abandoned */
	uint32_t handles;  /* records in tables */
	uint32_t resources;
	uint32_t keys;
	uint32_t queue;
	size_t bytes; /* held from the allocator now */
};
struct cfr_counts cfr_counts(const struct cfr *rt);

/* A full picture of the state, in the model's canonical order: tasks by
 * id; subtasks in tables by (instance, handle), then abandoned ones by call
 * number; keys by (instance, key). */
struct cfr_task_info {
	uint32_t id;
	uint32_t instance;
	enum cfr_task_state state;
	enum cfr_activity activity;
	bool activated;        /* START has been delivered */
	bool wait_cancellable; /* current or last wait was cancellable */
	bool yielded;          /* last activation ended in yield */
	bool cancel_due;       /* TASK_CANCELLED due at next activation */
	uint64_t resources;    /* bit r-1 set for each live resource r */
};

struct cfr_subtask_info {
	uint32_t instance;
	uint32_t handle; /* 0: abandoned, still subscribed */
	uint32_t owner;  /* CFR_HOST or the owning task */
	uint32_t task;   /* the callee */
	uint32_t call;   /* creation number */
	bool subscribed;
	enum cfr_status state;
	bool cancel_requested, delivered, timed_out, pending;
	uint64_t deadline; /* absolute, 0 for none */
};

struct cfr_key_info {
	uint32_t instance;
	uint32_t key;
	uint32_t task;
};

/* The caller provides the arrays and their capacities; cfr_snapshot()
 * fills them and sets the counts. Returns CFR_E_LIMIT (with the counts set
 * to what is needed) if an array is too small. */
struct cfr_snapshot {
	uint64_t clock;
	uint32_t next_task_id; /* the last id handed out */
	uint32_t active;       /* 0 for none */
	uint32_t instances;
	uint32_t *backpressure; /* instances entries */
	uint32_t *queue;
	size_t queue_cap, queue_len;
	struct cfr_task_info *tasks;
	size_t tasks_cap, ntasks;
	struct cfr_subtask_info *subtasks;
	size_t subtasks_cap, nsubtasks;
	struct cfr_key_info *keys;
	size_t keys_cap, nkeys;
};
enum cfr_err cfr_snapshot(const struct cfr *rt, struct cfr_snapshot *snap);

#endif /* CFR_H */

/* runtime.h - the runtime's records, shared by runtime.c and introspect.c.
 * Not part of the embedding API (cfr.h). */
#ifndef CFR_RUNTIME_H
#define CFR_RUNTIME_H

#include "cfr.h"
#include "list.h"
#include "pheap.h"
#include "pool.h"
#include "registry.h"
#include "table.h"

/* What owns subtasks: the host or a task. */
struct owner {
	uint32_t id;             /* CFR_HOST or the task's id */
	struct cfr_link owned;   /* its subtasks still in a table */
	uint32_t nowned;
	struct cfr_pheap pending; /* those with a pending event, by handle */
};

struct task {
	struct owner own;
	uint32_t instance;
	enum cfr_task_state state;
	enum cfr_activity activity;
	bool activated, wait_cancellable, yielded, cancel_due;
	bool shared;             /* made by a shared call (C-31) */
	bool resolved_by_cancel; /* resolved through task.cancel */
	uint64_t resources;          /* bit r-1 for resource r (C-34) */
	struct cfr_link all;         /* cfr.tasks: live tasks in id order */
	struct cfr_link sched;       /* the run queue, or its instance's admission queue */
	struct cfr_link subscribers; /* subtask.sub, in subscription order */
	uint32_t nsubscribers;
	struct cfr_reg_node reg;
};

struct subtask {
	uint32_t instance; /* the caller's: the table it lives in */
	uint32_t handle;   /* its index there, kept after it is dropped */
	uint32_t gen;      /* the slot's generation when it was made */
	struct owner *owner; /* while in a table */
	uint32_t owner_id;   /* kept after: the owner may be gone */
	struct task *task;   /* while subscribed */
	uint32_t task_id;
	uint32_t call; /* creation number */
	enum cfr_status state;
	bool subscribed, cancel_requested, delivered, timed_out, pending;
	bool armed; /* in the deadline heap */
	uint64_t deadline;
	struct cfr_slot *slot;
	struct cfr_link all; /* cfr.subtasks: every live record, by call */
	struct cfr_link sub; /* its task's subscribers */
	struct cfr_link own; /* its owner's subtasks, while in a table */
	struct cfr_pnode pend;  /* its owner's pending events */
	struct cfr_pnode timer; /* cfr.timers */
};

struct instance {
	struct cfr_table table;
	uint32_t backpressure;
	struct cfr_link queued; /* QUEUED tasks, FIFO (C-19) */
};

struct cfr {
	struct cfr_config cfg;
	struct cfr_mem mem;
	struct instance *inst;
	struct cfr_pool task_pool, subtask_pool;
	struct owner host;
	struct task *active;
	struct cfr_link tasks;
	struct cfr_link subtasks;
	struct cfr_link runq;
	uint32_t runq_len;
	struct cfr_pheap timers;
	struct cfr_registry reg;
	uint64_t clock;
	uint32_t next_task_id;
	uint32_t next_call;
	uint32_t ntasks;
	uint32_t resources;
	uint32_t by_state[CFR_TASK_RESOLVED + 1];
	uint32_t by_activity[CFR_ACT_EXITED + 1];
	struct subtask **scratch; /* max_handles entries, for exit's ordering */
	size_t block_size; /* the one block holding all of the above */
};

#endif /* CFR_RUNTIME_H */

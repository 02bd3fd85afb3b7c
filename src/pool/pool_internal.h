/* pool_internal.h: the pool's own state, shared by the files of src/pool
 * that implement pool.h (internal to src/pool).
 *
 * pool.c runs the pool: it pulls tasks, dispatches them, reports every
 * outcome, cancels and shuts down.  fault.c decides what a worker's death,
 * hang or broken protocol means for the tasks it held.  Both work on the
 * structs below; nothing outside src/pool sees them (pool.h keeps struct
 * pool opaque).
 */
#ifndef IMGOPT_POOL_INTERNAL_H
#define IMGOPT_POOL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pool.h"
#include "slot.h"
#include "job.h"

#define POOL_MSG_MAX 1024
#define POOL_ERR_MAX 768

/* One slot and the tasks sent to its worker. */
struct pool_worker {
	struct pool *pool;
	int index;
	struct slot slot;
	struct pool_job_list q;	/* sent to this worker, head = in progress */
	uint64_t head_since_ns; /* the head's deadline counts from here */
	uint64_t busy_since_ns;
	uint64_t deadline;	/* timer for the head's deadline */
	uint64_t done_here;	/* replies from this process */
};

struct pool {
	struct loop *loop;
	struct pool_config cfg;
	char **argv;		/* our copy of cfg.worker_argv */
	struct pool_worker *workers;
	struct pool_worker_stats *wstats;
	struct pool_job_list pending;
	size_t held;		/* pulled and not reported yet */

	bool in_run;		/* task callbacks allowed */
	bool source_done;	/* next_task() returned -1 */
	bool source_waiting;	/* next_task() returned 0, no wake since */
	bool cancel_requested;
	bool cancel_started;
	bool fatal;
	bool freeing;
	int start_failures;	/* deaths before READY since the last READY */
	int idle_deaths;	/* deaths of workers that never did a task,
				   since the last reply */

	uint64_t wake_timer;
	uint64_t cancel_timer;
	uint64_t grace_timer;

	uint64_t tasks_submitted;
	uint64_t retries;
	uint64_t deaths;
	uint64_t timeouts;
	uint64_t started_ns;

	char error[POOL_ERR_MAX];
	char msg[POOL_MSG_MAX];	/* the message of the outcome being built */
};

/* pool.c, for fault.c: */

/* Hand t's outcome to the caller (the only path to task_done()) and free
 * t, which must be in no list.
 */
void pool_report(struct pool *pool, struct pool_job *t,
		 enum pool_outcome_kind kind, const char *message,
		 const void *payload, size_t len);

/* The message for outcomes that did not come from a worker's reply:
 * "cancelled", or the error the pool gave up with.
 */
const char *pool_cancel_message(const struct pool *pool);

/* Dispatch while a worker has room. */
void pool_fill(struct pool *pool);

/* Give up: record the error and cancel with no grace. */
void pool_fail(struct pool *pool, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif

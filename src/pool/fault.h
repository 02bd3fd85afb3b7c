/* fault.h: what goes wrong with a worker, and what it means for the tasks
 * it held (internal to src/pool).
 *
 * The per-task deadline, a death, a reply out of turn, a start-up that
 * never says READY: the worker is killed or reaped, the task it was
 * working on is retried once on another worker, timed out or cancelled,
 * the tasks queued behind it go back to the pending queue, and the slot is
 * respawned, unless workers keep dying before doing any work, when the pool
 * gives up (pool_fail()).  Kept apart from pool.c so that dispatch reads
 * as the happy path and every failure rule is in one place.
 */
#ifndef IMGOPT_FAULT_H
#define IMGOPT_FAULT_H

#include <stdbool.h>

struct pool_worker;

enum fail_kind {
	FAIL_CRASH,	/* head: retry once, then CRASHED */
	FAIL_TIMEOUT,	/* head: TIMED_OUT */
	FAIL_CANCEL,	/* all: CANCELLED */
};

/* Start a new process in the worker's slot (see slot_spawn()). */
int pool_worker_spawn(struct pool_worker *w);

/* SIGKILL the worker and stop talking to it; its tasks are the caller's
 * to settle.  The reap respawns.
 */
void pool_worker_kill(struct pool_worker *w, const char *reason);

/* Arm the deadline timer for the head task if none is armed. */
void pool_worker_arm_deadline(struct pool_worker *w);

/* Disarm the head task's deadline. */
void pool_worker_cancel_deadline(struct pool_worker *w);

/* Take all tasks off a worker that is gone or being killed: the head as
 * kind says, the others back to the front of the pending queue.
 */
void pool_worker_fail_tasks(struct pool_worker *w, enum fail_kind kind,
		       const char *msg);

/* The slot_ops callbacks about the worker's life (slot.h); pool.c's
 * struct slot_ops joins them with the reply and events callbacks.
 */
void pool_worker_on_ready(void *ctx);
void pool_worker_on_broken(void *ctx, const char *reason);
void pool_worker_on_exited(void *ctx, int status, bool killed);

#endif

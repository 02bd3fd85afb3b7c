/* fault.c: deadlines, deaths, retry-once, respawn and giving up (fault.h).
 *
 * A death is settled when the slot reports the reap (pool_worker_on_exited()),
 * after the slot has delivered every reply the worker sent before dying,
 * so the task blamed is the one the worker was really working on: the
 * head of its queue, since a worker answers in order.  A worker the pool
 * kills itself (time-out, broken protocol, cancel) has its tasks settled
 * at the kill, and its reap only respawns.
 */
#include "fault.h"

#include "base/clock.h"
#include "base/loop.h"
#include "pool_internal.h"
#include "proto.h"

#include <stdio.h>
#include <sys/wait.h>

/* Deaths before READY, in a row across all slots, before giving up. */
#define POOL_START_FAILURES_MAX 5

static void pool_worker_on_deadline(struct loop *loop, void *ctx);

/* Disarm the head task's deadline. */
void
pool_worker_cancel_deadline(struct pool_worker *w)
{
	if (w->deadline) {
		loop_timer_cancel(w->pool->loop, w->deadline);
		w->deadline = 0;
	}
}

/* Start a new process in the worker's slot (see slot_spawn()). */
int
pool_worker_spawn(struct pool_worker *w)
{
	w->done_here = 0;
	return slot_spawn(&w->slot, w->pool->error, sizeof(w->pool->error));
}

/* SIGKILL the worker and stop talking to it; its tasks are the caller's
 * to settle.  The reap respawns.
 */
void
pool_worker_kill(struct pool_worker *w, const char *reason)
{
	pool_worker_cancel_deadline(w);
	slot_kill(&w->slot, reason);
}

/* Arm the deadline timer for the head task if none is armed.  A timer
 * armed for an earlier head fires early and re-arms (pool_worker_on_deadline),
 * which saves a cancel and a new timer per task.
 */
void
pool_worker_arm_deadline(struct pool_worker *w)
{
	struct pool *pool = w->pool;
	uint64_t now, deadline, ms;

	if (!pool->cfg.task_timeout_ms || w->deadline || !w->q.head)
		return;
	now = clock_now_ns();
	deadline = w->head_since_ns + pool->cfg.task_timeout_ms * 1000000u;
	ms = deadline > now ? (deadline - now + 999999u) / 1000000u : 0;
	w->deadline = loop_timer(pool->loop, ms, pool_worker_on_deadline, w);
}

/* Take all tasks off a worker that is gone or being killed: the head
 * (the task it was working on) as kind says, the others back to the front
 * of the pending queue as if never sent.  msg: the head's message.
 */
void
pool_worker_fail_tasks(struct pool_worker *w, enum fail_kind kind, const char *msg)
{
	struct pool *pool = w->pool;
	struct pool_job_list back = { 0 };
	struct pool_job_list cancelled = { 0 };
	struct pool_job *head, *t;
	enum pool_outcome_kind head_kind = POOL_TASK_CRASHED;
	bool report_head = true;

	if (!w->q.head)
		return;
	pool->wstats[w->index].busy_ns += clock_now_ns() - w->busy_since_ns;
	head = pool_job_list_pop(&w->q);
	if (kind == FAIL_CANCEL ||
	    (kind == FAIL_CRASH && head->attempts < 2 &&
	     pool->cancel_requested)) {
		/* Cancelled, or would have been retried after a cancel. */
		head_kind = POOL_TASK_CANCELLED;
		msg = pool_cancel_message(pool);
	} else if (kind == FAIL_TIMEOUT) {
		head_kind = POOL_TASK_TIMED_OUT;
	} else if (head->attempts < 2) {
		/* Retry once, first in line, on whichever worker frees up
		 * next: never this process, which is dead.
		 */
		pool->retries++;
		pool_job_list_push(&back, head);
		report_head = false;
	}
	while ((t = pool_job_list_pop(&w->q))) {
		/* Innocent: it never ran, so this dispatch does not count. */
		t->attempts--;
		if (kind == FAIL_CANCEL || pool->cancel_requested)
			pool_job_list_push(&cancelled, t);
		else
			pool_job_list_push(&back, t);
	}
	/* Lists first, callbacks after: the caller sees a settled pool. */
	pool_job_list_prepend(&pool->pending, &back);
	if (report_head)
		pool_report(pool, head, head_kind, msg, NULL, 0);
	while ((t = pool_job_list_pop(&cancelled)))
		pool_report(pool, t, POOL_TASK_CANCELLED,
			    pool_cancel_message(pool), NULL, 0);
}

/* A worker died or was killed before READY (status: its wait status, or
 * -1 when the pool killed it): after a few in a row, and at once for
 * PROTO_EXIT_FATAL, give up instead of respawning forever.
 */
static void
pool_start_failed(struct pool *pool, int status, const char *msg)
{
	pool->start_failures++;
	if (status != -1 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == PROTO_EXIT_FATAL)
		pool_fail(pool, "worker cannot start: %s", msg);
	else if (pool->start_failures >= POOL_START_FAILURES_MAX)
		pool_fail(pool,
			  "workers keep dying before they are ready (%d in a "
			  "row): %s",
			  pool->start_failures, msg);
}

/* slot_ops: the worker said READY. */
void
pool_worker_on_ready(void *ctx)
{
	struct pool_worker *w = ctx;

	w->pool->start_failures = 0;
}

/* slot_ops: the worker broke the protocol, or hung in its start-up: kill
 * it and treat it as a crash of its head task.
 */
void
pool_worker_on_broken(void *ctx, const char *reason)
{
	struct pool_worker *w = ctx;
	struct pool *pool = w->pool;

	pool_worker_kill(w, reason);
	/* The first reason it was killed for: a worker that closed its
	 * socket and lingered was killed for that before it timed out.
	 */
	if (!w->slot.ready_seen)
		pool_start_failed(pool, -1, w->slot.kill_reason);
	snprintf(pool->msg, sizeof(pool->msg), "%s", reason);
	pool_worker_fail_tasks(w, FAIL_CRASH, pool->msg);
}

/* slot_ops: the worker's process has been reaped (status, or -1 when
 * someone else reaped it).  Settle its tasks and respawn.
 */
void
pool_worker_on_exited(void *ctx, int status, bool killed)
{
	struct pool_worker *w = ctx;
	struct pool *pool = w->pool;

	pool_worker_cancel_deadline(w);
	if (!pool->freeing)
		pool->deaths++;
	/* Killed: the pool settled its tasks when it killed it. */
	if (!killed) {
		const char *msg = slot_death_message(&w->slot, status,
						     pool->msg,
						     sizeof(pool->msg));

		if (!w->slot.ready_seen) {
			pool_start_failed(pool, status, msg);
		} else if (!w->q.head && !w->done_here &&
			   ++pool->idle_deaths >= POOL_START_FAILURES_MAX) {
			/* READY, then dead with nothing to blame, again
			 * and again: as hopeless as dying before READY.
			 */
			pool_fail(pool,
				  "workers keep dying before doing any work "
				  "(%d in a row): %s",
				  pool->idle_deaths, msg);
		}
		pool_worker_fail_tasks(w, FAIL_CRASH, msg);
	}
	if (pool->fatal || pool->cancel_requested || pool->freeing)
		return;
	if (pool_worker_spawn(w) < 0)
		pool_fail(pool, "%s", pool->error);
}

/* Format a duration in ms the way messages show it: "120 s", "300 ms",
 * "1.5 s".
 */
static void
pool_format_ms(char *buf, size_t size, uint64_t ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, size, "%llu s", (unsigned long long)(ms / 1000));
	else if (ms < 1000)
		snprintf(buf, size, "%llu ms", (unsigned long long)ms);
	else
		snprintf(buf, size, "%.1f s", (double)ms / 1000.0);
}

/* The head task's deadline: re-arm if it was armed for an earlier head,
 * else kill the worker and report the head TIMED_OUT.
 */
static void
pool_worker_on_deadline(struct loop *loop, void *ctx)
{
	struct pool_worker *w = ctx;
	struct pool *pool = w->pool;
	uint64_t now = clock_now_ns();
	char dur[32];

	(void)loop;
	w->deadline = 0;
	if (w->slot.state != SLOT_READY || !w->q.head ||
	    !pool->cfg.task_timeout_ms)
		return;
	if (now - w->head_since_ns < pool->cfg.task_timeout_ms * 1000000u) {
		pool_worker_arm_deadline(w);
		return;
	}
	pool->timeouts++;
	pool_format_ms(dur, sizeof(dur), pool->cfg.task_timeout_ms);
	pool_worker_kill(w, "timed out");
	snprintf(pool->msg, sizeof(pool->msg), "timed out after %s", dur);
	pool_worker_fail_tasks(w, FAIL_TIMEOUT, pool->msg);
	pool_fill(pool);
}

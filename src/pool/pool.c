/* pool.c: a fixed set of persistent worker processes fed over socketpairs
 * (pool.h).  Mechanism only: dispatch, deadlines, death, retry-once,
 * respawn and shutdown; the caller decides what a task and a reply mean.
 * One worker process and its socket are a slot (slot.c); this file owns
 * the tasks (task.c): it pulls them, dispatches them, reports them, cancels
 * and shuts down.  What a death, a time-out or a broken worker means for
 * them is fault.c's.
 *
 * Each worker holds one slot and the queue of tasks sent to it, oldest
 * first; the worker answers in order, so the head of the queue is the task
 * it is working on and the one blamed when it dies.  Tasks pulled from the
 * caller but not on a worker wait in the pending queue: only tasks taken
 * back from a dead worker ever do, because next_task() is called only when
 * a slot has room.
 *
 * SIGCHLD is the pool's (one pool per loop): it asks each slot to reap.
 *
 * Every path that ends a task goes through pool_report(), which is the one
 * place that calls task_done(), and a task is in exactly one list (pending
 * or one worker's queue) until it is reported: that is what makes "exactly
 * once" hold through crashes, timeouts, cancel and pool_free().  The
 * callbacks may only call pool_wake() and pool_cancel(), which set flags
 * and arm zero-delay timers, so no pool state changes under our feet while
 * a callback runs.
 */
#include "pool.h"

#include "base/clock.h"
#include "base/loop.h"
#include "fault.h"
#include "pool_internal.h"
#include "proto.h"
#include "slot.h"
#include "job.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* pool_free(): how long idle workers get to obey QUIT. */
#define POOL_QUIT_GRACE_MS 1000

static void pool_on_grace(struct loop *loop, void *ctx);

/* Hand the outcome of t to the caller: the only caller of task_done().
 * t must be in no list; pool_report() also frees it.
 */
static void
pool_report_raw(struct pool *pool, const struct pool_job *t,
		enum pool_outcome_kind kind, const char *message,
		const void *payload, size_t len)
{
	struct pool_outcome o;

	memset(&o, 0, sizeof(o));
	o.id = t->id;
	o.kind = kind;
	o.payload = payload;
	o.len = len;
	o.message = message;
	o.attempts = t->attempts;
	o.worker = t->worker;
	o.submit_ns = t->submit_ns;
	o.dispatch_ns = t->dispatch_ns;
	o.reply_ns = clock_now_ns();
	pool->held--;
	pool->cfg.task_done(pool->cfg.ctx, &o);
}

/* Report t (see pool_report_raw) and free it. */
void
pool_report(struct pool *pool, struct pool_job *t, enum pool_outcome_kind kind,
	    const char *message, const void *payload, size_t len)
{
	pool_report_raw(pool, t, kind, message, payload, len);
	pool_job_free(t);
}

/* The message for outcomes that did not come from a worker's reply. */
const char *
pool_cancel_message(const struct pool *pool)
{
	return pool->fatal ? pool->error : "cancelled";
}

/* Report every pending task as cancelled. */
static void
pool_cancel_pending(struct pool *pool)
{
	struct pool_job *t;

	while ((t = pool_job_list_pop(&pool->pending)))
		pool_report(pool, t, POOL_TASK_CANCELLED,
			    pool_cancel_message(pool), NULL, 0);
}


/* slot_ops: a reply, which must be for the task in progress. */
static void
pool_worker_on_result(void *ctx, uint64_t id, const void *payload, size_t len)
{
	struct pool_worker *w = ctx;
	struct pool *pool = w->pool;
	struct pool_job *t = w->q.head;
	uint64_t now;

	if (w->slot.state != SLOT_READY || !t || t->id != id) {
		pool_worker_on_broken(w, "worker replied to a task it was not "
				    "given");
		return;
	}
	pool_job_list_pop(&w->q);
	now = clock_now_ns();
	pool->wstats[w->index].tasks_done++;
	w->done_here++;
	pool->idle_deaths = 0;
	if (!w->q.head)
		pool->wstats[w->index].busy_ns += now - w->busy_since_ns;
	w->head_since_ns = now;
	pool_worker_arm_deadline(w);
	pool_report(pool, t, POOL_TASK_DONE, NULL, payload, len);
}


/* slot_ops: socket events handled; a worker may have room now. */
static void
pool_worker_on_events_done(void *ctx)
{
	struct pool_worker *w = ctx;

	pool_fill(w->pool);
}

static const struct slot_ops pool_worker_slot_ops = {
	.ready = pool_worker_on_ready,
	.result = pool_worker_on_result,
	.broken = pool_worker_on_broken,
	.exited = pool_worker_on_exited,
	.events_done = pool_worker_on_events_done,
};

/* Give t to the worker. */
static void
pool_worker_dispatch(struct pool_worker *w, struct pool_job *t)
{
	uint64_t now = clock_now_ns();

	if (!w->q.head) {
		w->busy_since_ns = now;
		w->head_since_ns = now;
	}
	t->attempts++;
	t->worker = w->index;
	t->dispatch_ns = now;
	pool_job_list_push(&w->q, t);
	pool_worker_arm_deadline(w);
	/* On failure the task stays queued: the worker is dead or dying
	 * and its reap settles the queue like any other death.
	 */
	slot_send(&w->slot, PROTO_TASK, t->id, t->payload, t->len);
}

/* SIGCHLD: reap each of our workers that has ended.  Only our own pids:
 * other children of the process are not ours to reap.
 */
static void
pool_on_sigchld(struct loop *loop, int signo, void *ctx)
{
	struct pool *pool = ctx;

	(void)loop;
	(void)signo;
	for (int i = 0; i < pool->cfg.workers; i++)
		slot_reap(&pool->workers[i].slot);
	pool_fill(pool);
}


/* Is the worker ready for one more task? */
static bool
pool_worker_has_room(const struct pool_worker *w)
{
	return slot_can_send(&w->slot) &&
	       w->q.n < (size_t)w->pool->cfg.inflight_per_worker;
}

/* The least loaded worker with room, or NULL. */
static struct pool_worker *
pool_pick_worker(struct pool *pool)
{
	struct pool_worker *best = NULL;

	for (int i = 0; i < pool->cfg.workers; i++) {
		struct pool_worker *w = &pool->workers[i];

		if (pool_worker_has_room(w) && (!best || w->q.n < best->q.n))
			best = w;
	}
	return best;
}

/* Ask the caller for one task.  Returns it, or NULL (none now, no more,
 * or out of memory, in which case the task has been reported).
 */
static struct pool_job *
pool_pull(struct pool *pool)
{
	struct pool_task pt = { 0 };
	struct pool_job *t;
	int rc;

	rc = pool->cfg.next_task(pool->cfg.ctx, &pt);
	if (rc == 0) {
		pool->source_waiting = true;
		return NULL;
	}
	if (rc < 0) {
		pool->source_done = true;
		return NULL;
	}
	pool->tasks_submitted++;
	pool->held++;
	t = pt.len > PROTO_MAX_FRAME ? NULL :
				       pool_job_new(pt.id, pt.payload, pt.len);
	if (!t) {
		/* Still exactly one outcome for this id. */
		struct pool_job tmp = { .id = pt.id, .worker = -1 };

		tmp.submit_ns = clock_now_ns();
		pool_report_raw(pool, &tmp, POOL_TASK_CRASHED,
				pt.len > PROTO_MAX_FRAME ?
					"task too large for the pool" :
					"out of memory in the pool",
				NULL, 0);
		return NULL;
	}
	return t;
}

/* Dispatch while a worker has room: requeued tasks first, then new ones
 * from the caller.
 */
void
pool_fill(struct pool *pool)
{
	if (!pool->in_run)
		return;
	while (!pool->cancel_requested && !pool->fatal) {
		struct pool_worker *w = pool_pick_worker(pool);
		struct pool_job *t;

		if (!w)
			return;
		t = pool_job_list_pop(&pool->pending);
		if (!t) {
			if (pool->source_done || pool->source_waiting)
				return;
			t = pool_pull(pool);
			if (!t)
				continue;
			/* next_task() may have called pool_cancel(). */
			if (pool->cancel_requested) {
				pool_job_list_push(&pool->pending, t);
				return;
			}
		}
		pool_worker_dispatch(w, t);
	}
}

/* Kill the workers that still hold tasks and report those cancelled. */
static void
pool_kill_busy(struct pool *pool)
{
	for (int i = 0; i < pool->cfg.workers; i++) {
		struct pool_worker *w = &pool->workers[i];

		if (!w->q.head)
			continue;
		pool_worker_kill(w, "cancelled");
		pool_worker_fail_tasks(w, FAIL_CANCEL, pool_cancel_message(pool));
	}
}

/* The cancel grace is over: kill the workers still busy. */
static void
pool_on_grace(struct loop *loop, void *ctx)
{
	struct pool *pool = ctx;

	(void)loop;
	pool->grace_timer = 0;
	pool_kill_busy(pool);
}

/* Deferred from pool_cancel() and pool_fail() so that neither runs
 * callbacks from inside a callback.
 */
static void
pool_on_cancel(struct loop *loop, void *ctx)
{
	struct pool *pool = ctx;
	uint64_t grace = pool->fatal ? 0 : pool->cfg.grace_ms;
	bool busy = false;

	(void)loop;
	pool->cancel_timer = 0;
	if (pool->cancel_started)
		return;
	pool->cancel_started = true;
	pool_cancel_pending(pool);
	for (int i = 0; i < pool->cfg.workers; i++)
		if (pool->workers[i].q.head)
			busy = true;
	if (!busy)
		return;
	if (grace)
		pool->grace_timer = loop_timer(pool->loop, grace, pool_on_grace,
					       pool);
	if (!pool->grace_timer)
		pool_kill_busy(pool);
}

/* Give up: record the error and cancel with no grace. */
void
pool_fail(struct pool *pool, const char *fmt, ...)
{
	char buf[POOL_ERR_MAX];
	va_list ap;

	if (pool->fatal)
		return;
	/* fmt's arguments may point into pool->error. */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	memcpy(pool->error, buf, sizeof(buf));
	pool->fatal = true;
	pool_cancel(pool);
	/* A cancel already waiting out its grace: no grace for a pool
	 * that cannot go on.
	 */
	if (pool->grace_timer) {
		loop_timer_cancel(pool->loop, pool->grace_timer);
		pool->grace_timer = loop_timer(pool->loop, 0, pool_on_grace,
					       pool);
	}
}

/* Stop pulling now; the rest happens in pool_on_cancel(). */
void
pool_cancel(struct pool *pool)
{
	if (!pool || pool->cancel_requested)
		return;
	pool->cancel_requested = true;
	pool->cancel_timer = loop_timer(pool->loop, 0, pool_on_cancel, pool);
}

/* Deferred pool_wake(): dispatch from the loop. */
static void
pool_on_wake(struct loop *loop, void *ctx)
{
	struct pool *pool = ctx;

	(void)loop;
	pool->wake_timer = 0;
	pool_fill(pool);
}

/* The caller has a task again: ask from the loop, soon. */
void
pool_wake(struct pool *pool)
{
	if (!pool)
		return;
	pool->source_waiting = false;
	if (!pool->wake_timer)
		pool->wake_timer = loop_timer(pool->loop, 0, pool_on_wake,
					      pool);
}

/* Copy a NULL-terminated argv. */
static char **
pool_copy_argv(char *const *argv)
{
	size_t n = 0;
	char **copy;

	while (argv[n])
		n++;
	copy = calloc(n + 1, sizeof(*copy));
	if (!copy)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		copy[i] = strdup(argv[i]);
		if (!copy[i]) {
			while (i > 0)
				free(copy[--i]);
			free(copy);
			return NULL;
		}
	}
	return copy;
}

/* Number of slots whose worker said READY. */
static int
pool_ready_count(const struct pool *pool)
{
	int n = 0;

	for (int i = 0; i < pool->cfg.workers; i++)
		if (pool->workers[i].slot.state == SLOT_READY)
			n++;
	return n;
}

/* Validate, spawn every slot, wait for every READY. */
struct pool *
pool_new(struct loop *loop, const struct pool_config *cfg, char *err,
	 size_t err_size)
{
	struct pool *pool;

	if (!loop || !cfg || !cfg->worker_argv || !cfg->worker_argv[0] ||
	    cfg->workers < 1 || cfg->inflight_per_worker < 1 ||
	    !cfg->next_task || !cfg->task_done) {
		snprintf(err, err_size, "invalid pool configuration");
		return NULL;
	}
	pool = calloc(1, sizeof(*pool));
	if (!pool) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	pool->loop = loop;
	pool->cfg = *cfg;
	/* Keep ms * 1e6 in range. */
	if (pool->cfg.task_timeout_ms > UINT64_MAX / 4000000u)
		pool->cfg.task_timeout_ms = UINT64_MAX / 4000000u;
	pool->started_ns = clock_now_ns();
	pool->argv = pool_copy_argv(cfg->worker_argv);
	pool->workers = calloc((size_t)cfg->workers, sizeof(*pool->workers));
	pool->wstats = calloc((size_t)cfg->workers, sizeof(*pool->wstats));
	if (!pool->argv || !pool->workers || !pool->wstats) {
		snprintf(err, err_size, "out of memory");
		pool->cfg.workers = pool->workers ? cfg->workers : 0;
		pool_free(pool);
		return NULL;
	}
	pool->cfg.worker_argv = pool->argv;
	for (int i = 0; i < cfg->workers; i++) {
		struct pool_worker *w = &pool->workers[i];

		w->pool = pool;
		w->index = i;
		slot_init(&w->slot, loop, pool->argv, &pool->wstats[i],
			  &pool_worker_slot_ops, w);
	}
	/* Before the first spawn, so no death goes unnoticed. */
	if (loop_on_signal(loop, SIGCHLD, pool_on_sigchld, pool) < 0) {
		snprintf(err, err_size, "cannot watch SIGCHLD: %s",
			 strerror(errno));
		pool_free(pool);
		return NULL;
	}
	for (int i = 0; i < cfg->workers; i++)
		if (pool_worker_spawn(&pool->workers[i]) < 0) {
			pool_fail(pool, "%s", pool->error);
			break;
		}
	while (!pool->fatal && pool_ready_count(pool) < cfg->workers)
		if (loop_run_once(loop, -1) < 0) {
			pool_fail(pool, "poll failed: %s", strerror(errno));
			break;
		}
	if (pool->fatal) {
		snprintf(err, err_size, "%s", pool->error);
		pool_free(pool);
		return NULL;
	}
	return pool;
}

/* All tasks reported and nothing more to come? */
static bool
pool_finished(const struct pool *pool)
{
	if (pool->held)
		return false;
	return pool->cancel_started ||
	       (pool->source_done && !pool->cancel_requested);
}

/* Dispatch and wait until every task has its outcome. */
int
pool_run(struct pool *pool)
{
	int rc = 0;

	pool->in_run = true;
	pool_fill(pool);
	while (!pool_finished(pool))
		if (loop_run_once(pool->loop, -1) < 0) {
			pool_fail(pool, "poll failed: %s", strerror(errno));
			rc = -1;
			break;
		}
	pool->in_run = false;
	return pool->fatal ? -1 : rc;
}

/* Copy the counters; per-worker figures stay pool-owned. */
void
pool_get_stats(const struct pool *pool, struct pool_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	stats->workers = pool->cfg.workers;
	stats->worker = pool->wstats;
	stats->tasks_submitted = pool->tasks_submitted;
	stats->retries = pool->retries;
	stats->deaths = pool->deaths;
	stats->timeouts = pool->timeouts;
	stats->started_ns = pool->started_ns;
}

/* The fatal error, or "". */
const char *
pool_error(const struct pool *pool)
{
	return pool->error;
}

/* Pids of the workers starting or ready. */
int
pool_worker_pids(const struct pool *pool, int *pids, int max)
{
	int n = 0;

	for (int i = 0; i < pool->cfg.workers && n < max; i++) {
		const struct slot *s = &pool->workers[i].slot;

		if (s->pid > 0 && (s->state == SLOT_STARTING ||
				   s->state == SLOT_READY))
			pids[n++] = (int)s->pid;
	}
	return n;
}

/* Stop every worker and reap it: QUIT to the idle ones, SIGKILL to the
 * busy ones and to whoever has not gone after the grace.
 */
static void
pool_stop_workers(struct pool *pool)
{
	uint64_t deadline = clock_now_ns() +
			    (uint64_t)POOL_QUIT_GRACE_MS * 1000000u;
	long nap_us = 200;

	for (int i = 0; i < pool->cfg.workers; i++) {
		struct pool_worker *w = &pool->workers[i];

		pool_worker_cancel_deadline(w);
		slot_stop(&w->slot, w->q.head != NULL);
	}
	for (;;) {
		struct timespec ts;
		bool left = false;

		for (int i = 0; i < pool->cfg.workers; i++)
			if (!slot_gone(&pool->workers[i].slot))
				left = true;
		if (!left || clock_now_ns() >= deadline)
			break;
		ts.tv_sec = 0;
		ts.tv_nsec = nap_us * 1000;
		nanosleep(&ts, NULL);
		if (nap_us < 10000)
			nap_us *= 2;
	}
	for (int i = 0; i < pool->cfg.workers; i++)
		slot_kill_wait(&pool->workers[i].slot);
}

/* Report what is still held, stop and reap the workers, free. */
void
pool_free(struct pool *pool)
{
	struct pool_job *t;

	if (!pool)
		return;
	pool->freeing = true;
	pool->cancel_requested = true;
	/* Tasks still held (pool_run() left early) get their one outcome;
	 * their workers would only finish them for nothing.
	 */
	if (pool->workers) {
		for (int i = 0; i < pool->cfg.workers; i++) {
			struct pool_worker *w = &pool->workers[i];

			if (!w->q.head)
				continue;
			pool_worker_kill(w, "cancelled");
			while ((t = pool_job_list_pop(&w->q)))
				pool_job_list_push(&pool->pending, t);
		}
	}
	pool_cancel_pending(pool);
	if (pool->wake_timer)
		loop_timer_cancel(pool->loop, pool->wake_timer);
	if (pool->cancel_timer)
		loop_timer_cancel(pool->loop, pool->cancel_timer);
	if (pool->grace_timer)
		loop_timer_cancel(pool->loop, pool->grace_timer);
	if (pool->workers) {
		pool_stop_workers(pool);
		for (int i = 0; i < pool->cfg.workers; i++)
			slot_release(&pool->workers[i].slot);
	}
	loop_on_signal(pool->loop, SIGCHLD, NULL, NULL);
	if (pool->argv) {
		for (size_t i = 0; pool->argv[i]; i++)
			free(pool->argv[i]);
		free(pool->argv);
	}
	free(pool->workers);
	free(pool->wstats);
	free(pool);
}

/* pool.h: the process pool.  Mechanism only (git run-command's idea):
 * worker slots, framing, dispatch, per-task deadlines, death, retry-once,
 * respawn and shutdown.  It never includes libvips, never decides paths or
 * settings, never touches output files and never prints.
 *
 * The parent owns a fixed number of persistent worker processes, each
 * spawned once (posix_spawn of cfg.worker_argv with its end of a socketpair
 * on fd 3) and fed task after task over a small framed protocol (proto.h).
 * Tasks are *pulled*: whenever a slot has room the pool calls
 * cfg.next_task(), so the caller keeps only a bounded window of tasks in
 * memory.  Every outcome comes back through cfg.task_done(), exactly once
 * per task.
 *
 * Everything runs in the caller's thread, inside the loop (loop.h) the pool
 * was created on: no threads, one poll().
 */
#ifndef IMGOPT_POOL_H
#define IMGOPT_POOL_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct pool;

/* What became of a task. */
enum pool_outcome_kind {
	POOL_TASK_DONE = 0,   /* the worker replied; see payload */
	POOL_TASK_CRASHED,    /* its worker died (twice, after the retry) */
	POOL_TASK_TIMED_OUT,  /* ran past cfg.task_timeout_ms; worker killed */
	POOL_TASK_CANCELLED,  /* pool_cancel() before it finished */
};

struct pool_outcome {
	uint64_t id;			 /* as given by next_task */
	enum pool_outcome_kind kind;
	const void *payload;		 /* the worker's reply (DONE only); */
	size_t len;			 /*   valid during the callback only */
	/* For CRASHED / TIMED_OUT: a lowercase message without the file
	 * name, e.g. "worker killed by signal 11 (SIGSEGV)", "timed out after
	 * 120 s", with the worker's last words appended when it sent any
	 * ("worker killed by signal 5 (SIGTRAP): failed to allocate ...").
	 * CANCELLED: "cancelled", or pool_error() when the pool gave up.
	 * NULL for DONE.  Valid during the callback only.
	 */
	const char *message;
	/* Workers that ran it: 1, or 2 after a retry.  Being sent back
	 * from a worker that died on an earlier task does not count.  0
	 * when it was cancelled before any dispatch.
	 */
	int attempts;
	int worker;			 /* slot index of the last worker, or
					    -1 when never dispatched */
	/* Monotonic timestamps, ns (clock.h).  dispatch_ns is the last
	 * dispatch (after a retry: the second one).
	 */
	uint64_t submit_ns;		 /* next_task handed it over */
	uint64_t dispatch_ns;		 /* frame written to the worker (0 when
					    never dispatched) */
	uint64_t reply_ns;		 /* reply frame read (or death seen) */
};

/* A task handed over by next_task().  The pool copies the payload. */
struct pool_task {
	uint64_t id;
	const void *payload;
	size_t len;
};

struct pool_config {
	/* Worker command, NULL-terminated; run with its socket on fd 3 and
	 * "--parent-pid N" appended.  Tests substitute a fake worker.
	 */
	char *const *worker_argv;
	int workers;		   /* >= 1 */
	int inflight_per_worker;   /* tasks queued per worker, >= 1 */
	uint64_t task_timeout_ms;  /* 0 = none; per task, from dispatch */
	uint64_t grace_ms;	   /* pool_cancel(): wait this long, then kill */
	void *ctx;		   /* passed to the callbacks */
	/* Return 1 with *task filled, 0 when no task is ready now (call
	 * pool_wake() when one is), or -1 when there will be no more.
	 */
	int (*next_task)(void *ctx, struct pool_task *task);
	/* Called once per task, from within pool_run() (or pool_free() for
	 * tasks still held when pool_run() was left early).  The callbacks
	 * may call pool_wake() and pool_cancel(), nothing else of the pool.
	 */
	void (*task_done)(void *ctx, const struct pool_outcome *outcome);
};

/* Per-worker figures for the benchmark. */
struct pool_worker_stats {
	uint64_t busy_ns;	/* time with at least one task dispatched */
	uint64_t tasks_done;	/* replies received */
	uint64_t respawns;	/* replacements started for this slot */
	uint64_t spawn_ready_ns;/* last spawn -> READY frame */
};

struct pool_stats {
	int workers;
	const struct pool_worker_stats *worker; /* [workers], owned by pool */
	uint64_t tasks_submitted;
	uint64_t retries;
	uint64_t deaths;
	uint64_t timeouts;
	uint64_t started_ns;	/* pool_new() */
};

/* Spawn the workers and wait for each READY frame.  Returns NULL with a
 * message in err when workers cannot start (e.g. the binary is missing,
 * or they die before READY 5 times in a row).  cfg is copied, argv too.
 * The pool takes the loop's SIGCHLD callback (one pool per loop) and
 * reaps only its own children.
 */
struct pool *pool_new(struct loop *loop, const struct pool_config *cfg,
		      char *err, size_t err_size);

/* Run the loop until next_task() returned -1 and every task has had its
 * task_done(), or until pool_cancel() has finished.  Returns 0, or -1 when
 * workers keep dying before READY (error text via pool_error()); then
 * every task held has been reported CANCELLED.
 */
int pool_run(struct pool *pool);

/* A task may be ready now: call next_task() again when a slot has room.
 * For callers whose next_task() returned 0.
 */
void pool_wake(struct pool *pool);

/* Stop dispatching; let tasks in flight finish within cfg.grace_ms, then
 * kill their workers.  Tasks never dispatched or killed get
 * POOL_TASK_CANCELLED.  Safe to call from a loop callback, twice.
 */
void pool_cancel(struct pool *pool);

void pool_get_stats(const struct pool *pool, struct pool_stats *stats);
/* Why pool_new() or pool_run() failed; "" when nothing failed. */
const char *pool_error(const struct pool *pool);

/* Pids of live workers, for tests and diagnostics; returns the count. */
int pool_worker_pids(const struct pool *pool, int *pids, int max);

/* Tell workers to quit, wait for them (SIGKILL after a short grace), free.
 * Busy workers are killed at once and their tasks reported CANCELLED.
 * Every child is reaped before it returns.  Accepts NULL.
 */
void pool_free(struct pool *pool);

#endif

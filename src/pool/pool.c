/* pool.c: a fixed set of persistent worker processes fed over socketpairs
 * (pool.h).  Mechanism only: slots, dispatch, deadlines, death, retry-once,
 * respawn and shutdown; the caller decides what a task and a reply mean.
 *
 * Each slot holds one process and the queue of tasks sent to it, oldest
 * first; the worker answers in order, so the head of the queue is the task
 * it is working on and the one blamed when it dies.  Tasks pulled from the
 * caller but not on a worker wait in the pending queue: only tasks taken
 * back from a dead worker ever do, because next_task() is called only when
 * a slot has room.
 *
 * A death is seen twice (DESIGN.md): EOF on the socket, and SIGCHLD turned
 * into a loop callback that reaps each pid with WNOHANG.  The reap settles
 * the slot, because only the wait status can say "killed by signal 11";
 * EOF only stops reading (and, if the process lingers, kills it).  Before
 * settling, the socket is drained: a worker that replied and then crashed
 * on its next task has its reply delivered, not lost.
 *
 * Every path that ends a task goes through pool_report(), which is the one
 * place that calls task_done(), and a task is in exactly one list (pending
 * or one slot's queue) until it is reported: that is what makes "exactly
 * once" hold through crashes, timeouts, cancel and pool_free().  The
 * callbacks may only call pool_wake() and pool_cancel(), which set flags
 * and arm zero-delay timers, so no pool state changes under our feet while
 * a callback runs.
 */
#include "pool.h"

#include "base/clock.h"
#include "base/loop.h"
#include "proto.h"
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Deaths before READY, in a row across all slots, before giving up. */
#define POOL_START_FAILURES_MAX 5
/* A worker that has not said READY by then is hung in its start-up. */
#define POOL_READY_TIMEOUT_MS 10000
/* A worker that closed its socket but has not exited by then is killed;
 * then its reap is polled for, in case SIGCHLD never comes (someone reset
 * the handler).
 */
#define POOL_EOF_KILL_MS 1000
#define POOL_REAP_POLL_MS 50
/* pool_free(): how long idle workers get to obey QUIT. */
#define POOL_QUIT_GRACE_MS 1000
#define POOL_LAST_WORDS_MAX 512
#define POOL_MSG_MAX 1024
#define POOL_ERR_MAX 768

enum slot_state {
	SLOT_EMPTY,	/* no process */
	SLOT_STARTING,	/* spawned, waiting for its READY frame */
	SLOT_READY,	/* takes tasks */
	SLOT_DYING,	/* killed by the pool, tasks already settled; waiting
			   for the reap */
};

struct task {
	struct task *next;
	uint64_t id;
	void *payload;
	size_t len;
	int attempts;		/* dispatches that counted */
	int worker;		/* last slot, -1 before any */
	uint64_t submit_ns;
	uint64_t dispatch_ns;
};

struct task_list {
	struct task *head;
	struct task *tail;
	size_t n;
};

struct slot {
	struct pool *pool;
	int index;
	enum slot_state state;
	pid_t pid;		/* 0 when there is no unreaped process */
	int fd;			/* parent's end, -1 when closed */
	bool write_failed;	/* peer gone: read what is left, send nothing */
	bool ready_seen;	/* this process sent READY */
	uint64_t done_here;	/* replies from this process */
	struct proto_reader *rd;

	/* Frame bytes the socket did not take yet. */
	unsigned char *out;
	size_t out_off, out_len, out_cap;

	struct task_list q;	/* sent to this worker, head = in progress */
	uint64_t head_since_ns; /* the head's deadline counts from here */
	uint64_t busy_since_ns;

	uint64_t timer;		/* READY deadline or the head's deadline */
	uint64_t eof_timer;
	uint64_t spawn_ns;
	const char *kill_reason; /* why the pool killed it, for the message */
	char last_words[POOL_LAST_WORDS_MAX];
};

struct pool {
	struct loop *loop;
	struct pool_config cfg;
	char **argv;		/* our copy of cfg.worker_argv */
	struct slot *slots;
	struct pool_worker_stats *wstats;
	struct task_list pending;
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

enum fail_kind {
	FAIL_CRASH,	/* head: retry once, then CRASHED */
	FAIL_TIMEOUT,	/* head: TIMED_OUT */
	FAIL_CANCEL,	/* all: CANCELLED */
};

static void pool_fill(struct pool *pool);
static void slot_on_io(struct loop *loop, int fd, int events, void *ctx);
static void slot_on_deadline(struct loop *loop, void *ctx);
static void slot_on_eof_timer(struct loop *loop, void *ctx);
static void pool_on_grace(struct loop *loop, void *ctx);
static void pool_fail(struct pool *pool, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append t to l. */
static void
task_list_push(struct task_list *l, struct task *t)
{
	t->next = NULL;
	if (l->tail)
		l->tail->next = t;
	else
		l->head = t;
	l->tail = t;
	l->n++;
}

/* Remove and return the first task of l, or NULL. */
static struct task *
task_list_pop(struct task_list *l)
{
	struct task *t = l->head;

	if (!t)
		return NULL;
	l->head = t->next;
	if (!l->head)
		l->tail = NULL;
	l->n--;
	t->next = NULL;
	return t;
}

/* Put all of src in front of dst, keeping src's order; src ends empty. */
static void
task_list_prepend(struct task_list *dst, struct task_list *src)
{
	if (!src->head)
		return;
	src->tail->next = dst->head;
	if (!dst->tail)
		dst->tail = src->tail;
	dst->head = src->head;
	dst->n += src->n;
	src->head = src->tail = NULL;
	src->n = 0;
}

/* Free a task and its payload copy. */
static void
task_free(struct task *t)
{
	if (t) {
		free(t->payload);
		free(t);
	}
}

/* Hand the outcome of t to the caller: the only caller of task_done().
 * t must be in no list; pool_report() also frees it.
 */
static void
pool_report_raw(struct pool *pool, const struct task *t,
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
static void
pool_report(struct pool *pool, struct task *t, enum pool_outcome_kind kind,
	    const char *message, const void *payload, size_t len)
{
	pool_report_raw(pool, t, kind, message, payload, len);
	task_free(t);
}

/* The message for outcomes that did not come from a worker's reply. */
static const char *
pool_cancel_message(const struct pool *pool)
{
	return pool->fatal ? pool->error : "cancelled";
}

/* Report every pending task as cancelled. */
static void
pool_cancel_pending(struct pool *pool)
{
	struct task *t;

	while ((t = task_list_pop(&pool->pending)))
		pool_report(pool, t, POOL_TASK_CANCELLED,
			    pool_cancel_message(pool), NULL, 0);
}

/* Close the parent's end of the slot's socket. */
static void
slot_close(struct slot *s)
{
	if (s->fd >= 0) {
		loop_unwatch(s->pool->loop, s->fd);
		close(s->fd);
		s->fd = -1;
	}
	s->out_off = s->out_len = 0;
}

/* Disarm the slot's deadline and reap timers. */
static void
slot_cancel_timers(struct slot *s)
{
	if (s->timer) {
		loop_timer_cancel(s->pool->loop, s->timer);
		s->timer = 0;
	}
	if (s->eof_timer) {
		loop_timer_cancel(s->pool->loop, s->eof_timer);
		s->eof_timer = 0;
	}
}

/* Start a process in the slot.  Returns 0, or -1 with pool->error set
 * (the program cannot be run, or out of fds).
 */
static int
slot_spawn(struct slot *s)
{
	struct pool *pool = s->pool;
	/* Before posix_spawn: it returns only after the exec (vfork). */
	uint64_t t0 = clock_now_ns();
	char err[POOL_ERR_MAX];
	int sv[2];
	pid_t pid;

	/* SOCK_STREAM: the worker reads a header then a payload with
	 * blocking reads, which a SEQPACKET socket would truncate.
	 */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(pool->error, sizeof(pool->error),
			 "cannot create a worker socket: %s", strerror(errno));
		return -1;
	}
	/* Only the parent's end is non-blocking: the worker blocks. */
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0) {
		snprintf(pool->error, sizeof(pool->error),
			 "cannot create a worker socket: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	pid = spawn_worker(pool->argv, sv[1], err, sizeof(err));
	close(sv[1]);
	if (pid < 0) {
		snprintf(pool->error, sizeof(pool->error), "%s", err);
		close(sv[0]);
		return -1;
	}
	if (s->spawn_ns)
		pool->wstats[s->index].respawns++;
	s->spawn_ns = t0;
	s->pid = pid;
	s->fd = sv[0];
	s->state = SLOT_STARTING;
	s->write_failed = false;
	s->ready_seen = false;
	s->done_here = 0;
	s->kill_reason = NULL;
	s->last_words[0] = '\0';
	s->out_off = s->out_len = 0;
	proto_reader_free(s->rd);
	s->rd = proto_reader_new();
	if (!s->rd || loop_watch(pool->loop, s->fd, LOOP_READ, slot_on_io,
				 s) < 0) {
		/* The process is ours now: the reap will settle it. */
		kill(s->pid, SIGKILL);
		s->state = SLOT_DYING;
		slot_close(s);
		snprintf(pool->error, sizeof(pool->error),
			 "cannot watch a worker socket: out of memory");
		return -1;
	}
	s->timer = loop_timer(pool->loop, POOL_READY_TIMEOUT_MS,
			      slot_on_deadline, s);
	return 0;
}

/* SIGKILL the slot's process and stop talking to it; its tasks are the
 * caller's to settle.  The reap respawns.
 */
static void
slot_kill(struct slot *s, const char *reason)
{
	if (s->pid > 0)
		kill(s->pid, SIGKILL);
	if (!s->kill_reason)
		s->kill_reason = reason;
	s->state = SLOT_DYING;
	slot_cancel_timers(s);
	slot_close(s);
	/* SIGCHLD normally reaps it; this only matters if it never comes. */
	if (s->pid > 0 && !s->pool->freeing)
		s->eof_timer = loop_timer(s->pool->loop, POOL_EOF_KILL_MS,
					  slot_on_eof_timer, s);
}

/* Arm the deadline timer for the head task if none is armed.  A timer
 * armed for an earlier head fires early and re-arms (slot_on_deadline),
 * which saves a cancel and a new timer per task.
 */
static void
slot_arm_deadline(struct slot *s)
{
	struct pool *pool = s->pool;
	uint64_t now, deadline, ms;

	if (!pool->cfg.task_timeout_ms || s->timer || !s->q.head)
		return;
	now = clock_now_ns();
	deadline = s->head_since_ns + pool->cfg.task_timeout_ms * 1000000u;
	ms = deadline > now ? (deadline - now + 999999u) / 1000000u : 0;
	s->timer = loop_timer(pool->loop, ms, slot_on_deadline, s);
}

/* Take all tasks off a worker that is gone or being killed: the head
 * (the task it was working on) as kind says, the others back to the front
 * of the pending queue as if never sent.  msg: the head's message.
 */
static void
slot_fail_tasks(struct slot *s, enum fail_kind kind, const char *msg)
{
	struct pool *pool = s->pool;
	struct task_list back = { 0 };
	struct task_list cancelled = { 0 };
	struct task *head, *t;
	enum pool_outcome_kind head_kind = POOL_TASK_CRASHED;
	bool report_head = true;

	if (!s->q.head)
		return;
	pool->wstats[s->index].busy_ns += clock_now_ns() - s->busy_since_ns;
	head = task_list_pop(&s->q);
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
		task_list_push(&back, head);
		report_head = false;
	}
	while ((t = task_list_pop(&s->q))) {
		/* Innocent: it never ran, so this dispatch does not count. */
		t->attempts--;
		if (kind == FAIL_CANCEL || pool->cancel_requested)
			task_list_push(&cancelled, t);
		else
			task_list_push(&back, t);
	}
	/* Lists first, callbacks after: the caller sees a settled pool. */
	task_list_prepend(&pool->pending, &back);
	if (report_head)
		pool_report(pool, head, head_kind, msg, NULL, 0);
	while ((t = task_list_pop(&cancelled)))
		pool_report(pool, t, POOL_TASK_CANCELLED,
			    pool_cancel_message(pool), NULL, 0);
}

/* Describe how the slot's process ended, into pool->msg. */
static const char *
slot_death_message(struct slot *s, int status)
{
	struct pool *pool = s->pool;
	char what[256];

	if (s->kill_reason) {
		snprintf(what, sizeof(what), "%s", s->kill_reason);
	} else if (status == -1) {
		snprintf(what, sizeof(what), "worker disappeared");
	} else if (WIFSIGNALED(status)) {
		const char *abbrev = sigabbrev_np(WTERMSIG(status));

		snprintf(what, sizeof(what),
			 "worker killed by signal %d (%s%s)", WTERMSIG(status),
			 abbrev ? "SIG" : "", abbrev ? abbrev : "unknown");
	} else if (WIFEXITED(status)) {
		snprintf(what, sizeof(what), "worker exited with status %d",
			 WEXITSTATUS(status));
	} else {
		snprintf(what, sizeof(what), "worker ended with wait status %d",
			 status);
	}
	if (s->last_words[0])
		snprintf(pool->msg, sizeof(pool->msg), "%s: %s", what,
			 s->last_words);
	else
		snprintf(pool->msg, sizeof(pool->msg), "%s", what);
	return pool->msg;
}

/* A worker died or was killed before READY (status: its wait status, or
 * -1 when the pool killed it): after a few in a row, and at once for
 * POOL_WORKER_EXIT_FATAL, give up instead of respawning forever.
 */
static void
pool_start_failed(struct pool *pool, int status, const char *msg)
{
	pool->start_failures++;
	if (status != -1 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == POOL_WORKER_EXIT_FATAL)
		pool_fail(pool, "worker cannot start: %s", msg);
	else if (pool->start_failures >= POOL_START_FAILURES_MAX)
		pool_fail(pool,
			  "workers keep dying before they are ready (%d in a "
			  "row): %s",
			  pool->start_failures, msg);
}

/* The worker broke the protocol: treat it as a crash of its head task. */
static void
slot_protocol_error(struct slot *s, const char *reason)
{
	struct pool *pool = s->pool;

	if (!s->ready_seen)
		pool_start_failed(pool, -1, reason);
	slot_kill(s, reason);
	snprintf(pool->msg, sizeof(pool->msg), "%s", reason);
	slot_fail_tasks(s, FAIL_CRASH, pool->msg);
}

/* A READY, RESULT or LAST_WORDS frame from the slot's worker. */
static void
slot_frame(struct slot *s, const struct proto_header *h, const void *p)
{
	struct pool *pool = s->pool;
	struct task *t;
	uint64_t now;

	switch (h->type) {
	case PROTO_READY:
		if (s->state != SLOT_STARTING)
			return;
		now = clock_now_ns();
		s->state = SLOT_READY;
		s->ready_seen = true;
		pool->start_failures = 0;
		pool->wstats[s->index].spawn_ready_ns = now - s->spawn_ns;
		if (s->timer) {
			loop_timer_cancel(pool->loop, s->timer);
			s->timer = 0;
		}
		return;
	case PROTO_RESULT:
		t = s->q.head;
		if (s->state != SLOT_READY || !t || t->id != h->id) {
			slot_protocol_error(s, "worker replied to a task it "
					       "was not given");
			return;
		}
		task_list_pop(&s->q);
		now = clock_now_ns();
		pool->wstats[s->index].tasks_done++;
		s->done_here++;
		pool->idle_deaths = 0;
		if (!s->q.head)
			pool->wstats[s->index].busy_ns +=
				now - s->busy_since_ns;
		s->head_since_ns = now;
		slot_arm_deadline(s);
		pool_report(pool, t, POOL_TASK_DONE, NULL, p, h->len);
		return;
	case PROTO_LAST_WORDS: {
		size_t n = h->len < sizeof(s->last_words) - 1 ?
				   h->len :
				   sizeof(s->last_words) - 1;

		memcpy(s->last_words, p, n);
		s->last_words[n] = '\0';
		/* Keep the message on one line. */
		while (n > 0 && (s->last_words[n - 1] == '\n' ||
				 s->last_words[n - 1] == ' '))
			s->last_words[--n] = '\0';
		for (size_t i = 0; i < n; i++)
			if (s->last_words[i] == '\n' ||
			    s->last_words[i] == '\0')
				s->last_words[i] = ' ';
		return;
	}
	default:
		slot_protocol_error(s, "worker sent an unknown frame");
		return;
	}
}

/* Hand every complete frame in the reader to slot_frame(). */
static void
slot_process_frames(struct slot *s)
{
	struct proto_header h;
	const void *p;
	int rc;

	/* A frame may kill the slot (protocol error): stop there. */
	while (s->fd >= 0 && (rc = proto_reader_next(s->rd, &h, &p)) != 0) {
		if (rc < 0) {
			slot_protocol_error(s, "worker sent a malformed frame");
			return;
		}
		slot_frame(s, &h, p);
	}
}

/* EOF or a read error: the worker is going.  Stop reading; the reap
 * settles its tasks with the real cause.
 */
static void
slot_lost(struct slot *s)
{
	slot_close(s);
	if (s->pid <= 0 || s->eof_timer)
		return;
	s->eof_timer = loop_timer(s->pool->loop, POOL_EOF_KILL_MS,
				  slot_on_eof_timer, s);
}

/* Read what the socket has.  Returns 1 after reading some, 0 when there
 * was nothing, -1 once the connection is gone.
 */
static int
slot_read(struct slot *s)
{
	ssize_t n = proto_reader_fill(s->rd, s->fd);

	if (n > 0) {
		slot_process_frames(s);
		return s->fd >= 0 ? 1 : -1;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	/* EOF, or ECONNRESET: Linux reports the peer's close as a reset
	 * when it left unread frames (tasks queued behind a crash), but
	 * only after everything it sent has been read.
	 */
	slot_lost(s);
	return -1;
}

/* The worker cannot take more bytes: drop them, keep reading. */
static void
slot_write_failed(struct slot *s)
{
	s->write_failed = true;
	s->out_off = s->out_len = 0;
	if (s->fd >= 0)
		loop_watch(s->pool->loop, s->fd, LOOP_READ, slot_on_io, s);
}

/* Send what the output buffer holds. */
static void
slot_flush(struct slot *s)
{
	while (s->out_off < s->out_len) {
		ssize_t n = send(s->fd, s->out + s->out_off,
				 s->out_len - s->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			slot_write_failed(s);
			return;
		}
		s->out_off += (size_t)n;
	}
	s->out_off = s->out_len = 0;
	loop_watch(s->pool->loop, s->fd, LOOP_READ, slot_on_io, s);
}

/* Queue one frame to the worker: straight to the socket when nothing is
 * waiting (the usual case), else behind the buffered bytes.  Returns 0,
 * or -1 when the worker is gone or memory ran out.
 */
static int
slot_send(struct slot *s, uint32_t type, uint64_t id, const void *payload,
	  size_t len)
{
	struct proto_header h = { .type = type, .len = (uint32_t)len,
				  .id = id };
	size_t total = sizeof(h) + len;
	size_t done = 0;

	if (s->fd < 0 || s->write_failed)
		return -1;
	if (s->out_off == s->out_len) {
		struct iovec iov[2] = {
			{ .iov_base = &h, .iov_len = sizeof(h) },
			{ .iov_base = (void *)payload, .iov_len = len },
		};
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
		ssize_t n;

		/* MSG_NOSIGNAL: a dead worker is an error here, not a
		 * SIGPIPE for the whole parent.
		 */
		do {
			n = sendmsg(s->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
		} while (n < 0 && errno == EINTR);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			slot_write_failed(s);
			return -1;
		}
		if (n == (ssize_t)total)
			return 0;
		done = n > 0 ? (size_t)n : 0;
		s->out_off = s->out_len = 0;
	}
	if (s->out_len + (total - done) > s->out_cap) {
		size_t cap = s->out_cap ? s->out_cap : 4096;
		unsigned char *b;

		while (cap < s->out_len + (total - done))
			cap *= 2;
		b = realloc(s->out, cap);
		if (!b) {
			slot_write_failed(s);
			return -1;
		}
		s->out = b;
		s->out_cap = cap;
	}
	/* The part of header and payload the socket did not take. */
	if (done < sizeof(h)) {
		memcpy(s->out + s->out_len, (char *)&h + done,
		       sizeof(h) - done);
		s->out_len += sizeof(h) - done;
		done = sizeof(h);
	}
	if (total > done) {
		memcpy(s->out + s->out_len,
		       (const char *)payload + (done - sizeof(h)),
		       total - done);
		s->out_len += total - done;
	}
	loop_watch(s->pool->loop, s->fd, LOOP_READ | LOOP_WRITE, slot_on_io, s);
	return 0;
}

/* Give t to the slot's worker. */
static void
slot_dispatch(struct slot *s, struct task *t)
{
	uint64_t now = clock_now_ns();

	if (!s->q.head) {
		s->busy_since_ns = now;
		s->head_since_ns = now;
	}
	t->attempts++;
	t->worker = s->index;
	t->dispatch_ns = now;
	task_list_push(&s->q, t);
	slot_arm_deadline(s);
	/* On failure the task stays queued: the worker is dead or dying
	 * and its reap settles the queue like any other death.
	 */
	slot_send(s, PROTO_TASK, t->id, t->payload, t->len);
}

/* The process in the slot has been reaped with status (or -1 when
 * someone else reaped it).  Settle its tasks and respawn.
 */
static void
slot_reaped(struct slot *s, int status)
{
	struct pool *pool = s->pool;

	s->pid = 0;
	slot_cancel_timers(s);
	/* What it wrote before dying is all in the socket now: replies
	 * still count, last words still attach.  slot_read() stops at EOF.
	 */
	while (s->fd >= 0 && slot_read(s) > 0)
		;
	slot_close(s);
	if (!pool->freeing)
		pool->deaths++;
	/* SLOT_DYING: the pool killed it and settled its tasks already. */
	if (s->state != SLOT_DYING) {
		const char *msg = slot_death_message(s, status);

		if (!s->ready_seen) {
			pool_start_failed(pool, status, msg);
		} else if (!s->q.head && !s->done_here &&
			   ++pool->idle_deaths >= POOL_START_FAILURES_MAX) {
			/* READY, then dead with nothing to blame, again
			 * and again: as hopeless as dying before READY.
			 */
			pool_fail(pool,
				  "workers keep dying before doing any work "
				  "(%d in a row): %s",
				  pool->idle_deaths, msg);
		}
		slot_fail_tasks(s, FAIL_CRASH, msg);
	}
	s->state = SLOT_EMPTY;
	if (pool->fatal || pool->cancel_requested || pool->freeing)
		return;
	if (slot_spawn(s) < 0)
		pool_fail(pool, "%s", pool->error);
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
	for (int i = 0; i < pool->cfg.workers; i++) {
		struct slot *s = &pool->slots[i];
		int status = 0;
		pid_t r;

		if (s->pid <= 0)
			continue;
		do {
			r = waitpid(s->pid, &status, WNOHANG);
		} while (r < 0 && errno == EINTR);
		if (r == s->pid)
			slot_reaped(s, status);
		else if (r < 0 && errno == ECHILD)
			slot_reaped(s, -1);
	}
	pool_fill(pool);
}

/* Fd callback for a worker socket. */
static void
slot_on_io(struct loop *loop, int fd, int events, void *ctx)
{
	struct slot *s = ctx;

	(void)loop;
	(void)fd;
	if ((events & LOOP_WRITE) && s->fd >= 0)
		slot_flush(s);
	if ((events & LOOP_READ) && s->fd >= 0)
		slot_read(s);
	pool_fill(s->pool);
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

/* The slot's deadline: READY while starting, the head task's when
 * running.
 */
static void
slot_on_deadline(struct loop *loop, void *ctx)
{
	struct slot *s = ctx;
	struct pool *pool = s->pool;
	uint64_t now = clock_now_ns();
	char dur[32];

	(void)loop;
	s->timer = 0;
	if (s->state == SLOT_STARTING) {
		/* Hung in its start-up: a start failure like a death. */
		slot_kill(s, "worker did not become ready in time");
		pool_start_failed(pool, -1, s->kill_reason);
		return;
	}
	if (s->state != SLOT_READY || !s->q.head || !pool->cfg.task_timeout_ms)
		return;
	if (now - s->head_since_ns < pool->cfg.task_timeout_ms * 1000000u) {
		slot_arm_deadline(s);
		return;
	}
	pool->timeouts++;
	pool_format_ms(dur, sizeof(dur), pool->cfg.task_timeout_ms);
	slot_kill(s, "timed out");
	snprintf(pool->msg, sizeof(pool->msg), "timed out after %s", dur);
	slot_fail_tasks(s, FAIL_TIMEOUT, pool->msg);
	pool_fill(pool);
}

/* The socket closed some time ago but the process has not been reaped:
 * kill it if it lingers, and look for its exit ourselves from now on.
 */
static void
slot_on_eof_timer(struct loop *loop, void *ctx)
{
	struct slot *s = ctx;
	struct pool *pool = s->pool;
	int status = 0;
	pid_t r;

	s->eof_timer = 0;
	if (s->pid <= 0)
		return;
	r = waitpid(s->pid, &status, WNOHANG);
	if (r == s->pid || (r < 0 && errno == ECHILD)) {
		slot_reaped(s, r == s->pid ? status : -1);
		pool_fill(pool);
		return;
	}
	if (!s->kill_reason)
		s->kill_reason = "worker closed its connection";
	kill(s->pid, SIGKILL);
	s->eof_timer = loop_timer(loop, POOL_REAP_POLL_MS, slot_on_eof_timer,
				  s);
}

/* Is the slot's worker ready for one more task? */
static bool
slot_has_room(const struct slot *s)
{
	return s->state == SLOT_READY && s->fd >= 0 && !s->write_failed &&
	       s->q.n < (size_t)s->pool->cfg.inflight_per_worker;
}

/* The least loaded worker with room, or NULL. */
static struct slot *
pool_pick_slot(struct pool *pool)
{
	struct slot *best = NULL;

	for (int i = 0; i < pool->cfg.workers; i++) {
		struct slot *s = &pool->slots[i];

		if (slot_has_room(s) && (!best || s->q.n < best->q.n))
			best = s;
	}
	return best;
}

/* Ask the caller for one task.  Returns it, or NULL (none now, no more,
 * or out of memory, in which case the task has been reported).
 */
static struct task *
pool_pull(struct pool *pool)
{
	struct pool_task pt = { 0 };
	struct task *t;
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
	t = calloc(1, sizeof(*t));
	if (t && pt.len > PROTO_MAX_FRAME) {
		free(t);
		t = NULL;
	}
	if (t && pt.len) {
		t->payload = malloc(pt.len);
		if (!t->payload) {
			free(t);
			t = NULL;
		} else {
			memcpy(t->payload, pt.payload, pt.len);
		}
	}
	if (!t) {
		/* Still exactly one outcome for this id. */
		struct task tmp = { .id = pt.id, .worker = -1 };

		tmp.submit_ns = clock_now_ns();
		pool_report_raw(pool, &tmp, POOL_TASK_CRASHED,
				pt.len > PROTO_MAX_FRAME ?
					"task too large for the pool" :
					"out of memory in the pool",
				NULL, 0);
		return NULL;
	}
	t->id = pt.id;
	t->len = pt.len;
	t->worker = -1;
	t->submit_ns = clock_now_ns();
	return t;
}

/* Dispatch while a worker has room: requeued tasks first, then new ones
 * from the caller.
 */
static void
pool_fill(struct pool *pool)
{
	if (!pool->in_run)
		return;
	while (!pool->cancel_requested && !pool->fatal) {
		struct slot *s = pool_pick_slot(pool);
		struct task *t;

		if (!s)
			return;
		t = task_list_pop(&pool->pending);
		if (!t) {
			if (pool->source_done || pool->source_waiting)
				return;
			t = pool_pull(pool);
			if (!t)
				continue;
			/* next_task() may have called pool_cancel(). */
			if (pool->cancel_requested) {
				task_list_push(&pool->pending, t);
				return;
			}
		}
		slot_dispatch(s, t);
	}
}

/* Kill the workers that still hold tasks and report those cancelled. */
static void
pool_kill_busy(struct pool *pool)
{
	for (int i = 0; i < pool->cfg.workers; i++) {
		struct slot *s = &pool->slots[i];

		if (!s->q.head)
			continue;
		slot_kill(s, "cancelled");
		slot_fail_tasks(s, FAIL_CANCEL, pool_cancel_message(pool));
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
		if (pool->slots[i].q.head)
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
static void
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
		if (pool->slots[i].state == SLOT_READY)
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
	pool->slots = calloc((size_t)cfg->workers, sizeof(*pool->slots));
	pool->wstats = calloc((size_t)cfg->workers, sizeof(*pool->wstats));
	if (!pool->argv || !pool->slots || !pool->wstats) {
		snprintf(err, err_size, "out of memory");
		pool->cfg.workers = pool->slots ? cfg->workers : 0;
		pool_free(pool);
		return NULL;
	}
	pool->cfg.worker_argv = pool->argv;
	for (int i = 0; i < cfg->workers; i++) {
		pool->slots[i].pool = pool;
		pool->slots[i].index = i;
		pool->slots[i].fd = -1;
	}
	/* Before the first spawn, so no death goes unnoticed. */
	if (loop_on_signal(loop, SIGCHLD, pool_on_sigchld, pool) < 0) {
		snprintf(err, err_size, "cannot watch SIGCHLD: %s",
			 strerror(errno));
		pool_free(pool);
		return NULL;
	}
	for (int i = 0; i < cfg->workers; i++)
		if (slot_spawn(&pool->slots[i]) < 0) {
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
		const struct slot *s = &pool->slots[i];

		if (s->pid > 0 && (s->state == SLOT_STARTING ||
				   s->state == SLOT_READY))
			pids[n++] = (int)s->pid;
	}
	return n;
}

/* Any worker not reaped yet? */
static bool
pool_any_pid(const struct pool *pool)
{
	for (int i = 0; i < pool->cfg.workers; i++)
		if (pool->slots[i].pid > 0)
			return true;
	return false;
}

/* Reap the workers that have exited, without waiting. */
static void
pool_reap_nohang(struct pool *pool)
{
	for (int i = 0; i < pool->cfg.workers; i++) {
		struct slot *s = &pool->slots[i];
		int status;
		pid_t r;

		if (s->pid <= 0)
			continue;
		r = waitpid(s->pid, &status, WNOHANG);
		if (r == s->pid || (r < 0 && errno == ECHILD))
			s->pid = 0;
	}
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
		struct slot *s = &pool->slots[i];

		slot_cancel_timers(s);
		if (s->pid <= 0)
			continue;
		/* A worker with tasks would finish them before reading
		 * QUIT, and their outcomes are settled already.
		 */
		if (s->state == SLOT_DYING || s->q.head || s->fd < 0 ||
		    s->write_failed ||
		    slot_send(s, PROTO_QUIT, 0, NULL, 0) < 0 ||
		    s->out_len > 0)
			kill(s->pid, SIGKILL);
	}
	for (;;) {
		struct timespec ts;

		pool_reap_nohang(pool);
		if (!pool_any_pid(pool) || clock_now_ns() >= deadline)
			break;
		ts.tv_sec = 0;
		ts.tv_nsec = nap_us * 1000;
		nanosleep(&ts, NULL);
		if (nap_us < 10000)
			nap_us *= 2;
	}
	for (int i = 0; i < pool->cfg.workers; i++) {
		struct slot *s = &pool->slots[i];
		int status;

		if (s->pid <= 0)
			continue;
		kill(s->pid, SIGKILL);
		while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
			;
		s->pid = 0;
	}
}

/* Report what is still held, stop and reap the workers, free. */
void
pool_free(struct pool *pool)
{
	struct task *t;

	if (!pool)
		return;
	pool->freeing = true;
	pool->cancel_requested = true;
	/* Tasks still held (pool_run() left early) get their one outcome;
	 * their workers would only finish them for nothing.
	 */
	if (pool->slots) {
		for (int i = 0; i < pool->cfg.workers; i++) {
			struct slot *s = &pool->slots[i];

			if (!s->q.head)
				continue;
			slot_kill(s, "cancelled");
			while ((t = task_list_pop(&s->q)))
				task_list_push(&pool->pending, t);
		}
	}
	pool_cancel_pending(pool);
	if (pool->wake_timer)
		loop_timer_cancel(pool->loop, pool->wake_timer);
	if (pool->cancel_timer)
		loop_timer_cancel(pool->loop, pool->cancel_timer);
	if (pool->grace_timer)
		loop_timer_cancel(pool->loop, pool->grace_timer);
	if (pool->slots) {
		pool_stop_workers(pool);
		for (int i = 0; i < pool->cfg.workers; i++) {
			struct slot *s = &pool->slots[i];

			slot_close(s);
			proto_reader_free(s->rd);
			free(s->out);
		}
	}
	loop_on_signal(pool->loop, SIGCHLD, NULL, NULL);
	if (pool->argv) {
		for (size_t i = 0; pool->argv[i]; i++)
			free(pool->argv[i]);
		free(pool->argv);
	}
	free(pool->slots);
	free(pool->wstats);
	free(pool);
}

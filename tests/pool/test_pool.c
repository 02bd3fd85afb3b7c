/* test_pool.c: the process pool against real processes (fake_worker.c):
 * every task reported exactly once through crashes, timeouts, kills and
 * cancel; dynamic dispatch; retry once; respawn time; no zombies, no fds
 * left behind.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "base/clock.h"
#include "base/loop.h"
#include "pool/pool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_TASKS 20000
#define ID_BASE 1000

/* What one task's outcome was. */
struct rec {
	int count;
	enum pool_outcome_kind kind;
	int attempts;
	int worker;
	char msg[256];
	char reply[64];
	size_t reply_len;
	uint64_t submit_ns, dispatch_ns, reply_ns;
};

struct batch {
	struct loop *loop;
	struct pool *pool;
	const char **payloads;	/* per task; NULL: use payload_fn */
	const char *(*payload_fn)(struct batch *b, int i);
	int n;
	int next;
	struct rec *rec;
	int reported;
	int duplicates;		/* ids reported more than once */
	int unknown;		/* ids never handed out */
	int pulls_after_cancel;
	int cancelled;		/* pool_cancel() called */
	int cancel_after;	/* call pool_cancel() after this many outcomes
				   (0 = never) */
	int hold_every;		/* next_task returns 0 every so often */
	int held_at;		/* index it last said "not now" at */
	int wakes;
	uint64_t wake_ms;
	char buf[64];
	/* kill storm */
	const char *state_dir;
	int kills_wanted;
	int kills;
	int killed_ids[64];
	uint64_t kill_every_ms;
};

static const char *worker_path;

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

static void
on_wake(struct loop *loop, void *ctx)
{
	struct batch *b = ctx;

	(void)loop;
	b->wakes++;
	pool_wake(b->pool);
}

static int
next_task(void *ctx, struct pool_task *task)
{
	struct batch *b = ctx;

	if (b->cancelled)
		b->pulls_after_cancel++;
	if (b->next >= b->n)
		return -1;
	if (b->hold_every && b->next % b->hold_every == 0 &&
	    b->held_at != b->next) {
		/* Not ready yet: come back after pool_wake(). */
		b->held_at = b->next;
		loop_timer(b->loop, b->wake_ms, on_wake, b);
		return 0;
	}
	task->id = (uint64_t)(ID_BASE + b->next);
	task->payload = b->payloads ? b->payloads[b->next] :
				      b->payload_fn(b, b->next);
	task->len = strlen(task->payload);
	b->next++;
	return 1;
}

static void
task_done(void *ctx, const struct pool_outcome *o)
{
	struct batch *b = ctx;
	struct rec *r;
	int i = (int)o->id - ID_BASE;

	if (i < 0 || i >= b->next) {
		b->unknown++;
		return;
	}
	r = &b->rec[i];
	if (r->count++) {
		b->duplicates++;
		return;
	}
	b->reported++;
	r->kind = o->kind;
	r->attempts = o->attempts;
	r->worker = o->worker;
	r->submit_ns = o->submit_ns;
	r->dispatch_ns = o->dispatch_ns;
	r->reply_ns = o->reply_ns;
	if (o->message)
		snprintf(r->msg, sizeof(r->msg), "%s", o->message);
	if (o->kind == POOL_TASK_DONE) {
		size_t n = o->len < sizeof(r->reply) - 1 ? o->len :
							   sizeof(r->reply) - 1;

		memcpy(r->reply, o->payload, n);
		r->reply[n] = '\0';
		r->reply_len = o->len;
		/* Large replies: check every byte here, while valid. */
		if (!strncmp(r->reply, "bbbb", 4))
			for (size_t k = 0; k < o->len; k++)
				assert_int_equal(((const char *)o->payload)[k],
						 'b');
	} else {
		assert_non_null(o->message);
	}
	if (b->cancel_after && b->reported == b->cancel_after) {
		b->cancelled = 1;
		pool_cancel(b->pool);
		pool_cancel(b->pool); /* twice is fine */
	}
}

static void
batch_init(struct batch *b, int n)
{
	memset(b, 0, sizeof(*b));
	b->n = n;
	b->rec = calloc((size_t)n, sizeof(*b->rec));
	assert_non_null(b->rec);
	b->loop = loop_new();
	assert_non_null(b->loop);
}

static void
batch_release(struct batch *b)
{
	pool_free(b->pool);
	b->pool = NULL;
	loop_free(b->loop);
	free(b->rec);
}

/* Start a pool for b; returns NULL (with err) when pool_new() fails. */
static struct pool *
batch_pool(struct batch *b, int workers, int inflight, uint64_t timeout_ms,
	   uint64_t grace_ms, char *err, size_t err_size)
{
	char *argv[] = { (char *)worker_path, "--unknown-option", "x", NULL };
	struct pool_config cfg = {
		.worker_argv = argv,
		.workers = workers,
		.inflight_per_worker = inflight,
		.task_timeout_ms = timeout_ms,
		.grace_ms = grace_ms,
		.ctx = b,
		.next_task = next_task,
		.task_done = task_done,
	};

	b->pool = pool_new(b->loop, &cfg, err, err_size);
	return b->pool;
}

/* Every task handed out has exactly one outcome. */
static void
assert_exactly_once(const struct batch *b)
{
	assert_int_equal(b->duplicates, 0);
	assert_int_equal(b->unknown, 0);
	assert_int_equal(b->reported, b->next);
	for (int i = 0; i < b->next; i++)
		assert_int_equal(b->rec[i].count, 1);
}

/* No child left, not even a zombie. */
static void
assert_no_children(void)
{
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static const char *
ok_payload(struct batch *b, int i)
{
	snprintf(b->buf, sizeof(b->buf), "ok:r%d", i);
	return b->buf;
}

static void
test_all_done_once(void **state)
{
	static const int workers[] = { 1, 4 };
	int fds = count_fds();

	(void)state;
	for (int w = 0; w < 2; w++)
		for (int inflight = 1; inflight <= 3; inflight++) {
			struct batch b;
			char err[256];
			struct pool_stats st;
			uint64_t done = 0;

			batch_init(&b, 60);
			b.payload_fn = ok_payload;
			assert_non_null(batch_pool(&b, workers[w], inflight,
						   5000, 100, err,
						   sizeof(err)));
			assert_int_equal(pool_run(b.pool), 0);
			assert_string_equal(pool_error(b.pool), "");
			assert_exactly_once(&b);
			assert_int_equal(b.next, 60);
			for (int i = 0; i < 60; i++) {
				char want[32];
				const struct rec *r = &b.rec[i];

				snprintf(want, sizeof(want), "r%d", i);
				assert_int_equal(r->kind, POOL_TASK_DONE);
				assert_string_equal(r->reply, want);
				assert_int_equal(r->attempts, 1);
				assert_true(r->worker >= 0 &&
					    r->worker < workers[w]);
				assert_true(r->submit_ns <= r->dispatch_ns);
				assert_true(r->dispatch_ns <= r->reply_ns);
			}
			pool_get_stats(b.pool, &st);
			assert_int_equal(st.workers, workers[w]);
			assert_int_equal(st.tasks_submitted, 60);
			assert_int_equal(st.deaths, 0);
			for (int i = 0; i < st.workers; i++) {
				done += st.worker[i].tasks_done;
				assert_int_equal(st.worker[i].respawns, 0);
				assert_true(st.worker[i].spawn_ready_ns > 0);
			}
			assert_int_equal(done, 60);
			/* A second run after the end is a no-op. */
			assert_int_equal(pool_run(b.pool), 0);
			batch_release(&b);
			assert_no_children();
		}
	/* No descriptor left behind (sockets, self-pipe). */
	assert_int_equal(count_fds(), fds);
}

/* A long task does not hold up the others: dispatch is per task. */
static void
test_dynamic_dispatch(void **state)
{
	struct batch b;
	char err[256];
	const char *p[21];
	uint64_t start, elapsed;
	struct pool_stats st;

	(void)state;
	p[0] = "sleep:500";
	for (int i = 1; i < 21; i++)
		p[i] = "sleep:20";
	batch_init(&b, 21);
	b.payloads = p;
	assert_non_null(batch_pool(&b, 2, 1, 0, 100, err, sizeof(err)));
	start = clock_now_ns();
	assert_int_equal(pool_run(b.pool), 0);
	elapsed = clock_now_ns() - start;
	assert_exactly_once(&b);
	for (int i = 0; i < 21; i++)
		assert_int_equal(b.rec[i].kind, POOL_TASK_DONE);
	/* Serialised it would be 500 + 20 * 20 / 1 = 900 ms or more. */
	assert_true(elapsed >= 500000000u);
	assert_true(elapsed < 750000000u);
	/* The short ones all ran on the other worker, while it slept. */
	for (int i = 1; i < 21; i++) {
		assert_int_not_equal(b.rec[i].worker, b.rec[0].worker);
		assert_true(b.rec[i].reply_ns < b.rec[0].reply_ns);
	}
	pool_get_stats(b.pool, &st);
	assert_true(st.worker[b.rec[0].worker].busy_ns >= 490000000u);
	batch_release(&b);
}

static void
test_crash_retried_once(void **state)
{
	struct batch b;
	char err[256];
	const char *p[] = { "ok:a", "crash", "ok:b", "ok:c", "ok:d" };
	struct pool_stats st;

	(void)state;
	batch_init(&b, 5);
	b.payloads = p;
	assert_non_null(batch_pool(&b, 2, 1, 5000, 100, err, sizeof(err)));
	assert_int_equal(pool_run(b.pool), 0);
	assert_exactly_once(&b);
	assert_int_equal(b.rec[1].kind, POOL_TASK_CRASHED);
	assert_int_equal(b.rec[1].attempts, 2);
	assert_string_equal(b.rec[1].msg,
			    "worker killed by signal 11 (SIGSEGV)");
	for (int i = 0; i < 5; i++)
		if (i != 1) {
			assert_int_equal(b.rec[i].kind, POOL_TASK_DONE);
			assert_int_equal(b.rec[i].attempts, 1);
		}
	pool_get_stats(b.pool, &st);
	assert_int_equal(st.retries, 1);
	assert_int_equal(st.deaths, 2);
	/* The slots were refilled, and quickly. */
	assert_int_equal(st.worker[0].respawns + st.worker[1].respawns, 2);
	for (int i = 0; i < 2; i++) {
		print_message("respawn: slot %d spawn->READY %.1f ms\n", i,
			      st.worker[i].spawn_ready_ns / 1e6);
		assert_true(st.worker[i].spawn_ready_ns < 250000000u);
	}
	batch_release(&b);
	assert_no_children();
}

static void
test_crash_once_succeeds_on_retry(void **state)
{
	struct batch b;
	char err[256];
	char dir[] = "/tmp/test_pool.XXXXXX";
	char task[128];
	char file[96];
	const char *p[3];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/flag", dir);
	snprintf(task, sizeof(task), "crash-once:%s", file);
	p[0] = "ok:x";
	p[1] = task;
	p[2] = "ok:y";
	batch_init(&b, 3);
	b.payloads = p;
	assert_non_null(batch_pool(&b, 1, 1, 5000, 100, err, sizeof(err)));
	assert_int_equal(pool_run(b.pool), 0);
	assert_exactly_once(&b);
	assert_int_equal(b.rec[1].kind, POOL_TASK_DONE);
	assert_int_equal(b.rec[1].attempts, 2);
	assert_string_equal(b.rec[1].reply, "second time lucky");
	assert_int_equal(b.rec[2].kind, POOL_TASK_DONE);
	batch_release(&b);
	unlink(file);
	rmdir(dir);
}

/* Tasks queued behind a crashing one on the same worker are innocent:
 * they go back to the queue without an attempt counted.
 */
static void
test_innocents_behind_crash(void **state)
{
	struct batch b;
	char err[256];
	const char *p[40];

	(void)state;
	for (int i = 0; i < 40; i++)
		p[i] = (i % 10 == 3) ? "crash" : "sleep:5";
	for (int inflight = 2; inflight <= 3; inflight++) {
		batch_init(&b, 40);
		b.payloads = p;
		assert_non_null(batch_pool(&b, inflight == 2 ? 1 : 2, inflight,
					   5000, 100, err, sizeof(err)));
		assert_int_equal(pool_run(b.pool), 0);
		assert_exactly_once(&b);
		for (int i = 0; i < 40; i++) {
			if (i % 10 == 3) {
				assert_int_equal(b.rec[i].kind,
						 POOL_TASK_CRASHED);
				assert_int_equal(b.rec[i].attempts, 2);
			} else {
				assert_int_equal(b.rec[i].kind,
						 POOL_TASK_DONE);
				assert_int_equal(b.rec[i].attempts, 1);
			}
		}
		batch_release(&b);
	}
	assert_no_children();
}

static void
test_death_messages(void **state)
{
	struct batch b;
	char err[256];
	const char *p[] = { "abort-words", "exit:3", "ok:fine" };

	(void)state;
	batch_init(&b, 3);
	b.payloads = p;
	assert_non_null(batch_pool(&b, 2, 1, 5000, 100, err, sizeof(err)));
	assert_int_equal(pool_run(b.pool), 0);
	assert_exactly_once(&b);
	assert_int_equal(b.rec[0].kind, POOL_TASK_CRASHED);
	assert_string_equal(b.rec[0].msg, "worker killed by signal 6 (SIGABRT):"
					  " failed to allocate 123 bytes");
	assert_int_equal(b.rec[1].kind, POOL_TASK_CRASHED);
	assert_string_equal(b.rec[1].msg, "worker exited with status 3");
	assert_int_equal(b.rec[1].attempts, 2);
	assert_int_equal(b.rec[2].kind, POOL_TASK_DONE);
	batch_release(&b);
}

static void
test_timeout(void **state)
{
	struct batch b;
	char err[256];
	const char *p[12];
	uint64_t start, elapsed;
	struct pool_stats st;

	(void)state;
	p[0] = "ok:first";
	p[1] = "hang";
	for (int i = 2; i < 12; i++)
		p[i] = "sleep:10";
	batch_init(&b, 12);
	b.payloads = p;
	/* inflight 2: whatever queued behind the hang goes elsewhere. */
	assert_non_null(batch_pool(&b, 2, 2, 300, 100, err, sizeof(err)));
	start = clock_now_ns();
	assert_int_equal(pool_run(b.pool), 0);
	elapsed = clock_now_ns() - start;
	assert_exactly_once(&b);
	assert_int_equal(b.rec[1].kind, POOL_TASK_TIMED_OUT);
	assert_int_equal(b.rec[1].attempts, 1);
	assert_string_equal(b.rec[1].msg, "timed out after 300 ms");
	assert_true(b.rec[1].reply_ns - b.rec[1].dispatch_ns >= 300000000u);
	assert_true(b.rec[1].reply_ns - b.rec[1].dispatch_ns < 600000000u);
	for (int i = 0; i < 12; i++)
		if (i != 1) {
			assert_int_equal(b.rec[i].kind, POOL_TASK_DONE);
			assert_int_equal(b.rec[i].attempts, 1);
		}
	assert_true(elapsed < 1000000000u);
	pool_get_stats(b.pool, &st);
	assert_int_equal(st.timeouts, 1);
	assert_int_equal(st.retries, 0);
	batch_release(&b);
	assert_no_children();
}

/* The deadline of a queued task counts from when it reaches the head. */
static void
test_timeout_counts_from_head(void **state)
{
	struct batch b;
	char err[256];
	const char *p[] = { "sleep:200", "sleep:200", "sleep:200" };

	(void)state;
	batch_init(&b, 3);
	b.payloads = p;
	assert_non_null(batch_pool(&b, 1, 3, 300, 100, err, sizeof(err)));
	assert_int_equal(pool_run(b.pool), 0);
	assert_exactly_once(&b);
	for (int i = 0; i < 3; i++)
		assert_int_equal(b.rec[i].kind, POOL_TASK_DONE);
	batch_release(&b);
}

static void
test_bloat(void **state)
{
	struct batch b;
	char err[256];
	const char *p[] = { "bloat", "ok:after" };

	(void)state;
	batch_init(&b, 2);
	b.payloads = p;
	assert_non_null(batch_pool(&b, 1, 1, 20000, 100, err, sizeof(err)));
	assert_int_equal(pool_run(b.pool), 0);
	assert_exactly_once(&b);
	assert_int_equal(b.rec[0].kind, POOL_TASK_DONE);
	assert_string_equal(b.rec[0].reply, "bloated");
	assert_int_equal(b.rec[1].kind, POOL_TASK_DONE);
	batch_release(&b);
}

static const char *
sleep_payload(struct batch *b, int i)
{
	snprintf(b->buf, sizeof(b->buf), "sleep:%d", 5 + (i * 7) % 16);
	return b->buf;
}

/* SIGKILL a worker that is sleeping in a task no kill has hit yet: the
 * fake worker keeps its state file locked except then, so holding the
 * lock tells which task the kill lands on.
 */
static void
on_kill_tick(struct loop *loop, void *ctx)
{
	struct batch *b = ctx;
	int pids[16];
	int n = pool_worker_pids(b->pool, pids, 16);

	for (int k = 0; k < n && b->kills < b->kills_wanted; k++) {
		int pid = pids[(k + rand()) % n];
		char path[256], buf[32];
		int fd, id, seen = 0;
		ssize_t len;

		snprintf(path, sizeof(path), "%s/%d", b->state_dir, pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			close(fd);
			continue;
		}
		len = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[len > 0 ? len : 0] = '\0';
		id = atoi(buf);
		for (int j = 0; j < b->kills; j++)
			if (b->killed_ids[j] == id)
				seen = 1;
		if (len > 0 && !seen) {
			assert_int_equal(kill(pid, SIGKILL), 0);
			b->killed_ids[b->kills++] = id;
		}
		flock(fd, LOCK_UN);
		close(fd);
		if (len > 0 && !seen)
			break;
	}
	if (b->kills < b->kills_wanted && b->reported < b->n)
		loop_timer(loop, b->kill_every_ms, on_kill_tick, b);
}

static void
test_kill_storm(void **state)
{
	struct batch b;
	char err[256];
	char dir[] = "/tmp/test_pool.XXXXXX";
	struct pool_stats st;
	DIR *d;
	struct dirent *e;

	(void)state;
	srand(42);
	assert_non_null(mkdtemp(dir));
	setenv("FAKE_WORKER_STATE_DIR", dir, 1);
	batch_init(&b, 200);
	b.payload_fn = sleep_payload;
	b.state_dir = dir;
	b.kills_wanted = 50;
	b.kill_every_ms = 8;
	assert_non_null(batch_pool(&b, 4, 2, 10000, 100, err, sizeof(err)));
	loop_timer(b.loop, 5, on_kill_tick, &b);
	/* Respawned workers read the environment too: keep it. */
	assert_int_equal(pool_run(b.pool), 0);
	unsetenv("FAKE_WORKER_STATE_DIR");
	assert_exactly_once(&b);
	assert_int_equal(b.kills, 50);
	for (int i = 0; i < 200; i++) {
		assert_int_equal(b.rec[i].kind, POOL_TASK_DONE);
		assert_string_equal(b.rec[i].reply, "slept");
	}
	pool_get_stats(b.pool, &st);
	assert_true(st.deaths >= 50);
	assert_int_equal(st.retries, 50);
	batch_release(&b);
	assert_no_children();
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[512];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* Blind kills: any worker, starting, idle or busy. */
static void
on_blind_kill(struct loop *loop, void *ctx)
{
	struct batch *b = ctx;
	int pids[16];
	int n = pool_worker_pids(b->pool, pids, 16);

	if (n > 0) {
		assert_int_equal(kill(pids[rand() % n], SIGKILL), 0);
		b->kills++;
	}
	if (b->kills < b->kills_wanted && b->reported < b->n)
		loop_timer(loop, b->kill_every_ms, on_blind_kill, b);
}

/* Whatever is hit, every task still has exactly one outcome: DONE, or
 * CRASHED after two kills, or (if the kills hit five starting workers in
 * a row and the pool gave up) CANCELLED.
 */
static void
test_kill_blind(void **state)
{
	struct batch b;
	char err[256];
	int rc, crashed = 0;

	(void)state;
	srand(7);
	batch_init(&b, 200);
	b.payload_fn = sleep_payload;
	b.kills_wanted = 50;
	b.kill_every_ms = 6;
	assert_non_null(batch_pool(&b, 4, 2, 10000, 100, err, sizeof(err)));
	loop_timer(b.loop, 3, on_blind_kill, &b);
	rc = pool_run(b.pool);
	assert_exactly_once(&b);
	for (int i = 0; i < b.next; i++) {
		const struct rec *r = &b.rec[i];

		if (r->kind == POOL_TASK_CRASHED) {
			crashed++;
			assert_int_equal(r->attempts, 2);
			assert_string_equal(r->msg, "worker killed by signal 9 "
						    "(SIGKILL)");
		} else if (r->kind != POOL_TASK_DONE) {
			assert_int_equal(rc, -1);
			assert_int_equal(r->kind, POOL_TASK_CANCELLED);
		}
	}
	if (rc == 0)
		assert_int_equal(b.next, 200);
	print_message("blind kills: %d, run %d, %d crashed twice\n", b.kills,
		      rc, crashed);
	batch_release(&b);
	assert_no_children();
}

static void
on_cancel_timer(struct loop *loop, void *ctx)
{
	struct batch *b = ctx;

	(void)loop;
	b->cancelled = 1;
	pool_cancel(b->pool);
}

static const char *
cancel_payload(struct batch *b, int i)
{
	(void)b;
	return i % 7 == 2 ? "hang" : "sleep:30";
}

static void
test_cancel(void **state)
{
	int fds = count_fds();

	(void)state;
	/* From a timer, and from inside task_done. */
	for (int from_done = 0; from_done <= 1; from_done++) {
		struct batch b;
		char err[256];
		uint64_t start, elapsed;
		int done = 0, cancelled = 0;

		batch_init(&b, 200);
		b.payload_fn = cancel_payload;
		if (from_done)
			b.cancel_after = 5;
		else
			loop_timer(b.loop, 150, on_cancel_timer, &b);
		assert_non_null(batch_pool(&b, 3, 2, 0, 100, err,
					   sizeof(err)));
		start = clock_now_ns();
		assert_int_equal(pool_run(b.pool), 0);
		elapsed = clock_now_ns() - start;
		assert_exactly_once(&b);
		assert_int_equal(b.pulls_after_cancel, 0);
		assert_true(b.next < 200);
		for (int i = 0; i < b.next; i++) {
			if (b.rec[i].kind == POOL_TASK_DONE)
				done++;
			else if (b.rec[i].kind == POOL_TASK_CANCELLED)
				cancelled++;
		}
		assert_int_equal(done + cancelled, b.next);
		assert_true(cancelled > 0);
		/* Grace 100 ms, then the hung ones were killed. */
		assert_true(elapsed < 1000000000u);
		/* Cancel twice, after the end: harmless. */
		pool_cancel(b.pool);
		batch_release(&b);
		assert_no_children();
	}
	assert_int_equal(count_fds(), fds);
}

/* pool_free() with a worker that does not obey QUIT: killed after the
 * grace, reaped, nothing left.
 */
static void
test_free_kills_deaf_worker(void **state)
{
	struct batch b;
	char err[256];
	const char *p[] = { "deaf", "ok:x" };
	uint64_t start, elapsed;
	int fds = count_fds();

	(void)state;
	batch_init(&b, 2);
	b.payloads = p;
	assert_non_null(batch_pool(&b, 2, 1, 0, 100, err, sizeof(err)));
	assert_int_equal(pool_run(b.pool), 0);
	assert_exactly_once(&b);
	assert_string_equal(b.rec[0].reply, "deaf");
	start = clock_now_ns();
	batch_release(&b);
	elapsed = clock_now_ns() - start;
	assert_no_children();
	assert_true(elapsed >= 900000000u);
	assert_true(elapsed < 2000000000u);
	assert_int_equal(count_fds(), fds);
}

static void
test_start_failure(void **state)
{
	struct batch b;
	char err[256] = "";
	uint64_t start = clock_now_ns();
	char *bad_argv[] = { "/nonexistent/imgopt-worker", NULL };
	struct pool_config cfg = { 0 };
	int fds = count_fds();

	(void)state;
	/* Workers that exit before READY, every time. */
	setenv("FAKE_WORKER_FAIL_START", "1", 1);
	batch_init(&b, 1);
	assert_null(batch_pool(&b, 4, 1, 0, 100, err, sizeof(err)));
	unsetenv("FAKE_WORKER_FAIL_START");
	assert_non_null(strstr(err, "before they are ready"));
	assert_non_null(strstr(err, "exited with status 1"));
	batch_release(&b);
	assert_no_children();
	assert_true(clock_now_ns() - start < 5000000000u);

	/* A binary that is not there. */
	batch_init(&b, 1);
	cfg.worker_argv = bad_argv;
	cfg.workers = 2;
	cfg.inflight_per_worker = 1;
	cfg.next_task = next_task;
	cfg.task_done = task_done;
	cfg.ctx = &b;
	assert_null(pool_new(b.loop, &cfg, err, sizeof(err)));
	assert_string_equal(err, "cannot start worker "
				 "'/nonexistent/imgopt-worker': "
				 "No such file or directory");
	batch_release(&b);
	assert_no_children();
	assert_int_equal(count_fds(), fds);
}

/* Workers that stop starting in the middle of a run: pool_run() gives
 * up with an error instead of respawning forever; every task still gets
 * its one outcome.
 */
static void
test_start_failure_during_run(void **state)
{
	struct batch b;
	char err[256];
	const char *p[30];

	(void)state;
	p[0] = "crash";
	for (int i = 1; i < 30; i++)
		p[i] = "sleep:20";
	batch_init(&b, 30);
	b.payloads = p;
	assert_non_null(batch_pool(&b, 2, 1, 0, 100, err, sizeof(err)));
	/* Respawned workers see this. */
	setenv("FAKE_WORKER_FAIL_START", "1", 1);
	assert_int_equal(pool_run(b.pool), -1);
	unsetenv("FAKE_WORKER_FAIL_START");
	assert_non_null(strstr(pool_error(b.pool), "before they are ready"));
	assert_exactly_once(&b);
	assert_int_equal(b.pulls_after_cancel, 0);
	batch_release(&b);
	assert_no_children();
}

/* Frames much larger than the socket buffers, both ways: the pool
 * buffers what the socket does not take and the reader grows.
 */
static const char *
large_payload(struct batch *b, int i)
{
	static char *big;
	static char small[32];

	if (!big) {
		big = malloc(700001);
		memcpy(big, "len:", 4);
		memset(big + 4, 'a', 700000 - 4);
		big[700000] = '\0';
	}
	(void)b;
	if (i % 2)
		return big;
	snprintf(small, sizeof(small), "big:%d", 400000 + i);
	return small;
}

static void
test_large_frames(void **state)
{
	struct batch b;
	char err[256];

	(void)state;
	batch_init(&b, 24);
	b.payload_fn = large_payload;
	assert_non_null(batch_pool(&b, 2, 3, 10000, 100, err, sizeof(err)));
	assert_int_equal(pool_run(b.pool), 0);
	assert_exactly_once(&b);
	for (int i = 0; i < 24; i++) {
		assert_int_equal(b.rec[i].kind, POOL_TASK_DONE);
		if (i % 2)
			assert_string_equal(b.rec[i].reply, "700000");
		else
			assert_int_equal(b.rec[i].reply_len, 400000 + i);
	}
	batch_release(&b);
}

/* A worker that breaks the protocol, or closes its socket and lingers,
 * is killed and its task treated as crashed.
 */
static void
test_misbehaving_worker(void **state)
{
	struct batch b;
	char err[256];
	const char *p[] = { "bad-reply", "ok:a", "close", "ok:b" };
	uint64_t start = clock_now_ns();

	(void)state;
	batch_init(&b, 4);
	b.payloads = p;
	assert_non_null(batch_pool(&b, 2, 1, 0, 100, err, sizeof(err)));
	assert_int_equal(pool_run(b.pool), 0);
	assert_exactly_once(&b);
	assert_int_equal(b.rec[0].kind, POOL_TASK_CRASHED);
	assert_int_equal(b.rec[0].attempts, 2);
	assert_string_equal(b.rec[0].msg,
			    "worker replied to a task it was not given");
	assert_int_equal(b.rec[2].kind, POOL_TASK_CRASHED);
	assert_string_equal(b.rec[2].msg, "worker closed its connection");
	assert_int_equal(b.rec[1].kind, POOL_TASK_DONE);
	assert_int_equal(b.rec[3].kind, POOL_TASK_DONE);
	/* Two rounds of the one-second wait for the lingering worker. */
	assert_true(clock_now_ns() - start < 4000000000u);
	batch_release(&b);
	assert_no_children();
}

/* Workers that exit with PROTO_EXIT_FATAL before READY stop the
 * pool at once; workers that say READY and then die idle, again and
 * again, stop it too.
 */
static void
test_fatal_starts(void **state)
{
	struct batch b;
	char err[256] = "";
	struct pool *pool;

	(void)state;
	setenv("FAKE_WORKER_FAIL_START", "2", 1);
	batch_init(&b, 1);
	assert_null(batch_pool(&b, 2, 1, 0, 100, err, sizeof(err)));
	unsetenv("FAKE_WORKER_FAIL_START");
	assert_string_equal(err, "worker cannot start: worker exited with "
				 "status 2");
	batch_release(&b);
	assert_no_children();

	/* Idle: no task is ready (the wake would come in 10 s), so no task
	 * can take the blame.  With tasks, each would be tried twice and
	 * reported CRASHED instead: slower, but also finite.
	 */
	setenv("FAKE_WORKER_IDLE_EXIT", "1", 1);
	batch_init(&b, 10);
	b.payload_fn = ok_payload;
	b.hold_every = 1;
	b.held_at = -1;
	b.wake_ms = 10000;
	pool = batch_pool(&b, 2, 1, 0, 100, err, sizeof(err));
	if (pool) {
		assert_int_equal(pool_run(pool), -1);
		snprintf(err, sizeof(err), "%s", pool_error(pool));
		assert_exactly_once(&b);
	}
	unsetenv("FAKE_WORKER_IDLE_EXIT");
	assert_non_null(strstr(err, "before doing any work"));
	batch_release(&b);
	assert_no_children();
}

/* The real worker (the built imgopt) that cannot start says why in one
 * FATAL frame and exits with PROTO_EXIT_FATAL: the pool gives up at once
 * with that reason, no respawn loop, no "exited with status" noise.
 */
static void
test_real_worker_cannot_start(void **state)
{
	const char *imgopt = getenv("IMGOPT");
	char *argv[] = { (char *)imgopt, "__worker", "--threads", "bogus",
			 NULL };
	struct pool_config cfg = {
		.worker_argv = argv,
		.workers = 2,
		.inflight_per_worker = 1,
		.grace_ms = 100,
		.next_task = next_task,
		.task_done = task_done,
	};
	struct batch b;
	char err[256] = "";
	uint64_t start = clock_now_ns();

	(void)state;
	if (!imgopt)
		skip();
	batch_init(&b, 1);
	cfg.ctx = &b;
	b.pool = pool_new(b.loop, &cfg, err, sizeof(err));
	assert_null(b.pool);
	assert_string_equal(err, "worker cannot start: worker: bad value for "
				 "--threads: 'bogus'");
	assert_true(clock_now_ns() - start < 2000000000u);
	batch_release(&b);
	assert_no_children();
}

/* The worker gets fd 3 and nothing else, even a descriptor the parent
 * forgot to make close-on-exec; its signal mask and dispositions are
 * reset even when the parent blocks or ignores signals.
 */
static void
test_spawn_environment(void **state)
{
	struct batch b;
	char err[256];
	const char *p[] = { "fds", "sigs" };
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int leaked = fcntl(devnull, F_DUPFD, 20); /* no FD_CLOEXEC */
	sigset_t block, old;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_pipe;
	unsigned long long blk, ignored;

	(void)state;
	assert_true(leaked > 3);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGUSR1);
	assert_int_equal(sigprocmask(SIG_BLOCK, &block, &old), 0);
	assert_int_equal(sigaction(SIGINT, &ign, &old_int), 0);
	assert_int_equal(sigaction(SIGPIPE, &ign, &old_pipe), 0);
	batch_init(&b, 2);
	b.payloads = p;
	assert_non_null(batch_pool(&b, 1, 1, 0, 100, err, sizeof(err)));
	assert_int_equal(pool_run(b.pool), 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	close(leaked);
	close(devnull);
	assert_exactly_once(&b);
	assert_string_equal(b.rec[0].reply, "0 1 2 3");
	assert_int_equal(sscanf(b.rec[1].reply, "%llx %llx", &blk, &ignored),
			 2);
	assert_int_equal(blk, 0);
	assert_false(ignored & (1ull << (SIGINT - 1)));
	assert_false(ignored & (1ull << (SIGPIPE - 1)));
	batch_release(&b);
}

/* next_task() may say "not now"; pool_wake() resumes. */
static void
test_wake(void **state)
{
	struct batch b;
	char err[256];

	(void)state;
	batch_init(&b, 30);
	b.payload_fn = ok_payload;
	b.hold_every = 4;
	b.held_at = -1;
	b.wake_ms = 5;
	assert_non_null(batch_pool(&b, 2, 2, 0, 100, err, sizeof(err)));
	assert_int_equal(pool_run(b.pool), 0);
	assert_exactly_once(&b);
	assert_int_equal(b.next, 30);
	assert_int_equal(b.wakes, 8);
	for (int i = 0; i < 30; i++)
		assert_int_equal(b.rec[i].kind, POOL_TASK_DONE);
	batch_release(&b);
}

/* A failed test must not leave its worker environment to the next. */
static int
reset_env(void **state)
{
	(void)state;
	unsetenv("FAKE_WORKER_FAIL_START");
	unsetenv("FAKE_WORKER_IDLE_EXIT");
	unsetenv("FAKE_WORKER_STATE_DIR");
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Throughput and per-task overhead with a worker that does nothing: the
 * pool's own cost.  Printed for the benchmark notes; the bound is loose
 * because the machine is shared and may run sanitizers.
 */
static void
test_overhead(void **state)
{
	for (int inflight = 1; inflight <= 2; inflight++) {
		struct batch b;
		char err[256];
		uint64_t start, elapsed;
		uint64_t *lat;
		const int n = 10000;

		(void)state;
		batch_init(&b, n);
		b.payload_fn = ok_payload;
		assert_non_null(batch_pool(&b, 2, inflight, 5000, 100, err,
					   sizeof(err)));
		start = clock_now_ns();
		assert_int_equal(pool_run(b.pool), 0);
		elapsed = clock_now_ns() - start;
		assert_exactly_once(&b);
		lat = malloc((size_t)n * sizeof(*lat));
		assert_non_null(lat);
		for (int i = 0; i < n; i++) {
			assert_int_equal(b.rec[i].kind, POOL_TASK_DONE);
			lat[i] = b.rec[i].reply_ns - b.rec[i].dispatch_ns;
		}
		qsort(lat, (size_t)n, sizeof(*lat), cmp_u64);
		print_message("overhead: %d ok tasks, 2 workers, inflight %d: "
			      "%.0f tasks/s, dispatch->reply p50 %.1f us, "
			      "p95 %.1f us, max %.1f us\n",
			      n, inflight, n / (elapsed / 1e9),
			      lat[n / 2] / 1e3, lat[n * 95 / 100] / 1e3,
			      lat[n - 1] / 1e3);
		assert_true(lat[n / 2] < 1000000u);
		free(lat);
		batch_release(&b);
	}
}

/* Each test starts with a clean worker environment. */
#define POOL_TEST_CASE(f) cmocka_unit_test_setup(f, reset_env)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		POOL_TEST_CASE(test_all_done_once),
		POOL_TEST_CASE(test_dynamic_dispatch),
		POOL_TEST_CASE(test_crash_retried_once),
		POOL_TEST_CASE(test_crash_once_succeeds_on_retry),
		POOL_TEST_CASE(test_innocents_behind_crash),
		POOL_TEST_CASE(test_death_messages),
		POOL_TEST_CASE(test_timeout),
		POOL_TEST_CASE(test_timeout_counts_from_head),
		POOL_TEST_CASE(test_bloat),
		POOL_TEST_CASE(test_kill_storm),
		POOL_TEST_CASE(test_kill_blind),
		POOL_TEST_CASE(test_cancel),
		POOL_TEST_CASE(test_free_kills_deaf_worker),
		POOL_TEST_CASE(test_start_failure),
		POOL_TEST_CASE(test_start_failure_during_run),
		POOL_TEST_CASE(test_wake),
		POOL_TEST_CASE(test_spawn_environment),
		POOL_TEST_CASE(test_large_frames),
		POOL_TEST_CASE(test_misbehaving_worker),
		POOL_TEST_CASE(test_fatal_starts),
		POOL_TEST_CASE(test_real_worker_cannot_start),
		POOL_TEST_CASE(test_overhead),
	};

	worker_path = getenv("IMGOPT_FAKE_WORKER");
	if (!worker_path) {
		fprintf(stderr, "IMGOPT_FAKE_WORKER is not set\n");
		return 1;
	}
	/* POOL_TEST=test_cancel runs one test (or a glob of them). */
	if (getenv("POOL_TEST"))
		cmocka_set_test_filter(getenv("POOL_TEST"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}

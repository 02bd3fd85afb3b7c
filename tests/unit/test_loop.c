/* test_loop.c: timers in order, fd watchers (also changed during a round)
 * and signals delivered from the loop, not the handler.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "base/clock.h"
#include "base/loop.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

struct rec {
	int order[16];
	int n;
};

struct tctx {
	struct rec *rec;
	int tag;
};

static void
on_timer(struct loop *loop, void *ctx)
{
	struct tctx *t = ctx;

	(void)loop;
	t->rec->order[t->rec->n++] = t->tag;
}

/* Run rounds until *flag reaches want or a second has passed. */
static void
run_until(struct loop *loop, int *flag, int want)
{
	uint64_t end = clock_now_ns() + 1000000000u;

	while (*flag < want && clock_now_ns() < end)
		assert_int_equal(loop_run_once(loop, 100), 0);
}

static void
test_timers_fire_in_deadline_order(void **state)
{
	struct loop *loop = loop_new();
	struct rec rec = { 0 };
	struct tctx t[5] = { { &rec, 30 }, { &rec, 10 }, { &rec, 20 },
			     { &rec, 151 }, { &rec, 152 } };
	uint64_t start = clock_now_ns();

	(void)state;
	assert_non_null(loop);
	assert_true(loop_timer(loop, 30, on_timer, &t[0]) > 0);
	assert_true(loop_timer(loop, 10, on_timer, &t[1]) > 0);
	assert_true(loop_timer(loop, 20, on_timer, &t[2]) > 0);
	/* Same deadline: creation order (same ms, created in order). */
	assert_true(loop_timer(loop, 15, on_timer, &t[3]) > 0);
	assert_true(loop_timer(loop, 15, on_timer, &t[4]) > 0);
	run_until(loop, &rec.n, 5);
	assert_int_equal(rec.n, 5);
	assert_int_equal(rec.order[0], 10);
	assert_int_equal(rec.order[1], 151);
	assert_int_equal(rec.order[2], 152);
	assert_int_equal(rec.order[3], 20);
	assert_int_equal(rec.order[4], 30);
	/* Not early. */
	assert_true(clock_now_ns() - start >= 30000000u);
	loop_free(loop);
}

static void
test_timer_cancel(void **state)
{
	struct loop *loop = loop_new();
	struct rec rec = { 0 };
	struct tctx a = { &rec, 1 }, b = { &rec, 2 };
	uint64_t ida, idb;

	(void)state;
	ida = loop_timer(loop, 5, on_timer, &a);
	idb = loop_timer(loop, 10, on_timer, &b);
	assert_true(ida != idb);
	loop_timer_cancel(loop, ida);
	loop_timer_cancel(loop, 12345); /* unknown: ignored */
	run_until(loop, &rec.n, 1);
	assert_int_equal(loop_run_once(loop, 20), 0);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.order[0], 2);
	loop_free(loop);
}

struct chain {
	struct loop *loop;
	int fired;
	uint64_t round_of_second;
	int rounds;
	uint64_t cancel_me;
	int cancelled_fired;
};

static void
on_second(struct loop *loop, void *ctx)
{
	struct chain *c = ctx;

	(void)loop;
	c->fired++;
	c->round_of_second = (uint64_t)c->rounds;
}

static void
on_cancelled(struct loop *loop, void *ctx)
{
	struct chain *c = ctx;

	(void)loop;
	c->cancelled_fired++;
}

static void
on_first(struct loop *loop, void *ctx)
{
	struct chain *c = ctx;

	c->fired++;
	/* Adding and cancelling during dispatch. */
	assert_true(loop_timer(loop, 0, on_second, c) > 0);
	loop_timer_cancel(loop, c->cancel_me);
}

static void
test_timers_changed_from_callbacks(void **state)
{
	struct chain c = { 0 };
	struct loop *loop = loop_new();

	(void)state;
	c.loop = loop;
	assert_true(loop_timer(loop, 0, on_first, &c) > 0);
	c.cancel_me = loop_timer(loop, 0, on_cancelled, &c);
	/* Round 1 runs on_first, which cancels the second due timer and
	 * adds a 0 ms one: that waits for round 2.
	 */
	c.rounds = 1;
	assert_int_equal(loop_run_once(loop, 0), 0);
	assert_int_equal(c.fired, 1);
	c.rounds = 2;
	assert_int_equal(loop_run_once(loop, 0), 0);
	assert_int_equal(c.fired, 2);
	assert_int_equal(c.round_of_second, 2);
	assert_int_equal(c.cancelled_fired, 0);
	loop_free(loop);
}

struct fdctx {
	struct loop *loop;
	int calls;
	int events;
	int other_fd;
	int other_calls;
	int newfd[2];
};

static void
on_fd(struct loop *loop, int fd, int events, void *ctx)
{
	struct fdctx *f = ctx;
	char buf[16];

	(void)loop;
	f->calls++;
	f->events |= events;
	if (events & LOOP_READ) {
		ssize_t n = read(fd, buf, sizeof(buf));
		(void)n;
	}
}

static void
test_fd_watch(void **state)
{
	struct loop *loop = loop_new();
	struct fdctx f = { 0 };
	int p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	assert_int_equal(loop_watch(loop, p[0], LOOP_READ, on_fd, &f), 0);
	/* Nothing to read: the round times out. */
	assert_int_equal(loop_run_once(loop, 10), 0);
	assert_int_equal(f.calls, 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_run_once(loop, 1000), 0);
	assert_int_equal(f.calls, 1);
	assert_int_equal(f.events, LOOP_READ);

	/* Writable end. */
	f.calls = f.events = 0;
	assert_int_equal(loop_watch(loop, p[1], LOOP_WRITE, on_fd, &f), 0);
	assert_int_equal(loop_run_once(loop, 1000), 0);
	assert_int_equal(f.calls, 1);
	assert_int_equal(f.events, LOOP_WRITE);
	loop_unwatch(loop, p[1]);

	/* Unwatched: no more calls even when readable. */
	f.calls = 0;
	assert_int_equal(write(p[1], "y", 1), 1);
	loop_unwatch(loop, p[0]);
	assert_int_equal(loop_run_once(loop, 10), 0);
	assert_int_equal(f.calls, 0);

	/* Hang-up reaches the reader as LOOP_READ. */
	assert_int_equal(loop_watch(loop, p[0], LOOP_READ, on_fd, &f), 0);
	close(p[1]);
	f.calls = f.events = 0;
	assert_int_equal(loop_run_once(loop, 1000), 0);
	assert_true(f.calls >= 1);
	assert_true(f.events & LOOP_READ);
	loop_unwatch(loop, p[0]);
	close(p[0]);
	loop_free(loop);
}

static void
on_other(struct loop *loop, int fd, int events, void *ctx)
{
	struct fdctx *f = ctx;

	(void)loop;
	(void)fd;
	(void)events;
	f->other_calls++;
}

/* The first callback closes the second fd and opens a new pipe that gets
 * the same fd number: the old round's readiness must not reach the new
 * registration (a worker socket replaced by its respawn).
 */
static void
on_replace(struct loop *loop, int fd, int events, void *ctx)
{
	struct fdctx *f = ctx;

	(void)fd;
	(void)events;
	f->calls++;
	loop_unwatch(loop, f->other_fd);
	close(f->other_fd);
	assert_int_equal(pipe2(f->newfd, O_NONBLOCK | O_CLOEXEC), 0);
	assert_int_equal(loop_watch(loop, f->newfd[0], LOOP_READ, on_other, f),
			 0);
}

static void
test_watchers_changed_during_dispatch(void **state)
{
	struct loop *loop = loop_new();
	struct fdctx f = { 0 };
	int a[2], b[2];

	(void)state;
	assert_int_equal(pipe2(a, O_NONBLOCK | O_CLOEXEC), 0);
	assert_int_equal(pipe2(b, O_NONBLOCK | O_CLOEXEC), 0);
	assert_true(a[0] < b[0]);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	f.other_fd = b[0];
	assert_int_equal(loop_watch(loop, a[0], LOOP_READ, on_replace, &f), 0);
	assert_int_equal(loop_watch(loop, b[0], LOOP_READ, on_other, &f), 0);
	assert_int_equal(loop_run_once(loop, 1000), 0);
	assert_int_equal(f.calls, 1);
	assert_int_equal(f.other_calls, 0);
	/* The new pipe still works afterwards. */
	loop_unwatch(loop, a[0]);
	assert_int_equal(write(f.newfd[1], "z", 1), 1);
	assert_int_equal(loop_run_once(loop, 1000), 0);
	assert_int_equal(f.other_calls, 1);
	loop_unwatch(loop, f.newfd[0]);
	close(a[0]);
	close(a[1]);
	close(b[1]);
	close(f.newfd[0]);
	close(f.newfd[1]);
	loop_free(loop);
}

struct sigctx {
	int calls;
	int signo;
};

static void
on_signal(struct loop *loop, int signo, void *ctx)
{
	struct sigctx *s = ctx;

	(void)loop;
	s->calls++;
	s->signo = signo;
}

static void
test_signal_delivered_by_loop(void **state)
{
	struct loop *loop = loop_new();
	struct sigctx s = { 0 };
	struct sigaction now;
	uint64_t start;

	(void)state;
	assert_int_equal(loop_on_signal(loop, SIGUSR1, on_signal, &s), 0);
	assert_int_equal(raise(SIGUSR1), 0);
	/* The handler only flags it: nothing ran yet. */
	assert_int_equal(s.calls, 0);
	start = clock_now_ns();
	assert_int_equal(loop_run_once(loop, 5000), 0);
	assert_true(clock_now_ns() - start < 1000000000u);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.signo, SIGUSR1);

	/* Two before a round: at least one call, never lost. */
	raise(SIGUSR1);
	raise(SIGUSR1);
	assert_int_equal(loop_run_once(loop, 5000), 0);
	assert_true(s.calls >= 2);

	/* Removing restores the previous disposition. */
	assert_int_equal(loop_on_signal(loop, SIGUSR1, NULL, NULL), 0);
	assert_int_equal(sigaction(SIGUSR1, NULL, &now), 0);
	assert_true(now.sa_handler == SIG_DFL);

	/* And loop_free() restores what it installed. */
	assert_int_equal(loop_on_signal(loop, SIGUSR2, on_signal, &s), 0);
	assert_int_equal(sigaction(SIGUSR2, NULL, &now), 0);
	assert_true(now.sa_handler != SIG_DFL);
	assert_true(now.sa_flags & SA_RESTART);
	loop_free(loop);
	assert_int_equal(sigaction(SIGUSR2, NULL, &now), 0);
	assert_true(now.sa_handler == SIG_DFL);

	loop = loop_new();
	assert_int_equal(loop_on_signal(loop, SIGKILL, on_signal, &s), -1);
	loop_free(loop);
}

static void
on_stop(struct loop *loop, void *ctx)
{
	(void)ctx;
	loop_stop(loop);
}

static void
test_run_until_stop(void **state)
{
	struct loop *loop = loop_new();
	uint64_t start = clock_now_ns();

	(void)state;
	assert_true(loop_timer(loop, 20, on_stop, NULL) > 0);
	assert_int_equal(loop_run(loop), 0);
	assert_true(clock_now_ns() - start >= 20000000u);
	/* The timeout of one round is honoured with nothing to do. */
	start = clock_now_ns();
	assert_int_equal(loop_run_once(loop, 30), 0);
	assert_true(clock_now_ns() - start >= 29000000u);
	loop_free(loop);
	loop_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_fire_in_deadline_order),
		cmocka_unit_test(test_timer_cancel),
		cmocka_unit_test(test_timers_changed_from_callbacks),
		cmocka_unit_test(test_fd_watch),
		cmocka_unit_test(test_watchers_changed_during_dispatch),
		cmocka_unit_test(test_signal_delivered_by_loop),
		cmocka_unit_test(test_run_until_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* loop.c: one poll() loop with fd watchers, one-shot timers and signals
 * delivered through a self-pipe (redis ae.c in spirit, sized for a parent
 * that watches a handful of worker sockets).
 *
 * Watchers live in an array indexed by fd.  Each round copies them into a
 * pollfd array; callbacks may add, change or remove watchers and timers
 * while the round is dispatched, so before calling a watcher we check that
 * it is still the same registration (a generation number: a closed worker
 * socket and its replacement often share an fd number) and still wants
 * the events.  Timers are an unsorted array: there are few of them (one or
 * two per worker) and a scan is cheaper than keeping a heap in order.
 *
 * Signals: the handler only sets a volatile sig_atomic_t flag and writes a
 * byte to a non-blocking pipe; the loop drains the pipe and calls the
 * callbacks (postgres postmaster.c).  The handler is process-wide, so the
 * signals go to the loop that installed one last: the program has one loop.
 */
#include "loop.h"

#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct watcher {
	int events;		/* LOOP_READ | LOOP_WRITE, 0 = unused */
	uint64_t gen;		/* changes with every new registration */
	loop_fd_fn *fn;
	void *ctx;
};

struct timer {
	uint64_t id;
	uint64_t when_ns;
	loop_timer_fn *fn;
	void *ctx;
};

struct sig {
	bool installed;
	loop_signal_fn *fn;
	void *ctx;
	struct sigaction old;
};

struct loop {
	struct watcher *w;	/* indexed by fd */
	int nw;			/* allocated entries of w */
	uint64_t next_gen;

	struct timer *t;
	size_t nt, tcap;
	uint64_t next_timer_id;

	struct pollfd *pfd;	/* scratch for one round */
	uint64_t *pgen;		/* generation of each pfd entry */
	size_t pcap;

	int sigpipe[2];
	struct sig sig[NSIG];

	uint64_t round;		/* counts loop_run_once() calls */

	bool stop;
};

/* Written by the handler, read by the loop.  Only async-signal-safe work
 * happens in the handler: set a flag, write one byte, restore errno.
 */
static volatile sig_atomic_t loop_sig_pending[NSIG];
static volatile sig_atomic_t loop_sig_any;
static volatile sig_atomic_t loop_sig_wfd = -1;

/* The handler for every signal the loop delivers. */
static void
loop_sig_handler(int signo)
{
	int saved = errno;
	int fd = loop_sig_wfd;

	if (signo > 0 && signo < NSIG)
		loop_sig_pending[signo] = 1;
	loop_sig_any = 1;
	/* A full pipe is fine: a byte is already waiting to wake the loop. */
	if (fd >= 0) {
		char c = 0;
		ssize_t n = write(fd, &c, 1);
		(void)n;
	}
	errno = saved;
}

/* Create an empty loop with its signal self-pipe. */
struct loop *
loop_new(void)
{
	struct loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return NULL;
	/* Both ends non-blocking (the handler must never block, the drain
	 * must stop when empty) and close-on-exec (workers must not hold
	 * them).
	 */
	if (pipe2(loop->sigpipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		free(loop);
		return NULL;
	}
	loop->next_gen = 1;
	loop->next_timer_id = 1;
	return loop;
}

/* Restore the signal handlers, close the pipe, free. */
void
loop_free(struct loop *loop)
{
	if (!loop)
		return;
	for (int s = 1; s < NSIG; s++)
		if (loop->sig[s].installed) {
			sigaction(s, &loop->sig[s].old, NULL);
			loop_sig_pending[s] = 0;
		}
	if (loop_sig_wfd == loop->sigpipe[1])
		loop_sig_wfd = -1;
	close(loop->sigpipe[0]);
	close(loop->sigpipe[1]);
	free(loop->w);
	free(loop->t);
	free(loop->pfd);
	free(loop->pgen);
	free(loop);
}

/* Add, change or (events 0) remove the watcher of fd. */
int
loop_watch(struct loop *loop, int fd, int events, loop_fd_fn *fn, void *ctx)
{
	if (fd < 0)
		return -1;
	events &= LOOP_READ | LOOP_WRITE;
	if (!events) {
		loop_unwatch(loop, fd);
		return 0;
	}
	if (!fn)
		return -1;
	if (fd >= loop->nw) {
		int n = loop->nw ? loop->nw : 16;
		struct watcher *w;

		while (n <= fd)
			n *= 2;
		w = realloc(loop->w, (size_t)n * sizeof(*w));
		if (!w)
			return -1;
		memset(w + loop->nw, 0, (size_t)(n - loop->nw) * sizeof(*w));
		loop->w = w;
		loop->nw = n;
	}
	/* A new registration (not a change of events on a live one) gets a
	 * new generation so events polled for the old one are dropped.
	 */
	if (!loop->w[fd].events || loop->w[fd].fn != fn ||
	    loop->w[fd].ctx != ctx)
		loop->w[fd].gen = loop->next_gen++;
	loop->w[fd].events = events;
	loop->w[fd].fn = fn;
	loop->w[fd].ctx = ctx;
	return 0;
}

/* Forget fd; events already polled for it are dropped. */
void
loop_unwatch(struct loop *loop, int fd)
{
	if (fd >= 0 && fd < loop->nw) {
		loop->w[fd].events = 0;
		loop->w[fd].fn = NULL;
		loop->w[fd].ctx = NULL;
	}
}

/* Arm a one-shot timer ms from now. */
uint64_t
loop_timer(struct loop *loop, uint64_t ms, loop_timer_fn *fn, void *ctx)
{
	struct timer *t;

	if (!fn)
		return 0;
	if (loop->nt == loop->tcap) {
		size_t cap = loop->tcap ? loop->tcap * 2 : 16;

		t = realloc(loop->t, cap * sizeof(*t));
		if (!t)
			return 0;
		loop->t = t;
		loop->tcap = cap;
	}
	if (ms > UINT64_MAX / 2000000u)
		ms = UINT64_MAX / 2000000u;
	t = &loop->t[loop->nt++];
	t->id = loop->next_timer_id++;
	t->when_ns = clock_now_ns() + ms * 1000000u;
	t->fn = fn;
	t->ctx = ctx;
	return t->id;
}

/* Disarm a timer; unknown or fired ids are ignored. */
void
loop_timer_cancel(struct loop *loop, uint64_t id)
{
	for (size_t i = 0; i < loop->nt; i++)
		if (loop->t[i].id == id) {
			loop->t[i] = loop->t[--loop->nt];
			return;
		}
}

/* Route signo to fn through the self-pipe, or restore it. */
int
loop_on_signal(struct loop *loop, int signo, loop_signal_fn *fn, void *ctx)
{
	struct sig *s;

	if (signo <= 0 || signo >= NSIG || signo == SIGKILL ||
	    signo == SIGSTOP)
		return -1;
	s = &loop->sig[signo];
	if (!fn) {
		if (s->installed && sigaction(signo, &s->old, NULL) < 0)
			return -1;
		s->installed = false;
		s->fn = NULL;
		s->ctx = NULL;
		loop_sig_pending[signo] = 0;
		return 0;
	}
	s->fn = fn;
	s->ctx = ctx;
	loop_sig_wfd = loop->sigpipe[1];
	if (!s->installed) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = loop_sig_handler;
		sigemptyset(&sa.sa_mask);
		/* SA_RESTART: a blocking read elsewhere in the parent must
		 * not fail with EINTR because a worker died.  poll() still
		 * returns EINTR, which the loop treats as a wake-up.
		 */
		sa.sa_flags = SA_RESTART;
		if (signo == SIGCHLD)
			sa.sa_flags |= SA_NOCLDSTOP;
		if (sigaction(signo, &sa, &s->old) < 0)
			return -1;
		s->installed = true;
	}
	return 0;
}

/* Drain the self-pipe and run the callbacks of the signals that came. */
static void
loop_dispatch_signals(struct loop *loop, bool readable)
{
	char buf[64];

	if (!readable && !loop_sig_any)
		return;
	while (read(loop->sigpipe[0], buf, sizeof(buf)) > 0)
		;
	if (!loop_sig_any)
		return;
	loop_sig_any = 0;
	for (int s = 1; s < NSIG; s++) {
		if (!loop_sig_pending[s])
			continue;
		loop_sig_pending[s] = 0;
		/* The callback may remove itself or free other signals'
		 * registrations: look it up afresh each time.
		 */
		if (loop->sig[s].installed && loop->sig[s].fn)
			loop->sig[s].fn(loop, s, loop->sig[s].ctx);
	}
}

/* Milliseconds until the first timer, rounded up; -1 when there is none. */
static int
loop_next_timeout(struct loop *loop, uint64_t now)
{
	uint64_t first = UINT64_MAX;
	uint64_t ms;

	for (size_t i = 0; i < loop->nt; i++)
		if (loop->t[i].when_ns < first)
			first = loop->t[i].when_ns;
	if (first == UINT64_MAX)
		return -1;
	if (first <= now)
		return 0;
	ms = (first - now + 999999u) / 1000000u;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* Run the timers that are due, earliest first (ties in creation order).
 * Timers created by the callbacks wait for the next round even when due,
 * so a callback that re-arms itself with 0 ms cannot starve the fds.
 */
static void
loop_dispatch_timers(struct loop *loop)
{
	uint64_t now = clock_now_ns();
	uint64_t last_id = loop->next_timer_id - 1;

	for (;;) {
		size_t best = SIZE_MAX;
		struct timer t;

		for (size_t i = 0; i < loop->nt; i++) {
			const struct timer *c = &loop->t[i];

			if (c->when_ns > now || c->id > last_id)
				continue;
			if (best == SIZE_MAX ||
			    c->when_ns < loop->t[best].when_ns ||
			    (c->when_ns == loop->t[best].when_ns &&
			     c->id < loop->t[best].id))
				best = i;
		}
		if (best == SIZE_MAX)
			return;
		t = loop->t[best];
		loop->t[best] = loop->t[--loop->nt];
		t.fn(loop, t.ctx);
	}
}

/* Make room for n pollfd entries. */
static int
loop_reserve_pfd(struct loop *loop, size_t n)
{
	struct pollfd *p;
	uint64_t *g;

	if (n <= loop->pcap)
		return 0;
	p = realloc(loop->pfd, n * sizeof(*p));
	if (!p)
		return -1;
	loop->pfd = p;
	g = realloc(loop->pgen, n * sizeof(*g));
	if (!g)
		return -1;
	loop->pgen = g;
	loop->pcap = n;
	return 0;
}

/* One poll() round: fds, then signals, then due timers. */
int
loop_run_once(struct loop *loop, int timeout_ms)
{
	size_t n = 0;
	int tmo, rc;
	bool sig_ready;
	uint64_t round = ++loop->round;

	if (loop_reserve_pfd(loop, (size_t)loop->nw + 1) < 0)
		return -1;
	loop->pfd[n].fd = loop->sigpipe[0];
	loop->pfd[n].events = POLLIN;
	loop->pfd[n].revents = 0;
	loop->pgen[n++] = 0;
	for (int fd = 0; fd < loop->nw; fd++) {
		const struct watcher *w = &loop->w[fd];

		if (!w->events)
			continue;
		loop->pfd[n].fd = fd;
		loop->pfd[n].events = (short)((w->events & LOOP_READ ?
						       POLLIN : 0) |
					      (w->events & LOOP_WRITE ?
						       POLLOUT : 0));
		loop->pfd[n].revents = 0;
		loop->pgen[n++] = w->gen;
	}

	tmo = loop_next_timeout(loop, clock_now_ns());
	if (timeout_ms >= 0 && (tmo < 0 || timeout_ms < tmo))
		tmo = timeout_ms;
	/* A signal that came before poll() left a byte in the pipe, so
	 * there is no window in which it could be missed.
	 */
	rc = poll(loop->pfd, (nfds_t)n, tmo);
	if (rc < 0 && errno != EINTR)
		return -1;
	sig_ready = rc > 0 && loop->pfd[0].revents;

	if (rc > 0) {
		for (size_t i = 1; i < n; i++) {
			int fd = loop->pfd[i].fd;
			short re = loop->pfd[i].revents;
			const struct watcher *w;
			int ev = 0;

			if (!re)
				continue;
			/* Still the registration we polled for? */
			if (fd >= loop->nw)
				continue;
			w = &loop->w[fd];
			if (!w->events || w->gen != loop->pgen[i])
				continue;
			if (re & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
				ev |= LOOP_READ;
			if (re & POLLOUT)
				ev |= LOOP_WRITE;
			/* Hang-up and errors always go to the reader;
			 * plain readiness only when still wanted.
			 */
			if (!(re & (POLLHUP | POLLERR | POLLNVAL)))
				ev &= w->events;
			if (!ev)
				continue;
			w->fn(loop, fd, ev, w->ctx);
			/* A callback that ran the loop itself (pool_new()
			 * from a callback) reused the pollfd array: leave
			 * the rest to the next round, poll is level-triggered.
			 */
			if (loop->round != round)
				break;
		}
	}
	/* The flag is checked every round, not only when the pipe polled
	 * readable: robust if the handler ran before loop_sig_wfd pointed at
	 * this loop, and it costs no system call.
	 */
	loop_dispatch_signals(loop, sig_ready);
	loop_dispatch_timers(loop);
	return 0;
}

/* Run rounds until loop_stop(). */
int
loop_run(struct loop *loop)
{
	loop->stop = false;
	while (!loop->stop)
		if (loop_run_once(loop, -1) < 0)
			return -1;
	return 0;
}

/* Make loop_run() return after the current round. */
void
loop_stop(struct loop *loop)
{
	loop->stop = true;
}

/* loop.h: one poll() loop with fd watchers, timers and signals (redis ae
 * sized).  The parent runs everything on it: worker sockets, the signal
 * self-pipe and, in `serve`, the HTTP library's fd.  No threads.
 */
#ifndef IMGOPT_LOOP_H
#define IMGOPT_LOOP_H

#include <stdint.h>

struct loop;

#define LOOP_READ 1
#define LOOP_WRITE 2

typedef void loop_fd_fn(struct loop *loop, int fd, int events, void *ctx);
typedef void loop_timer_fn(struct loop *loop, void *ctx);
typedef void loop_signal_fn(struct loop *loop, int signo, void *ctx);

struct loop *loop_new(void);
/* Accepts NULL.  Restores the signal handlers it installed. */
void loop_free(struct loop *loop);

/* Watch fd for LOOP_READ and/or LOOP_WRITE (events 0 removes it).  The
 * callback gets the events that are ready (POLLHUP/POLLERR reported as
 * LOOP_READ so the reader sees EOF, even when only LOOP_WRITE was asked
 * for).  Callbacks may add, change and remove watchers and timers; an fd
 * removed (or closed and watched again) during a round gets no stale
 * events from that round.  Unwatch an fd before closing it.  Returns 0 or
 * -1.
 */
int loop_watch(struct loop *loop, int fd, int events, loop_fd_fn *fn,
	       void *ctx);
void loop_unwatch(struct loop *loop, int fd);

/* One-shot timer after ms milliseconds (CLOCK_MONOTONIC); returns an id
 * > 0, or 0 on error.  Due timers run earliest first, ties in creation
 * order; one created by a callback runs in a later round at the earliest.
 */
uint64_t loop_timer(struct loop *loop, uint64_t ms, loop_timer_fn *fn,
		    void *ctx);
void loop_timer_cancel(struct loop *loop, uint64_t id);

/* Deliver signo (SIGCHLD, SIGINT, SIGTERM, ...) to fn from the loop, not
 * from the handler: the handler only writes a byte to a self-pipe.  One
 * callback per signal; fn NULL restores the disposition it replaced
 * (normally the default).  The handler is installed with SA_RESTART.
 * Handlers are process-wide: signals go to the loop that installed one
 * last, so a program has one loop with signals.  Returns 0 or -1.
 */
int loop_on_signal(struct loop *loop, int signo, loop_signal_fn *fn,
		   void *ctx);

/* Run one poll() round: wait at most timeout_ms (-1 = until something
 * happens, bounded by the next timer), then run the ready callbacks.
 * Returns 0, or -1 on a poll() error other than EINTR.
 */
int loop_run_once(struct loop *loop, int timeout_ms);

/* Run rounds until loop_stop(). */
int loop_run(struct loop *loop);
void loop_stop(struct loop *loop);

#endif

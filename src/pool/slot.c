/* slot.c: one worker process and its socket (slot.h).
 *
 * The parent's end of the socketpair is non-blocking and watched by the
 * loop; frames to the worker go straight to the socket and only what it
 * does not take is buffered, so the loop watches for LOOP_WRITE only
 * while bytes are waiting.
 *
 * A death is seen twice (DESIGN.md): EOF on the socket, and the reap.
 * Only the reap reports it (ops->exited), because only the wait status
 * can say "killed by signal 11"; EOF only stops reading and, if the
 * process lingers, kills it.  Before reporting, the socket is drained: a
 * worker that replied and then crashed on its next task has its reply
 * delivered, not lost.
 */
#include "slot.h"

#include "base/clock.h"
#include "base/loop.h"
#include "pool.h"
#include "proto.h"
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

/* A worker that has not said READY by then is hung in its start-up. */
#define SLOT_READY_TIMEOUT_MS 10000
/* A worker that closed its socket but has not exited by then is killed;
 * then its reap is polled for, in case SIGCHLD never comes (someone reset
 * the handler).
 */
#define SLOT_EOF_KILL_MS 1000
#define SLOT_REAP_POLL_MS 50

static void slot_on_io(struct loop *loop, int fd, int events, void *ctx);
static void slot_on_ready_timer(struct loop *loop, void *ctx);
static void slot_on_eof_timer(struct loop *loop, void *ctx);

/* An empty slot. */
void
slot_init(struct slot *s, struct loop *loop, char *const *argv,
	  struct pool_worker_stats *stats, const struct slot_ops *ops,
	  void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->loop = loop;
	s->argv = argv;
	s->stats = stats;
	s->ops = ops;
	s->ctx = ctx;
	s->fd = -1;
}

/* Close the parent's end of the slot's socket. */
static void
slot_close(struct slot *s)
{
	if (s->fd >= 0) {
		loop_unwatch(s->loop, s->fd);
		close(s->fd);
		s->fd = -1;
	}
	s->out_off = s->out_len = 0;
}

/* Close and free; the process is gone. */
void
slot_release(struct slot *s)
{
	slot_close(s);
	proto_reader_free(s->rd);
	s->rd = NULL;
	free(s->out);
	s->out = NULL;
	s->out_cap = 0;
}

/* Disarm the slot's READY and reap timers. */
static void
slot_cancel_timers(struct slot *s)
{
	if (s->ready_timer) {
		loop_timer_cancel(s->loop, s->ready_timer);
		s->ready_timer = 0;
	}
	if (s->eof_timer) {
		loop_timer_cancel(s->loop, s->eof_timer);
		s->eof_timer = 0;
	}
}

/* Socketpair, posix_spawn, watch: a new process in the slot. */
int
slot_spawn(struct slot *s, char *err, size_t err_size)
{
	/* Before posix_spawn: it returns only after the exec (vfork). */
	uint64_t t0 = clock_now_ns();
	int sv[2];
	pid_t pid;

	/* SOCK_STREAM: the worker reads a header then a payload with
	 * blocking reads, which a SEQPACKET socket would truncate.
	 */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, err_size, "cannot create a worker socket: %s",
			 strerror(errno));
		return -1;
	}
	/* Only the parent's end is non-blocking: the worker blocks. */
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0) {
		snprintf(err, err_size, "cannot create a worker socket: %s",
			 strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	pid = spawn_worker(s->argv, sv[1], err, err_size);
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -1;
	}
	if (s->spawn_ns)
		s->stats->respawns++;
	s->spawn_ns = t0;
	s->pid = pid;
	s->fd = sv[0];
	s->state = SLOT_STARTING;
	s->write_failed = false;
	s->ready_seen = false;
	s->kill_reason = NULL;
	s->last_words[0] = '\0';
	s->out_off = s->out_len = 0;
	proto_reader_free(s->rd);
	s->rd = proto_reader_new();
	if (!s->rd ||
	    loop_watch(s->loop, s->fd, LOOP_READ, slot_on_io, s) < 0) {
		/* The process is ours now: the reap will settle it. */
		kill(s->pid, SIGKILL);
		s->state = SLOT_DYING;
		slot_close(s);
		snprintf(err, err_size,
			 "cannot watch a worker socket: out of memory");
		return -1;
	}
	s->ready_timer = loop_timer(s->loop, SLOT_READY_TIMEOUT_MS,
				    slot_on_ready_timer, s);
	return 0;
}

/* SIGKILL the process and stop talking to it. */
void
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
	if (s->pid > 0)
		s->eof_timer = loop_timer(s->loop, SLOT_EOF_KILL_MS,
					  slot_on_eof_timer, s);
}

/* Keep a LAST_WORDS frame for the death message, on one line. */
static void
slot_keep_last_words(struct slot *s, const void *p, size_t len)
{
	size_t n = len < sizeof(s->last_words) - 1 ? len :
						     sizeof(s->last_words) - 1;

	memcpy(s->last_words, p, n);
	s->last_words[n] = '\0';
	while (n > 0 && (s->last_words[n - 1] == '\n' ||
			 s->last_words[n - 1] == ' '))
		s->last_words[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (s->last_words[i] == '\n' || s->last_words[i] == '\0')
			s->last_words[i] = ' ';
}

/* A READY, RESULT or LAST_WORDS frame from the slot's worker. */
static void
slot_frame(struct slot *s, const struct proto_header *h, const void *p)
{
	switch (h->type) {
	case PROTO_READY:
		if (s->state != SLOT_STARTING)
			return;
		s->state = SLOT_READY;
		s->ready_seen = true;
		s->stats->spawn_ready_ns = clock_now_ns() - s->spawn_ns;
		if (s->ready_timer) {
			loop_timer_cancel(s->loop, s->ready_timer);
			s->ready_timer = 0;
		}
		s->ops->ready(s->ctx);
		return;
	case PROTO_RESULT:
		s->ops->result(s->ctx, h->id, p, h->len);
		return;
	case PROTO_LAST_WORDS:
	case PROTO_FATAL:
		/* FATAL comes before the exit, LAST_WORDS before a crash:
		 * either way it explains the death.
		 */
		slot_keep_last_words(s, p, h->len);
		return;
	default:
		s->ops->broken(s->ctx, "worker sent an unknown frame");
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

	/* A frame may get the slot killed (protocol error): stop there. */
	while (s->fd >= 0 && (rc = proto_reader_next(s->rd, &h, &p)) != 0) {
		if (rc < 0) {
			s->ops->broken(s->ctx, "worker sent a malformed frame");
			return;
		}
		slot_frame(s, &h, p);
	}
}

/* EOF or a read error: the worker is going.  Stop reading; the reap
 * reports it with the real cause.
 */
static void
slot_lost(struct slot *s)
{
	slot_close(s);
	if (s->pid <= 0 || s->eof_timer)
		return;
	s->eof_timer = loop_timer(s->loop, SLOT_EOF_KILL_MS, slot_on_eof_timer,
				  s);
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
		loop_watch(s->loop, s->fd, LOOP_READ, slot_on_io, s);
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
	loop_watch(s->loop, s->fd, LOOP_READ, slot_on_io, s);
}

/* Is the worker ready and its socket writable? */
bool
slot_can_send(const struct slot *s)
{
	return s->state == SLOT_READY && s->fd >= 0 && !s->write_failed;
}

/* Write one frame now, buffering the part the socket did not take. */
int
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
	loop_watch(s->loop, s->fd, LOOP_READ | LOOP_WRITE, slot_on_io, s);
	return 0;
}

/* The process has been reaped (status, or -1): deliver what it wrote
 * before dying, close, and tell the owner.
 */
static void
slot_exited(struct slot *s, int status)
{
	bool killed;

	s->pid = 0;
	slot_cancel_timers(s);
	/* What it wrote before dying is all in the socket now: replies
	 * still count, last words still attach.  slot_read() stops at EOF.
	 */
	while (s->fd >= 0 && slot_read(s) > 0)
		;
	slot_close(s);
	killed = s->state == SLOT_DYING;
	s->state = SLOT_EMPTY;
	s->ops->exited(s->ctx, status, killed);
}

/* Reap without waiting; report an exit. */
void
slot_reap(struct slot *s)
{
	int status = 0;
	pid_t r;

	if (s->pid <= 0)
		return;
	do {
		r = waitpid(s->pid, &status, WNOHANG);
	} while (r < 0 && errno == EINTR);
	if (r == s->pid)
		slot_exited(s, status);
	else if (r < 0 && errno == ECHILD)
		slot_exited(s, -1);
}

/* Fd callback for the worker socket. */
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
	s->ops->events_done(s->ctx);
}

/* No READY in time: hung in its start-up, a start failure like a death. */
static void
slot_on_ready_timer(struct loop *loop, void *ctx)
{
	struct slot *s = ctx;

	(void)loop;
	s->ready_timer = 0;
	if (s->state == SLOT_STARTING)
		s->ops->broken(s->ctx, "worker did not become ready in time");
}

/* The socket closed some time ago but the process has not been reaped:
 * kill it if it lingers, and look for its exit ourselves from now on.
 */
static void
slot_on_eof_timer(struct loop *loop, void *ctx)
{
	struct slot *s = ctx;
	int status = 0;
	pid_t r;

	s->eof_timer = 0;
	if (s->pid <= 0)
		return;
	r = waitpid(s->pid, &status, WNOHANG);
	if (r == s->pid || (r < 0 && errno == ECHILD)) {
		slot_exited(s, r == s->pid ? status : -1);
		s->ops->events_done(s->ctx);
		return;
	}
	if (!s->kill_reason)
		s->kill_reason = "worker closed its connection";
	kill(s->pid, SIGKILL);
	s->eof_timer = loop_timer(loop, SLOT_REAP_POLL_MS, slot_on_eof_timer,
				  s);
}

/* "worker killed by signal 11 (SIGSEGV)", plus the last words. */
const char *
slot_death_message(const struct slot *s, int status, char *buf, size_t size)
{
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
	if (s->last_words[0] && WIFEXITED(status) &&
	    WEXITSTATUS(status) == PROTO_EXIT_FATAL)
		/* The worker said why it cannot start: that is the message. */
		snprintf(buf, size, "%s", s->last_words);
	else if (s->last_words[0])
		snprintf(buf, size, "%s: %s", what, s->last_words);
	else
		snprintf(buf, size, "%s", what);
	return buf;
}

/* QUIT, or SIGKILL, for pool_free(). */
void
slot_stop(struct slot *s, bool now)
{
	slot_cancel_timers(s);
	if (s->pid <= 0)
		return;
	/* A worker with tasks would finish them before reading QUIT, and
	 * the owner has settled their outcomes already.
	 */
	if (now || s->state == SLOT_DYING || s->fd < 0 || s->write_failed ||
	    slot_send(s, PROTO_QUIT, 0, NULL, 0) < 0 || s->out_len > 0)
		kill(s->pid, SIGKILL);
}

/* Reap quietly if it has exited. */
bool
slot_gone(struct slot *s)
{
	int status;
	pid_t r;

	if (s->pid <= 0)
		return true;
	r = waitpid(s->pid, &status, WNOHANG);
	if (r == s->pid || (r < 0 && errno == ECHILD))
		s->pid = 0;
	return s->pid <= 0;
}

/* SIGKILL and a blocking wait. */
void
slot_kill_wait(struct slot *s)
{
	int status;

	if (s->pid <= 0)
		return;
	kill(s->pid, SIGKILL);
	while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
		;
	s->pid = 0;
}

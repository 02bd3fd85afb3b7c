/* slot.h: one worker process of the pool and the socket to it (internal
 * to src/pool).
 *
 * A slot spawns its worker (spawn.h) with one end of a socketpair, waits
 * for the READY frame, moves frames both ways without blocking, sees the
 * death twice (EOF on the socket, then the reap) and can say why the
 * process ended.  It knows nothing of tasks: its owner (pool.c) hears of
 * READY and RESULT frames, protocol errors and the reap through struct
 * slot_ops, decides what they mean for the tasks, and decides whether to
 * spawn again.
 *
 * Caller-owned: slot_init() ... slot_release().  The owner reads the
 * fields marked "read-only" directly and changes a slot only through these
 * functions.  The callbacks run from the slot's loop callbacks and from
 * slot_reap(), never from the other functions here.
 */
#ifndef IMGOPT_SLOT_H
#define IMGOPT_SLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct loop;
struct pool_worker_stats;
struct proto_reader;

#define SLOT_LAST_WORDS_MAX 512

enum slot_state {
	SLOT_EMPTY,	/* no process */
	SLOT_STARTING,	/* spawned, waiting for its READY frame */
	SLOT_READY,	/* takes frames */
	SLOT_DYING,	/* killed by slot_kill(), waiting for the reap */
};

/* What the slot tells its owner; ctx is slot_init()'s. */
struct slot_ops {
	/* The worker sent READY; the slot is SLOT_READY now. */
	void (*ready)(void *ctx);
	/* The worker sent RESULT; payload is valid during the call only.
	 * Whether it answers the task in progress is the owner's to check.
	 */
	void (*result)(void *ctx, uint64_t id, const void *payload,
		       size_t len);
	/* The worker broke the protocol, or did not say READY in time.  The
	 * slot is unchanged: the owner is expected to slot_kill() it and
	 * settle its tasks.
	 */
	void (*broken)(void *ctx, const char *reason);
	/* The process has been reaped: status is its wait status, or -1
	 * when it was gone without one (someone else reaped it).  Frames it
	 * sent before dying have gone through the callbacks above first,
	 * unless it was killed (slot_kill() closes the socket).  The slot
	 * is SLOT_EMPTY with its socket closed; killed says it had been
	 * slot_kill()ed.  The owner may slot_death_message() and
	 * slot_spawn() again.
	 */
	void (*exited)(void *ctx, int status, bool killed);
	/* After the slot handled socket events, or a reap it found on its
	 * own: the owner may have new room to send frames.  Not called after
	 * slot_reap().
	 */
	void (*events_done)(void *ctx);
};

struct slot {
	/* Read-only for the owner. */
	enum slot_state state;
	pid_t pid;		/* 0 when there is no unreaped process */
	bool ready_seen;	/* this process sent READY */
	/* Why the process was killed (slot_kill(), or the slot gave up
	 * waiting for it to exit after EOF), NULL while it was not.
	 */
	const char *kill_reason;

	/* Private. */
	struct loop *loop;
	char *const *argv;
	struct pool_worker_stats *stats;
	const struct slot_ops *ops;
	void *ctx;
	int fd;			/* parent's end, -1 when closed */
	bool write_failed;	/* peer gone: read what is left, send nothing */
	struct proto_reader *rd;
	/* Frame bytes the socket did not take yet. */
	unsigned char *out;
	size_t out_off, out_len, out_cap;
	uint64_t ready_timer;	/* READY deadline while SLOT_STARTING */
	uint64_t eof_timer;	/* kill, then poll for the reap, after EOF */
	uint64_t spawn_ns;	/* last spawn, 0 before the first */
	char last_words[SLOT_LAST_WORDS_MAX];
};

/* Make s an empty slot.  argv (the worker command, see spawn_worker()),
 * stats (the slot's respawns and spawn_ready_ns are kept there) and ops
 * are borrowed and must outlive the slot.
 */
void slot_init(struct slot *s, struct loop *loop, char *const *argv,
	       struct pool_worker_stats *stats, const struct slot_ops *ops,
	       void *ctx);

/* Close the socket and free the buffers, once there is no process left
 * (pid 0: reaped, or slot_kill_wait()).
 */
void slot_release(struct slot *s);

/* Start a process in the empty slot; it is SLOT_STARTING until READY.
 * Returns 0, or -1 with a message in err when the program cannot be run
 * or out of fds or memory; the slot is then SLOT_EMPTY, or SLOT_DYING
 * with a process that its reap will report.
 */
int slot_spawn(struct slot *s, char *err, size_t err_size);

/* Can a frame be sent to the worker now?  True when it is SLOT_READY and
 * its socket is open and writable.
 */
bool slot_can_send(const struct slot *s);

/* Queue one frame to the worker: straight to the socket when nothing is
 * waiting (the usual case), else behind the buffered bytes, which the
 * loop flushes.  Returns 0, or -1 when the worker is gone or memory ran
 * out; then nothing more is sent to this process.
 */
int slot_send(struct slot *s, uint32_t type, uint64_t id, const void *payload,
	      size_t len);

/* SIGKILL the process and close the socket; SLOT_DYING until its reap
 * comes through ops->exited (killed true).  reason, a string that lives
 * as long as the slot (a literal), becomes kill_reason unless that is set
 * already.  Never calls back.
 */
void slot_kill(struct slot *s, const char *reason);

/* Reap the process if it has ended, without waiting, and report that
 * through ops->exited.  For the owner's SIGCHLD callback.
 */
void slot_reap(struct slot *s);

/* Describe how the process ended (status as in ops->exited), with its
 * last words when it sent any, e.g. "worker killed by signal 11
 * (SIGSEGV)".  Writes buf and returns it.
 */
const char *slot_death_message(const struct slot *s, int status, char *buf,
			       size_t size);

/* Shutdown, without callbacks: disarm the slot's timers, then send QUIT,
 * or SIGKILL the process when now is set, when it is being killed or
 * when QUIT cannot be written at once.
 */
void slot_stop(struct slot *s, bool now);

/* Shutdown: reap the process without waiting and without callbacks.
 * Returns true when there is no process left.
 */
bool slot_gone(struct slot *s);

/* Shutdown: SIGKILL the process and wait for it, without callbacks. */
void slot_kill_wait(struct slot *s);

#endif

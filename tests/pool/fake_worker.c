/* fake_worker.c: a worker for the pool tests that does what each task's
 * payload says (git's t/helper/test-run-command.c idea).
 *
 * It speaks the real protocol (proto.h) on fd 3: READY with its pid, then
 * one RESULT per TASK, in order, until QUIT or EOF.  Payloads:
 *   ok:<text>          reply <text>
 *   sleep:<ms>         sleep, reply "slept"
 *   pid                reply the worker's pid
 *   crash              die by SIGSEGV
 *   abort-words        send LAST_WORDS "failed to allocate 123 bytes", abort
 *   hang               never reply
 *   exit:<n>           _exit(n)
 *   crash-once:<file>  crash unless <file> exists (creating it first)
 *   bloat              touch up to 200 MB, reply "bloated"
 *   deaf               reply "deaf", then ignore QUIT from now on
 *   len:<bytes>        reply the payload's length (large TASK frames)
 *   big:<n>            reply n bytes (large RESULT frames)
 *   bad-reply          reply with the wrong task id
 *   close              close the socket, then hang
 *   fds                reply the open descriptors, e.g. "0 1 2 3"
 *   sigs               reply "SigBlk SigIgn" from /proc/self/status
 * Environment:
 *   FAKE_WORKER_FAIL_START=n  exit(n) before READY
 *   FAKE_WORKER_IDLE_EXIT=1   exit(0) right after READY
 *   FAKE_WORKER_STATE_DIR=d   keep d/<pid> locked (flock) except while
 *                             sleeping in a "sleep:" task, with the task
 *                             id in it: a test that gets the lock knows
 *                             which task a SIGKILL would hit.
 * Unknown arguments are ignored (the real worker refuses them).
 */
#include "pool/proto.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define FAKE_FD 3

static int fake_state_fd = -1;
static int fake_deaf;

/* Die by sig for real: the sanitizers catch SIGSEGV and would turn it
 * into an exit status.
 */
static void
fake_die(int sig)
{
	signal(sig, SIG_DFL);
	raise(sig);
	_exit(99);
}

/* Sleep ms milliseconds, through signals. */
static void
fake_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Send a RESULT for id; a dead parent ends the worker. */
static void
fake_reply(uint64_t id, const char *text)
{
	if (proto_write_frame(FAKE_FD, PROTO_RESULT, id, text, strlen(text)) <
	    0)
		_exit(4);
}

/* A "sleep:" task with the state file: unlocked only while sleeping. */
static void
fake_sleep_task(uint64_t id, long ms)
{
	if (fake_state_fd >= 0) {
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", id);

		if (ftruncate(fake_state_fd, 0) < 0 ||
		    pwrite(fake_state_fd, buf, (size_t)n, 0) != n)
			_exit(5);
		flock(fake_state_fd, LOCK_UN);
	}
	fake_sleep_ms(ms);
	if (fake_state_fd >= 0)
		while (flock(fake_state_fd, LOCK_EX) < 0 && errno == EINTR)
			;
}

/* Do what the payload says. */
/* The descriptors this process has open, ascending, space-separated. */
static void
fake_fds(char *out, size_t size)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fds[256], n = 0;
	size_t len = 0;

	out[0] = '\0';
	if (!d)
		return;
	while ((e = readdir(d)) && n < 256)
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d))
			fds[n++] = atoi(e->d_name);
	closedir(d);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (fds[j] < fds[i]) {
				int t = fds[i];

				fds[i] = fds[j];
				fds[j] = t;
			}
	for (int i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%d",
					i ? " " : "", fds[i]);
}

/* SigBlk and SigIgn of this process, as hex masks. */
static void
fake_sigs(char *out, size_t size)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256], blk[32] = "?", ign[32] = "?";

	if (f) {
		while (fgets(line, sizeof(line), f)) {
			sscanf(line, "SigBlk: %31s", blk);
			sscanf(line, "SigIgn: %31s", ign);
		}
		fclose(f);
	}
	snprintf(out, size, "%s %s", blk, ign);
}

/* Do what the payload says. */
static void
fake_task(uint64_t id, const char *p)
{
	char buf[512];

	if (!strncmp(p, "ok:", 3)) {
		fake_reply(id, p + 3);
	} else if (!strncmp(p, "sleep:", 6)) {
		fake_sleep_task(id, atol(p + 6));
		fake_reply(id, "slept");
	} else if (!strcmp(p, "pid")) {
		snprintf(buf, sizeof(buf), "%ld", (long)getpid());
		fake_reply(id, buf);
	} else if (!strcmp(p, "crash")) {
		fake_die(SIGSEGV);
	} else if (!strcmp(p, "abort-words")) {
		const char *w = "failed to allocate 123 bytes";

		proto_write_frame(FAKE_FD, PROTO_LAST_WORDS, id, w, strlen(w));
		fake_die(SIGABRT);
	} else if (!strcmp(p, "hang")) {
		for (;;)
			pause();
	} else if (!strncmp(p, "exit:", 5)) {
		_exit(atoi(p + 5));
	} else if (!strncmp(p, "crash-once:", 11)) {
		int fd = open(p + 11, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			      0600);

		if (fd >= 0) {
			close(fd);
			fake_die(SIGSEGV);
		}
		fake_reply(id, "second time lucky");
	} else if (!strncmp(p, "len:", 4)) {
		snprintf(buf, sizeof(buf), "%zu", strlen(p));
		fake_reply(id, buf);
	} else if (!strncmp(p, "big:", 4)) {
		size_t n = (size_t)atol(p + 4);
		char *m = malloc(n + 1);

		memset(m, 'b', n);
		m[n] = '\0';
		fake_reply(id, m);
		free(m);
	} else if (!strcmp(p, "bad-reply")) {
		if (proto_write_frame(FAKE_FD, PROTO_RESULT, id + 1, "x", 1) <
		    0)
			_exit(4);
	} else if (!strcmp(p, "close")) {
		close(FAKE_FD);
		for (;;)
			pause();
	} else if (!strcmp(p, "fds")) {
		fake_fds(buf, sizeof(buf));
		fake_reply(id, buf);
	} else if (!strcmp(p, "sigs")) {
		fake_sigs(buf, sizeof(buf));
		fake_reply(id, buf);
	} else if (!strcmp(p, "deaf")) {
		fake_deaf = 1;
		fake_reply(id, "deaf");
	} else if (!strcmp(p, "bloat")) {
		/* Kept (reachable) on purpose: the point is to grow. */
		static char *kept[200];
		size_t step = 1u << 20;

		for (size_t i = 0; i < 200 && !kept[i]; i++) {
			kept[i] = malloc(step);
			if (!kept[i])
				break;
			memset(kept[i], 1, step);
		}
		fake_reply(id, "bloated");
	} else {
		fake_reply(id, "unknown task");
	}
}

/* Handshake, then tasks until QUIT or EOF. */
int
main(int argc, char **argv)
{
	long parent = 0;
	const char *dir = getenv("FAKE_WORKER_STATE_DIR");
	const char *fail = getenv("FAKE_WORKER_FAIL_START");

	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--parent-pid"))
			parent = atol(argv[i + 1]);
	/* Never outlive a test that crashed. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (parent && getppid() != parent)
		return 1;
	if (fail && atoi(fail))
		exit(atoi(fail));
	if (dir) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%ld", dir, (long)getpid());
		fake_state_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fake_state_fd < 0 || flock(fake_state_fd, LOCK_EX) < 0)
			return 6;
	}
	if (proto_write_frame(FAKE_FD, PROTO_READY, (uint64_t)getpid(), NULL,
			      0) < 0)
		return 7;
	if (getenv("FAKE_WORKER_IDLE_EXIT"))
		return 0;
	for (;;) {
		struct proto_header h;
		void *payload;
		int rc = proto_read_frame(FAKE_FD, &h, &payload);

		if (rc <= 0 && fake_deaf)
			for (;;)
				pause();
		if (rc <= 0)
			return rc == 0 ? 0 : 8;
		if (h.type == PROTO_QUIT && !fake_deaf) {
			free(payload);
			return 0;
		}
		if (h.type == PROTO_TASK)
			fake_task(h.id, payload);
		free(payload);
	}
}

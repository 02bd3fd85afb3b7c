/* worker.c: a persistent worker process (see worker.h). */
#include "worker.h"

#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "codec/codec.h"
#include "convert.h"
#include "message/message.h"
#include "pool/proto.h"

#if defined(__SANITIZE_ADDRESS__)
#define WORKER_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WORKER_SANITIZED 1
#endif
#endif

static int memory_mb;

/* GLib aborts on allocation failure (g_error): say why before dying, so
 * the parent's message reads "... out of memory" instead of a bare signal.
 * Only write(2) here: the heap may be exhausted.
 */
static void
last_words(const gchar *domain, GLogLevelFlags level, const gchar *message,
	   gpointer data)
{
	char text[512];
	int n;

	(void)data;
	if (!(level & (G_LOG_LEVEL_ERROR | G_LOG_FLAG_FATAL |
		       G_LOG_LEVEL_CRITICAL)))
		return;
	if (memory_mb > 0 && message && strstr(message, "allocate"))
		n = snprintf(text, sizeof(text),
			     "out of memory (memory limit %d MB): %s",
			     memory_mb, message);
	else
		n = snprintf(text, sizeof(text), "%s%s%s", domain ? domain : "",
			     domain ? ": " : "", message ? message : "");
	if (n > 0 && level & (G_LOG_LEVEL_ERROR | G_LOG_FLAG_FATAL))
		proto_write_frame(WORKER_FD, PROTO_LAST_WORDS, 0, text,
				  (size_t)n < sizeof(text) ? (size_t)n :
							     sizeof(text) - 1);
}

/* Bound the heap.  RLIMIT_DATA (Linux >= 4.7) counts brk and private
 * writable mappings: what image buffers grow.  RLIMIT_AS would also count
 * reserved-but-unused malloc arenas and thread stacks, and refuse work
 * long before memory is really used.  Sanitizer builds reserve terabytes of
 * shadow memory, so there the limit is left off.
 */
static void
limit_memory(int mb)
{
#ifdef WORKER_SANITIZED
	(void)mb;
	memory_mb = 0;
#else
	struct rlimit rl;

	if (mb <= 0)
		return;
	rl.rlim_cur = rl.rlim_max = (rlim_t)mb << 20;
	if (setrlimit(RLIMIT_DATA, &rl) != 0)
		memory_mb = 0;
#endif
}

/* Test hooks, active only when the variable is set (fault tests): an input
 * whose path contains IMGOPT_TEST_HANG_ON hangs, one containing
 * IMGOPT_TEST_CRASH_ON crashes the worker.
 */
static void
test_hooks(const char *path)
{
	const char *hang = getenv("IMGOPT_TEST_HANG_ON");
	const char *crash = getenv("IMGOPT_TEST_CRASH_ON");

	if (hang && *hang && strstr(path, hang))
		for (;;)
			pause();
	if (crash && *crash && strstr(path, crash))
		raise(SIGSEGV);
}

static void
mark_memory_error(struct codec_reply *reply)
{
	char text[CODEC_ERROR_MAX + 64];

	if (memory_mb <= 0 || !(strstr(reply->error, "out of memory") ||
				strstr(reply->error, "allocate")))
		return;
	snprintf(text, sizeof(text), "memory limit %d MB exceeded (%s)",
		 memory_mb, reply->error);
	/* Cut to fit: the reason's start is what matters. */
	text[sizeof(reply->error) - 1] = '\0';
	memcpy(reply->error, text, sizeof(reply->error));
}

/* Decode one task, run it, send the reply. */
static int
serve_task(uint64_t id, const void *payload, size_t len)
{
	struct msg_task task;
	struct codec_request req;
	struct codec_reply reply;
	struct msg_reply msg;
	void *out;
	size_t out_len;
	int rc;

	memset(&reply, 0, sizeof(reply));
	if (msg_task_decode(payload, len, &task) != 0) {
		snprintf(reply.error, sizeof(reply.error),
			 "internal error: malformed task");
	} else {
		convert_task_to_request(&task, &req);
		test_hooks(req.input_path);
		codec_run(&req, &reply);
		mark_memory_error(&reply);
		msg_release(&msg_task_schema, &task);
	}
	convert_reply_to_message(&reply, &msg);
	out = msg_reply_encode(&msg, &out_len);
	msg_release(&msg_reply_schema, &msg);
	rc = proto_write_frame(WORKER_FD, PROTO_RESULT, id, out, out_len);
	free(out);
	return rc;
}

/* The worker cannot start: say why in a FATAL frame, and exit with the
 * status that tells the pool not to try again.
 */
static int
worker_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
worker_fatal(const char *fmt, ...)
{
	char text[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n > 0)
		proto_write_frame(WORKER_FD, PROTO_FATAL, 0, text,
				  (size_t)n < sizeof(text) ? (size_t)n :
							     sizeof(text) - 1);
	return PROTO_EXIT_FATAL;
}

/* An integer option value lo..hi, else -1 (and *v untouched). */
static int
worker_int_arg(const char *s, long lo, long hi, long *v)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(s, &end, 10);
	if (errno || end == s || *end || x < lo || x > hi)
		return -1;
	*v = x;
	return 0;
}

int
worker_main(int argc, char **argv)
{
	long parent = 0, threads = 1, memory = 0;
	char err[512];
	struct proto_header h;
	void *payload;
	int rc;

	/* Die with the parent; if it is already gone, go now. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN); /* Ctrl-C is the parent's to handle */
	for (int i = 1; i < argc; i += 2) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] :
								 NULL;
		long *dst = !strcmp(opt, "--threads")	 ? &threads :
			    !strcmp(opt, "--memory")	 ? &memory :
			    !strcmp(opt, "--parent-pid") ? &parent :
							   NULL;

		if (!dst)
			return worker_fatal("worker: unknown argument '%s'",
					    opt);
		if (!val || worker_int_arg(val, 0,
					   dst == &threads ? 1024 : INT32_MAX,
					   dst))
			return worker_fatal("worker: bad value for %s: '%s'",
					    opt, val ? val : "");
	}
	if (parent > 0 && getppid() != (pid_t)parent)
		return 0;
	memory_mb = (int)memory;
	limit_memory(memory_mb);
	g_log_set_default_handler(last_words, NULL);
	g_log_set_handler("GLib", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL,
			  last_words, NULL);
	if (codec_init(argv[0], (int)threads, err, sizeof(err)) != 0)
		return worker_fatal("%s", err);
	if (proto_write_frame(WORKER_FD, PROTO_READY, (uint64_t)getpid(),
			      NULL, 0) != 0)
		return 0;
	while ((rc = proto_read_frame(WORKER_FD, &h, &payload)) == 1) {
		if (h.type == PROTO_QUIT) {
			free(payload);
			break;
		}
		if (h.type == PROTO_TASK &&
		    serve_task(h.id, payload, h.len) != 0) {
			free(payload);
			break;
		}
		free(payload);
	}
	codec_shutdown();
	return 0;
}

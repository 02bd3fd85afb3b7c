/* optimizer.c: the ImageOptimizer (include/imgopt/optimizer.h).
 *
 * Policy on top of the pool's mechanism: the pool pulls tasks through
 * feed_next_task() whenever a worker has room, so the walk stays lazy and
 * only a bounded window of tasks lives in memory.  Within that window the
 * largest file goes first, so no core idles at the tail of a batch while
 * one big image is still being encoded (a static split was 1.3-1.5x
 * slower, see MEASURED.md).  Each output is written by the worker into a
 * temp file in the destination folder and renamed into place when the
 * task ends, or unlinked on failure or cancel: nothing partial is ever
 * left under a real name.
 *
 * This file is the public API: it checks the options and added tasks,
 * configures and runs the pool, handles interrupts and hands out the
 * summary.  Feeding the pool is feed.c's, the end of each task
 * outcome.c's; the state they share is in optimizer_state.h.
 */
#include "imgopt/optimizer.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/fsutil.h"
#include "base/loop.h"
#include "benchmark.h"
#include "feed.h"
#include "metrics/metrics.h"
#include "nameset.h"
#include "optimizer_internal.h"
#include "optimizer_state.h"
#include "outcome.h"
#include "outpath.h"
#include "pool/pool.h"
#include "walk.h"
#include "window.h"

/* Tasks examined ahead of dispatch: enough to order a typical folder by
 * size as a whole, small enough to keep memory flat for a million files.
 */
#define WINDOW 4096
#define GRACE_MS 2000

void
imgopt_options_init(struct imgopt_options *o)
{
	memset(o, 0, sizeof(*o));
	imgopt_settings_init(&o->settings);
	o->max_pixels = IMGOPT_DEFAULT_MAX_PIXELS;
	o->max_file_size = IMGOPT_DEFAULT_MAX_FILE_SIZE;
	o->fail_on = IMGOPT_FAIL_ON_WARNING;
	o->memory_mb = IMGOPT_DEFAULT_MEMORY_MB;
	o->timeout_s = IMGOPT_DEFAULT_TIMEOUT_S;
}

static int
online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

struct imgopt_optimizer *
imgopt_optimizer_new(const struct imgopt_options *opts,
		     const struct imgopt_callbacks *cb, char *err,
		     size_t err_size)
{
	struct imgopt_optimizer *o;
	struct stat st;
	dev_t ex_dev = 0;
	ino_t ex_ino = 0;
	int cpus = online_cpus();

	if (imgopt_settings_validate(&opts->settings, err, err_size))
		return NULL;
	if (opts->output_mode == IMGOPT_OUTPUT_DIR &&
	    (!opts->output_dir || !*opts->output_dir)) {
		snprintf(err, err_size, "output folder missing");
		return NULL;
	}
	if (opts->output_mode == IMGOPT_OUTPUT_IN_PLACE &&
	    opts->settings.output_format != IMGOPT_FORMAT_ORIGINAL) {
		snprintf(err, err_size,
			 "--in-place cannot change the format: it would leave "
			 "a file whose name says another format (use -o DIR)");
		return NULL;
	}
	if (opts->output_mode == IMGOPT_OUTPUT_DIR &&
	    stat(opts->output_dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			snprintf(err, err_size,
				 "output %s exists and is not a folder",
				 opts->output_dir);
			return NULL;
		}
		ex_dev = st.st_dev;
		ex_ino = st.st_ino;
	}
	o = xcalloc(1, sizeof(*o));
	/* Set again by run(); this one dates results from before it. */
	o->started_ns = clock_now_ns();
	o->opts = *opts;
	o->out_dir = xstrdup(opts->output_dir);
	o->opts.output_dir = o->out_dir;
	o->opts.worker_exe = NULL;
	if (cb)
		o->cb = *cb;
	o->walk = walk_new(ex_dev, ex_ino);
	o->window = window_new(WINDOW);
	o->outputs = nameset_new();
	o->workers = opts->jobs > 0 ? opts->jobs : cpus;
	/* libvips threads do not speed up a plain load -> save (MEASURED.md):
	 * speed comes from one image per core, so split the cores between
	 * the workers, at least one thread each.
	 */
	o->threads = opts->threads > 0 ? opts->threads :
		(cpus / o->workers > 0 ? cpus / o->workers : 1);
	o->inflight_n = opts->inflight > 0 ? opts->inflight : 1;
	if (opts->worker_exe)
		o->opts.worker_exe = xstrdup(opts->worker_exe);
	o->loop = loop_new();
	if (!o->loop) {
		snprintf(err, err_size, "cannot create the event loop");
		imgopt_optimizer_free(o);
		return NULL;
	}
	(void)fsutil_umask();
	return o;
}

void
imgopt_optimizer_add_path(struct imgopt_optimizer *o, const char *path)
{
	walk_add(o->walk, path);
}

int
imgopt_optimizer_add_task(struct imgopt_optimizer *o, const char *input,
			  const char *output,
			  const struct imgopt_settings *settings, uint64_t tag,
			  char *err, size_t err_size)
{
	struct optimizer_task *t;
	struct stat st;

	if (!input || !*input) {
		snprintf(err, err_size, "input_path missing");
		return -1;
	}
	if (imgopt_settings_validate(settings ? settings : &o->opts.settings,
				     err, err_size))
		return -1;
	t = feed_task_new(o, input, settings ? settings : &o->opts.settings);
	t->tag = tag;
	if (stat(input, &st) == 0) {
		t->size = (uint64_t)st.st_size;
		t->mode = st.st_mode;
	}
	if (output && *output && output[strlen(output) - 1] == '/') {
		/* A folder: the input's name, extension per output format. */
		const char *base = strrchr(input, '/');

		t->output = xasprintf("%s%s", output, base ? base + 1 : input);
	} else if (output && *output) {
		t->output = xstrdup(output);
		t->exact_output = true;
	} else {
		t->output = outpath_resolve(input, NULL, o->opts.output_mode,
					    o->out_dir, err, err_size);
	}
	if (o->explicit_tail)
		o->explicit_tail->next = t;
	else
		o->explicit_head = t;
	o->explicit_tail = t;
	if (o->pool)
		pool_wake(o->pool);
	return 0;
}

struct loop *
optimizer_loop(struct imgopt_optimizer *o)
{
	return o->loop;
}

static void
on_interrupt(struct loop *loop, int signo, void *ctx)
{
	struct imgopt_optimizer *o = ctx;

	(void)loop;
	(void)signo;
	imgopt_optimizer_cancel(o);
	if (o->pool && !o->cancelled_pool) {
		o->cancelled_pool = true;
		o->summary.interrupted = true;
		pool_cancel(o->pool);
	}
}

static void
cancel_check(struct loop *loop, void *ctx)
{
	struct imgopt_optimizer *o = ctx;

	if (o->cancel && o->pool && !o->cancelled_pool) {
		o->cancelled_pool = true;
		o->summary.interrupted = true;
		pool_cancel(o->pool);
	}
	if (!o->cancelled_pool)
		loop_timer(loop, 100, cancel_check, o);
}

/* Dry run: walk and resolve, write nothing, start no worker. */
static int
run_dry(struct imgopt_optimizer *o)
{
	struct optimizer_task *t;

	for (;;) {
		struct imgopt_result r;
		uint64_t size;
		char err[PATH_MAX + 256]; /* the path, then the reason */

		feed_refill(o);
		t = window_pop(o->window);
		if (!t)
			break;
		memset(&r, 0, sizeof(r));
		r.status = IMGOPT_STATUS_OK;
		r.original_path = xstrdup(t->input);
		r.original_size = t->size;
		r.optimized_path = t->output ?
			(t->exact_output ? xstrdup(t->output) :
			 outpath_with_format(t->output,
					     t->settings.output_format, err,
					     sizeof(err))) : NULL;
		if (t->output && !r.optimized_path) {
			/* The real run fails this file the same way. */
			free(r.original_path);
			outcome_emit_task(o, t, IMGOPT_STATUS_FAILED, err);
			feed_task_free(t);
			continue;
		}
		/* And a second input writing the same output (a.png and
		 * a.jpg to WebP), as outcome.c does.
		 */
		if (r.optimized_path &&
		    o->opts.output_mode != IMGOPT_OUTPUT_IN_PLACE &&
		    !t->exact_output && !o->opts.persistent &&
		    !nameset_add(o->outputs, r.optimized_path)) {
			snprintf(err, sizeof(err),
				 "output %s was already written by another "
				 "input in this run", r.optimized_path);
			free(r.original_path);
			free(r.optimized_path);
			outcome_emit_task(o, t, IMGOPT_STATUS_FAILED, err);
			feed_task_free(t);
			continue;
		}
		r.optimized_size = t->size;
		size = t->size;
		feed_task_free(t);
		outcome_emit(o, &r, size);
	}
	return 0;
}

int
imgopt_optimizer_run(struct imgopt_optimizer *o)
{
	char exe_threads[16], exe_memory[16];
	char *argv[8];
	struct pool_config cfg;
	struct imgopt_callbacks none = {0};
	int rc;

	/* progress is not reset here: results delivered before the run
	 * (tasks cancelled with cancel_tagged()) count as done already.
	 */
	o->started_ns = clock_now_ns();
	if (o->opts.dry_run) {
		rc = run_dry(o);
		goto done;
	}
	(void)none;
	snprintf(exe_threads, sizeof(exe_threads), "%d", o->threads);
	snprintf(exe_memory, sizeof(exe_memory), "%d", o->opts.memory_mb);
	argv[0] = (char *)(o->opts.worker_exe ? o->opts.worker_exe :
						"/proc/self/exe");
	argv[1] = "__worker";
	argv[2] = "--threads";
	argv[3] = exe_threads;
	argv[4] = "--memory";
	argv[5] = exe_memory;
	argv[6] = NULL;
	memset(&cfg, 0, sizeof(cfg));
	cfg.worker_argv = argv;
	cfg.workers = o->workers;
	cfg.inflight_per_worker = o->inflight_n;
	cfg.task_timeout_ms = (uint64_t)o->opts.timeout_s * 1000;
	cfg.grace_ms = GRACE_MS;
	cfg.ctx = o;
	cfg.next_task = feed_next_task;
	cfg.task_done = outcome_task_done;
	loop_on_signal(o->loop, SIGINT, on_interrupt, o);
	loop_on_signal(o->loop, SIGTERM, on_interrupt, o);
	if (o->opts.benchmark)
		o->metrics = metrics_new(o->workers);
	o->pool = pool_new(o->loop, &cfg, o->error, sizeof(o->error));
	if (!o->pool) {
		rc = -1;
		goto done;
	}
	loop_timer(o->loop, 100, cancel_check, o);
	rc = pool_run(o->pool);
	if (rc != 0)
		snprintf(o->error, sizeof(o->error), "%s",
			 pool_error(o->pool));
done:
	/* Tasks never handed to a worker (interrupted run): say so, and
	 * leave no temp file behind.
	 */
	for (struct optimizer_task *t; (t = window_pop(o->window)) != NULL;
	     feed_task_free(t))
		outcome_emit_task(o, t, IMGOPT_STATUS_CANCELLED,
				  "cancelled (the run was interrupted)");
	while (o->explicit_head) {
		struct optimizer_task *t = o->explicit_head;

		o->explicit_head = t->next;
		outcome_emit_task(o, t, IMGOPT_STATUS_CANCELLED,
				  "cancelled (the run was interrupted)");
		feed_task_free(t);
	}
	o->explicit_tail = NULL;
	o->summary.wall_ns = clock_now_ns() - o->started_ns;
	if (o->cancel)
		o->summary.interrupted = true;
	if (o->metrics) {
		json_decref(o->bench);
		o->bench = benchmark_report(o->metrics, o->pool, o->workers,
					    o->threads, o->inflight_n,
					    o->summary.wall_ns);
	}
	pool_free(o->pool);
	o->pool = NULL;
	loop_on_signal(o->loop, SIGINT, NULL, NULL);
	loop_on_signal(o->loop, SIGTERM, NULL, NULL);
	return rc;
}

void
imgopt_optimizer_cancel(struct imgopt_optimizer *o)
{
	o->cancel = 1;
}

/* Whether t is one of the tasks cancel_tagged() was asked for. */
static bool
tag_matches(const struct optimizer_task *t, uint64_t want, uint64_t mask)
{
	return (t->tag & mask) == (want & mask);
}

size_t
imgopt_optimizer_cancel_tagged(struct imgopt_optimizer *o, uint64_t want,
			       uint64_t mask, const char *reason)
{
	struct optimizer_task *drop = NULL, **drop_tail = &drop;
	struct optimizer_task *keep = NULL, *t;
	size_t n = 0;

	/* Take them out of both queues first, and only then report them:
	 * on_result may queue or cancel more tasks.
	 */
	for (struct optimizer_task **pp = &o->explicit_head; (t = *pp) != NULL;) {
		if (tag_matches(t, want, mask)) {
			*pp = t->next;
			t->next = NULL;
			*drop_tail = t;
			drop_tail = &t->next;
		} else {
			pp = &t->next;
		}
	}
	o->explicit_tail = o->explicit_head;
	while (o->explicit_tail && o->explicit_tail->next)
		o->explicit_tail = o->explicit_tail->next;
	/* The window is a heap without a way to remove from the middle:
	 * empty it and put back the others (at most WINDOW tasks).
	 */
	while ((t = window_pop(o->window)) != NULL) {
		if (tag_matches(t, want, mask)) {
			*drop_tail = t;
			drop_tail = &t->next;
		} else {
			t->next = keep;
			keep = t;
		}
	}
	while ((t = keep) != NULL) {
		keep = t->next;
		t->next = NULL;
		feed_enqueue(o, t);
	}
	while ((t = drop) != NULL) {
		drop = t->next;
		outcome_emit_task(o, t, IMGOPT_STATUS_CANCELLED,
				  reason ? reason : "cancelled");
		feed_task_free(t);
		n++;
	}
	return n;
}

void
imgopt_optimizer_get_summary(const struct imgopt_optimizer *o,
			     struct imgopt_summary *s)
{
	*s = o->summary;
	s->succeeded = o->progress.succeeded;
	s->failed = o->progress.failed;
	s->skipped = o->progress.skipped;
	s->total = o->progress.succeeded + o->progress.failed +
		   o->summary.cancelled;
	s->original_bytes = o->progress.original_bytes;
	s->optimized_bytes = o->progress.optimized_bytes;
}

void *
imgopt_optimizer_benchmark_json(const struct imgopt_optimizer *o)
{
	return o->bench ? json_incref(o->bench) : NULL;
}

const char *
imgopt_optimizer_error(const struct imgopt_optimizer *o)
{
	return o->error;
}

void
imgopt_optimizer_free(struct imgopt_optimizer *o)
{
	if (!o)
		return;
	pool_free(o->pool);
	loop_free(o->loop);
	for (struct optimizer_task *t; (t = window_pop(o->window)) != NULL;)
		feed_task_free(t);
	while (o->explicit_head) {
		struct optimizer_task *t = o->explicit_head;

		o->explicit_head = t->next;
		feed_task_free(t);
	}
	while (o->inflight) {
		struct optimizer_task *t = o->inflight;

		o->inflight = t->next;
		if (t->tmp)
			unlink(t->tmp);
		feed_task_free(t);
	}
	walk_free(o->walk);
	metrics_free(o->metrics);
	json_decref(o->bench);
	free(o->payload);
	window_free(o->window);
	nameset_free(o->outputs);
	free(o->out_dir);
	free((char *)o->opts.worker_exe);
	free(o);
}

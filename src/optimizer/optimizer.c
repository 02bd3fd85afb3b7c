/* optimizer.c: the ImageOptimizer (include/imgopt/optimizer.h).
 *
 * Policy on top of the pool's mechanism: the pool pulls tasks through
 * next_task() whenever a worker has room, so the walk stays lazy and only a
 * bounded window of tasks lives in memory.  Within that window the largest
 * file goes first, so no core idles at the tail of a batch while one big
 * image is still being encoded (a static split was 1.3-1.5x slower, see
 * MEASURED.md).  Each output is written by the worker into a temp file in
 * the destination folder and renamed into place here, or unlinked on
 * failure or cancel: nothing partial is ever left under a real name.
 */
#include "imgopt/optimizer.h"

#include <errno.h>
#include <jansson.h>
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
#include "codec/codec.h"
#include "metrics/metrics.h"
#include "nameset.h"
#include "optimizer_internal.h"
#include "outpath.h"
#include "pool/pool.h"
#include "walk.h"
#include "window.h"
#include "worker/wire.h"

/* Tasks examined ahead of dispatch: enough to order a typical folder by
 * size as a whole, small enough to keep memory flat for a million files.
 */
#define WINDOW 4096
#define GRACE_MS 2000

struct task {
	uint64_t id;
	char *input;
	char *output;	     /* before the format's extension is applied */
	bool exact_output;   /* add_task() named it: use it as it is */
	uint64_t tag;	     /* add_task()'s tag, back in the result */
	char *tmp;	     /* temp file in the destination folder */
	uint64_t size;
	mode_t mode;
	bool is_symlink;
	struct imgopt_settings settings;
	uint64_t found_ns;   /* walked or added: queue wait starts here */
	uint64_t submit_ns;
	struct task *next;   /* in-flight list */
};

struct imgopt_optimizer {
	struct imgopt_options opts;
	struct imgopt_callbacks cb;
	char *out_dir;
	struct walk *walk;
	bool walk_done;
	struct window *window;	 /* found, not yet dispatched */
	struct task *explicit_head, *explicit_tail; /* add_task() queue */
	struct task *inflight;
	uint64_t next_id;
	struct loop *loop;
	struct pool *pool;
	struct metrics *metrics;
	struct nameset *outputs; /* derived output names written */
	struct imgopt_progress progress;
	struct imgopt_summary summary;
	uint64_t started_ns;
	volatile sig_atomic_t cancel;
	bool cancelled_pool;
	char error[512];
	json_t *bench;
	int workers, threads, inflight_n;
};

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		abort();
	return p;
}

static char *
xstrdup(const char *s)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		abort();
	return d;
}

static char *
xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	return s;
}

/* ---------------------------------------------------------------- results */

static void
task_free(struct task *t)
{
	if (!t)
		return;
	free(t->input);
	free(t->output);
	free(t->tmp);
	free(t);
}

/* Hand one result to the caller and count it. */
static void
emit(struct imgopt_optimizer *o, struct imgopt_result *r)
{
	struct imgopt_progress *p = &o->progress;

	p->done++;
	switch (r->status) {
	case IMGOPT_STATUS_OK:
		p->succeeded++;
		p->original_bytes += r->original_size;
		p->optimized_bytes += r->optimized_size;
		if (r->quality > 0 && r->quality <= 100) {
			o->summary.quality_count[r->quality]++;
			if (!r->target_met)
				o->summary.target_missed++;
		}
		break;
	case IMGOPT_STATUS_FAILED:
		p->failed++;
		break;
	case IMGOPT_STATUS_SKIPPED:
		p->skipped++;
		break;
	case IMGOPT_STATUS_CANCELLED:
		o->summary.cancelled++;
		break;
	}
	/* Tasks in the window are already counted in total. */
	p->total_final = o->walk_done && !o->explicit_head;
	if (p->total < p->done)
		p->total = p->done;
	p->elapsed_ns = clock_now_ns() - o->started_ns;
	if (o->cb.on_result)
		o->cb.on_result(o->cb.ctx, r, p);
	imgopt_result_release(r);
}

static void
emit_tagged(struct imgopt_optimizer *o, const char *path,
	    enum imgopt_status status, uint64_t size, const char *reason,
	    uint64_t tag)
{
	struct imgopt_result r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.tag = tag;
	r.original_path = xstrdup(path);
	r.original_size = size;
	r.error = reason ? xasprintf("%s: %s", path, reason) : NULL;
	emit(o, &r);
}

static void
emit_simple(struct imgopt_optimizer *o, const char *path,
	    enum imgopt_status status, uint64_t size, const char *reason)
{
	emit_tagged(o, path, status, size, reason, 0);
}

/* ------------------------------------------------------------------ tasks */

/* A task that ends before reaching a worker. */
static void
emit_task(struct imgopt_optimizer *o, const struct task *t,
	  enum imgopt_status status, const char *reason)
{
	emit_tagged(o, t->input, status, t->size, reason, t->tag);
}

static struct task *
task_new(struct imgopt_optimizer *o, const char *input,
	 const struct imgopt_settings *s)
{
	struct task *t = xcalloc(1, sizeof(*t));

	t->id = ++o->next_id;
	t->found_ns = clock_now_ns();
	t->input = xstrdup(input);
	t->settings = *s;
	return t;
}

/* Largest file first (the default), or first come first served (--order
 * given, to measure what the ordering is worth).
 */
static void
enqueue(struct imgopt_optimizer *o, struct task *t)
{
	window_push(o->window, t,
		    o->opts.order_given ? UINT64_MAX - t->id : t->size);
}

/* Pull entries from the walk until the window is full. */
static void
refill(struct imgopt_optimizer *o)
{
	while (o->explicit_head && !window_full(o->window)) {
		struct task *t = o->explicit_head;

		o->explicit_head = t->next;
		t->next = NULL;
		enqueue(o, t);
		o->progress.total++;
	}
	if (!o->explicit_head)
		o->explicit_tail = NULL;
	while (!o->walk_done && !window_full(o->window) && !o->cancel) {
		const struct walk_entry *e = walk_next(o->walk);
		struct task *t;
		char err[512];

		if (!e) {
			o->walk_done = true;
			break;
		}
		o->progress.total++;
		if (e->kind == WALK_SKIPPED) {
			emit_simple(o, e->path, IMGOPT_STATUS_SKIPPED, 0,
				    e->reason);
			continue;
		}
		if (e->kind == WALK_ERROR) {
			emit_simple(o, e->path, IMGOPT_STATUS_FAILED, 0,
				    e->reason);
			continue;
		}
		if (e->is_symlink &&
		    o->opts.output_mode == IMGOPT_OUTPUT_IN_PLACE) {
			emit_simple(o, e->path, IMGOPT_STATUS_FAILED, e->size,
				    "is a symlink: --in-place never writes "
				    "through symlinks");
			continue;
		}
		t = task_new(o, e->path, &o->opts.settings);
		t->size = e->size;
		t->mode = e->mode;
		t->is_symlink = e->is_symlink;
		t->output = outpath_resolve(e->path, e->rel,
					    o->opts.output_mode, o->out_dir,
					    err, sizeof(err));
		enqueue(o, t);
	}
}

/* Make the destination folder and the temp file; on failure the task's
 * result is emitted here and -1 returned.
 */
static int
prepare(struct imgopt_optimizer *o, struct task *t)
{
	char err[768];
	mode_t mode;

	if (outpath_make_parent(t->output, err, sizeof(err)) != 0) {
		emit_task(o, t, IMGOPT_STATUS_FAILED, err);
		return -1;
	}
	/* In place, the output inherits the input's permissions; elsewhere
	 * it gets what a new file would.
	 */
	mode = o->opts.output_mode == IMGOPT_OUTPUT_IN_PLACE && t->mode ?
		(t->mode & 07777) : (0666 & ~fsutil_umask());
	t->tmp = fsutil_tmpfile_beside(t->output, mode);
	if (!t->tmp) {
		char *why = xasprintf("cannot write output folder for %s: %s",
				      t->output, errno == ENOSPC ?
				      "disk full (no space left on device)" :
				      fsutil_errno_text(errno));

		emit_task(o, t, IMGOPT_STATUS_FAILED, why);
		free(why);
		return -1;
	}
	return 0;
}

static int
next_task(void *ctx, struct pool_task *pt)
{
	struct imgopt_optimizer *o = ctx;
	struct codec_request req;
	static void *payload;
	struct task *t;

	free(payload);
	payload = NULL;
	for (;;) {
		if (o->cancel)
			return -1;
		refill(o);
		t = window_pop(o->window);
		/* Serve mode waits for add_task() and pool_wake(). */
		if (!t)
			return o->opts.persistent ? 0 : -1;
		if (!t->output) {
			emit_task(o, t, IMGOPT_STATUS_FAILED,
				  "cannot resolve output path");
			task_free(t);
			continue;
		}
		if (prepare(o, t) == 0)
			break;
		task_free(t);
	}
	memset(&req, 0, sizeof(req));
	req.input_path = t->input;
	req.output_path = t->tmp;
	req.settings = t->settings;
	req.keep_metadata = o->opts.keep_metadata;
	req.allow_larger = o->opts.allow_larger;
	req.min_savings_pct = o->opts.min_savings_pct;
	req.max_pixels = o->opts.max_pixels;
	req.max_file_size = o->opts.max_file_size;
	req.fail_on = (enum codec_fail_on)o->opts.fail_on;
	payload = wire_encode_request(&req, &pt->len);
	pt->id = t->id;
	pt->payload = payload;
	t->submit_ns = clock_now_ns();
	t->next = o->inflight;
	o->inflight = t;
	if (o->cb.on_start)
		o->cb.on_start(o->cb.ctx, t->input, t->tag);
	return 1;
}

static struct task *
take_inflight(struct imgopt_optimizer *o, uint64_t id)
{
	for (struct task **pp = &o->inflight; *pp; pp = &(*pp)->next) {
		struct task *t = *pp;

		if (t->id == id) {
			*pp = t->next;
			t->next = NULL;
			return t;
		}
	}
	return NULL;
}

/* Move the finished temp file to its real name. */
static void
finish_ok(struct imgopt_optimizer *o, struct task *t,
	  const struct codec_reply *reply, struct imgopt_result *r)
{
	char err[768];
	char *final;

	r->status = IMGOPT_STATUS_OK;
	r->optimized_size = reply->optimized_size;
	r->kept_original = reply->kept_original;
	if (o->opts.output_mode == IMGOPT_OUTPUT_IN_PLACE &&
	    reply->kept_original) {
		/* The input already is the best version: leave it alone. */
		unlink(t->tmp);
		r->optimized_path = xstrdup(t->input);
		return;
	}
	final = t->exact_output ?
		xstrdup(t->output) :
		outpath_with_format(t->output, reply->output_format, err,
				    sizeof(err));
	if (!final) {
		r->status = IMGOPT_STATUS_FAILED;
		r->error = xasprintf("%s: %s", t->input, err);
		unlink(t->tmp);
		return;
	}
	/* Derived names can clash within a batch; an exact path a caller
	 * chose (the HTTP API) may be written again on purpose, and a
	 * server's set would only grow.
	 */
	if (o->opts.output_mode != IMGOPT_OUTPUT_IN_PLACE && !t->exact_output &&
	    !o->opts.persistent && !nameset_add(o->outputs, final)) {
		r->status = IMGOPT_STATUS_FAILED;
		r->error = xasprintf("%s: output %s was already written by "
				     "another input in this run",
				     t->input, final);
		unlink(t->tmp);
		free(final);
		return;
	}
	if (rename(t->tmp, final) != 0) {
		r->status = IMGOPT_STATUS_FAILED;
		r->error = xasprintf("%s: cannot write %s: %s", t->input, final,
				     fsutil_errno_text(errno));
		unlink(t->tmp);
		free(final);
		return;
	}
	r->optimized_path = final;
}

static void
task_done(void *ctx, const struct pool_outcome *oc)
{
	struct imgopt_optimizer *o = ctx;
	struct task *t = take_inflight(o, oc->id);
	struct codec_reply reply, *rp = NULL;
	struct imgopt_result r;

	if (!t)
		return; /* cannot happen: the pool reports each id once */
	memset(&r, 0, sizeof(r));
	r.original_path = xstrdup(t->input);
	r.original_size = t->size;
	r.tag = t->tag;
	r.attempts = oc->attempts;
	r.queue_ns = oc->dispatch_ns > t->found_ns ?
		oc->dispatch_ns - t->found_ns : 0;
	r.total_ns = oc->reply_ns > t->found_ns ?
		oc->reply_ns - t->found_ns : 0;
	switch (oc->kind) {
	case POOL_TASK_DONE:
		if (wire_decode_reply(oc->payload, oc->len, &reply) != 0) {
			r.status = IMGOPT_STATUS_FAILED;
			r.error = xasprintf("%s: internal error: malformed "
					    "reply from worker", t->input);
			unlink(t->tmp);
			break;
		}
		rp = &reply;
		r.original_size = reply.original_size ? reply.original_size :
							t->size;
		r.input_format = reply.input_format;
		r.output_format = reply.output_format;
		r.width = reply.out_width;
		r.height = reply.out_height;
		r.worker_ns = reply.header_ns + reply.pipeline_ns;
		r.header_ns = reply.header_ns;
		r.pipeline_ns = reply.pipeline_ns;
		r.megapixels = (double)reply.in_width * reply.in_height / 1e6;
		r.quality = reply.quality;
		r.score = reply.score;
		r.target_met = reply.target_met;
		if (reply.ok) {
			finish_ok(o, t, &reply, &r);
		} else {
			r.status = IMGOPT_STATUS_FAILED;
			r.error = xasprintf("%s: %s", t->input, reply.error);
			unlink(t->tmp);
		}
		break;
	case POOL_TASK_CRASHED:
	case POOL_TASK_TIMED_OUT:
		r.status = IMGOPT_STATUS_FAILED;
		r.error = xasprintf("%s: %s", t->input, oc->message);
		unlink(t->tmp);
		break;
	case POOL_TASK_CANCELLED:
		r.status = IMGOPT_STATUS_CANCELLED;
		r.error = xasprintf("%s: cancelled (the run was interrupted)",
				    t->input);
		unlink(t->tmp);
		break;
	}
	if (oc->kind != POOL_TASK_CANCELLED)
		benchmark_record(o->metrics, t->found_ns, oc, rp, &r);
	task_free(t);
	emit(o, &r);
}

/* ------------------------------------------------------------ public API */

void
imgopt_options_init(struct imgopt_options *o)
{
	memset(o, 0, sizeof(*o));
	imgopt_settings_init(&o->settings);
	o->max_pixels = IMGOPT_DEFAULT_MAX_PIXELS;
	o->max_file_size = IMGOPT_DEFAULT_MAX_FILE_SIZE;
	o->fail_on = CODEC_FAIL_ON_WARNING;
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
	struct task *t;
	struct stat st;

	if (!input || !*input) {
		snprintf(err, err_size, "input_path missing");
		return -1;
	}
	if (imgopt_settings_validate(settings ? settings : &o->opts.settings,
				     err, err_size))
		return -1;
	t = task_new(o, input, settings ? settings : &o->opts.settings);
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
	struct task *t;

	for (;;) {
		struct imgopt_result r;

		refill(o);
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
					     t->settings.output_format, o->error,
					     sizeof(o->error))) : NULL;
		r.optimized_size = t->size;
		task_free(t);
		emit(o, &r);
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

	o->started_ns = clock_now_ns();
	memset(&o->progress, 0, sizeof(o->progress));
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
	cfg.next_task = next_task;
	cfg.task_done = task_done;
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
	for (struct task *t; (t = window_pop(o->window)) != NULL; task_free(t))
		emit_task(o, t, IMGOPT_STATUS_CANCELLED,
			  "cancelled (the run was interrupted)");
	while (o->explicit_head) {
		struct task *t = o->explicit_head;

		o->explicit_head = t->next;
		emit_task(o, t, IMGOPT_STATUS_CANCELLED,
			  "cancelled (the run was interrupted)");
		task_free(t);
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
tag_matches(const struct task *t, uint64_t want, uint64_t mask)
{
	return (t->tag & mask) == (want & mask);
}

size_t
imgopt_optimizer_cancel_tagged(struct imgopt_optimizer *o, uint64_t want,
			       uint64_t mask, const char *reason)
{
	struct task *drop = NULL, **drop_tail = &drop;
	struct task *keep = NULL, *t;
	size_t n = 0;

	/* Take them out of both queues first, and only then report them:
	 * on_result may queue or cancel more tasks.
	 */
	for (struct task **pp = &o->explicit_head; (t = *pp) != NULL;) {
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
		enqueue(o, t);
	}
	while ((t = drop) != NULL) {
		drop = t->next;
		emit_task(o, t, IMGOPT_STATUS_CANCELLED,
			  reason ? reason : "cancelled");
		task_free(t);
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
	for (struct task *t; (t = window_pop(o->window)) != NULL;)
		task_free(t);
	while (o->explicit_head) {
		struct task *t = o->explicit_head;

		o->explicit_head = t->next;
		task_free(t);
	}
	while (o->inflight) {
		struct task *t = o->inflight;

		o->inflight = t->next;
		if (t->tmp)
			unlink(t->tmp);
		task_free(t);
	}
	walk_free(o->walk);
	metrics_free(o->metrics);
	json_decref(o->bench);
	window_free(o->window);
	nameset_free(o->outputs);
	free(o->out_dir);
	free((char *)o->opts.worker_exe);
	free(o);
}

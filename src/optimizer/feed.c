/* feed.c: walk entries and added tasks, through the window, to the pool
 * (feed.h).
 */
#include "feed.h"

#include <errno.h>

#include "base/clock.h"
#include "base/fsutil.h"
#include "message/message.h"
#include "optimizer_state.h"
#include "outcome.h"
#include "outpath.h"
#include "pool/pool.h"
#include "walk.h"
#include "window.h"

void
feed_task_free(struct optimizer_task *t)
{
	if (!t)
		return;
	free(t->input);
	free(t->output);
	free(t->tmp);
	free(t);
}

struct optimizer_task *
feed_task_new(struct imgopt_optimizer *o, const char *input,
	      const struct imgopt_settings *s)
{
	struct optimizer_task *t = xcalloc(1, sizeof(*t));

	t->id = ++o->next_id;
	t->found_ns = clock_now_ns();
	t->input = xstrdup(input);
	t->settings = *s;
	return t;
}

/* Largest file first (the default), or first come first served (--order
 * given, to measure what the ordering is worth).
 */
void
feed_enqueue(struct imgopt_optimizer *o, struct optimizer_task *t)
{
	window_push(o->window, t,
		    o->opts.order_given ? UINT64_MAX - t->id : t->size);
}

/* Pull added tasks, then walk entries, until the window is full. */
void
feed_refill(struct imgopt_optimizer *o)
{
	while (o->explicit_head && !window_full(o->window)) {
		struct optimizer_task *t = o->explicit_head;

		o->explicit_head = t->next;
		t->next = NULL;
		feed_enqueue(o, t);
		o->progress.total++;
		o->progress.input_bytes_total += t->size;
	}
	if (!o->explicit_head)
		o->explicit_tail = NULL;
	while (!o->walk_done && !window_full(o->window) && !o->cancel) {
		const struct walk_entry *e = walk_next(o->walk);
		struct optimizer_task *t;
		char err[512];

		if (!e) {
			o->walk_done = true;
			break;
		}
		o->progress.total++;
		o->progress.input_bytes_total += e->size;
		if (e->kind == WALK_SKIPPED) {
			outcome_emit_path(o, e->path, IMGOPT_STATUS_SKIPPED,
					  0, e->reason);
			continue;
		}
		if (e->kind == WALK_ERROR) {
			outcome_emit_path(o, e->path, IMGOPT_STATUS_FAILED,
					  0, e->reason);
			continue;
		}
		if (e->is_symlink &&
		    o->opts.output_mode == IMGOPT_OUTPUT_IN_PLACE) {
			outcome_emit_path(o, e->path, IMGOPT_STATUS_FAILED,
					  e->size,
					  "is a symlink: --in-place never "
					  "writes through symlinks");
			continue;
		}
		t = feed_task_new(o, e->path, &o->opts.settings);
		t->size = e->size;
		t->mode = e->mode;
		t->is_symlink = e->is_symlink;
		t->output = outpath_resolve(e->path, e->rel,
					    o->opts.output_mode, o->out_dir,
					    err, sizeof(err));
		feed_enqueue(o, t);
	}
}

/* Make the destination folder and the temp file; on failure the task's
 * result is emitted here and -1 returned.
 */
static int
prepare(struct imgopt_optimizer *o, struct optimizer_task *t)
{
	char err[768];
	mode_t mode;

	if (outpath_make_parent(t->output, err, sizeof(err)) != 0) {
		outcome_emit_task(o, t, IMGOPT_STATUS_FAILED, err);
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

		outcome_emit_task(o, t, IMGOPT_STATUS_FAILED, why);
		free(why);
		return -1;
	}
	return 0;
}

int
feed_next_task(void *ctx, struct pool_task *pt)
{
	struct imgopt_optimizer *o = ctx;
	struct msg_task msg;
	struct optimizer_task *t;

	/* The pool copied the last payload already (pool.h). */
	free(o->payload);
	o->payload = NULL;
	for (;;) {
		if (o->cancel)
			return -1;
		feed_refill(o);
		t = window_pop(o->window);
		/* Serve mode waits for add_task() and pool_wake(). */
		if (!t)
			return o->opts.persistent ? 0 : -1;
		if (!t->output) {
			outcome_emit_task(o, t, IMGOPT_STATUS_FAILED,
					  "cannot resolve output path");
			feed_task_free(t);
			continue;
		}
		if (prepare(o, t) == 0)
			break;
		feed_task_free(t);
	}
	memset(&msg, 0, sizeof(msg));
	msg.input_path = t->input;
	msg.output_path = t->tmp;
	msg.settings = t->settings;
	msg.keep_metadata = o->opts.keep_metadata;
	msg.allow_larger = o->opts.allow_larger;
	msg.min_savings_pct = o->opts.min_savings_pct;
	msg.max_pixels = o->opts.max_pixels;
	msg.max_file_size = o->opts.max_file_size;
	msg.fail_on = o->opts.fail_on;
	o->payload = msg_task_encode(&msg, &pt->len);
	pt->id = t->id;
	pt->payload = o->payload;
	t->submit_ns = clock_now_ns();
	t->next = o->inflight;
	o->inflight = t;
	if (o->cb.on_start)
		o->cb.on_start(o->cb.ctx, t->input, t->tag);
	return 1;
}

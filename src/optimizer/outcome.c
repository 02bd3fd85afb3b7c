/* outcome.c: results, outputs and counts (outcome.h). */
#include "outcome.h"

#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/fsutil.h"
#include "benchmark.h"
#include "feed.h"
#include "message/message.h"
#include "nameset.h"
#include "optimizer_state.h"
#include "outpath.h"
#include "pool/pool.h"

/* Hand one result to the caller and count it (see outcome.h). */
void
outcome_emit(struct imgopt_optimizer *o, struct imgopt_result *r,
	     uint64_t input_bytes)
{
	struct imgopt_progress *p = &o->progress;

	p->done++;
	p->input_bytes_done += input_bytes;
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
	if (p->input_bytes_total < p->input_bytes_done)
		p->input_bytes_total = p->input_bytes_done;
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
	outcome_emit(o, &r, size);
}

void
outcome_emit_path(struct imgopt_optimizer *o, const char *path,
		  enum imgopt_status status, uint64_t size, const char *reason)
{
	emit_tagged(o, path, status, size, reason, 0);
}

/* A task that ends before reaching a worker. */
void
outcome_emit_task(struct imgopt_optimizer *o, const struct optimizer_task *t,
		  enum imgopt_status status, const char *reason)
{
	emit_tagged(o, t->input, status, t->size, reason, t->tag);
}

static struct optimizer_task *
take_inflight(struct imgopt_optimizer *o, uint64_t id)
{
	for (struct optimizer_task **pp = &o->inflight; *pp; pp = &(*pp)->next) {
		struct optimizer_task *t = *pp;

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
finish_ok(struct imgopt_optimizer *o, struct optimizer_task *t,
	  const struct msg_reply *reply, struct imgopt_result *r)
{
	char err[PATH_MAX + 256]; /* the path, then the reason */
	char *final;

	r->status = IMGOPT_STATUS_OK;
	r->optimized_size = reply->optimized_size;
	r->kept_original = reply->kept_original;
	r->lossless_copy = reply->lossless_copy;
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

void
outcome_task_done(void *ctx, const struct pool_outcome *oc)
{
	struct imgopt_optimizer *o = ctx;
	struct optimizer_task *t = take_inflight(o, oc->id);
	struct msg_reply reply, *rp = NULL;
	struct imgopt_result r;
	uint64_t size;

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
		if (msg_reply_decode(oc->payload, oc->len, &reply) != 0) {
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
	size = t->size;
	feed_task_free(t);
	if (rp)
		msg_release(&msg_reply_schema, rp);
	outcome_emit(o, &r, size);
}

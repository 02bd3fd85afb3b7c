/* batch.c: tasks routed by tag to the request or job that queued them
 * (batch.h).
 *
 * Batches are few (one per waiting request or running job), so a list is
 * enough.  A result whose batch has ended still counts on the global
 * stream: /api/events carries every image of every request.
 */
#include "batch.h"

#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "sse.h"

struct batch {
	uint32_t id;
	const struct batch_ops *ops;
	void *ctx;
	struct batch *next;
};

struct batches {
	struct imgopt_optimizer *opt;
	struct sse_stream *events;	/* /api/events */
	struct sse_progress progress;	/* its counts */
	struct batch *list;
	uint32_t next_id;
};

struct batches *
batches_new(void)
{
	struct batches *b = calloc(1, sizeof(*b));

	if (!b)
		abort();
	return b;
}

void
batches_free(struct batches *b)
{
	if (!b)
		return;
	while (b->list)
		batch_close(b, b->list->id);
	free(b);
}

void
batches_start(struct batches *b, struct imgopt_optimizer *o,
	      struct sse_stream *events)
{
	b->opt = o;
	b->events = events;
}

uint32_t
batch_open(struct batches *b, const struct batch_ops *ops, void *ctx)
{
	struct batch *bt = calloc(1, sizeof(*bt));

	if (!bt)
		abort();
	if (++b->next_id == 0)
		b->next_id = 1;
	bt->id = b->next_id;
	bt->ops = ops;
	bt->ctx = ctx;
	bt->next = b->list;
	b->list = bt;
	return bt->id;
}

void
batch_close(struct batches *b, uint32_t id)
{
	for (struct batch **pp = &b->list; *pp; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			struct batch *bt = *pp;

			*pp = bt->next;
			free(bt);
			return;
		}
	}
}

/* The batch a task's tag belongs to, or NULL (it ended). */
static struct batch *
batch_find(struct batches *b, uint64_t tag)
{
	for (struct batch *bt = b->list; bt; bt = bt->next)
		if (bt->id == (uint32_t)(tag >> 32))
			return bt;
	return NULL;
}

int
batch_add_task(struct batches *b, uint32_t id, uint32_t index,
	       const char *input, const char *output,
	       const struct imgopt_settings *settings, char *err,
	       size_t err_size)
{
	uint64_t tag = (uint64_t)id << 32 | index;

	if (imgopt_optimizer_add_task(b->opt, input, output, settings, tag,
				      err, err_size))
		return -1;
	sse_progress_add(&b->progress, 1);
	return 0;
}

size_t
batch_cancel(struct batches *b, uint32_t id, const char *reason)
{
	if (!id || !b->opt)
		return 0;
	return imgopt_optimizer_cancel_tagged(b->opt, (uint64_t)id << 32,
					      0xffffffff00000000ull, reason);
}

/* A task's display name: its batch's, else (the batch was closed, e.g.
 * its client hung up) the file's name, as the API's batches show it.
 */
static const char *
batch_task_name(struct batch *bt, uint64_t tag, const char *path)
{
	const char *slash;

	if (bt && bt->ops->name)
		return bt->ops->name(bt->ctx, (uint32_t)tag);
	slash = path ? strrchr(path, '/') : NULL;
	return slash && slash[1] ? slash + 1 : path;
}

/* A worker took a task: "current file" events. */
static void
batches_on_start(void *ctx, const char *path, uint64_t tag)
{
	struct batches *b = ctx;
	struct batch *bt = batch_find(b, tag);
	char *name = imgopt_utf8_escape(batch_task_name(bt, tag, path));

	sse_stream_send(b->events, SSE_START_EVENT,
			json_pack("{s:s}", "fileName", name));
	free(name);
	if (bt && bt->ops->start)
		bt->ops->start(bt->ctx, (uint32_t)tag);
}

/* A result: the global event, then the batch that queued it. */
static void
batches_on_result(void *ctx, const struct imgopt_result *r,
		  const struct imgopt_progress *pr)
{
	struct batches *b = ctx;
	struct batch *bt = batch_find(b, r->tag);
	const char *name = batch_task_name(bt, r->tag, r->original_path);
	char *error = server_display_error(r, name);

	(void)pr;
	sse_stream_send(b->events, SSE_PROGRESS_EVENT,
			sse_progress_event(&b->progress, name, r, error));
	free(error);
	/* Last: the batch may end itself here. */
	if (bt)
		bt->ops->result(bt->ctx, (uint32_t)r->tag, r);
}

void
batches_callbacks(struct batches *b, struct imgopt_callbacks *cb)
{
	memset(cb, 0, sizeof(*cb));
	cb->ctx = b;
	cb->on_result = batches_on_result;
	cb->on_start = batches_on_start;
}

/* batch.h: which request or upload job each optimizer task belongs to.
 *
 * A batch is the set of tasks one API request or one upload job queued.
 * Each task is tagged (batch id << 32 | index), so its start and its
 * result find the batch's ops (or nothing, once the batch ended) without
 * the optimizer knowing about HTTP, and the batch's queued tasks can be
 * dropped by tag when nobody waits for them any more.  Every start and
 * result also goes to the global /api/events stream, whose counts are
 * kept here.
 *
 *   struct batches *b = batches_new();
 *   batches_callbacks(b, &cb);              // before the optimizer exists
 *   batches_start(b, o, events);            // the optimizer, /api/events
 *   id = batch_open(b, &ops, ctx);
 *   batch_add_task(b, id, 0, input, output, &settings, err, n);
 *   ...                                     // ops->result per task
 *   batch_close(b, id);
 */
#ifndef IMGOPT_BATCH_H
#define IMGOPT_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "imgopt/optimizer.h"

struct batches;
struct sse_stream;

/* A batch's ops get every event of its tasks, with the task's index. */
struct batch_ops {
	/* Display name of a task, for the global event stream. */
	const char *(*name)(void *ctx, uint32_t index);
	/* A worker started the task (may be NULL). */
	void (*start)(void *ctx, uint32_t index);
	/* The task's one result. */
	void (*result)(void *ctx, uint32_t index,
		       const struct imgopt_result *r);
};

struct batches *batches_new(void);

/* Accepts NULL.  Open batches are dropped without a call. */
void batches_free(struct batches *b);

/* The optimizer callbacks that route starts and results. */
void batches_callbacks(struct batches *b, struct imgopt_callbacks *cb);

/* The optimizer to queue tasks on, and the global event stream; before
 * the first batch_add_task().
 */
void batches_start(struct batches *b, struct imgopt_optimizer *o,
		   struct sse_stream *events);

/* Register a batch; returns its id (never 0).  The ops are called until
 * batch_close().
 */
uint32_t batch_open(struct batches *b, const struct batch_ops *ops,
		    void *ctx);

/* The batch's ops are not called any more; tasks still queued or in
 * flight go on (see batch_cancel()) and reach only the global stream.
 */
void batch_close(struct batches *b, uint32_t id);

/* Queue one task of a batch; counted on the global event stream.  Returns
 * 0, or -1 with the optimizer's message in err (nothing queued).
 */
int batch_add_task(struct batches *b, uint32_t id, uint32_t index,
		   const char *input, const char *output,
		   const struct imgopt_settings *settings, char *err,
		   size_t err_size);

/* Drop the batch's tasks that no worker has taken yet (whoever asked for
 * them is gone): each gets a CANCELLED result with reason now, through
 * the ops unless the batch was closed, and on the global stream.  Tasks
 * in flight finish as usual.  Returns how many were dropped.
 */
size_t batch_cancel(struct batches *b, uint32_t id, const char *reason);

#endif

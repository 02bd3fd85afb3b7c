/* outcome.h: the end of every task (internal to src/optimizer).
 *
 * Each input gets exactly one imgopt_result: from the pool's outcome (the
 * worker's reply, a crash, a time-out, a cancel), or earlier when it never
 * reached a worker.  Here the temp file becomes the output (or is
 * unlinked), the result is counted into the progress and the summary, and
 * on_result hears of it.
 */
#ifndef IMGOPT_OUTCOME_H
#define IMGOPT_OUTCOME_H

#include <stdint.h>

#include "imgopt/result.h"

struct imgopt_optimizer;
struct pool_outcome;
struct optimizer_task;

/* Hand one result to the caller and count it; releases r's strings.
 * input_bytes: the input's size as counted into input_bytes_total when it
 * was found (the walk's or add_task()'s stat, not the worker's).
 */
void outcome_emit(struct imgopt_optimizer *o, struct imgopt_result *r,
		  uint64_t input_bytes);

/* A result for a path that never became a task (skipped or unreadable by
 * the walk): status, size, and reason appended to the path as the error.
 */
void outcome_emit_path(struct imgopt_optimizer *o, const char *path,
		       enum imgopt_status status, uint64_t size,
		       const char *reason);

/* A task that ends before reaching a worker. */
void outcome_emit_task(struct imgopt_optimizer *o, const struct optimizer_task *t,
		       enum imgopt_status status, const char *reason);

/* pool_config.task_done: a task the pool took has ended. */
void outcome_task_done(void *ctx, const struct pool_outcome *oc);

#endif

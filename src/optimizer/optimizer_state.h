/* optimizer_state.h: the optimizer's own state, shared by the files that
 * implement include/imgopt/optimizer.h (internal to src/optimizer; other
 * layers use the public header, the server optimizer_internal.h).
 *
 * optimizer.c is the public API: options, add_path/add_task, run, cancel,
 * summary.  feed.c turns walk entries and added tasks into work for the
 * pool; outcome.c turns what comes back into results, outputs and counts.
 */
#ifndef IMGOPT_OPTIMIZER_STATE_H
#define IMGOPT_OPTIMIZER_STATE_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "base/xalloc.h"
#include "imgopt/optimizer.h"

struct loop;
struct metrics;
struct nameset;
struct pool;
struct walk;
struct window;

/* One input on its way through the optimizer: found by the walk or given
 * to add_task(), waiting in the window, then in flight on the pool.
 */
struct optimizer_task {
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
	struct optimizer_task *next;   /* in-flight list */
};

struct imgopt_optimizer {
	struct imgopt_options opts;
	struct imgopt_callbacks cb;
	char *out_dir;
	struct walk *walk;
	bool walk_done;
	struct window *window;	 /* found, not yet dispatched */
	struct optimizer_task *explicit_head, *explicit_tail; /* add_task() queue */
	struct optimizer_task *inflight;
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
	void *payload;		 /* the last task handed to the pool */
	int workers, threads, inflight_n;
};

#endif

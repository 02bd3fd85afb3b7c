/* optimizer.h: the ImageOptimizer, imgopt's library API.
 *
 * The optimizer is policy: it validates tasks, walks input folders lazily,
 * resolves output paths, writes every output through a temporary file in
 * the destination folder and renames it into place, and turns pool results
 * into imgopt_result events.  Images are only ever processed by the
 * process pool's workers; the calling process never decodes a pixel.
 *
 *   struct imgopt_optimizer *o = imgopt_optimizer_new(&opts, &cb, err, n);
 *   imgopt_optimizer_add_path(o, "photos/");
 *   imgopt_optimizer_run(o);            // callbacks fire as images finish
 *   imgopt_optimizer_get_summary(o, &sum);
 *   imgopt_optimizer_free(o);
 */
#ifndef IMGOPT_OPTIMIZER_H
#define IMGOPT_OPTIMIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "result.h"
#include "settings.h"

/* Defaults shared by every front end. */
#define IMGOPT_DEFAULT_MAX_PIXELS 268402689ull /* 16383 x 16383, sharp's */
#define IMGOPT_DEFAULT_MAX_FILE_SIZE (1ull << 30)
#define IMGOPT_DEFAULT_MEMORY_MB 1024
#define IMGOPT_DEFAULT_TIMEOUT_S 120
#define IMGOPT_OUTPUT_FOLDER "optimized"

enum imgopt_output_mode {
	IMGOPT_OUTPUT_BESIDE = 0, /* an optimized/ folder beside each input */
	IMGOPT_OUTPUT_DIR,	  /* under output_dir, keeping the structure */
	IMGOPT_OUTPUT_IN_PLACE,	  /* replace the input atomically */
};

struct imgopt_options {
	struct imgopt_settings settings; /* default for add_path() */
	enum imgopt_output_mode output_mode;
	const char *output_dir;	  /* with IMGOPT_OUTPUT_DIR */
	bool allow_larger;	  /* turn "never worse" off */
	bool keep_metadata;
	bool dry_run;		  /* resolve and report, write nothing */
	double min_savings_pct;	  /* keep the input below this saving */
	uint64_t max_pixels;
	uint64_t max_file_size;
	enum imgopt_fail_on fail_on; /* default: warning */
	int jobs;		  /* worker processes; 0 = number of CPUs */
	int threads;		  /* libvips threads per worker; 0 = auto */
	int inflight;		  /* tasks queued per worker; 0 = default */
	int memory_mb;		  /* per-worker memory limit; 0 = none */
	int timeout_s;		  /* per-image limit; 0 = none */
	bool benchmark;		  /* collect per-task metrics */
	bool order_given;	  /* dispatch in walk order, not largest
				     first (for measuring the ordering) */
	bool persistent;	  /* serve mode: run() keeps the pool alive,
				     waiting for add_task(), until cancel */
	const char *worker_exe;	  /* NULL = this executable */
};

/* Fill *o with the defaults above (global quality 90, jobs = CPUs ...). */
void imgopt_options_init(struct imgopt_options *o);

/* Progress after each finished image. */
struct imgopt_progress {
	uint64_t done;		  /* results so far (any status) */
	uint64_t total;		  /* known so far; grows while walking */
	bool total_final;	  /* the walk has finished */
	uint64_t succeeded, failed, skipped;
	uint64_t original_bytes, optimized_bytes; /* of succeeded images */
	/* Input sizes as the walk (or add_task()) found them, of every input
	 * counted in total and of those in done, whatever became of them: the
	 * share of the work done.  The largest files go first, so the first
	 * images done take longest and an estimate by count starts too high.
	 */
	uint64_t input_bytes_total, input_bytes_done;
	uint64_t elapsed_ns;
};

struct imgopt_callbacks {
	void *ctx;
	/* One call per input, in completion order, exactly once. */
	void (*on_result)(void *ctx, const struct imgopt_result *result,
			  const struct imgopt_progress *progress);
	/* A task was handed to a worker (for "current file" displays). */
	void (*on_start)(void *ctx, const char *path, uint64_t tag);
};

struct imgopt_summary {
	uint64_t total, succeeded, failed, skipped, cancelled;
	uint64_t original_bytes, optimized_bytes; /* succeeded images */
	uint64_t wall_ns;
	bool interrupted;
	/* With a visual quality target: how many images got each quality,
	 * and how many reached no quality that met the target.
	 */
	uint64_t quality_count[101];
	uint64_t target_missed;
};

struct imgopt_optimizer;

/* Check the options (settings included) and start the worker pool.
 * Returns NULL with a message in err on bad options or when workers cannot
 * start.
 */
struct imgopt_optimizer *
imgopt_optimizer_new(const struct imgopt_options *opts,
		     const struct imgopt_callbacks *cb, char *err,
		     size_t err_size);

/* Queue a file or a folder (walked recursively and lazily during run) with
 * the default settings.  Never fails: a missing path becomes a failed
 * result when run.
 */
void imgopt_optimizer_add_path(struct imgopt_optimizer *o, const char *path);

/* Queue one explicit task (the HTTP API): input file, output path (used
 * exactly as given; ending in '/' = into that folder under the input's
 * name with the extension of the output format; NULL = resolved as for
 * add_path), own settings (NULL = the defaults),
 * and a tag the caller gets back in the result (which request or job it
 * belongs to).  May be called before run() or, in persistent mode, from
 * callbacks while it runs.  Returns 0, or -1 with a message in err when
 * the task is invalid (then nothing is queued).
 */
int imgopt_optimizer_add_task(struct imgopt_optimizer *o, const char *input,
			      const char *output,
			      const struct imgopt_settings *settings,
			      uint64_t tag, char *err, size_t err_size);

/* Process everything queued, calling the callbacks as images finish.
 * Returns 0 when the run completed (some images may have failed), -1 when
 * the pool could not work at all (message via imgopt_optimizer_error()).
 */
int imgopt_optimizer_run(struct imgopt_optimizer *o);

/* Stop: no new images start, images in flight get a short grace period,
 * nothing partial is left.  Async-signal-safe: may be called from a signal
 * handler, or from a callback.
 */
void imgopt_optimizer_cancel(struct imgopt_optimizer *o);

/* Drop the queued tasks whose tag has (tag & mask) == (want & mask): the
 * ones no worker has taken yet each get a CANCELLED result now, through
 * on_result, with "<input>: <reason>" as its error (so every task still
 * has exactly one result).  Tasks already handed to a worker finish as
 * usual.  For callers whose requester went away (serve: a client hung up).
 * Not from a signal handler.  Returns how many were dropped.
 */
size_t imgopt_optimizer_cancel_tagged(struct imgopt_optimizer *o,
				      uint64_t want, uint64_t mask,
				      const char *reason);

void imgopt_optimizer_get_summary(const struct imgopt_optimizer *o,
				  struct imgopt_summary *s);

/* Benchmark numbers of the last run, as a jansson json_t * (new
 * reference), or NULL when opts.benchmark was off.
 */
void *imgopt_optimizer_benchmark_json(const struct imgopt_optimizer *o);

const char *imgopt_optimizer_error(const struct imgopt_optimizer *o);

void imgopt_optimizer_free(struct imgopt_optimizer *o);

#endif

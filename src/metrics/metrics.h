/* metrics.h: benchmark numbers for a run.  Pure data: no I/O, no printing
 * (commands/report.c formats them).  Memory is bounded whatever the number
 * of tasks: latencies go into fixed-size histograms (quantile.h), not lists.
 */
#ifndef IMGOPT_METRICS_H
#define IMGOPT_METRICS_H

#include <stdbool.h>
#include <stdint.h>

struct metrics;

/* One finished task, as the pool and the worker measured it.  All times are
 * nanoseconds.
 */
struct metrics_task_sample {
	bool ok;
	int worker;		/* slot index, -1 if never dispatched */
	uint64_t queue_ns;	/* submitted -> dispatched to a worker */
	uint64_t worker_ns;	/* the worker's own time on the task */
	uint64_t header_ns;	/* part of worker_ns: open, sniff, header */
	uint64_t pipeline_ns;	/* part of worker_ns: decode+resize+encode */
	uint64_t service_ns;	/* dispatched -> reply read by the parent */
	uint64_t input_bytes;
	uint64_t output_bytes;
	double megapixels;	/* input pixels / 1e6 */
};

/* Distribution summary of one quantity, in nanoseconds. */
struct metrics_dist {
	uint64_t count;
	double mean_ns;
	uint64_t p50_ns, p95_ns, max_ns;
};

struct metrics_worker {
	uint64_t busy_ns;
	uint64_t tasks;
	uint64_t respawns;
	double utilisation;	/* busy_ns / wall */
};

struct metrics_summary {
	uint64_t tasks, succeeded, failed;
	double wall_s;
	double images_per_s;	 /* succeeded + failed tasks per second */
	double megapixels_per_s; /* of succeeded tasks */
	double input_mb_per_s;	 /* MB = 1e6 bytes, of succeeded tasks */
	double utilisation;	 /* sum of busy / (workers * wall), 0..1 */
	uint64_t bytes_in, bytes_out; /* succeeded tasks only */
	double saved_pct;	 /* (in - out) / in * 100, 0 when in == 0 */
	struct metrics_dist queue;    /* queue wait */
	struct metrics_dist worker;   /* worker processing time */
	struct metrics_dist header;
	struct metrics_dist pipeline;
	struct metrics_dist overhead; /* service - worker: dispatch + IPC */
	struct metrics_dist latency;  /* queue + service */
	int workers;
	const struct metrics_worker *worker_stats; /* [workers], owned by m */
};

/* workers: the pool size (>= 1).  Returns NULL on allocation failure. */
struct metrics *metrics_new(int workers);
void metrics_free(struct metrics *m); /* accepts NULL */

void metrics_add_task(struct metrics *m, const struct metrics_task_sample *s);

/* Per-worker figures from the pool, at the end of the run. */
void metrics_set_worker(struct metrics *m, int worker, uint64_t busy_ns,
			uint64_t tasks, uint64_t respawns);

/* Compute the summary for a run that took wall_ns.  The summary points
 * into m (worker_stats) and stays valid until the next call or
 * metrics_free().
 */
void metrics_summarize(struct metrics *m, uint64_t wall_ns,
		       struct metrics_summary *out);

#endif

/* metrics.c: run totals and timing distributions for one run.
 *
 * Each timing goes into its own fixed-size histogram (quantile.h), so a run
 * of a million files costs the same memory as a run of ten.  Throughput and
 * byte totals count succeeded tasks only: a failed task's bytes were never
 * optimised, and counting them would flatter MB/s and skew saved_pct.
 * images_per_s counts every task, since a failure still took a slot.
 *
 * The timing distributions take every task that reached a worker
 * (worker >= 0), succeeded or failed: a slow failure is still time the user
 * waited.  A task never dispatched has no meaningful times, so it only
 * counts in tasks and failed.
 */
#include "metrics.h"

#include <assert.h>
#include <stdlib.h>

#include "quantile.h"

enum metrics_dist_id {
	METRICS_QUEUE,
	METRICS_WORKER,
	METRICS_HEADER,
	METRICS_PIPELINE,
	METRICS_OVERHEAD,
	METRICS_LATENCY,
	METRICS_NDIST
};

struct metrics {
	int workers;
	struct metrics_worker *worker_stats; /* [workers] */
	uint64_t tasks, succeeded, failed;
	uint64_t bytes_in, bytes_out; /* succeeded only */
	double megapixels;	      /* succeeded only */
	struct quantile *dist[METRICS_NDIST];
};

struct metrics *
metrics_new(int workers)
{
	struct metrics *m;
	int i;

	assert(workers >= 1);
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->workers = workers;
	m->worker_stats = calloc((size_t)workers, sizeof(*m->worker_stats));
	if (!m->worker_stats) {
		metrics_free(m);
		return NULL;
	}
	for (i = 0; i < METRICS_NDIST; i++) {
		m->dist[i] = quantile_new();
		if (!m->dist[i]) {
			metrics_free(m);
			return NULL;
		}
	}
	return m;
}

void
metrics_free(struct metrics *m)
{
	int i;

	if (!m)
		return;
	for (i = 0; i < METRICS_NDIST; i++)
		quantile_free(m->dist[i]);
	free(m->worker_stats);
	free(m);
}

/* a + b, stuck at UINT64_MAX rather than wrapping to a tiny latency. */
static uint64_t
metrics_add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void
metrics_add_task(struct metrics *m, const struct metrics_task_sample *s)
{
	uint64_t overhead;

	m->tasks++;
	if (s->ok) {
		m->succeeded++;
		m->bytes_in += s->input_bytes;
		m->bytes_out += s->output_bytes;
		m->megapixels += s->megapixels;
	} else {
		m->failed++;
	}
	if (s->worker < 0)
		return;

	/* worker_ns is timed in the worker and service_ns in the parent, on
	 * the same monotonic clock but at different points; on a tiny task
	 * the difference can come out negative by a few ns.  Clamp rather
	 * than record a wrapped 2^64.
	 */
	overhead = s->service_ns > s->worker_ns ? s->service_ns - s->worker_ns
						: 0;
	quantile_add(m->dist[METRICS_QUEUE], s->queue_ns);
	quantile_add(m->dist[METRICS_WORKER], s->worker_ns);
	quantile_add(m->dist[METRICS_HEADER], s->header_ns);
	quantile_add(m->dist[METRICS_PIPELINE], s->pipeline_ns);
	quantile_add(m->dist[METRICS_OVERHEAD], overhead);
	quantile_add(m->dist[METRICS_LATENCY],
		     metrics_add_sat(s->queue_ns, s->service_ns));
}

void
metrics_set_worker(struct metrics *m, int worker, uint64_t busy_ns,
		   uint64_t tasks, uint64_t respawns)
{
	struct metrics_worker *w;

	assert(worker >= 0 && worker < m->workers);
	w = &m->worker_stats[worker];
	w->busy_ns = busy_ns;
	w->tasks = tasks;
	w->respawns = respawns;
}

/* Fill one distribution summary from its histogram. */
static void
metrics_dist_fill(struct metrics_dist *d, const struct quantile *q)
{
	d->count = quantile_count(q);
	d->mean_ns = quantile_mean(q);
	d->p50_ns = quantile_value(q, 0.50);
	d->p95_ns = quantile_value(q, 0.95);
	d->max_ns = quantile_max(q);
}

/* num / den, or 0 when den is 0: a run that took no measurable time has no
 * rate, and NaN or inf would poison the JSON report.
 */
static double
metrics_ratio(double num, double den)
{
	return den > 0.0 ? num / den : 0.0;
}

/* Cap a utilisation at 1.  busy comes from the pool's per-slot stamps and
 * wall from the command's start and end, so busy can overshoot wall by a
 * scheduling tick; the contract promises 0..1.
 */
static double
metrics_unit(double x)
{
	return x > 1.0 ? 1.0 : x;
}

void
metrics_summarize(struct metrics *m, uint64_t wall_ns,
		  struct metrics_summary *out)
{
	double wall_s, busy;
	int i;

	wall_s = (double)wall_ns / 1e9;
	busy = 0.0;
	for (i = 0; i < m->workers; i++) {
		struct metrics_worker *w = &m->worker_stats[i];

		busy += (double)w->busy_ns;
		w->utilisation = metrics_unit(
			metrics_ratio((double)w->busy_ns, (double)wall_ns));
	}

	out->tasks = m->tasks;
	out->succeeded = m->succeeded;
	out->failed = m->failed;
	out->wall_s = wall_s;
	out->images_per_s = metrics_ratio((double)m->tasks, wall_s);
	out->megapixels_per_s = metrics_ratio(m->megapixels, wall_s);
	out->input_mb_per_s = metrics_ratio((double)m->bytes_in / 1e6, wall_s);
	out->utilisation = metrics_unit(
		metrics_ratio(busy, (double)m->workers * (double)wall_ns));
	out->bytes_in = m->bytes_in;
	out->bytes_out = m->bytes_out;
	out->saved_pct = metrics_ratio(
		((double)m->bytes_in - (double)m->bytes_out) * 100.0,
		(double)m->bytes_in);
	metrics_dist_fill(&out->queue, m->dist[METRICS_QUEUE]);
	metrics_dist_fill(&out->worker, m->dist[METRICS_WORKER]);
	metrics_dist_fill(&out->header, m->dist[METRICS_HEADER]);
	metrics_dist_fill(&out->pipeline, m->dist[METRICS_PIPELINE]);
	metrics_dist_fill(&out->overhead, m->dist[METRICS_OVERHEAD]);
	metrics_dist_fill(&out->latency, m->dist[METRICS_LATENCY]);
	out->workers = m->workers;
	out->worker_stats = m->worker_stats;
}

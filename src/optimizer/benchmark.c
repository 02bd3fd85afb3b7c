/* benchmark.c: benchmark samples in, the benchmark report out
 * (benchmark.h).
 */
#include "benchmark.h"

#include <string.h>
#include <sys/resource.h>

#include "imgopt/result.h"
#include "message/message.h"
#include "metrics/metrics.h"
#include "pool/pool.h"

/* One sample; the pool times the dispatch, the worker its own work. */
void
benchmark_record(struct metrics *m, uint64_t found_ns,
		 const struct pool_outcome *oc,
		 const struct msg_reply *reply,
		 const struct imgopt_result *r)
{
	struct metrics_task_sample s;

	if (!m)
		return;
	memset(&s, 0, sizeof(s));
	s.ok = r->status == IMGOPT_STATUS_OK;
	s.worker = oc->worker;
	/* The pool pulls a task only when a worker has room, so the wait
	 * that matters starts when the walk found it.
	 */
	s.queue_ns = oc->dispatch_ns > found_ns ? oc->dispatch_ns - found_ns : 0;
	s.service_ns = oc->reply_ns > oc->dispatch_ns ?
		oc->reply_ns - oc->dispatch_ns : 0;
	if (reply) {
		s.header_ns = reply->header_ns;
		s.pipeline_ns = reply->pipeline_ns;
		s.worker_ns = reply->header_ns + reply->pipeline_ns;
		s.megapixels = (double)reply->in_width * reply->in_height / 1e6;
	}
	s.input_bytes = r->original_size;
	s.output_bytes = r->optimized_size;
	metrics_add_task(m, &s);
}

/* One distribution in milliseconds. */
static json_t *
benchmark_dist(const struct metrics_dist *d)
{
	return json_pack("{s:f, s:f, s:f, s:f}", "mean", d->mean_ns / 1e6,
			 "p50", d->p50_ns / 1e6, "p95", d->p95_ns / 1e6, "max",
			 d->max_ns / 1e6);
}

/* One object: configuration, throughput, distributions in milliseconds,
 * per-worker figures and the pool's counters.
 */
json_t *
benchmark_report(struct metrics *metrics, struct pool *pool, int workers,
		 int threads, int inflight, uint64_t wall_ns)
{
	struct metrics_summary m;
	struct pool_stats ps;
	struct rusage ru;
	json_t *per_worker;

	if (pool) {
		pool_get_stats(pool, &ps);
		for (int i = 0; i < ps.workers; i++)
			metrics_set_worker(metrics, i, ps.worker[i].busy_ns,
					   ps.worker[i].tasks_done,
					   ps.worker[i].respawns);
	} else {
		memset(&ps, 0, sizeof(ps));
	}
	metrics_summarize(metrics, wall_ns, &m);
	/* The parent's own peak memory: it must stay flat in the number of
	 * files (the walk is lazy, the task window bounded).
	 */
	getrusage(RUSAGE_SELF, &ru);
	per_worker = json_array();
	for (int i = 0; i < m.workers; i++)
		json_array_append_new(
			per_worker,
			json_pack("{s:i, s:f, s:I, s:I, s:f}", "worker", i,
				  "busy_seconds",
				  m.worker_stats[i].busy_ns / 1e9, "tasks",
				  (json_int_t)m.worker_stats[i].tasks,
				  "respawns",
				  (json_int_t)m.worker_stats[i].respawns,
				  "utilisation",
				  m.worker_stats[i].utilisation));
	return json_pack(
		"{s:s, s:i, s:i, s:i, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f,"
		" s:I, s:I, s:f, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:f,"
		" s:{s:I, s:I, s:I}}",
		"type", "benchmark", "workers", workers,
		"threads_per_worker", threads, "inflight_per_worker",
		inflight, "tasks", (json_int_t)m.tasks, "succeeded",
		(json_int_t)m.succeeded, "failed", (json_int_t)m.failed,
		"wall_seconds", m.wall_s, "images_per_second", m.images_per_s,
		"megapixels_per_second", m.megapixels_per_s,
		"input_mb_per_second", m.input_mb_per_s, "utilisation",
		m.utilisation, "bytes_in", (json_int_t)m.bytes_in, "bytes_out",
		(json_int_t)m.bytes_out, "saved_percent", m.saved_pct,
		"queue_wait_ms", benchmark_dist(&m.queue), "worker_ms",
		benchmark_dist(&m.worker), "header_ms",
		benchmark_dist(&m.header), "pipeline_ms",
		benchmark_dist(&m.pipeline), "pool_overhead_ms",
		benchmark_dist(&m.overhead), "latency_ms",
		benchmark_dist(&m.latency),
		"per_worker", per_worker, "parent_peak_rss_mb",
		ru.ru_maxrss / 1024.0, "pool", "retries",
		(json_int_t)ps.retries, "deaths", (json_int_t)ps.deaths,
		"timeouts", (json_int_t)ps.timeouts);
}

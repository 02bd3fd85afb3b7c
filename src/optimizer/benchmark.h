/* benchmark.h: what a run with opts.benchmark measures, and the report.
 *
 * Each finished task becomes one sample in the metrics (metrics.h:
 * histograms, so memory stays bounded); at the end of the run the pool's
 * per-worker figures join them and benchmark_report() builds the JSON
 * object imgopt_optimizer_benchmark_json() hands out.  Without
 * opts.benchmark nothing here runs.
 */
#ifndef IMGOPT_BENCHMARK_H
#define IMGOPT_BENCHMARK_H

#include <stdint.h>

#include <jansson.h>

struct msg_reply;
struct imgopt_result;
struct metrics;
struct pool;
struct pool_outcome;

/* Add one finished task to m (nothing when m is NULL).  found_ns: when the
 * walk found it or add_task() took it, where its queue wait starts; reply:
 * the worker's, or NULL when there was none (crash, time-out, malformed
 * reply); r: the result as it will be reported.
 */
void benchmark_record(struct metrics *m, uint64_t found_ns,
		      const struct pool_outcome *oc,
		      const struct msg_reply *reply,
		      const struct imgopt_result *r);

/* The report of a run that took wall_ns: m's summary, the pool's
 * per-worker figures and counters (pool NULL when it never started: all
 * zero), the configuration (workers, threads and inflight per worker) and
 * the parent's peak memory.  Stores the pool's figures into m.  Returns a
 * new reference.
 */
json_t *benchmark_report(struct metrics *m, struct pool *pool, int workers,
			 int threads, int inflight, uint64_t wall_ns);

#endif

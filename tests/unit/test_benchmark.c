/* test_benchmark.c: what a --benchmark run measures (benchmark.h).
 *
 * benchmark_record() turns the pool's timestamps and the worker's reply
 * into one sample; benchmark_report() builds the {"type":"benchmark",...}
 * object `imgopt --benchmark --json` prints.  Its field names are a
 * contract (README "Performance", tests/cli/test_bench.sh, users'
 * scripts), so the shape is checked exactly; the figures are checked
 * against samples whose every time is known.
 *
 * The pool's per-worker figures need a running pool: test_optimizer.c
 * checks them on a real run.  Here the pool is NULL, "never started".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "message/message.h"
#include "imgopt/result.h"
#include "metrics/metrics.h"
#include "optimizer/benchmark.h"
#include "pool/pool.h"
#include "testjson.h"

#define MS 1000000ull

static void
assert_near(double got, double want, double tol, const char *what)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("%s: %.9g, want %.9g", what, got, want);
}

/* One {mean,p50,p95,max} distribution in ms.  Mean and max are exact;
 * p50 and p95 are histogram estimates within 1/256 of a real sample
 * (quantile.h).
 */
static void
check_dist(json_t *bench, const char *key, double mean, double p50,
	   double p95, double max)
{
	json_t *d = json_object_get(bench, key);
	char what[64];

	assert_keys(d, "mean", "p50", "p95", "max", NULL);
	snprintf(what, sizeof(what), "%s.mean", key);
	assert_near(real_of(d, "mean"), mean, 1e-9, what);
	snprintf(what, sizeof(what), "%s.p50", key);
	assert_near(real_of(d, "p50"), p50, p50 / 256 + 1e-9, what);
	snprintf(what, sizeof(what), "%s.p95", key);
	assert_near(real_of(d, "p95"), p95, p95 / 256 + 1e-9, what);
	snprintf(what, sizeof(what), "%s.max", key);
	assert_near(real_of(d, "max"), max, 1e-9, what);
}

/* The top-level fields, per-worker and pool objects, exactly. */
static void
check_shape(json_t *b, int workers)
{
	json_t *per_worker, *w;
	size_t i;

	assert_keys(b, "type", "workers", "threads_per_worker",
		    "inflight_per_worker", "tasks", "succeeded", "failed",
		    "wall_seconds", "images_per_second",
		    "megapixels_per_second", "input_mb_per_second",
		    "utilisation", "bytes_in", "bytes_out", "saved_percent",
		    "queue_wait_ms", "worker_ms", "header_ms", "pipeline_ms",
		    "pool_overhead_ms", "latency_ms", "per_worker",
		    "parent_peak_rss_mb", "pool", NULL);
	assert_string_equal(json_string_value(json_object_get(b, "type")),
			    "benchmark");
	per_worker = json_object_get(b, "per_worker");
	assert_true(json_is_array(per_worker));
	assert_int_equal(json_array_size(per_worker), workers);
	json_array_foreach(per_worker, i, w) {
		assert_keys(w, "worker", "busy_seconds", "tasks", "respawns",
			    "utilisation", NULL);
		assert_int_equal(int_of(w, "worker"), i);
		(void)real_of(w, "busy_seconds");
		(void)int_of(w, "tasks");
		(void)int_of(w, "respawns");
		(void)real_of(w, "utilisation");
	}
	assert_keys(json_object_get(b, "pool"), "retries", "deaths",
		    "timeouts", NULL);
	/* The parent's own peak memory: this process's, never zero. */
	assert_true(real_of(b, "parent_peak_rss_mb") > 0);
}

/* A run with nothing measured (and no pool): the shape is all there and
 * every figure is 0, never NaN or inf (which JSON cannot carry).
 */
static void
test_empty_run(void **state)
{
	struct metrics *m = metrics_new(2);
	json_t *b, *pool;
	char *text;

	(void)state;
	b = benchmark_report(m, NULL, 2, 3, 4, 0);
	assert_non_null(b);
	check_shape(b, 2);
	assert_int_equal(int_of(b, "workers"), 2);
	assert_int_equal(int_of(b, "threads_per_worker"), 3);
	assert_int_equal(int_of(b, "inflight_per_worker"), 4);
	assert_int_equal(int_of(b, "tasks"), 0);
	assert_int_equal(int_of(b, "succeeded"), 0);
	assert_int_equal(int_of(b, "failed"), 0);
	assert_int_equal(int_of(b, "bytes_in"), 0);
	assert_int_equal(int_of(b, "bytes_out"), 0);
	assert_true(real_of(b, "wall_seconds") == 0);
	assert_true(real_of(b, "images_per_second") == 0);
	assert_true(real_of(b, "megapixels_per_second") == 0);
	assert_true(real_of(b, "input_mb_per_second") == 0);
	assert_true(real_of(b, "utilisation") == 0);
	assert_true(real_of(b, "saved_percent") == 0);
	check_dist(b, "queue_wait_ms", 0, 0, 0, 0);
	check_dist(b, "latency_ms", 0, 0, 0, 0);
	pool = json_object_get(b, "pool");
	assert_int_equal(int_of(pool, "retries"), 0);
	assert_int_equal(int_of(pool, "deaths"), 0);
	assert_int_equal(int_of(pool, "timeouts"), 0);
	/* It serialises: jansson refuses NaN and inf. */
	text = imgopt_json_dumps(b);
	assert_non_null(text);
	free(text);
	json_decref(b);
	metrics_free(m);
}

/* One task as the optimizer records it. */
static void
record(struct metrics *m, int worker, uint64_t found, uint64_t dispatch,
       uint64_t reply_at, const struct msg_reply *reply, bool ok,
       uint64_t in_bytes, uint64_t out_bytes)
{
	struct pool_outcome oc;
	struct imgopt_result r;

	memset(&oc, 0, sizeof(oc));
	oc.kind = reply ? POOL_TASK_DONE : POOL_TASK_CRASHED;
	oc.worker = worker;
	oc.submit_ns = found;
	oc.dispatch_ns = dispatch;
	oc.reply_ns = reply_at;
	memset(&r, 0, sizeof(r));
	r.status = ok ? IMGOPT_STATUS_OK : IMGOPT_STATUS_FAILED;
	r.original_size = in_bytes;
	r.optimized_size = out_bytes;
	benchmark_record(m, found, &oc, reply, &r);
}

static struct msg_reply
reply_of(uint64_t header_ns, uint64_t pipeline_ns, int w, int h)
{
	struct msg_reply rep;

	memset(&rep, 0, sizeof(rep));
	rep.header_ns = header_ns;
	rep.pipeline_ns = pipeline_ns;
	rep.in_width = w;
	rep.in_height = h;
	return rep;
}

/* Four tasks with known times, each field traced back to them:
 *
 *   A  ok      queue 2 ms, service 10 ms, header 1 + pipeline 8 ms, 2 MP,
 *              1 000 000 -> 400 000 bytes
 *   B  failed  queue 4 ms, service 20 ms, header 3 ms (refused after the
 *              header), 500 000 bytes in
 *   C  crash   queue 6 ms, service 30 ms, no reply
 *   D  never dispatched (worker -1)
 *
 * in a 2 s run: queue 2/4/6, worker 9/3/0, overhead (service - worker)
 * 1/17/30, latency (queue + service) 12/24/36; D only counts as a task.
 */
static void
test_figures(void **state)
{
	const uint64_t t0 = 1000 * MS;
	struct metrics *m = metrics_new(2);
	struct msg_reply a = reply_of(1 * MS, 8 * MS, 2000, 1000);
	struct msg_reply b = reply_of(3 * MS, 0, 4000, 4000);
	json_t *j;

	(void)state;
	record(m, 0, t0, t0 + 2 * MS, t0 + 12 * MS, &a, true, 1000000,
	       400000);
	record(m, 1, t0, t0 + 4 * MS, t0 + 24 * MS, &b, false, 500000, 0);
	record(m, 0, t0, t0 + 6 * MS, t0 + 36 * MS, NULL, false, 700000, 0);
	record(m, -1, t0, 0, 0, NULL, false, 300000, 0);
	j = benchmark_report(m, NULL, 2, 1, 1, 2000 * MS);
	check_shape(j, 2);
	assert_int_equal(int_of(j, "tasks"), 4);
	assert_int_equal(int_of(j, "succeeded"), 1);
	assert_int_equal(int_of(j, "failed"), 3);
	/* Bytes and megapixels of succeeded tasks only. */
	assert_int_equal(int_of(j, "bytes_in"), 1000000);
	assert_int_equal(int_of(j, "bytes_out"), 400000);
	assert_near(real_of(j, "saved_percent"), 60, 1e-9, "saved_percent");
	assert_near(real_of(j, "wall_seconds"), 2, 1e-12, "wall_seconds");
	/* Every task took a slot's time: 4 in 2 s. */
	assert_near(real_of(j, "images_per_second"), 2, 1e-12, "images/s");
	assert_near(real_of(j, "megapixels_per_second"), 1, 1e-12, "MP/s");
	assert_near(real_of(j, "input_mb_per_second"), 0.5, 1e-12, "MB/s");
	check_dist(j, "queue_wait_ms", 4, 4, 6, 6);
	check_dist(j, "worker_ms", 4, 3, 9, 9);
	check_dist(j, "header_ms", 4.0 / 3, 1, 3, 3);
	check_dist(j, "pipeline_ms", 8.0 / 3, 0, 8, 8);
	check_dist(j, "pool_overhead_ms", 16, 17, 30, 30);
	check_dist(j, "latency_ms", 24, 24, 36, 36);
	json_decref(j);
	metrics_free(m);
}

/* Timestamps out of order (a reply stamped before its dispatch, a task
 * dispatched before the walk's stamp) count as 0, not as 2^64 - x.
 */
static void
test_clamped(void **state)
{
	struct metrics *m = metrics_new(1);
	struct msg_reply a = reply_of(0, 0, 10, 10);
	json_t *j;

	(void)state;
	record(m, 0, 50 * MS, 40 * MS, 30 * MS, &a, true, 100, 50);
	j = benchmark_report(m, NULL, 1, 1, 1, 1000 * MS);
	check_dist(j, "queue_wait_ms", 0, 0, 0, 0);
	check_dist(j, "latency_ms", 0, 0, 0, 0);
	check_dist(j, "pool_overhead_ms", 0, 0, 0, 0);
	json_decref(j);
	metrics_free(m);
}

/* Without --benchmark there are no metrics: recording is a no-op. */
static void
test_record_without_metrics(void **state)
{
	struct msg_reply a = reply_of(MS, MS, 10, 10);

	(void)state;
	record(NULL, 0, 0, MS, 2 * MS, &a, true, 100, 50);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_run),
		cmocka_unit_test(test_figures),
		cmocka_unit_test(test_clamped),
		cmocka_unit_test(test_record_without_metrics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

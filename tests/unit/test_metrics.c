/* test_metrics.c: run summary from handcrafted samples, and the edges
 * (no wall time, no input, no tasks) that must not divide by zero.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metrics/metrics.h"

/* Quantiles other than min and max are bucket middles: within 1/256. */
#define REL_BOUND (1.0 / 256)

static void
test_near(uint64_t got, uint64_t want)
{
	double d = (double)got - (double)want;

	if (d < 0)
		d = -d;
	if (d > (double)want * REL_BOUND)
		fail_msg("got %llu, want %llu within 1/256",
			 (unsigned long long)got, (unsigned long long)want);
}

/* Doubles here are sums and ratios of small integers: compare tightly. */
static void
test_double(double got, double want)
{
	double d = got - want;

	if (d < 0)
		d = -d;
	if (!(d <= 1e-9 * (want < 0 ? -want : want) + 1e-12))
		fail_msg("got %.17g, want %.17g", got, want);
}

/* Finite and not NaN. */
static void
test_finite(double x)
{
	assert_true(x == x);
	assert_true(x < 1e300 && x > -1e300);
}

static void
test_summary_finite(const struct metrics_summary *s)
{
	int i;

	test_finite(s->wall_s);
	test_finite(s->images_per_s);
	test_finite(s->megapixels_per_s);
	test_finite(s->input_mb_per_s);
	test_finite(s->utilisation);
	test_finite(s->saved_pct);
	test_finite(s->queue.mean_ns);
	test_finite(s->worker.mean_ns);
	test_finite(s->header.mean_ns);
	test_finite(s->pipeline.mean_ns);
	test_finite(s->overhead.mean_ns);
	test_finite(s->latency.mean_ns);
	for (i = 0; i < s->workers; i++)
		test_finite(s->worker_stats[i].utilisation);
}

/* Two workers, two successes, a failure in a worker and a task that never
 * reached one, over two seconds.
 */
static const struct metrics_task_sample test_samples[] = {
	{.ok = true,
	 .worker = 0,
	 .queue_ns = 1000,
	 .worker_ns = 10000,
	 .header_ns = 2000,
	 .pipeline_ns = 7000,
	 .service_ns = 12000,
	 .input_bytes = 1000000,
	 .output_bytes = 600000,
	 .megapixels = 2.0},
	{.ok = true,
	 .worker = 1,
	 .queue_ns = 3000,
	 .worker_ns = 20000,
	 .header_ns = 4000,
	 .pipeline_ns = 15000,
	 .service_ns = 21000,
	 .input_bytes = 3000000,
	 .output_bytes = 1800000,
	 .megapixels = 4.0},
	/* Failed in the worker; service < worker, so overhead clamps to 0. */
	{.ok = false,
	 .worker = 0,
	 .queue_ns = 2000,
	 .worker_ns = 5000,
	 .header_ns = 5000,
	 .pipeline_ns = 0,
	 .service_ns = 4000,
	 .input_bytes = 500000,
	 .output_bytes = 0,
	 .megapixels = 1.0},
	/* Never dispatched: counts as a failed task, has no timings. */
	{.ok = false,
	 .worker = -1,
	 .queue_ns = 999999,
	 .input_bytes = 100},
};

static void
test_summary(void **state)
{
	struct metrics *m = metrics_new(2);
	struct metrics_summary s;
	size_t i;

	(void)state;
	assert_non_null(m);
	for (i = 0; i < sizeof(test_samples) / sizeof(test_samples[0]); i++)
		metrics_add_task(m, &test_samples[i]);
	metrics_set_worker(m, 0, 1500000000, 2, 1);
	metrics_set_worker(m, 1, 1000000000, 1, 0);
	metrics_summarize(m, 2000000000, &s);

	assert_int_equal(s.tasks, 4);
	assert_int_equal(s.succeeded, 2);
	assert_int_equal(s.failed, 2);
	test_double(s.wall_s, 2.0);
	test_double(s.images_per_s, 2.0);     /* 4 tasks / 2 s */
	test_double(s.megapixels_per_s, 3.0); /* (2 + 4) / 2 s */
	test_double(s.input_mb_per_s, 2.0);   /* 4e6 B / 2 s */
	test_double(s.utilisation, 0.625);    /* 2.5 s / (2 x 2 s) */
	assert_int_equal(s.bytes_in, 4000000);
	assert_int_equal(s.bytes_out, 2400000);
	test_double(s.saved_pct, 40.0);

	/* Distributions: the three dispatched tasks. */
	assert_int_equal(s.queue.count, 3);
	test_double(s.queue.mean_ns, 2000.0);
	test_near(s.queue.p50_ns, 2000);
	assert_int_equal(s.queue.p95_ns, 3000);
	assert_int_equal(s.queue.max_ns, 3000);

	assert_int_equal(s.worker.count, 3);
	test_double(s.worker.mean_ns, 35000.0 / 3);
	test_near(s.worker.p50_ns, 10000);
	assert_int_equal(s.worker.p95_ns, 20000);
	assert_int_equal(s.worker.max_ns, 20000);

	assert_int_equal(s.header.count, 3);
	test_double(s.header.mean_ns, 11000.0 / 3);
	test_near(s.header.p50_ns, 4000);
	assert_int_equal(s.header.max_ns, 5000);

	assert_int_equal(s.pipeline.count, 3);
	test_double(s.pipeline.mean_ns, 22000.0 / 3);
	test_near(s.pipeline.p50_ns, 7000);
	assert_int_equal(s.pipeline.max_ns, 15000);

	/* service - worker: 2000, 1000, and 0 (clamped from -1000). */
	assert_int_equal(s.overhead.count, 3);
	test_double(s.overhead.mean_ns, 1000.0);
	test_near(s.overhead.p50_ns, 1000);
	assert_int_equal(s.overhead.max_ns, 2000);

	/* queue + service: 13000, 24000, 6000. */
	assert_int_equal(s.latency.count, 3);
	test_double(s.latency.mean_ns, 43000.0 / 3);
	test_near(s.latency.p50_ns, 13000);
	assert_int_equal(s.latency.p95_ns, 24000);
	assert_int_equal(s.latency.max_ns, 24000);

	assert_int_equal(s.workers, 2);
	assert_non_null(s.worker_stats);
	assert_int_equal(s.worker_stats[0].busy_ns, 1500000000);
	assert_int_equal(s.worker_stats[0].tasks, 2);
	assert_int_equal(s.worker_stats[0].respawns, 1);
	test_double(s.worker_stats[0].utilisation, 0.75);
	assert_int_equal(s.worker_stats[1].tasks, 1);
	assert_int_equal(s.worker_stats[1].respawns, 0);
	test_double(s.worker_stats[1].utilisation, 0.5);
	test_summary_finite(&s);

	/* Summarising again gives the same numbers. */
	{
		struct metrics_summary again;

		metrics_summarize(m, 2000000000, &again);
		assert_int_equal(again.latency.p50_ns, s.latency.p50_ns);
		test_double(again.utilisation, s.utilisation);
		assert_ptr_equal(again.worker_stats, s.worker_stats);
	}
	metrics_free(m);
}

/* A run too fast to time: every rate is 0, not inf or NaN. */
static void
test_zero_wall(void **state)
{
	struct metrics *m = metrics_new(3);
	struct metrics_summary s;

	(void)state;
	metrics_add_task(m, &test_samples[0]);
	metrics_set_worker(m, 2, 1000, 1, 0);
	metrics_summarize(m, 0, &s);
	test_summary_finite(&s);
	test_double(s.wall_s, 0.0);
	test_double(s.images_per_s, 0.0);
	test_double(s.megapixels_per_s, 0.0);
	test_double(s.input_mb_per_s, 0.0);
	test_double(s.utilisation, 0.0);
	test_double(s.worker_stats[2].utilisation, 0.0);
	test_double(s.saved_pct, 40.0);
	assert_int_equal(s.tasks, 1);
	metrics_free(m);
}

/* No input bytes (empty files, or only failures): saved_pct is 0. */
static void
test_zero_input(void **state)
{
	struct metrics *m = metrics_new(1);
	struct metrics_task_sample t = {.ok = true,
					.worker = 0,
					.worker_ns = 100,
					.service_ns = 150};
	struct metrics_summary s;

	(void)state;
	metrics_add_task(m, &t);
	metrics_add_task(m, &test_samples[2]); /* failed: bytes ignored */
	metrics_summarize(m, 1000000000, &s);
	test_summary_finite(&s);
	assert_int_equal(s.bytes_in, 0);
	assert_int_equal(s.bytes_out, 0);
	test_double(s.saved_pct, 0.0);
	test_double(s.input_mb_per_s, 0.0);
	test_double(s.images_per_s, 2.0);
	metrics_free(m);
}

/* No tasks at all: zero distributions. */
static void
test_empty(void **state)
{
	struct metrics *m = metrics_new(1);
	struct metrics_summary s;

	(void)state;
	metrics_summarize(m, 5000000000, &s);
	test_summary_finite(&s);
	assert_int_equal(s.tasks, 0);
	assert_int_equal(s.latency.count, 0);
	assert_int_equal(s.latency.p50_ns, 0);
	assert_int_equal(s.latency.p95_ns, 0);
	assert_int_equal(s.latency.max_ns, 0);
	test_double(s.latency.mean_ns, 0.0);
	test_double(s.utilisation, 0.0);
	metrics_free(m);
	metrics_free(NULL);
}

/* Busy a hair over wall (separate stamps) still reads as 100%; an
 * absurd queue time saturates rather than wrapping to a small latency.
 */
static void
test_clamps(void **state)
{
	struct metrics *m = metrics_new(1);
	struct metrics_task_sample t = {.ok = true,
					.worker = 0,
					.queue_ns = UINT64_MAX - 10,
					.service_ns = 100};
	struct metrics_summary s;

	(void)state;
	metrics_add_task(m, &t);
	metrics_set_worker(m, 0, 1000001000, 1, 0);
	metrics_summarize(m, 1000000000, &s);
	test_double(s.utilisation, 1.0);
	test_double(s.worker_stats[0].utilisation, 1.0);
	assert_int_equal(s.latency.max_ns, UINT64_MAX);
	metrics_free(m);
}

/* A million tasks: counts and means stay exact. */
static void
test_many(void **state)
{
	struct metrics *m = metrics_new(8);
	struct metrics_task_sample t = {.ok = true,
					.worker = 0,
					.queue_ns = 0,
					.worker_ns = 1000000,
					.service_ns = 1100000,
					.input_bytes = 2000000,
					.output_bytes = 1000000,
					.megapixels = 1.0};
	struct metrics_summary s;
	int i;

	(void)state;
	for (i = 0; i < 1000000; i++) {
		t.worker = i % 8;
		t.queue_ns = (uint64_t)(i % 1000) * 1000;
		metrics_add_task(m, &t);
	}
	metrics_summarize(m, 100000000000ull, &s); /* 100 s */
	assert_int_equal(s.tasks, 1000000);
	test_double(s.images_per_s, 10000.0);
	test_double(s.input_mb_per_s, 20000.0);
	test_double(s.saved_pct, 50.0);
	assert_int_equal(s.overhead.p50_ns, 100000);
	assert_int_equal(s.worker.p95_ns, 1000000);
	test_double(s.queue.mean_ns, 499500.0);
	test_near(s.queue.p50_ns, 499000);
	assert_int_equal(s.queue.max_ns, 999000);
	metrics_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_zero_wall),
		cmocka_unit_test(test_zero_input),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_clamps),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_quantile.c: accuracy and memory of the latency histogram.
 *
 * Truth is a sorted array of the same samples and the nearest-rank rule
 * (the ceil(p * n)-th smallest), which is what quantile.h promises to
 * estimate within 1/256.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <malloc.h>
#ifdef __SANITIZE_ADDRESS__
/* From <sanitizer/allocator_interface.h>, which Debian's gcc does not ship. */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

#include "metrics/quantile.h"

#define US 1000ull

/* Promised bound, plus a hair for the double arithmetic in the check. */
#define REL_BOUND (1.0 / 256 + 1e-12)

static const double test_ps[] = {0.001, 0.01, 0.1,  0.25, 0.5,
				 0.75,	0.9,  0.95, 0.99, 0.999};

/* Deterministic xorshift64*, so a failure reproduces. */
static uint64_t
test_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* Uniform in [0, 1). */
static double
test_unit(uint64_t *state)
{
	return (double)(test_rand(state) >> 11) / 9007199254740992.0;
}

/* Log-uniform from 2^10 ns (1 us) to 2^42 ns (73 min): a uniform power of
 * two, then a uniform value inside it.  No libm, which the tests do not link.
 */
static uint64_t
test_log_uniform(uint64_t *state)
{
	uint64_t p2 = (uint64_t)1 << (10 + test_rand(state) % 32);

	return p2 + test_rand(state) % p2;
}

static int
test_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The nearest-rank p-quantile of sorted[0..n). */
static uint64_t
test_truth(const uint64_t *sorted, size_t n, double p)
{
	size_t rank;

	rank = (size_t)(p * (double)n);
	if ((double)rank < p * (double)n)
		rank++;
	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}

static double
test_rel_err(uint64_t got, uint64_t want)
{
	double d = (double)got - (double)want;

	if (d < 0)
		d = -d;
	return want ? d / (double)want : d;
}

/* Bytes the process has on the heap now.  ASan replaces malloc, and then
 * only its own counter sees our allocations.
 */
static size_t
test_heap_bytes(void)
{
#ifdef __SANITIZE_ADDRESS__
	return __sanitizer_get_current_allocated_bytes();
#else
	return mallinfo2().uordblks;
#endif
}

static void
test_empty(void **state)
{
	struct quantile *q = quantile_new();

	(void)state;
	assert_non_null(q);
	assert_int_equal(quantile_count(q), 0);
	assert_int_equal(quantile_value(q, 0.0), 0);
	assert_int_equal(quantile_value(q, 0.5), 0);
	assert_int_equal(quantile_value(q, 1.0), 0);
	assert_int_equal(quantile_min(q), 0);
	assert_int_equal(quantile_max(q), 0);
	assert_true(quantile_mean(q) == 0.0);
	quantile_free(q);
	quantile_free(NULL);
}

static void
test_single(void **state)
{
	struct quantile *q = quantile_new();
	size_t i;

	(void)state;
	quantile_add(q, 123456789);
	assert_int_equal(quantile_count(q), 1);
	for (i = 0; i < sizeof(test_ps) / sizeof(test_ps[0]); i++)
		assert_int_equal(quantile_value(q, test_ps[i]), 123456789);
	assert_int_equal(quantile_value(q, 0.0), 123456789);
	assert_int_equal(quantile_value(q, 1.0), 123456789);
	assert_int_equal(quantile_max(q), 123456789);
	assert_int_equal(quantile_min(q), 123456789);
	assert_true(quantile_mean(q) == 123456789.0);
	quantile_free(q);
}

/* All samples equal: clamping to [min, max] makes every quantile exact. */
static void
test_constant(void **state)
{
	struct quantile *q = quantile_new();
	int i;

	(void)state;
	for (i = 0; i < 10000; i++)
		quantile_add(q, 987654321);
	assert_int_equal(quantile_value(q, 0.5), 987654321);
	assert_int_equal(quantile_value(q, 0.95), 987654321);
	assert_int_equal(quantile_value(q, 0.999), 987654321);
	assert_true(quantile_mean(q) == 987654321.0);
	quantile_free(q);
}

/* 0..255 ns have one bucket each: quantiles there are exact. */
static void
test_small_exact(void **state)
{
	struct quantile *q = quantile_new();
	uint64_t v;

	(void)state;
	for (v = 1; v <= 100; v++)
		quantile_add(q, v);
	/* 0.95 * 100 is not exactly 95 in binary; the rank must still be 95. */
	assert_int_equal(quantile_value(q, 0.95), 95);
	assert_int_equal(quantile_value(q, 0.5), 50);
	assert_int_equal(quantile_value(q, 0.01), 1);
	assert_int_equal(quantile_value(q, 0.011), 2);
	assert_int_equal(quantile_value(q, 0.0), 1);
	assert_int_equal(quantile_value(q, 1.0), 100);
	quantile_add(q, 0);
	assert_int_equal(quantile_min(q), 0);
	assert_int_equal(quantile_value(q, 0.0), 0);
	quantile_free(q);
}

/* 1..100000 us, one each: p50 is 50000 us, the mean 50000.5 us. */
static void
test_uniform(void **state)
{
	struct quantile *q = quantile_new();
	uint64_t i;

	(void)state;
	for (i = 1; i <= 100000; i++)
		quantile_add(q, i * US);
	assert_int_equal(quantile_count(q), 100000);
	assert_true(test_rel_err(quantile_value(q, 0.5), 50000 * US) <= 0.01);
	assert_true(test_rel_err(quantile_value(q, 0.5), 50000 * US) <=
		    REL_BOUND);
	assert_true(test_rel_err(quantile_value(q, 0.95), 95000 * US) <=
		    REL_BOUND);
	assert_true(test_rel_err(quantile_value(q, 0.99), 99000 * US) <=
		    REL_BOUND);
	assert_true(test_rel_err(quantile_value(q, 0.001), 100 * US) <=
		    REL_BOUND);
	assert_int_equal(quantile_max(q), 100000 * US);
	assert_int_equal(quantile_min(q), 1 * US);
	assert_true(quantile_mean(q) == 50000.5 * US);
	quantile_free(q);
}

/* Check every test_ps quantile of q against sorted; return the worst
 * relative error.
 */
static double
test_check_all(const struct quantile *q, const uint64_t *sorted, size_t n)
{
	double worst = 0.0, e;
	size_t i;

	for (i = 0; i < sizeof(test_ps) / sizeof(test_ps[0]); i++) {
		e = test_rel_err(quantile_value(q, test_ps[i]),
				 test_truth(sorted, n, test_ps[i]));
		if (e > REL_BOUND)
			fail_msg("p%g: got %llu want %llu (err %g)",
				 test_ps[i] * 100,
				 (unsigned long long)quantile_value(q,
								    test_ps[i]),
				 (unsigned long long)test_truth(sorted, n,
								test_ps[i]),
				 e);
		if (e > worst)
			worst = e;
	}
	return worst;
}

/* Log-uniform values from 1 us to 1 hour, the range a batch run sees, and
 * uniform ones over a narrow band, where the buckets are at their coarsest
 * relative to the spread.
 */
static void
test_random_error_bound(void **state)
{
	enum { N = 200000 };
	uint64_t *vals = malloc(N * sizeof(*vals));
	struct quantile *q = quantile_new();
	uint64_t seed = 0x9E3779B97F4A7C15ull;
	double worst, sum;
	size_t i;
	int round;

	(void)state;
	assert_non_null(vals);
	for (round = 0; round < 2; round++) {
		quantile_clear(q);
		sum = 0.0;
		for (i = 0; i < N; i++) {
			if (round == 0)
				vals[i] = test_log_uniform(&seed);
			else
				vals[i] = 1000000 +
					  (uint64_t)(test_unit(&seed) * 3000000);
			quantile_add(q, vals[i]);
			sum += (double)vals[i];
		}
		qsort(vals, N, sizeof(*vals), test_cmp_u64);
		worst = test_check_all(q, vals, N);
		print_message("%s: worst relative error %.4f%%\n",
			      round ? "uniform 1-4 ms" : "log-uniform 1us-1h",
			      worst * 100);
		assert_int_equal(quantile_max(q), vals[N - 1]);
		assert_int_equal(quantile_min(q), vals[0]);
		assert_true(test_rel_err((uint64_t)quantile_mean(q),
					 (uint64_t)(sum / N)) < 1e-9);
	}
	quantile_free(q);
	free(vals);
}

/* Power-of-two edges and the top of uint64_t land in valid buckets. */
static void
test_edges(void **state)
{
	struct quantile *q = quantile_new();
	uint64_t vals[3 * 64];
	size_t n = 0;
	int b;

	(void)state;
	for (b = 0; b < 64; b++) {
		uint64_t p2 = (uint64_t)1 << b;

		vals[n++] = p2 - 1;
		vals[n++] = p2;
		vals[n++] = p2 + p2 / 2;
	}
	for (b = 0; b < (int)n; b++)
		quantile_add(q, vals[b]);
	quantile_add(q, UINT64_MAX);
	quantile_add(q, UINT64_MAX);
	assert_int_equal(quantile_max(q), UINT64_MAX);
	assert_int_equal(quantile_value(q, 0.9999), UINT64_MAX);
	/* The sum wrapped twice in 64 bits; the mean must not notice. */
	assert_true(quantile_mean(q) > 1e17);
	quantile_clear(q);
	quantile_add(q, UINT64_MAX);
	quantile_add(q, UINT64_MAX);
	assert_true(quantile_mean(q) == (double)UINT64_MAX);
	assert_int_equal(quantile_value(q, 0.5), UINT64_MAX);
	quantile_free(q);
}

/* A million samples cost no more heap than none. */
static void
test_memory_constant(void **state)
{
	struct quantile *q = quantile_new();
	uint64_t seed = 42;
	size_t before, after;
	int i;

	(void)state;
	assert_true(quantile_footprint() < 64 * 1024);
	quantile_add(q, 1);
	before = test_heap_bytes();
	for (i = 0; i < 1000000; i++)
		quantile_add(q, test_rand(&seed) >> (test_rand(&seed) % 64));
	after = test_heap_bytes();
	assert_int_equal(after, before);
	assert_int_equal(quantile_count(q), 1000001);
	quantile_free(q);
}

/* clear forgets everything. */
static void
test_clear(void **state)
{
	struct quantile *q = quantile_new();

	(void)state;
	quantile_add(q, 5000);
	quantile_add(q, 7000000);
	quantile_clear(q);
	assert_int_equal(quantile_count(q), 0);
	assert_int_equal(quantile_max(q), 0);
	assert_int_equal(quantile_value(q, 0.5), 0);
	quantile_add(q, 300);
	assert_int_equal(quantile_min(q), 300);
	assert_int_equal(quantile_value(q, 0.5), 300);
	quantile_free(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_constant),
		cmocka_unit_test(test_small_exact),
		cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_random_error_bound),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_memory_constant),
		cmocka_unit_test(test_clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* quantile.c: log-linear histogram of nanosecond values.
 *
 * Layout (HdrHistogram with 256 sub-buckets and a unit of 1 ns):
 *
 *   index 0..255      values 0..255, one value per bucket (exact)
 *   then, for k = 1..56, 128 buckets of width 2^k covering
 *                     [2^(k+7), 2^(k+8)), i.e. one power of two each
 *
 * A bucket of width 2^k never starts below 128 * 2^k, so its middle is
 * within 2^(k-1) / (128 * 2^k) = 1/256 of any value in it.  The top range
 * (k = 56) ends at 2^64, so every uint64_t fits and nothing is clamped.
 * 256 + 56 * 128 = 7424 counters, 58 KiB: a fixed cost per histogram that
 * buys 0.4% accuracy from 1 ns to centuries.
 */
#include "quantile.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#define QUANTILE_LINEAR 256	/* exact buckets, and 2 x sub-buckets */
#define QUANTILE_SUB 128	/* sub-buckets per power of two above */
#define QUANTILE_SUB_SHIFT 7	/* log2(QUANTILE_SUB) */
#define QUANTILE_RANGES 56	/* powers of two 2^8 .. 2^63 */
#define QUANTILE_BUCKETS (QUANTILE_LINEAR + QUANTILE_RANGES * QUANTILE_SUB)

struct quantile {
	uint64_t count;
	uint64_t min, max;
	uint64_t sum_lo, sum_hi; /* 128-bit sum: 2^64 ns is only 584 years */
	uint64_t buckets[QUANTILE_BUCKETS];
};

/* Bucket index of a value. */
static unsigned
quantile_index(uint64_t v)
{
	unsigned msb, k;

	if (v < QUANTILE_LINEAR)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v); /* 8..63 */
	k = msb - QUANTILE_SUB_SHIFT;		  /* 1..56, width 2^k */
	return QUANTILE_LINEAR + (k - 1) * QUANTILE_SUB +
	       (unsigned)((v >> k) - QUANTILE_SUB);
}

/* The middle value of bucket i: the estimate for any sample in it. */
static uint64_t
quantile_bucket_mid(unsigned i)
{
	unsigned j, k;
	uint64_t lo, width;

	if (i < QUANTILE_LINEAR)
		return i;
	j = i - QUANTILE_LINEAR;
	k = j / QUANTILE_SUB + 1;
	lo = (uint64_t)(QUANTILE_SUB + j % QUANTILE_SUB) << k;
	width = (uint64_t)1 << k;
	return lo + (width - 1) / 2;
}

struct quantile *
quantile_new(void)
{
	struct quantile *q;

	q = malloc(sizeof(*q));
	if (q)
		quantile_clear(q);
	return q;
}

void
quantile_free(struct quantile *q)
{
	free(q);
}

void
quantile_clear(struct quantile *q)
{
	memset(q, 0, sizeof(*q));
}

void
quantile_add(struct quantile *q, uint64_t ns)
{
	uint64_t lo;

	if (q->count == 0 || ns < q->min)
		q->min = ns;
	if (q->count == 0 || ns > q->max)
		q->max = ns;
	q->count++;
	lo = q->sum_lo + ns;
	q->sum_hi += lo < ns; /* carry */
	q->sum_lo = lo;
	q->buckets[quantile_index(ns)]++;
}

uint64_t
quantile_count(const struct quantile *q)
{
	return q->count;
}

uint64_t
quantile_min(const struct quantile *q)
{
	return q->min;
}

uint64_t
quantile_max(const struct quantile *q)
{
	return q->max;
}

double
quantile_mean(const struct quantile *q)
{
	double sum;

	if (q->count == 0)
		return 0.0;
	sum = (double)q->sum_hi * 18446744073709551616.0 + (double)q->sum_lo;
	return sum / (double)q->count;
}

uint64_t
quantile_value(const struct quantile *q, double p)
{
	double x;
	uint64_t rank, seen, v;
	unsigned i, last;

	if (q->count == 0)
		return 0;
	/* !(p > 0) also sends NaN to the minimum rather than to a bad rank. */
	if (!(p > 0.0))
		return q->min;
	if (p >= 1.0)
		return q->max;

	/* Nearest rank, ceil(p * n), rounded up by hand to keep libm out of
	 * the link.  p * n carries rounding error: 0.95 * 100 may come out a
	 * hair above 95, and rounding up would then skip to the 96th sample,
	 * so shave a few ulps off first.
	 */
	x = p * (double)q->count;
	x -= x * 4 * DBL_EPSILON;
	rank = (uint64_t)x;
	if ((double)rank < x)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > q->count)
		rank = q->count;
	/* The extreme ranks are known exactly; p95 of a handful of samples
	 * is the max, and should read as such.
	 */
	if (rank == q->count)
		return q->max;
	if (rank == 1)
		return q->min;

	/* Nothing lies past the max's bucket, so the walk can stop there. */
	last = quantile_index(q->max);
	seen = 0;
	for (i = 0; i < last; i++) {
		seen += q->buckets[i];
		if (seen >= rank)
			break;
	}

	/* The middle of the bucket may lie outside the samples actually seen
	 * (a lone value, or all values equal): clamping to the exact min and
	 * max makes those cases exact.
	 */
	v = quantile_bucket_mid(i);
	if (v < q->min)
		v = q->min;
	if (v > q->max)
		v = q->max;
	return v;
}

size_t
quantile_footprint(void)
{
	return sizeof(struct quantile);
}

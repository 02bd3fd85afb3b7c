/* quantile.h: a fixed-size latency histogram for nanosecond values.
 *
 * Log-linear buckets in the style of HdrHistogram: values 0..255 ns each have
 * their own bucket, and every power-of-two range above that is split into
 * 128 equal sub-buckets.  Every uint64_t value has a bucket, so nothing is
 * clipped, and a reported quantile is within 1/256 (0.4%) of the sample it
 * stands for.  The histogram is one allocation of about 58 KiB, made by
 * quantile_new(); quantile_add() never allocates, so memory does not grow
 * with the number of samples.
 *
 * Count, min, max and mean are exact.  Quantiles use the nearest-rank rule:
 * quantile_value(q, p) estimates the ceil(p * count)-th smallest sample.
 */
#ifndef IMGOPT_QUANTILE_H
#define IMGOPT_QUANTILE_H

#include <stddef.h>
#include <stdint.h>

struct quantile;

/* A new, empty histogram; free with quantile_free().  NULL on allocation
 * failure.
 */
struct quantile *quantile_new(void);

/* Accepts NULL. */
void quantile_free(struct quantile *q);

/* Forget every sample, keeping the memory. */
void quantile_clear(struct quantile *q);

/* Record one sample.  O(1), no allocation. */
void quantile_add(struct quantile *q, uint64_t ns);

/* Number of samples recorded. */
uint64_t quantile_count(const struct quantile *q);

/* The p-quantile, 0 <= p <= 1, e.g. 0.5 for the median.  When the rank is
 * the first or the last (p <= 0, p >= 1, or p95 of under 20 samples) the
 * answer is the exact min or max; otherwise it is the middle of the
 * sample's bucket, clamped to [min, max], so a run of equal values gives
 * that value exactly.  0 when empty.
 */
uint64_t quantile_value(const struct quantile *q, double p);

/* Exact smallest and largest samples; 0 when empty. */
uint64_t quantile_min(const struct quantile *q);
uint64_t quantile_max(const struct quantile *q);

/* Exact arithmetic mean (the sum is kept in 128 bits, so it cannot wrap);
 * 0 when empty.
 */
double quantile_mean(const struct quantile *q);

/* Bytes one histogram occupies: the same for one sample or a billion. */
size_t quantile_footprint(void);

#endif

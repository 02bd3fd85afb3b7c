/* test_clock.c: clock_now_ns() is CLOCK_MONOTONIC in nanoseconds: it
 * agrees with clock_gettime() read around it, never goes back, keeps the
 * nanoseconds (not just whole seconds or microseconds), and measures a
 * sleep as long as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "base/clock.h"

static uint64_t
mono_ns(clockid_t id)
{
	struct timespec ts;

	assert_int_equal(clock_gettime(id, &ts), 0);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Bracketed by two direct CLOCK_MONOTONIC reads: the same clock and the
 * same unit.  CLOCK_REALTIME (decades since 1970) or microseconds would
 * fall far outside the bracket.
 */
static void
test_is_monotonic_ns(void **state)
{
	(void)state;
	for (int i = 0; i < 1000; i++) {
		uint64_t before = mono_ns(CLOCK_MONOTONIC);
		uint64_t now = clock_now_ns();
		uint64_t after = mono_ns(CLOCK_MONOTONIC);

		if (now < before || now > after)
			fail_msg("clock_now_ns() %llu outside [%llu, %llu]",
				 (unsigned long long)now,
				 (unsigned long long)before,
				 (unsigned long long)after);
	}
}

static void
test_never_goes_back(void **state)
{
	uint64_t prev = clock_now_ns();

	(void)state;
	for (int i = 0; i < 100000; i++) {
		uint64_t now = clock_now_ns();

		if (now < prev)
			fail_msg("went back from %llu to %llu",
				 (unsigned long long)prev,
				 (unsigned long long)now);
		prev = now;
	}
}

/* Timings of a few microseconds (pool overhead per task) need the
 * nanosecond part: successive reads must differ by far less than a
 * millisecond, and the values must not all be multiples of 1000.
 */
static void
test_resolution(void **state)
{
	uint64_t prev = clock_now_ns(), smallest = UINT64_MAX;
	int not_micro = 0;

	(void)state;
	for (int i = 0; i < 10000; i++) {
		uint64_t now = clock_now_ns();

		if (now > prev && now - prev < smallest)
			smallest = now - prev;
		if (now % 1000)
			not_micro++;
		prev = now;
	}
	if (smallest >= 1000000)
		fail_msg("smallest step %llu ns", (unsigned long long)smallest);
	assert_true(not_micro > 0);
}

/* A 50 ms sleep measures at least 50 ms, and not wildly more (the machine
 * is shared: allow two seconds of scheduling delay).
 */
static void
test_measures_sleep(void **state)
{
	struct timespec req = {0, 50 * 1000 * 1000};
	uint64_t start, elapsed;

	(void)state;
	start = clock_now_ns();
	while (nanosleep(&req, &req) != 0)
		;
	elapsed = clock_now_ns() - start;
	if (elapsed < 50000000u || elapsed > 2050000000u)
		fail_msg("slept 50 ms, measured %llu ns",
			 (unsigned long long)elapsed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_monotonic_ns),
		cmocka_unit_test(test_never_goes_back),
		cmocka_unit_test(test_resolution),
		cmocka_unit_test(test_measures_sleep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_progress.c: the progress line's numbers for humans (bytes in
 * powers of 1000, durations as m:ss or h:mm:ss), and the line itself as
 * written to a stream: the bar, counts, saving, ETA and current file, at
 * most one terminal line wide.
 *
 * The stream is an open_memstream(), not a terminal, so the width is the
 * 80-column fallback and every byte written can be checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "commands/progress.h"

/* ---- formatting ------------------------------------------------------- */

static void
check_bytes(double bytes, const char *want)
{
	char buf[64];

	memset(buf, '?', sizeof(buf));
	progress_format_bytes(buf, sizeof(buf), bytes);
	if (strcmp(buf, want))
		fail_msg("%.0f bytes: '%s', want '%s'", bytes, buf, want);
}

static void
test_format_bytes(void **state)
{
	(void)state;
	check_bytes(0, "0 B");
	check_bytes(1, "1 B");
	check_bytes(512, "512 B");
	check_bytes(999, "999 B");
	/* Powers of 1000: 1024 bytes are 1.0 KB, a million are 1.0 MB
	 * (not 976.6 KB).
	 */
	check_bytes(1000, "1.0 KB");
	check_bytes(1024, "1.0 KB");
	check_bytes(1499, "1.5 KB");
	check_bytes(812000, "812.0 KB");
	check_bytes(999949, "999.9 KB");
	check_bytes(1000000, "1.0 MB");
	check_bytes(12345678, "12.3 MB");
	check_bytes(1e9, "1.0 GB");
	check_bytes(2.5e12, "2.5 TB");
	/* TB is the largest unit. */
	check_bytes(1e15, "1000.0 TB");
	check_bytes(3.2e16, "32000.0 TB");
	/* A negative saving: the outputs grew. */
	check_bytes(-1, "-1 B");
	check_bytes(-999, "-999 B");
	check_bytes(-1500, "-1.5 KB");
	check_bytes(-12345678, "-12.3 MB");
	/* What would round to 1000 of a unit is 1.0 of the next. */
	check_bytes(999.4, "999 B");
	check_bytes(999.5, "1.0 KB");
	check_bytes(999950, "1.0 MB");
	check_bytes(999999, "1.0 MB");
	check_bytes(-999999, "-1.0 MB");
	check_bytes(999949999, "999.9 MB");
	check_bytes(999950000, "1.0 GB");
	check_bytes(999999999999, "1.0 TB");
	check_bytes(999.96e12, "1000.0 TB");
}

/* Around every step from one unit to the next, no "1000" of a unit but
 * TB, and no more than one decimal.
 */
static void
test_format_bytes_no_1000(void **state)
{
	static const char *const names[] = { " B", " KB", " MB", " GB" };
	char buf[64];
	double unit = 1;

	(void)state;
	for (int u = 0; u < 4; u++, unit *= 1000)
		for (double v = 999.0; v < 1000.0; v += 0.001) {
			progress_format_bytes(buf, sizeof(buf), v * unit);
			if (!strncmp(buf, "1000", 4))
				fail_msg("%.3f%s: '%s'", v, names[u], buf);
		}
}

static void
check_duration(double seconds, const char *want)
{
	char buf[64];

	memset(buf, '?', sizeof(buf));
	progress_format_duration(buf, sizeof(buf), seconds);
	if (strcmp(buf, want))
		fail_msg("%g s: '%s', want '%s'", seconds, buf, want);
}

static void
test_format_duration(void **state)
{
	(void)state;
	check_duration(0, "0:00");
	check_duration(5, "0:05");
	check_duration(59, "0:59");
	check_duration(60, "1:00");
	check_duration(65, "1:05");
	check_duration(600, "10:00");
	check_duration(3599, "59:59");
	/* An hour or more gains the hours, minutes and seconds padded. */
	check_duration(3600, "1:00:00");
	check_duration(3723, "1:02:03");
	check_duration(36000, "10:00:00");
	check_duration(360000 + 59, "100:00:59");
	/* Rounded to the nearest second, also across a unit. */
	check_duration(0.49, "0:00");
	check_duration(0.5, "0:01");
	check_duration(59.4, "0:59");
	check_duration(59.5, "1:00");
	check_duration(3599.5, "1:00:00");
	/* Never negative (a clock step back, an ETA gone past). */
	check_duration(-0.1, "0:00");
	check_duration(-5, "0:00");
	check_duration(-4000, "0:00");
	/* The largest shown; beyond, NaN and infinity (an ETA from no
	 * progress) are "--:--", never a long converted out of range.
	 */
	check_duration(10000.0 * 3600 - 1, "9999:59:59");
	check_duration(10000.0 * 3600 - 0.5, "--:--");
	check_duration(10000.0 * 3600, "--:--");
	check_duration(1e12, "--:--");
	check_duration((double)LONG_MAX, "--:--");
	check_duration(1e300, "--:--");
	check_duration(DBL_MAX, "--:--");
	check_duration(INFINITY, "--:--");
	check_duration(NAN, "--:--");
	check_duration(-NAN, "--:--");
	check_duration(-INFINITY, "0:00");
	check_duration(-DBL_MAX, "0:00");
}

/* Both functions cut to the buffer's size, always terminated; buffers of
 * exactly that size, so ASan sees a write past the end.
 */
static void
test_format_truncates(void **state)
{
	char *buf;
	size_t size;

	(void)state;
	for (size = 1; size <= 10; size++) {
		buf = malloc(size);
		assert_non_null(buf);
		progress_format_bytes(buf, size, 12345678);
		assert_int_equal(strlen(buf), size - 1 < 7 ? size - 1 : 7);
		assert_int_equal(strncmp(buf, "12.3 MB", strlen(buf)), 0);
		progress_format_duration(buf, size, 3723);
		assert_int_equal(strlen(buf), size - 1 < 7 ? size - 1 : 7);
		assert_int_equal(strncmp(buf, "1:02:03", strlen(buf)), 0);
		free(buf);
	}
}

/* ---- the line --------------------------------------------------------- */

/* A bar on a memory stream, and how much of it has been checked. */
struct screen {
	FILE *f;
	char *buf;
	size_t len;
	size_t seen;
	struct progress *p;
};

static void
screen_open(struct screen *s)
{
	memset(s, 0, sizeof(*s));
	s->f = open_memstream(&s->buf, &s->len);
	assert_non_null(s->f);
	s->p = progress_new(s->f);
	assert_non_null(s->p);
}

/* What was written since the last call (a static copy). */
static const char *
screen_new_output(struct screen *s)
{
	static char out[4096];
	size_t n;

	fflush(s->f);
	n = s->len - s->seen;
	assert_true(n < sizeof(out));
	memcpy(out, s->buf + s->seen, n);
	out[n] = '\0';
	s->seen = s->len;
	return out;
}

static void
screen_close(struct screen *s)
{
	progress_free(s->p);
	fclose(s->f);
	free(s->buf);
}

static struct imgopt_progress
at(uint64_t done, uint64_t total, bool final, uint64_t original,
   uint64_t optimized, double seconds)
{
	struct imgopt_progress pr;

	memset(&pr, 0, sizeof(pr));
	pr.done = done;
	pr.total = total;
	pr.total_final = final;
	pr.succeeded = done;
	pr.original_bytes = original;
	pr.optimized_bytes = optimized;
	pr.elapsed_ns = (uint64_t)(seconds * 1e9);
	return pr;
}

/* Draw pr on a fresh bar and compare the whole output. */
static void
check_line(const struct imgopt_progress *pr, const char *want)
{
	struct screen s;
	const char *got;

	screen_open(&s);
	progress_update(s.p, pr);
	got = screen_new_output(&s);
	if (strcmp(got, want))
		fail_msg("got  '%s'\nwant '%s'", got, want);
	screen_close(&s);
}

static void
test_line(void **state)
{
	struct imgopt_progress pr;

	(void)state;
	/* Done: a full bar, no ETA. */
	pr = at(120, 120, true, 2000000, 700000, 12.4);
	check_line(&pr, "\r[####################] 120/120 100%  saved 1.3 MB"
			"  0:12  \033[K");
	/* Under way: 45/120 fills 7 of 20, ETA from the rate so far
	 * (12 s for 45, so 20 s for the other 75).
	 */
	pr = at(45, 120, true, 1000000, 400000, 12);
	check_line(&pr, "\r[#######-------------] 45/120  37%  saved 600.0 KB"
			"  0:12  ETA 0:20  \033[K");
	/* Still walking: the total may grow ("+"), so no ETA. */
	pr.total_final = false;
	check_line(&pr, "\r[#######-------------] 45/120+  37%  saved 600.0 KB"
			"  0:12  \033[K");
	/* Nothing to do at all. */
	pr = at(0, 0, true, 0, 0, 0);
	check_line(&pr, "\r[--------------------] 0/0   0%  saved 0 B  0:00  "
			"\033[K");
	/* Outputs larger than their inputs (--allow-larger). */
	pr = at(3, 3, true, 1000, 1500, 1);
	check_line(&pr, "\r[####################] 3/3 100%  saved -500 B  0:01"
			"  \033[K");
}

/* Redrawn at most about ten times a second, except the last one. */
static void
test_throttle(void **state)
{
	struct imgopt_progress pr = at(1, 10, true, 0, 0, 1);
	struct screen s;
	uint64_t t0;

	(void)state;
	screen_open(&s);
	t0 = clock_now_ns();
	progress_update(s.p, &pr);
	assert_non_null(strstr(screen_new_output(&s), " 1/10 "));
	pr = at(2, 10, true, 0, 0, 1);
	progress_update(s.p, &pr);
	/* Only meaningful when the two calls were under 100 ms apart. */
	if (clock_now_ns() - t0 < 90000000u)
		assert_string_equal(screen_new_output(&s), "");
	pr = at(10, 10, true, 0, 0, 2);
	progress_update(s.p, &pr);
	assert_non_null(strstr(screen_new_output(&s), " 10/10 100%"));
	screen_close(&s);
}

/* The visible part of one redraw: between "\r" and "\033[K". */
static const char *
visible(const char *out, size_t *len)
{
	const char *cr = strrchr(out, '\r'), *end;

	assert_non_null(cr);
	end = strstr(cr, "\033[K");
	assert_non_null(end);
	*len = (size_t)(end - cr - 1);
	return cr + 1;
}

/* The file being worked on ends the line; too long, it loses its start,
 * so the line stays within 79 columns and the name's end shows.
 */
static void
test_current_file(void **state)
{
	struct imgopt_progress pr = at(45, 120, true, 1000000, 400000, 12);
	char name[300];
	const char *line, *out;
	size_t len;
	struct screen s;

	(void)state;
	screen_open(&s);
	/* The first file draws the bar at once. */
	progress_start(s.p, "photos/a.jpg");
	out = screen_new_output(&s);
	line = visible(out, &len);
	assert_true(len <= 79);
	assert_true(len > strlen("photos/a.jpg"));
	assert_memory_equal(line + len - strlen("photos/a.jpg"),
			    "photos/a.jpg", strlen("photos/a.jpg"));
	screen_close(&s);

	memset(name, 'd', sizeof(name));
	memcpy(name + sizeof(name) - 13, "/IMG_999.jpg", 12);
	name[sizeof(name) - 1] = '\0';
	screen_open(&s);
	progress_start(s.p, name);
	progress_update(s.p, &pr);
	pr = at(120, 120, true, 1000000, 400000, 30);
	progress_update(s.p, &pr);
	out = screen_new_output(&s);
	line = visible(out, &len);
	assert_int_equal(len, 79);
	assert_memory_equal(line, "[####################] 120/120 100%", 35);
	assert_memory_equal(line + len - 12, "/IMG_999.jpg", 12);
	screen_close(&s);

	/* Counts so long the line is full without the name: cut at 79, no
	 * room for the name at all.
	 */
	screen_open(&s);
	progress_start(s.p, "photos/a.jpg");
	pr = at(UINT64_C(10000000000000000000), UINT64_C(10000000000000000000),
		true, UINT64_C(9000000000000000000), 0, 359999);
	progress_update(s.p, &pr);
	line = visible(screen_new_output(&s), &len);
	assert_int_equal(len, 79);
	assert_null(memmem(line, len, "a.jpg", 5));
	screen_close(&s);

	/* Bytes that are not UTF-8 are shown escaped. */
	screen_open(&s);
	progress_start(s.p, "bad\xff.jpg");
	line = visible(screen_new_output(&s), &len);
	assert_memory_equal(line + len - 11, "bad\\xff.jpg", 11);
	screen_close(&s);
}

/* A message goes above the bar: the bar is cleared, the message printed
 * on its own line, the bar drawn again below it.  Before any bar, and
 * after finish, the message is all there is.
 */
static void
test_message_and_finish(void **state)
{
	struct imgopt_progress pr = at(5, 5, true, 0, 0, 1);
	struct screen s;
	const char *out;

	(void)state;
	screen_open(&s);
	progress_message(s.p, "imgopt: 'a.jpg': not an image");
	assert_string_equal(screen_new_output(&s),
			    "imgopt: 'a.jpg': not an image\n");
	progress_update(s.p, &pr);
	screen_new_output(&s);
	progress_message(s.p, "imgopt: 'b.jpg': truncated JPEG");
	out = screen_new_output(&s);
	assert_true(strncmp(out, "\r\033[Kimgopt: 'b.jpg': truncated JPEG\n\r[",
			    38) == 0);
	assert_non_null(strstr(out, "] 5/5 100%"));
	assert_int_equal(strcmp(out + strlen(out) - 3, "\033[K"), 0);

	/* finish clears the bar, and it stays cleared. */
	progress_finish(s.p);
	assert_string_equal(screen_new_output(&s), "\r\033[K");
	progress_message(s.p, "done");
	assert_string_equal(screen_new_output(&s), "done\n");
	progress_finish(s.p);
	assert_string_equal(screen_new_output(&s), "");
	screen_close(&s);
	progress_free(NULL);
}

/* The ETA, without timing: by input bytes when the sizes are known, else
 * by count.
 */
/* One big image (90 of 100 bytes) done first, 1 of 11 images, in 10 s. */
static void
test_eta_by_bytes(void **state)
{
	struct imgopt_progress pr = {
		.done = 1, .total = 11, .total_final = true,
		.input_bytes_done = 90, .input_bytes_total = 100,
		.elapsed_ns = 10000000000ull,
	};

	(void)state;
	/* By count it would be 100 s. */
	assert_true(progress_eta(&pr) > 1.1 && progress_eta(&pr) < 1.12);
}

static void
test_eta_by_count_without_sizes(void **state)
{
	struct imgopt_progress pr = {
		.done = 1, .total = 11, .total_final = true,
		.elapsed_ns = 10000000000ull,
	};

	(void)state;
	assert_true(progress_eta(&pr) > 99.9 && progress_eta(&pr) < 100.1);
}

static void
test_no_eta(void **state)
{
	struct imgopt_progress pr = {
		.done = 1, .total = 11, .total_final = false,
		.input_bytes_done = 90, .input_bytes_total = 100,
		.elapsed_ns = 10000000000ull,
	};

	(void)state;
	assert_true(progress_eta(&pr) < 0);   /* still walking */
	pr.total_final = true;
	pr.done = 0;
	assert_true(progress_eta(&pr) < 0);   /* nothing done */
	pr.done = 11;
	assert_true(progress_eta(&pr) < 0);   /* all done */
	pr.done = 2;
	pr.input_bytes_done = 0;
	assert_true(progress_eta(&pr) < 0);   /* only empty inputs so far */
	pr.input_bytes_done = 100;
	assert_true(progress_eta(&pr) == 0);  /* only empty inputs left */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_bytes),
		cmocka_unit_test(test_format_bytes_no_1000),
		cmocka_unit_test(test_format_duration),
		cmocka_unit_test(test_format_truncates),
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_throttle),
		cmocka_unit_test(test_current_file),
		cmocka_unit_test(test_message_and_finish),
		cmocka_unit_test(test_eta_by_bytes),
		cmocka_unit_test(test_eta_by_count_without_sizes),
		cmocka_unit_test(test_no_eta),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

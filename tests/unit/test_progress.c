/* test_progress.c: the progress line's numbers for humans (bytes in
 * powers of 1000, durations as m:ss or h:mm:ss), and the line itself as
 * written to a stream: the bar, counts, saving, ETA and current file, at
 * most one terminal line wide, with no control character of a file name
 * reaching the terminal.
 *
 * The stream is an open_memstream(), not a terminal, so the width is the
 * 80-column fallback and every byte written can be checked (one test uses
 * a pseudo-terminal for a wider one).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

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

/* No byte below 0x20 but the line's own "\r" and "\033[K", no DEL, no C1
 * control (0xc2 0x80-0x9f) in what was written.
 */
static void
assert_no_controls(const char *out)
{
	const unsigned char *p = (const unsigned char *)out;

	for (; *p; p++) {
		if (*p == '\r' || *p == '\n')
			continue;
		if (*p == 0x1b && p[1] == '[' && p[2] == 'K') {
			p += 2;
			continue;
		}
		if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 &&
						p[1] <= 0x9f))
			fail_msg("control byte 0x%02x at %zu of '%s'", *p,
				 (size_t)(p - (const unsigned char *)out),
				 out);
	}
}

/* A name's control characters are written escaped, the way invalid UTF-8
 * is: a newline would break the bar, ESC or a C1 control could send the
 * terminal a command (here: set its title, clear the screen).
 */
static void
test_current_file_controls(void **state)
{
	static const struct {
		const char *name, *shown;
	} cases[] = {
		{ "evil\n\033]0;owned\a.jpg",
		  "evil\\x0a\\x1b]0;owned\\x07.jpg" },
		{ "\033[2J\033[H.png", "\\x1b[2J\\x1b[H.png" },
		{ "tab\there\rcr.jpg", "tab\\x09here\\x0dcr.jpg" },
		{ "del\x7f.jpg", "del\\x7f.jpg" },
		{ "\x01\x1f.jpg", "\\x01\\x1f.jpg" },
		/* C1 CSI (U+009B) and NEL (U+0085), valid UTF-8 */
		{ "c1\xc2\x9b" "2J\xc2\x85.jpg", "c1\\xc2\\x9b2J\\xc2\\x85.jpg" },
		/* Not controls: U+00A0, U+00E9, U+2028 stay as they are. */
		{ "nbsp\xc2\xa0\xc3\xa9\xe2\x80\xa8.jpg",
		  "nbsp\xc2\xa0\xc3\xa9\xe2\x80\xa8.jpg" },
		/* A lone C1 byte is invalid UTF-8, escaped as before. */
		{ "lone\x9b.jpg", "lone\\x9b.jpg" },
	};
	struct imgopt_progress pr = at(1, 2, true, 100, 50, 1);
	struct screen s;
	const char *out, *line;
	size_t i, len, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		screen_open(&s);
		progress_start(s.p, cases[i].name);
		out = screen_new_output(&s);
		assert_no_controls(out);
		line = visible(out, &len);
		n = strlen(cases[i].shown);
		if (len < n || memcmp(line + len - n, cases[i].shown, n))
			fail_msg("'%s': want it to end '%s'", out,
				 cases[i].shown);
		/* Redrawn with counts: the same. */
		pr.elapsed_ns += 1000000000u;
		progress_update(s.p, &pr);
		out = screen_new_output(&s);
		assert_no_controls(out);
		screen_close(&s);
	}

	/* A message above the bar names files too. */
	screen_open(&s);
	progress_message(s.p, "error: 'a\nb\033[2J.jpg': not an image");
	assert_string_equal(screen_new_output(&s),
			    "error: 'a\\x0ab\\x1b[2J.jpg': not an image\n");
	screen_close(&s);
}

/* True when p[0..len) is valid UTF-8 (no sequence cut at either end). */
static bool
valid_utf8(const char *p, size_t len)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, n, k;

	while (i < len) {
		if (u[i] < 0x80)
			n = 1;
		else if (u[i] >= 0xc2 && u[i] <= 0xdf)
			n = 2;
		else if (u[i] >= 0xe0 && u[i] <= 0xef)
			n = 3;
		else if (u[i] >= 0xf0 && u[i] <= 0xf4)
			n = 4;
		else
			return false;
		if (i + n > len)
			return false;
		for (k = 1; k < n; k++)
			if ((u[i + k] & 0xc0) != 0x80)
				return false;
		i += n;
	}
	return true;
}

/* A long name is cut from the left only between characters, whichever
 * byte the room left would have cut at.
 */
static void
test_current_file_cut_utf8(void **state)
{
	/* 2, 3 and 4 bytes a character. */
	static const char *const chars[] = { "\xc3\xa9", "\xe2\x82\xac",
					     "\xf0\x9f\x93\xb7" };
	char name[600];
	const char *line;
	size_t c, shift, len, clen;
	struct screen s;

	(void)state;
	for (c = 0; c < 3; c++) {
		clen = strlen(chars[c]);
		/* Every offset of the cut within a character. */
		for (shift = 0; shift < clen; shift++) {
			size_t n = 0;

			memset(name, 'a', shift);
			n = shift;
			while (n + clen + 5 < sizeof(name) - 100) {
				memcpy(name + n, chars[c], clen);
				n += clen;
			}
			memcpy(name + n, ".jpg", 5);
			screen_open(&s);
			progress_start(s.p, name);
			line = visible(screen_new_output(&s), &len);
			assert_true(len <= 79);
			if (!valid_utf8(line, len))
				fail_msg("char %zu, shift %zu: '%.*s' cut "
					 "inside a character",
					 c, shift, (int)len, line);
			assert_memory_equal(line + len - 4, ".jpg", 4);
			screen_close(&s);
		}
	}
}

/* A terminal wider than the line buffer: the name is cut from the left to
 * fit the buffer as it is to fit the terminal, so its end still shows
 * (snprintf() cutting it at the buffer's end would keep its start).  On a
 * pseudo-terminal, so the width is the one set.
 */
static void
test_wide_terminal(void **state)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 2000 };
	char name[1500], out[8192];
	int master, slave, fl;
	const char *line;
	struct progress *p;
	size_t len;
	ssize_t got, total = 0;
	FILE *f;

	(void)state;
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master)) {
		if (master >= 0)
			close(master);
		skip();
	}
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	assert_true(slave >= 0);
	assert_int_equal(ioctl(slave, TIOCSWINSZ, &ws), 0);
	f = fdopen(slave, "w");
	assert_non_null(f);

	memset(name, 'n', sizeof(name));
	memcpy(name + sizeof(name) - 9, "/end.jpg", 9);
	p = progress_new(f);
	progress_start(p, name);
	progress_free(p);
	fclose(f);

	fl = fcntl(master, F_GETFL);
	assert_true(fl >= 0);
	assert_int_equal(fcntl(master, F_SETFL, fl | O_NONBLOCK), 0);
	while ((got = read(master, out + total,
			   sizeof(out) - 1 - (size_t)total)) > 0)
		total += got;
	close(master);
	out[total] = '\0';
	line = visible(out, &len);
	/* Within the terminal, and with the name's end. */
	assert_true(len > 100 && len < 2000);
	assert_memory_equal(line + len - 8, "/end.jpg", 8);
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
		cmocka_unit_test(test_current_file_controls),
		cmocka_unit_test(test_current_file_cut_utf8),
		cmocka_unit_test(test_wide_terminal),
		cmocka_unit_test(test_message_and_finish),
		cmocka_unit_test(test_eta_by_bytes),
		cmocka_unit_test(test_eta_by_count_without_sizes),
		cmocka_unit_test(test_no_eta),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

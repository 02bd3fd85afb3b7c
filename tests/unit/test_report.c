/* test_report.c: what the optimize and bench commands print (report.h).
 *
 * JSON lines are a contract existing users' scripts read, so the field
 * names of each line type are checked exactly: no field missing, none
 * renamed, none added.  The text summary is checked against the example in
 * README.md, byte for byte, and the failure list, the skip and interrupt
 * lists, the dry-run and target variants and the benchmark table line by
 * line.
 *
 * The report writes to stdout; each call is caught in a temporary file
 * (dup2 of fd 1) and checked after stdout is back, so a failing assert
 * never leaves cmocka's own output in the capture.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands/report.h"
#include "testjson.h"

/* ---- catching stdout --------------------------------------------------- */

static FILE *catch_file;
static int catch_saved = -1;

static void
catch_begin(void)
{
	fflush(stdout);
	catch_file = tmpfile();
	assert_non_null(catch_file);
	catch_saved = dup(STDOUT_FILENO);
	assert_true(catch_saved >= 0);
	assert_true(dup2(fileno(catch_file), STDOUT_FILENO) >= 0);
}

/* What was printed since catch_begin() (malloc'd, NUL-terminated). */
static char *
catch_end(void)
{
	long len;
	char *buf;

	fflush(stdout);
	assert_true(dup2(catch_saved, STDOUT_FILENO) >= 0);
	close(catch_saved);
	catch_saved = -1;
	len = ftell(catch_file);
	assert_true(len >= 0);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	rewind(catch_file);
	assert_int_equal(fread(buf, 1, (size_t)len, catch_file), (size_t)len);
	buf[len] = '\0';
	fclose(catch_file);
	catch_file = NULL;
	return buf;
}

/* ---- helpers ------------------------------------------------------------ */

/* The README's example result. */
static void
example_ok(struct imgopt_result *res)
{
	memset(res, 0, sizeof(*res));
	res->status = IMGOPT_STATUS_OK;
	res->original_path = "a/b.jpg";
	res->optimized_path = "a/optimized/b.jpg";
	res->original_size = 812345;
	res->optimized_size = 301234;
}

static void
failed(struct imgopt_result *res, const char *path, const char *error)
{
	memset(res, 0, sizeof(*res));
	res->status = IMGOPT_STATUS_FAILED;
	res->original_path = (char *)path;
	res->error = (char *)error;
}

/* report_result() in JSON mode must print exactly one line and return
 * NULL; the line parsed (caller decrefs).
 */
static json_t *
json_result_line(const struct imgopt_result *res, bool dry_run)
{
	struct report *r = report_new(true, false);
	const char *ret;
	json_error_t jerr;
	json_t *line;
	char *out;

	catch_begin();
	ret = report_result(r, res, dry_run);
	out = catch_end();
	report_free(r);
	assert_null(ret);
	/* One line, compact: no newline before the end. */
	if (!*out || strchr(out, '\n') != out + strlen(out) - 1)
		fail_msg("not one line: '%s'", out);
	line = json_loads(out, 0, &jerr);
	if (!line)
		fail_msg("not JSON (%s): '%s'", jerr.text, out);
	free(out);
	return line;
}

#define assert_str(got, want)                                                \
	do {                                                                 \
		const char *g_ = (got), *w_ = (want);                        \
		if (!g_ || strcmp(g_, w_))                                   \
			fail_msg("got\n'%s'\nwant\n'%s'", g_ ? g_ : "(null)",  \
				 w_);                                        \
	} while (0)

/* ---- JSON lines ----------------------------------------------------------- */

/* {"type":"result", and the result shape of README "Results"}. */
static void
test_json_result(void **state)
{
	struct imgopt_result res;
	json_t *j;

	(void)state;
	example_ok(&res);
	j = json_result_line(&res, false);
	assert_keys(j, "type", "original_path", "optimized_path",
		    "original_size", "optimized_size", "success", "error",
		    "savedBytes", "compressionRatio", NULL);
	assert_str(str_of(j, "type"), "result");
	assert_str(str_of(j, "original_path"), "a/b.jpg");
	assert_str(str_of(j, "optimized_path"), "a/optimized/b.jpg");
	assert_int_equal(int_of(j, "original_size"), 812345);
	assert_int_equal(int_of(j, "optimized_size"), 301234);
	assert_true(json_is_true(json_object_get(j, "success")));
	assert_true(json_is_null(json_object_get(j, "error")));
	assert_int_equal(int_of(j, "savedBytes"), 511111);
	assert_true(number_of(j, "compressionRatio") == 62.92);
	json_decref(j);
}

/* A dry run marks each line; a real run has no such field. */
static void
test_json_result_dry_run(void **state)
{
	struct imgopt_result res;
	json_t *j;

	(void)state;
	example_ok(&res);
	j = json_result_line(&res, true);
	assert_keys(j, "type", "original_path", "optimized_path",
		    "original_size", "optimized_size", "success", "error",
		    "savedBytes", "compressionRatio", "dry_run", NULL);
	assert_true(json_is_true(json_object_get(j, "dry_run")));
	json_decref(j);
}

/* A failure: success false, no output, the error naming the file. */
static void
test_json_result_failed(void **state)
{
	struct imgopt_result res;
	json_t *j;

	(void)state;
	failed(&res, "x/broken.jpg",
	       "x/broken.jpg: truncated JPEG (premature end of data)");
	res.original_size = 1000;
	j = json_result_line(&res, false);
	assert_keys(j, "type", "original_path", "optimized_path",
		    "original_size", "optimized_size", "success", "error",
		    "savedBytes", "compressionRatio", NULL);
	assert_str(str_of(j, "type"), "result");
	assert_true(json_is_false(json_object_get(j, "success")));
	assert_true(json_is_null(json_object_get(j, "optimized_path")));
	assert_int_equal(int_of(j, "optimized_size"), 0);
	assert_int_equal(int_of(j, "savedBytes"), 0);
	assert_true(number_of(j, "compressionRatio") == 0);
	assert_str(str_of(j, "error"),
		   "x/broken.jpg: truncated JPEG (premature end of data)");
	json_decref(j);
}

/* With a visual target: quality, score (4 decimals) and target_met. */
static void
test_json_result_target(void **state)
{
	struct imgopt_result res;
	json_t *j;

	(void)state;
	example_ok(&res);
	res.quality = 74;
	res.score = 0.98623456;
	res.target_met = true;
	j = json_result_line(&res, false);
	assert_keys(j, "type", "original_path", "optimized_path",
		    "original_size", "optimized_size", "success", "error",
		    "savedBytes", "compressionRatio", "quality", "score",
		    "target_met", NULL);
	assert_int_equal(int_of(j, "quality"), 74);
	assert_true(number_of(j, "score") == 0.9862);
	assert_true(json_is_true(json_object_get(j, "target_met")));
	json_decref(j);
}

/* {"type":"skipped","path":...,"reason":...}: the reason without the
 * "path: " the error starts with; a path that is not UTF-8 as \xHH.
 */
static void
test_json_skipped(void **state)
{
	struct imgopt_result res;
	json_t *j;

	(void)state;
	memset(&res, 0, sizeof(res));
	res.status = IMGOPT_STATUS_SKIPPED;
	res.original_path = "in/caf\xe9.txt";
	res.error = "in/caf\xe9.txt: not an image file name";
	j = json_result_line(&res, false);
	assert_keys(j, "type", "path", "reason", NULL);
	assert_str(str_of(j, "type"), "skipped");
	assert_str(str_of(j, "path"), "in/caf\\xe9.txt");
	assert_str(str_of(j, "reason"), "not an image file name");
	json_decref(j);
}

/* A result whose paths are not UTF-8 still makes a valid line. */
static void
test_json_result_not_utf8(void **state)
{
	struct imgopt_result res;
	json_t *j;

	(void)state;
	example_ok(&res);
	res.original_path = "in/\xff.png";
	res.optimized_path = "in/optimized/\xff.png";
	j = json_result_line(&res, false);
	assert_str(str_of(j, "original_path"), "in/\\xff.png");
	assert_str(str_of(j, "optimized_path"), "in/optimized/\\xff.png");
	json_decref(j);
}

/* The summary line: the fields README "Results" lists, plus dry_run. */
static json_t *
json_summary_line(const struct imgopt_summary *s, bool dry_run)
{
	struct report *r = report_new(true, false);
	json_error_t jerr;
	json_t *line;
	char *out;

	catch_begin();
	report_summary(r, s, dry_run);
	out = catch_end();
	report_free(r);
	if (!*out || strchr(out, '\n') != out + strlen(out) - 1)
		fail_msg("not one line: '%s'", out);
	line = json_loads(out, 0, &jerr);
	if (!line)
		fail_msg("not JSON (%s): '%s'", jerr.text, out);
	free(out);
	return line;
}

static void
test_json_summary(void **state)
{
	struct imgopt_summary s;
	json_t *j;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.total = 12;
	s.succeeded = 10;
	s.failed = 1;
	s.cancelled = 1;
	s.skipped = 2;
	s.original_bytes = 24100000;
	s.optimized_bytes = 9800000;
	s.wall_ns = 3500000000u;
	s.interrupted = true;
	j = json_summary_line(&s, false);
	assert_keys(j, "type", "total", "succeeded", "failed", "skipped",
		    "cancelled", "original_bytes", "optimized_bytes",
		    "savedBytes", "compressionRatio", "wall_seconds",
		    "interrupted", "dry_run", NULL);
	assert_str(str_of(j, "type"), "summary");
	assert_int_equal(int_of(j, "total"), 12);
	assert_int_equal(int_of(j, "succeeded"), 10);
	assert_int_equal(int_of(j, "failed"), 1);
	assert_int_equal(int_of(j, "skipped"), 2);
	assert_int_equal(int_of(j, "cancelled"), 1);
	assert_int_equal(int_of(j, "original_bytes"), 24100000);
	assert_int_equal(int_of(j, "optimized_bytes"), 9800000);
	assert_int_equal(int_of(j, "savedBytes"), 14300000);
	/* 14.3 / 24.1 = 59.3360..., two decimals as in each result. */
	assert_true(number_of(j, "compressionRatio") == 59.34);
	assert_true(number_of(j, "wall_seconds") == 3.5);
	assert_true(json_is_true(json_object_get(j, "interrupted")));
	assert_true(json_is_false(json_object_get(j, "dry_run")));
	json_decref(j);

	/* Nothing saved at all: zeros, not NaN (which is not JSON). */
	memset(&s, 0, sizeof(s));
	j = json_summary_line(&s, true);
	assert_int_equal(int_of(j, "savedBytes"), 0);
	assert_true(number_of(j, "compressionRatio") == 0);
	assert_true(json_is_true(json_object_get(j, "dry_run")));
	assert_true(json_is_false(json_object_get(j, "interrupted")));
	json_decref(j);

	/* Outputs that grew (--allow-larger): both stop at 0, as in each
	 * result line, not savedBytes 0 beside a negative ratio.
	 */
	memset(&s, 0, sizeof(s));
	s.total = s.succeeded = 1;
	s.original_bytes = 1000;
	s.optimized_bytes = 1100;
	j = json_summary_line(&s, false);
	assert_int_equal(int_of(j, "savedBytes"), 0);
	assert_true(number_of(j, "compressionRatio") == 0);
	json_decref(j);
}

/* With a target: "qualities" {"quality": count} and "target_missed". */
static void
test_json_summary_qualities(void **state)
{
	struct imgopt_summary s;
	json_t *j, *q;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.total = s.succeeded = 4;
	s.quality_count[74] = 3;
	s.quality_count[100] = 1;
	s.target_missed = 1;
	j = json_summary_line(&s, false);
	assert_keys(j, "type", "total", "succeeded", "failed", "skipped",
		    "cancelled", "original_bytes", "optimized_bytes",
		    "savedBytes", "compressionRatio", "wall_seconds",
		    "interrupted", "dry_run", "qualities", "target_missed",
		    NULL);
	q = json_object_get(j, "qualities");
	assert_keys(q, "74", "100", NULL);
	assert_int_equal(int_of(q, "74"), 3);
	assert_int_equal(int_of(q, "100"), 1);
	assert_int_equal(int_of(j, "target_missed"), 1);
	json_decref(j);
}

/* --json --benchmark: the optimizer's object, as one line. */
static void
test_json_benchmark(void **state)
{
	struct report *r = report_new(true, false);
	json_t *bench = json_pack("{s:s, s:i, s:f}", "type", "benchmark",
				  "workers", 2, "wall_seconds", 1.5);
	json_t *line;
	char *out;

	(void)state;
	catch_begin();
	report_benchmark(r, bench);
	report_benchmark(r, NULL); /* benchmark off: nothing */
	out = catch_end();
	report_free(r);
	line = json_loads(out, 0, NULL);
	assert_non_null(line);
	assert_true(json_equal(line, bench));
	assert_true(strchr(out, '\n') == out + strlen(out) - 1);
	/* The caller's reference is left alone. */
	assert_int_equal(bench->refcount, 1);
	json_decref(line);
	json_decref(bench);
	free(out);
}

/* ---- text ------------------------------------------------------------------ */

/* In text mode report_result() prints nothing itself: it returns the line
 * to show above the progress bar, or NULL.
 */
static const char *
text_result(struct report *r, const struct imgopt_result *res, bool dry_run)
{
	const char *line;
	char *out;

	catch_begin();
	line = report_result(r, res, dry_run);
	out = catch_end();
	if (*out)
		fail_msg("printed '%s'", out);
	free(out);
	return line;
}

static void
test_text_result_lines(void **state)
{
	struct report *quiet = report_new(false, false);
	struct report *verbose = report_new(false, true);
	struct imgopt_result res;

	(void)state;
	example_ok(&res);
	/* A success is quiet unless -v. */
	assert_null(text_result(quiet, &res, false));
	assert_str(text_result(verbose, &res, false),
		   "a/b.jpg -> a/optimized/b.jpg  812.3 KB -> 301.2 KB "
		   "(-62.9%)");
	res.optimized_size = res.original_size;
	res.kept_original = true;
	assert_str(text_result(verbose, &res, false),
		   "a/b.jpg -> a/optimized/b.jpg  812.3 KB -> 812.3 KB "
		   "(-0.0%)  [kept original bytes]");
	/* A dry run lists every image, -v or not. */
	example_ok(&res);
	assert_str(text_result(quiet, &res, true),
		   "would write a/b.jpg -> a/optimized/b.jpg");
	res.optimized_path = NULL;
	assert_str(text_result(quiet, &res, true),
		   "would write a/b.jpg -> ?");
	/* Names that are not UTF-8 are shown as \xHH, as in JSON. */
	res.original_path = "in/\xff.png";
	res.optimized_path = "in/optimized/\xff.png";
	assert_str(text_result(quiet, &res, true),
		   "would write in/\\xff.png -> in/optimized/\\xff.png");
	/* A failure is shown at once, -v or not. */
	failed(&res, "x/broken.jpg", "x/broken.jpg: truncated JPEG");
	assert_str(text_result(quiet, &res, false),
		   "error: x/broken.jpg: truncated JPEG");
	/* Skipped and not-done entries wait for the summary. */
	memset(&res, 0, sizeof(res));
	res.status = IMGOPT_STATUS_SKIPPED;
	res.original_path = "x/notes.txt";
	res.error = "x/notes.txt: not an image file name";
	assert_null(text_result(verbose, &res, false));
	res.status = IMGOPT_STATUS_CANCELLED;
	res.original_path = "x/late.jpg";
	res.error = "x/late.jpg: cancelled (the run was interrupted)";
	assert_null(text_result(verbose, &res, false));
	report_free(quiet);
	report_free(verbose);
}

static char *
text_summary(struct report *r, const struct imgopt_summary *s, bool dry_run)
{
	catch_begin();
	report_summary(r, s, dry_run);
	return catch_end();
}

/* The summary in README.md's example, exactly. */
static void
test_text_summary_readme(void **state)
{
	struct report *r = report_new(false, false);
	struct imgopt_result res;
	struct imgopt_summary s;
	char *out;

	(void)state;
	failed(&res, "photos/broken.jpg",
	       "photos/broken.jpg: truncated JPEG (premature end of data)");
	(void)text_result(r, &res, false);
	memset(&res, 0, sizeof(res));
	res.status = IMGOPT_STATUS_SKIPPED;
	res.original_path = "photos/notes.txt";
	res.error = "photos/notes.txt: not an image file name";
	(void)text_result(r, &res, false);
	memset(&s, 0, sizeof(s));
	s.total = 12;
	s.succeeded = 11;
	s.failed = 1;
	s.skipped = 2;
	s.original_bytes = 24100000;
	s.optimized_bytes = 9800000;
	s.wall_ns = 3000000000u;
	out = text_summary(r, &s, false);
	assert_str(out,
		   "Failed:\n"
		   "  photos/broken.jpg: truncated JPEG (premature end of "
		   "data)\n"
		   "12 images: 11 optimized, 1 failed, 2 skipped (-v lists "
		   "them)\n"
		   "Before 24.1 MB, after 9.8 MB: saved 14.3 MB (59.3%) in "
		   "0:03 (4.0 images/s)\n");
	free(out);
	report_free(r);
}

/* -v lists the skipped entries; an interrupted run says so and lists the
 * images not done; nothing to time gives no rate.
 */
static void
test_text_summary_lists(void **state)
{
	struct report *r = report_new(false, true);
	struct imgopt_result res;
	struct imgopt_summary s;
	char *out;

	(void)state;
	memset(&res, 0, sizeof(res));
	res.status = IMGOPT_STATUS_SKIPPED;
	res.original_path = "in/.hidden";
	res.error = "in/.hidden: hidden entry";
	(void)text_result(r, &res, false);
	res.status = IMGOPT_STATUS_CANCELLED;
	res.original_path = "in/\xff.jpg";
	res.error = "in/\xff.jpg: cancelled (the run was interrupted)";
	(void)text_result(r, &res, false);
	memset(&s, 0, sizeof(s));
	s.total = 3;
	s.succeeded = 2;
	s.cancelled = 1;
	s.skipped = 1;
	s.original_bytes = 2000;
	s.optimized_bytes = 1000;
	s.interrupted = true;
	out = text_summary(r, &s, false);
	assert_str(out,
		   "Skipped:\n"
		   "  in/.hidden: hidden entry\n"
		   "Not done (interrupted):\n"
		   "  in/\\xff.jpg\n"
		   "Interrupted. 3 images: 2 optimized, 0 failed, 1 not "
		   "done, 1 skipped\n"
		   "Before 2.0 KB, after 1.0 KB: saved 1.0 KB (50.0%) in "
		   "0:00\n");
	free(out);
	report_free(r);
}

/* A dry run's summary counts what would be done and says nothing was
 * written.
 */
static void
test_text_summary_dry_run(void **state)
{
	struct report *r = report_new(false, false);
	struct imgopt_summary s;
	char *out;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.total = 5;
	s.succeeded = 4;
	s.failed = 1;
	s.skipped = 3;
	out = text_summary(r, &s, true);
	assert_str(out, "Dry run: 4 images would be optimized, 1 failed, 3 "
			"skipped; nothing was written.\n");
	free(out);
	report_free(r);
}

/* With a target: the chosen qualities in bands of ten (100 in the top
 * band) and the images that missed it.
 */
static void
test_text_summary_qualities(void **state)
{
	struct report *r = report_new(false, false);
	struct imgopt_summary s;
	char *out;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.total = s.succeeded = 8;
	s.quality_count[36] = 1;
	s.quality_count[70] = 1;
	s.quality_count[74] = 1;
	s.quality_count[79] = 1;
	s.quality_count[80] = 1;
	s.quality_count[90] = 1;
	s.quality_count[98] = 1;
	s.quality_count[100] = 1;
	s.target_missed = 1;
	s.wall_ns = 2000000000u;
	out = text_summary(r, &s, false);
	assert_str(out,
		   "8 images: 8 optimized, 0 failed\n"
		   "Qualities chosen for the target: 30-39: 1 70-79: 3 "
		   "80-89: 1 90-100: 3 (1 reached no quality that met the "
		   "target; kept at the highest tried)\n"
		   "Before 0 B, after 0 B: saved 0 B (0.0%) in 0:02 "
		   "(4.0 images/s)\n");
	free(out);
	report_free(r);
}

/* Failures are kept for the closing list up to a bound (200); the rest
 * are counted, and no longer shown one by one either.
 */
static void
test_text_failure_list_bounded(void **state)
{
	struct report *r = report_new(false, false);
	struct imgopt_result res;
	struct imgopt_summary s;
	char path[32], error[64], want[96], *out, *line, *end;
	int listed = 0;

	(void)state;
	for (int i = 0; i < 205; i++) {
		const char *shown;

		snprintf(path, sizeof(path), "f%03d.jpg", i);
		snprintf(error, sizeof(error), "%s: broken", path);
		failed(&res, path, error);
		shown = text_result(r, &res, false);
		if (i < 200) {
			snprintf(want, sizeof(want), "error: %s", error);
			assert_str(shown, want);
		} else {
			assert_null(shown);
		}
	}
	memset(&s, 0, sizeof(s));
	s.total = s.failed = 205;
	out = text_summary(r, &s, false);
	assert_true(!strncmp(out, "Failed:\n", 8));
	line = out + 8;
	while ((end = strchr(line, '\n')) && !strncmp(line, "  f", 3)) {
		snprintf(want, sizeof(want), "  f%03d.jpg: broken", listed);
		*end = '\0';
		assert_str(line, want);
		listed++;
		line = end + 1;
	}
	assert_int_equal(listed, 200);
	assert_true(!strncmp(line, "  ... and 5 more\n205 images: 0 "
			     "optimized, 205 failed\n", 52));
	free(out);
	report_free(r);
}

/* Runs of spaces as one: the distribution rows are compared by their
 * words, not their columns (see test_text_benchmark).
 */
static void
squeeze(char *s)
{
	char *start = s, *d = s;

	for (; *s; s++)
		if (*s != ' ' || d == start || d[-1] != ' ')
			*d++ = *s;
	*d = '\0';
}

/* The --benchmark table from the optimizer's figures: every label, and
 * every figure in its place and unit.  The distribution rows are compared
 * word by word: "pool overhead (dispatch+IPC)" is wider than the label
 * column, so that row's numbers sit two columns right of the others (a
 * cosmetic flaw this test does not pin).
 */
static void
test_text_benchmark(void **state)
{
	static const char *const want[] = {
		"",
		"Benchmark: 2 workers x 1 libvips threads, 1 task(s) in flight "
		"per worker",
		"  wall time                         2.50 s",
		"  images/s                          4.00",
		"  megapixels/s                     12.25",
		"  input MB/s                        3.50",
		"  pool utilisation                 87.5%",
		"  bytes                          1000000 -> 400000 bytes "
		"(60.00% saved)",
		"  per task (ms)                     mean       p50       p95"
		"       max",
		"@ queue wait 1.00 2.00 3.00 4.00",
		"@ worker processing 100.50 90.25 180.00 200.00",
		"@ open + header + limits 1.50 1.25 2.00 2.50",
		"@ decode+resize+encode 99.00 89.00 178.00 197.50",
		"@ pool overhead (dispatch+IPC) 0.25 0.15 0.50 0.75",
		"@ latency (queue+service) 101.50 92.50 183.00 204.00",
		"  worker     busy (s)    tasks  respawns  utilisation",
		"  0              2.25        6         0        90.0%",
		"  1              2.20        4         1        85.0%",
		"  parent peak memory: 25.5 MB",
		"  pool: 1 retries, 2 worker deaths, 3 timeouts",
	};
	struct report *r = report_new(false, false);
	size_t n = sizeof(want) / sizeof(want[0]), i = 0;
	json_t *bench;
	char *out, *line, *end;

	(void)state;
	bench = json_pack(
		"{s:s, s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:f, s:I, s:I, s:f,"
		" s:{s:f, s:f, s:f, s:f}, s:{s:f, s:f, s:f, s:f},"
		" s:{s:f, s:f, s:f, s:f}, s:{s:f, s:f, s:f, s:f},"
		" s:{s:f, s:f, s:f, s:f}, s:{s:f, s:f, s:f, s:f},"
		" s:[{s:i, s:f, s:I, s:I, s:f}, {s:i, s:f, s:I, s:I, s:f}],"
		" s:f, s:{s:I, s:I, s:I}}",
		"type", "benchmark", "workers", 2, "threads_per_worker", 1,
		"inflight_per_worker", 1, "wall_seconds", 2.5,
		"images_per_second", 4.0, "megapixels_per_second", 12.25,
		"input_mb_per_second", 3.5, "utilisation", 0.875,
		"bytes_in", (json_int_t)1000000, "bytes_out",
		(json_int_t)400000, "saved_percent", 60.0,
		"queue_wait_ms", "mean", 1.0, "p50", 2.0, "p95", 3.0, "max",
		4.0,
		"worker_ms", "mean", 100.5, "p50", 90.25, "p95", 180.0, "max",
		200.0,
		"header_ms", "mean", 1.5, "p50", 1.25, "p95", 2.0, "max", 2.5,
		"pipeline_ms", "mean", 99.0, "p50", 89.0, "p95", 178.0, "max",
		197.5,
		"pool_overhead_ms", "mean", 0.25, "p50", 0.15, "p95", 0.5,
		"max", 0.75,
		"latency_ms", "mean", 101.5, "p50", 92.5, "p95", 183.0, "max",
		204.0,
		"per_worker",
		"worker", 0, "busy_seconds", 2.25, "tasks", (json_int_t)6,
		"respawns", (json_int_t)0, "utilisation", 0.9,
		"worker", 1, "busy_seconds", 2.2, "tasks", (json_int_t)4,
		"respawns", (json_int_t)1, "utilisation", 0.85,
		"parent_peak_rss_mb", 25.5,
		"pool", "retries", (json_int_t)1, "deaths", (json_int_t)2,
		"timeouts", (json_int_t)3);
	assert_non_null(bench);
	catch_begin();
	report_benchmark(r, bench);
	out = catch_end();
	for (line = out; (end = strchr(line, '\n')); line = end + 1, i++) {
		*end = '\0';
		if (i >= n)
			fail_msg("extra line '%s'", line);
		if (want[i][0] == '@') {
			/* "@ label numbers": the row's words. */
			char got[256];

			snprintf(got, sizeof(got), "@%s", line);
			squeeze(got);
			assert_str(got, want[i]);
		} else {
			assert_str(line, want[i]);
		}
	}
	assert_int_equal(i, n);
	assert_str(line, "");
	free(out);
	json_decref(bench);
	report_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_result),
		cmocka_unit_test(test_json_result_dry_run),
		cmocka_unit_test(test_json_result_failed),
		cmocka_unit_test(test_json_result_target),
		cmocka_unit_test(test_json_skipped),
		cmocka_unit_test(test_json_result_not_utf8),
		cmocka_unit_test(test_json_summary),
		cmocka_unit_test(test_json_summary_qualities),
		cmocka_unit_test(test_json_benchmark),
		cmocka_unit_test(test_text_result_lines),
		cmocka_unit_test(test_text_summary_readme),
		cmocka_unit_test(test_text_summary_lists),
		cmocka_unit_test(test_text_summary_dry_run),
		cmocka_unit_test(test_text_summary_qualities),
		cmocka_unit_test(test_text_failure_list_bounded),
		cmocka_unit_test(test_text_benchmark),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

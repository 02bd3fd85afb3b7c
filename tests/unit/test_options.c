/* test_options.c: the optimize command's argv.  Every flag sets its field;
 * flags override a --settings file whatever their order; every bad value
 * is a usage error (-1, exit 2 from cmd_optimize) whose message names the
 * option and what it takes; --help and --version print and return 1
 * (exit 0).
 *
 * stdout and stderr are caught in temporary files around each parse, so
 * the messages themselves are checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "commands/commands.h"
#include "commands/options.h"
#include "imgopt_config.h"

static char test_dir[] = "/tmp/test-options-XXXXXX";

/* ---- helpers ---------------------------------------------------------- */

/* What one call printed. */
struct printed {
	char out[16384];
	char err[4096];
};

/* The last call's argv: cli.paths point into it, so it lives until the
 * next call.
 */
static char *args[64];
static int nargs;

static void
free_args(void)
{
	while (nargs > 0)
		free(args[--nargs]);
}

/* "imgopt" and the NULL-terminated arguments, as a writable argv (getopt
 * permutes it).
 */
static void
make_args(va_list ap)
{
	const char *a;

	free_args();
	args[nargs++] = strdup("imgopt");
	while ((a = va_arg(ap, const char *))) {
		assert_true(nargs < 63);
		args[nargs++] = strdup(a);
	}
	args[nargs] = NULL;
}

/* fd into a fresh temporary file; returns the saved fd. */
static int
catch_begin(FILE *stream, FILE **tmp)
{
	int saved;

	fflush(stream);
	*tmp = tmpfile();
	assert_non_null(*tmp);
	saved = dup(fileno(stream));
	assert_true(saved >= 0);
	assert_true(dup2(fileno(*tmp), fileno(stream)) >= 0);
	return saved;
}

static void
catch_end(FILE *stream, FILE *tmp, int saved, char *buf, size_t size)
{
	size_t n;

	fflush(stream);
	assert_true(dup2(saved, fileno(stream)) >= 0);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, size - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
}

/* glibc's getopt keeps its place inside a short-option cluster ("-nv")
 * across calls unless optind is 0.  options_parse() sets 0 itself
 * (test_parse_again); parse() starts getopt over as well, so no other test
 * depends on that.
 */
static void
reset_getopt(void)
{
	char *none[] = { "reset", NULL };

	optind = 0;
	opterr = 0;
	assert_int_equal(getopt(1, none, ""), -1);
}

/* options_parse() on "imgopt" + the arguments; output caught in *p. */
static int
parse(struct cli_options *cli, struct printed *p, ...)
{
	FILE *out, *err;
	int so, se, rc;
	va_list ap;

	va_start(ap, p);
	make_args(ap);
	va_end(ap);
	reset_getopt();
	so = catch_begin(stdout, &out);
	se = catch_begin(stderr, &err);
	rc = options_parse(nargs, args, cli);
	catch_end(stderr, err, se, p->err, sizeof(p->err));
	catch_end(stdout, out, so, p->out, sizeof(p->out));
	return rc;
}

/* cmd_optimize() on the arguments: its exit status.  Only for arguments
 * that never get past the option parser (no workers are started; see
 * main() for when they would).
 */
static int
run_cmd(struct printed *p, ...)
{
	FILE *out, *err;
	int so, se, rc, cwd;
	va_list ap;

	va_start(ap, p);
	make_args(ap);
	va_end(ap);
	reset_getopt();
	/* In the scratch folder, so that a run that should never have
	 * started finds and writes nothing of the source tree.
	 */
	cwd = open(".", O_RDONLY | O_DIRECTORY);
	assert_true(cwd >= 0);
	assert_int_equal(chdir(test_dir), 0);
	so = catch_begin(stdout, &out);
	se = catch_begin(stderr, &err);
	rc = cmd_optimize(nargs, args);
	catch_end(stderr, err, se, p->err, sizeof(p->err));
	catch_end(stdout, out, so, p->out, sizeof(p->out));
	assert_int_equal(fchdir(cwd), 0);
	close(cwd);
	return rc;
}

/* A usage error: -1, nothing on stdout, one "imgopt: " message on stderr
 * containing want.
 */
#define assert_usage_error(rc, p, want)                                      \
	do {                                                                 \
		if ((rc) != -1 || strncmp((p)->err, "imgopt: ", 8) ||        \
		    !strstr((p)->err, (want)) || (p)->out[0])                \
			fail_msg("rc %d, stderr '%s', stdout '%s': want "    \
				 "usage error '%s'",                         \
				 (rc), (p)->err, (p)->out, (want));          \
	} while (0)

/* A settings file in the test folder; returns its path (g_free-less:
 * static, overwritten by the next call).
 */
static const char *
settings_file(const char *name, const char *json)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", test_dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(json, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

static int
group_setup(void **state)
{
	(void)state;
	return mkdtemp(test_dir) ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	free_args();
	fsutil_remove_tree(test_dir);
	return 0;
}

/* ---- tests ------------------------------------------------------------ */

/* No flags: the library's defaults, the paths as given. */
static void
test_defaults(void **state)
{
	struct imgopt_options def;
	struct cli_options cli;
	struct printed p;

	(void)state;
	imgopt_options_init(&def);
	assert_int_equal(parse(&cli, &p, "a.jpg", "photos/", NULL), 0);
	assert_string_equal(p.err, "");
	assert_string_equal(p.out, "");
	assert_int_equal(cli.npaths, 2);
	assert_string_equal(cli.paths[0], "a.jpg");
	assert_string_equal(cli.paths[1], "photos/");
	assert_false(cli.json);
	assert_false(cli.verbose);
	assert_int_equal(cli.progress, PROGRESS_AUTO);
	assert_int_equal(cli.opts.settings.quality_global,
			 IMGOPT_DEFAULT_QUALITY);
	assert_int_equal(cli.opts.settings.output_format,
			 IMGOPT_FORMAT_ORIGINAL);
	assert_int_equal(cli.opts.settings.resize_mode, IMGOPT_RESIZE_NONE);
	assert_int_equal(cli.opts.settings.target_metric, IMGOPT_TARGET_NONE);
	assert_int_equal(cli.opts.output_mode, IMGOPT_OUTPUT_BESIDE);
	assert_null(cli.opts.output_dir);
	assert_true(cli.opts.max_pixels == def.max_pixels);
	assert_true(cli.opts.max_file_size == def.max_file_size);
	assert_int_equal(cli.opts.fail_on, def.fail_on);
	assert_int_equal(cli.opts.memory_mb, def.memory_mb);
	assert_int_equal(cli.opts.timeout_s, def.timeout_s);
	assert_int_equal(cli.opts.jobs, 0);
	assert_int_equal(cli.opts.threads, 0);
	assert_int_equal(cli.opts.inflight, 0);
	assert_false(cli.opts.allow_larger);
	assert_false(cli.opts.keep_metadata);
	assert_false(cli.opts.dry_run);
	assert_false(cli.opts.benchmark);
	assert_false(cli.opts.order_given);
	assert_true(cli.opts.min_savings_pct == 0);
}

/* Every flag lands in its own field; paths may come between flags. */
static void
test_every_flag(void **state)
{
	struct cli_options cli;
	struct imgopt_settings *s = &cli.opts.settings;
	struct printed p;

	(void)state;
	assert_int_equal(parse(&cli, &p, "first.jpg", "-q", "75",
			       "--jpeg-quality", "60", "--png-quality", "100",
			       "--webp-quality", "70", "--avif-quality", "50",
			       "-f", "webp", "-r", "longest:2048", "-o", "out",
			       "--allow-larger", "--keep-metadata",
			       "--max-pixels", "1000000", "--max-file-size",
			       "5", "second.png", "--min-savings", "10", "-j",
			       "3", "--json", "-n", "--benchmark", "--memory",
			       "512", "--timeout", "30", "--fail-on", "error",
			       "--threads", "2", "--inflight", "4",
			       "--no-progress", "-v", "--order", "given",
			       "--target", "ssim:0.99", "third/", NULL),
			 0);
	assert_string_equal(p.err, "");
	assert_int_equal(s->quality_global, 75);
	assert_int_equal(s->quality[IMGOPT_FORMAT_JPEG], 60);
	assert_int_equal(s->quality[IMGOPT_FORMAT_PNG], 100);
	assert_int_equal(s->quality[IMGOPT_FORMAT_WEBP], 70);
	assert_int_equal(s->quality[IMGOPT_FORMAT_AVIF], 50);
	assert_int_equal(s->output_format, IMGOPT_FORMAT_WEBP);
	assert_int_equal(s->resize_mode, IMGOPT_RESIZE_LONGEST);
	assert_int_equal(s->resize_size, 2048);
	assert_int_equal(s->target_metric, IMGOPT_TARGET_SSIM);
	assert_true(s->target_value == 0.99);
	assert_int_equal(cli.opts.output_mode, IMGOPT_OUTPUT_DIR);
	assert_string_equal(cli.opts.output_dir, "out");
	assert_true(cli.opts.allow_larger);
	assert_true(cli.opts.keep_metadata);
	assert_true(cli.opts.max_pixels == 1000000);
	assert_true(cli.opts.max_file_size == 5ull << 20);
	assert_true(cli.opts.min_savings_pct == 10);
	assert_int_equal(cli.opts.jobs, 3);
	assert_true(cli.json);
	assert_true(cli.opts.dry_run);
	assert_true(cli.opts.benchmark);
	assert_int_equal(cli.opts.memory_mb, 512);
	assert_int_equal(cli.opts.timeout_s, 30);
	assert_int_equal(cli.opts.fail_on, 2); /* none, truncated, error */
	assert_int_equal(cli.opts.threads, 2);
	assert_int_equal(cli.opts.inflight, 4);
	assert_int_equal(cli.progress, PROGRESS_OFF);
	assert_true(cli.verbose);
	assert_true(cli.opts.order_given);
	/* Paths keep their order wherever they stood. */
	assert_int_equal(cli.npaths, 3);
	assert_string_equal(cli.paths[0], "first.jpg");
	assert_string_equal(cli.paths[1], "second.png");
	assert_string_equal(cli.paths[2], "third/");

	/* Long forms, "=" values, and the other spellings. */
	assert_int_equal(parse(&cli, &p, "--quality=40", "--format=jpg",
			       "--resize=width:1920", "--output=o", "--jobs=2",
			       "--dry-run", "--verbose", "--progress",
			       "--order=largest", "--target", "high",
			       "--fail-on", "none", "a", NULL),
			 0);
	assert_int_equal(s->quality_global, 40);
	assert_int_equal(s->output_format, IMGOPT_FORMAT_JPEG);
	assert_int_equal(s->resize_mode, IMGOPT_RESIZE_WIDTH);
	assert_int_equal(s->resize_size, 1920);
	assert_string_equal(cli.opts.output_dir, "o");
	assert_int_equal(cli.opts.jobs, 2);
	assert_true(cli.opts.dry_run);
	assert_true(cli.verbose);
	assert_int_equal(cli.progress, PROGRESS_ON);
	assert_false(cli.opts.order_given);
	assert_true(s->target_value == IMGOPT_TARGET_HIGH);
	assert_int_equal(cli.opts.fail_on, 0);

	/* Grouped short flags; "--" ends the flags. */
	assert_int_equal(parse(&cli, &p, "-nvq", "33", "--", "-q", "--json",
			       NULL),
			 0);
	assert_true(cli.opts.dry_run);
	assert_true(cli.verbose);
	assert_int_equal(s->quality_global, 33);
	assert_false(cli.json);
	assert_int_equal(cli.npaths, 2);
	assert_string_equal(cli.paths[0], "-q");
	assert_string_equal(cli.paths[1], "--json");

	/* --in-place, and the last of --progress/--no-progress wins. */
	assert_int_equal(parse(&cli, &p, "--in-place", "--progress",
			       "--no-progress", "--progress", "x.jpg", NULL),
			 0);
	assert_int_equal(cli.opts.output_mode, IMGOPT_OUTPUT_IN_PLACE);
	assert_null(cli.opts.output_dir);
	assert_int_equal(cli.progress, PROGRESS_ON);
}

struct range {
	const char *flag;
	long long lo, hi;
};

/* Every number flag takes exactly its range: the ends are accepted, one
 * past either end, words, blanks and trailing junk are usage errors that
 * name the flag and the range.
 */
static void
test_ranges(void **state)
{
	static const struct range ranges[] = {
		{ "--quality", 1, 100 },
		{ "--jpeg-quality", 1, 100 },
		{ "--png-quality", 1, 100 },
		{ "--webp-quality", 1, 100 },
		{ "--avif-quality", 1, 100 },
		{ "--max-pixels", 1, 1000000000000LL },
		{ "--max-file-size", 1, 1 << 20 },
		{ "--min-savings", 0, 99 },
		{ "--jobs", 1, 256 },
		{ "--memory", 0, 1 << 20 },
		{ "--timeout", 0, 86400 },
		{ "--threads", 1, 256 },
		{ "--inflight", 1, 16 },
	};
	static const char *const junk[] = { "abc", "", "5x", "1.5", "0x10",
					    "99999999999999999999" };
	struct cli_options cli;
	struct printed p;
	char val[32], want[128];
	size_t i, j;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		const struct range *r = &ranges[i];

		snprintf(val, sizeof(val), "%lld", r->lo);
		rc = parse(&cli, &p, r->flag, val, "a.jpg", NULL);
		if (rc != 0)
			fail_msg("%s %s: %s", r->flag, val, p.err);
		snprintf(val, sizeof(val), "%lld", r->hi);
		rc = parse(&cli, &p, r->flag, val, "a.jpg", NULL);
		if (rc != 0)
			fail_msg("%s %s: %s", r->flag, val, p.err);

		snprintf(val, sizeof(val), "%lld", r->lo - 1);
		snprintf(want, sizeof(want), "%s must be %lld-%lld, got '%s'",
			 r->flag, r->lo, r->hi, val);
		rc = parse(&cli, &p, r->flag, val, "a.jpg", NULL);
		assert_usage_error(rc, &p, want);

		snprintf(val, sizeof(val), "%lld", r->hi + 1);
		snprintf(want, sizeof(want), "%s must be %lld-%lld, got '%s'",
			 r->flag, r->lo, r->hi, val);
		rc = parse(&cli, &p, r->flag, val, "a.jpg", NULL);
		assert_usage_error(rc, &p, want);
		/* With the hint every usage error ends with. */
		snprintf(want, sizeof(want),
			 "imgopt: %s must be %lld-%lld, got '%s'\n"
			 "Try 'imgopt --help' for more information.\n",
			 r->flag, r->lo, r->hi, val);
		assert_string_equal(p.err, want);

		for (j = 0; j < sizeof(junk) / sizeof(junk[0]); j++) {
			snprintf(want, sizeof(want),
				 "%s must be %lld-%lld, got '%s'", r->flag,
				 r->lo, r->hi, junk[j]);
			rc = parse(&cli, &p, r->flag, junk[j], "a.jpg", NULL);
			assert_usage_error(rc, &p, want);
		}
	}

	/* --memory: 0 means no limit, but a limit under 64 MB is refused. */
	assert_int_equal(parse(&cli, &p, "--memory", "64", "a", NULL), 0);
	assert_int_equal(cli.opts.memory_mb, 64);
	rc = parse(&cli, &p, "--memory", "63", "a", NULL);
	assert_usage_error(rc, &p, "--memory must be 0 (no limit) or at least "
				   "64 MB, got '63'");
	rc = parse(&cli, &p, "--memory", "1", "a", NULL);
	assert_usage_error(rc, &p, "--memory");
}

/* options_parse_int() on its own: whole numbers in [lo, hi] only, and
 * *out untouched on error.
 */
static void
test_parse_int(void **state)
{
	long long v = 12345;

	(void)state;
	assert_int_equal(options_parse_int("7", 1, 10, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(options_parse_int("-3", -5, 5, &v), 0);
	assert_int_equal(v, -3);
	assert_int_equal(options_parse_int("9223372036854775807", 0,
					   9223372036854775807LL, &v),
			 0);
	assert_true(v == 9223372036854775807LL);
	v = 12345;
	assert_int_equal(options_parse_int("11", 1, 10, &v), -1);
	assert_int_equal(options_parse_int("0", 1, 10, &v), -1);
	assert_int_equal(options_parse_int("", 1, 10, &v), -1);
	assert_int_equal(options_parse_int("x", 1, 10, &v), -1);
	assert_int_equal(options_parse_int("5 ", 1, 10, &v), -1);
	assert_int_equal(options_parse_int("5.0", 1, 10, &v), -1);
	assert_int_equal(options_parse_int("9223372036854775808", 0,
					   9223372036854775807LL, &v),
			 -1);
	assert_int_equal(v, 12345);
}

static void
test_resize(void **state)
{
	static const struct {
		const char *arg;
		enum imgopt_resize_mode mode;
		int size;
	} good[] = {
		{ "width:1920", IMGOPT_RESIZE_WIDTH, 1920 },
		{ "height:1080", IMGOPT_RESIZE_HEIGHT, 1080 },
		{ "longest:2048", IMGOPT_RESIZE_LONGEST, 2048 },
		{ "shortest:720", IMGOPT_RESIZE_SHORTEST, 720 },
		{ "width:1", IMGOPT_RESIZE_WIDTH, 1 },
		{ "width:100000", IMGOPT_RESIZE_WIDTH, 100000 },
	};
	static const struct {
		const char *arg, *want;
	} bad[] = {
		{ "1920", "--resize takes MODE:SIZE (width:1920, height:1080, "
			  "longest:2048, shortest:720), got '1920'" },
		{ "", "--resize takes MODE:SIZE" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:5",
		  "--resize takes MODE:SIZE" },
		{ "none:100", "--resize mode must be width, height, longest "
			      "or shortest, got 'none'" },
		{ "diagonal:100", "got 'diagonal'" },
		{ ":100", "got ''" },
		{ "width:0", "--resize size must be 1-100000 pixels, got '0'" },
		{ "width:100001", "got '100001'" },
		{ "width:", "got ''" },
		{ "width:12px", "got '12px'" },
		{ "width:-5", "got '-5'" },
	};
	struct imgopt_settings s;
	struct cli_options cli;
	struct printed p;
	char err[256];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		imgopt_settings_init(&s);
		assert_int_equal(options_parse_resize(good[i].arg, &s, err,
						      sizeof(err)),
				 0);
		assert_int_equal(s.resize_mode, good[i].mode);
		assert_int_equal(s.resize_size, good[i].size);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		imgopt_settings_init(&s);
		err[0] = '\0';
		if (options_parse_resize(bad[i].arg, &s, err, sizeof(err)) !=
			    -1 ||
		    !strstr(err, bad[i].want))
			fail_msg("'%s': '%s', want '%s'", bad[i].arg, err,
				 bad[i].want);
		/* Nothing half-set. */
		assert_int_equal(s.resize_mode, IMGOPT_RESIZE_NONE);
		assert_int_equal(s.resize_size, 0);
		/* The same through argv, with the usage hint. */
		rc = parse(&cli, &p, "-r", bad[i].arg, "a.jpg", NULL);
		assert_usage_error(rc, &p, bad[i].want);
		assert_non_null(strstr(p.err, "Try 'imgopt --help'"));
	}
	/* A small error buffer is cut, still terminated. */
	memset(err, 'x', sizeof(err));
	assert_int_equal(options_parse_resize("bogus", &s, err, 10), -1);
	assert_int_equal(strlen(err), 9);
}

/* Word-valued flags, unknown flags, missing values, and bad
 * combinations: each a usage error that names the flag.
 */
static void
test_usage_errors(void **state)
{
	struct cli_options cli;
	struct printed p;
	int rc;

	(void)state;
	rc = parse(&cli, &p, "-f", "gif", "a.jpg", NULL);
	assert_usage_error(rc, &p, "--format must be original, jpeg, png, "
				   "webp or avif, got 'gif'");
	/* SVG is read, never written from a raster. */
	rc = parse(&cli, &p, "--format", "svg", "a.jpg", NULL);
	assert_usage_error(rc, &p, "--format must be");
	rc = parse(&cli, &p, "--fail-on", "sometimes", "a.jpg", NULL);
	assert_usage_error(rc, &p, "--fail-on must be none, truncated, error "
				   "or warning, got 'sometimes'");
	rc = parse(&cli, &p, "--fail-on", "Warning", "a.jpg", NULL);
	assert_usage_error(rc, &p, "--fail-on must be");
	rc = parse(&cli, &p, "--order", "random", "a.jpg", NULL);
	assert_usage_error(rc, &p, "--order must be largest or given, got "
				   "'random'");
	rc = parse(&cli, &p, "--target", "bogus", "a.jpg", NULL);
	assert_usage_error(rc, &p, "--target must be high, medium, low or "
				   "METRIC:VALUE");
	rc = parse(&cli, &p, "--target", "ssim:abc", "a.jpg", NULL);
	assert_usage_error(rc, &p, "--target value must be a number");
	rc = parse(&cli, &p, "--target", "ssim:1.5", "a.jpg", NULL);
	assert_usage_error(rc, &p, "--target");
	rc = parse(&cli, &p, "-o", "", "a.jpg", NULL);
	assert_usage_error(rc, &p, "--output needs a folder");

	rc = parse(&cli, &p, "--bogus", "a.jpg", NULL);
	assert_usage_error(rc, &p, "unknown option '--bogus'");
	assert_non_null(strstr(p.err, "Try 'imgopt --help'"));
	rc = parse(&cli, &p, "-x", "a.jpg", NULL);
	assert_usage_error(rc, &p, "unknown option '-x'");
	rc = parse(&cli, &p, "a.jpg", "-q", NULL);
	assert_usage_error(rc, &p, "option '-q' needs a value");
	rc = parse(&cli, &p, "a.jpg", "--quality", NULL);
	assert_usage_error(rc, &p, "option '--quality' needs a value");
	rc = parse(&cli, &p, "a.jpg", "--settings", NULL);
	assert_usage_error(rc, &p, "option '--settings' needs a value");

	/* A short option is named by its letter wherever it is in a
	 * cluster (not by argv[0] or the whole cluster); a long one by its
	 * full name, without any "=VALUE".
	 */
	rc = parse(&cli, &p, "-xn", "a.jpg", NULL);
	assert_usage_error(rc, &p, "unknown option '-x'");
	rc = parse(&cli, &p, "-vx", "a.jpg", NULL);
	assert_usage_error(rc, &p, "unknown option '-x'");
	rc = parse(&cli, &p, "-nxv", "a.jpg", NULL);
	assert_usage_error(rc, &p, "unknown option '-x'");
	rc = parse(&cli, &p, "--dry-run", "-xn", "a.jpg", NULL);
	assert_usage_error(rc, &p, "unknown option '-x'");
	rc = parse(&cli, &p, "--quality", "80", "-vq", NULL);
	assert_usage_error(rc, &p, "option '-q' needs a value");
	rc = parse(&cli, &p, "-\x01", "a.jpg", NULL);
	assert_usage_error(rc, &p, "unknown option '-\\x01'");
	rc = parse(&cli, &p, "a.jpg", "-nq", NULL);
	assert_usage_error(rc, &p, "option '-q' needs a value");
	rc = parse(&cli, &p, "a.jpg", "--qual", NULL);
	assert_usage_error(rc, &p, "option '--quality' needs a value");
	rc = parse(&cli, &p, "--bogus=3", "a.jpg", NULL);
	assert_usage_error(rc, &p, "unknown option '--bogus'");
	assert_null(strstr(p.err, "=3"));
	/* A flag that takes no value, given one. */
	rc = parse(&cli, &p, "--json=1", "a.jpg", NULL);
	assert_usage_error(rc, &p, "option '--json' takes no value");
	rc = parse(&cli, &p, "--verbose=yes", "a.jpg", NULL);
	assert_usage_error(rc, &p, "option '--verbose' takes no value");
	rc = parse(&cli, &p, "--dry=1", "a.jpg", NULL);
	assert_usage_error(rc, &p, "option '--dry-run' takes no value");
	/* An abbreviation of more than one long option. */
	rc = parse(&cli, &p, "--p", "a.jpg", NULL);
	assert_usage_error(rc, &p, "option '--p' is ambiguous");
	assert_int_equal(parse(&cli, &p, "--prog", "a.jpg", NULL), 0);
	assert_int_equal(cli.progress, PROGRESS_ON);

	rc = parse(&cli, &p, NULL);
	assert_usage_error(rc, &p, "no PATH given");
	rc = parse(&cli, &p, "-q", "80", "--json", NULL);
	assert_usage_error(rc, &p, "no PATH given");
	rc = parse(&cli, &p, "--in-place", "-o", "out", "a.jpg", NULL);
	assert_usage_error(rc, &p, "--in-place and --output exclude each "
				   "other");
	rc = parse(&cli, &p, "--in-place", "-f", "webp", "a.jpg", NULL);
	assert_usage_error(rc, &p, "--in-place cannot change the format (use "
				   "-o DIR to write webp files elsewhere)");
	/* The same format as the input's is no change. */
	assert_int_equal(parse(&cli, &p, "--in-place", "-f", "original",
			       "a.jpg", NULL),
			 0);
}

/* A parse that stopped inside a cluster ("-xn": at the 'n') leaves
 * getopt nothing for the next one: options_parse() starts getopt over
 * itself (here without the reset parse() does).
 */
static void
test_parse_again(void **state)
{
	char a0[] = "imgopt", a1[] = "-xn", a2[] = "a.jpg";
	char b0[] = "imgopt", b1[] = "b.jpg";
	char *first[] = { a0, a1, a2, NULL };
	char *second[] = { b0, b1, NULL };
	struct cli_options cli;
	struct printed p;
	FILE *err;
	int se;

	(void)state;
	reset_getopt();
	se = catch_begin(stderr, &err);
	assert_int_equal(options_parse(3, first, &cli), -1);
	catch_end(stderr, err, se, p.err, sizeof(p.err));
	assert_non_null(strstr(p.err, "unknown option '-x'"));

	se = catch_begin(stderr, &err);
	assert_int_equal(options_parse(2, second, &cli), 0);
	catch_end(stderr, err, se, p.err, sizeof(p.err));
	assert_string_equal(p.err, "");
	assert_false(cli.opts.dry_run);
	assert_int_equal(cli.npaths, 1);
	assert_string_equal(cli.paths[0], "b.jpg");
}

/* Flags override the settings file whatever their order; what the flags
 * leave alone comes from the file.
 */
static void
test_settings_file(void **state)
{
	const char *path = settings_file("s.json",
		"{\"quality\": {\"global\": 50, \"jpeg\": 40, \"webp\": 45},"
		" \"outputFormat\": \"png\","
		" \"resize\": {\"mode\": \"width\", \"size\": 800}}");
	struct imgopt_settings *s;
	struct cli_options cli;
	struct printed p;

	(void)state;
	s = &cli.opts.settings;
	assert_int_equal(parse(&cli, &p, "--settings", path, "a.jpg", NULL), 0);
	assert_int_equal(s->quality_global, 50);
	assert_int_equal(s->quality[IMGOPT_FORMAT_JPEG], 40);
	assert_int_equal(s->quality[IMGOPT_FORMAT_WEBP], 45);
	assert_int_equal(s->output_format, IMGOPT_FORMAT_PNG);
	assert_int_equal(s->resize_mode, IMGOPT_RESIZE_WIDTH);
	assert_int_equal(s->resize_size, 800);

	/* Flags before the file and after it: the flags win. */
	assert_int_equal(parse(&cli, &p, "-q", "70", "--jpeg-quality", "65",
			       "--settings", path, "-f", "avif", "-r",
			       "height:600", "a.jpg", NULL),
			 0);
	assert_int_equal(s->quality_global, 70);
	assert_int_equal(s->quality[IMGOPT_FORMAT_JPEG], 65);
	assert_int_equal(s->quality[IMGOPT_FORMAT_WEBP], 45);
	assert_int_equal(s->output_format, IMGOPT_FORMAT_AVIF);
	assert_int_equal(s->resize_mode, IMGOPT_RESIZE_HEIGHT);
	assert_int_equal(s->resize_size, 600);
	/* The last --settings is the file read. */
	assert_int_equal(parse(&cli, &p, "--settings", "/nonexistent/x.json",
			       "--settings", path, "a.jpg", NULL),
			 0);
	assert_int_equal(s->quality_global, 50);
}

/* A settings file that cannot be used is a usage error naming
 * --settings, the file and what is wrong.
 */
static void
test_settings_file_errors(void **state)
{
	struct cli_options cli;
	struct printed p;
	const char *path;
	char want[512], *big;
	FILE *f;
	int rc;

	(void)state;
	/* The reason in imgopt's lowercase, not strerror()'s capitals. */
	rc = parse(&cli, &p, "--settings", "/nonexistent/s.json", "a.jpg",
		   NULL);
	assert_usage_error(rc, &p, "--settings /nonexistent/s.json: no such "
				   "file or directory");
	/* A folder opens; reading it fails, and says so (not "malformed
	 * settings JSON" from the nothing read).
	 */
	snprintf(want, sizeof(want), "--settings %s: is a directory",
		 test_dir);
	rc = parse(&cli, &p, "--settings", test_dir, "a.jpg", NULL);
	assert_usage_error(rc, &p, want);
	assert_null(strstr(p.err, "malformed"));

	path = settings_file("range.json", "{\"quality\": {\"global\": 101}}");
	snprintf(want, sizeof(want),
		 "--settings %s: quality.global must be 1-100, got 101", path);
	rc = parse(&cli, &p, "--settings", path, "a.jpg", NULL);
	assert_usage_error(rc, &p, want);
	/* With the hint, like every other usage error. */
	assert_non_null(strstr(p.err, "\nTry 'imgopt --help'"));

	path = settings_file("broken.json", "{\"quality\": ");
	snprintf(want, sizeof(want), "--settings %s: ", path);
	rc = parse(&cli, &p, "--settings", path, "a.jpg", NULL);
	assert_usage_error(rc, &p, want);

	path = settings_file("format.json", "{\"outputFormat\": \"gif\"}");
	rc = parse(&cli, &p, "--settings", path, "a.jpg", NULL);
	assert_usage_error(rc, &p, "outputFormat");

	/* The file is checked as a whole: a mode needs its size. */
	path = settings_file("mode.json",
			     "{\"resize\": {\"mode\": \"width\"}}");
	snprintf(want, sizeof(want),
		 "--settings %s: resize.mode width needs resize.size", path);
	rc = parse(&cli, &p, "--settings", path, "a.jpg", NULL);
	assert_usage_error(rc, &p, want);

	/* Over 1 MB: refused before parsing. */
	path = settings_file("big.json", "");
	f = fopen(path, "w");
	assert_non_null(f);
	big = malloc(1100000);
	assert_non_null(big);
	memset(big, ' ', 1100000);
	assert_int_equal(fwrite(big, 1, 1100000, f), 1100000);
	free(big);
	assert_int_equal(fclose(f), 0);
	rc = parse(&cli, &p, "--settings", path, "a.jpg", NULL);
	assert_usage_error(rc, &p, "file over 1 MB");
}

/* opt has its own entry in help: on an option line ("  -j, --jobs N",
 * "      --progress, --no-progress"), not only in passing elsewhere.
 */
static bool
has_entry(const char *help, const char *opt)
{
	const char *at;

	for (at = strstr(help, opt); at; at = strstr(at + 1, opt)) {
		const char *line = at, *q;
		char next = at[strlen(opt)];

		while (line > help && line[-1] != '\n')
			line--;
		while (*line == ' ')
			line++;
		if (*line != '-' || !strchr(" ,\n", next))
			continue;
		for (q = line; q < at; q++)
			if (!strchr("-abcdefghijklmnopqrstuvwxyz, ", *q) ||
			    (q[0] == ' ' && q[1] == ' '))
				break;
		if (q == at)
			return true;
	}
	return false;
}

/* --help and --version print on stdout and return 1: the caller exits 0
 * without looking at the paths.
 */
static void
test_help_and_version(void **state)
{
	static const char *const documented[] = {
		"--quality", "--jpeg-quality", "--png-quality",
		"--webp-quality", "--avif-quality", "--format", "--resize",
		"--target", "--settings", "--output", "--in-place",
		"--allow-larger", "--min-savings", "--keep-metadata",
		"--dry-run", "--max-pixels", "--max-file-size", "--fail-on",
		"--memory", "--timeout", "--jobs", "--threads", "--json",
		"--benchmark", "--order", "--inflight", "--progress",
		"--no-progress", "--verbose", "--version", "--help",
	};
	struct cli_options cli;
	struct printed p;
	char *mem = NULL;
	size_t len = 0, i;
	FILE *f;

	(void)state;
	assert_int_equal(parse(&cli, &p, "--help", NULL), 1);
	assert_string_equal(p.err, "");
	assert_true(strncmp(p.out, "usage: imgopt [options] PATH...\n", 32) ==
		    0);
	for (i = 0; i < sizeof(documented) / sizeof(documented[0]); i++)
		if (!has_entry(p.out, documented[i]))
			fail_msg("--help has no entry for %s", documented[i]);
	/* The short forms getopt takes. */
	assert_true(has_entry(p.out, "-q"));
	assert_true(has_entry(p.out, "-f"));
	assert_true(has_entry(p.out, "-r"));
	assert_true(has_entry(p.out, "-o"));
	assert_true(has_entry(p.out, "-n"));
	assert_true(has_entry(p.out, "-j"));
	assert_true(has_entry(p.out, "-v"));
	assert_true(has_entry(p.out, "-h"));
	/* Every line fits 80 columns (the text is ASCII). */
	for (const char *line = p.out; *line;) {
		size_t n = strcspn(line, "\n");

		if (n > 80)
			fail_msg("help line of %zu columns: '%.*s'", n, (int)n,
				 line);
		line += n + (line[n] == '\n');
	}
	/* What the exit codes mean. */
	assert_non_null(strstr(p.out, "Exit status: 0 all images succeeded, "
				      "1 some failed, 2 usage"));
	/* -h, and anywhere on the line, even after a bad path. */
	assert_int_equal(parse(&cli, &p, "a.jpg", "-h", NULL), 1);
	assert_true(strncmp(p.out, "usage: imgopt", 13) == 0);

	/* options_usage() is the same text. */
	f = open_memstream(&mem, &len);
	assert_non_null(f);
	options_usage(f);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(mem, p.out);
	free(mem);

	assert_int_equal(parse(&cli, &p, "--version", NULL), 1);
	assert_string_equal(p.out, "imgopt " IMGOPT_VERSION "\n");
	assert_string_equal(p.err, "");
}

/* The exit codes of the command (commands.h): 2 for a usage error, 0 for
 * --help and --version.
 */
static void
test_exit_codes(void **state)
{
	struct printed p;

	(void)state;
	assert_int_equal(run_cmd(&p, "-q", "0", "a.jpg", NULL), EXIT_USAGE);
	assert_non_null(strstr(p.err, "--quality must be 1-100, got '0'"));
	assert_int_equal(run_cmd(&p, "--bogus", "a.jpg", NULL), EXIT_USAGE);
	assert_non_null(strstr(p.err, "unknown option '--bogus'"));
	assert_int_equal(run_cmd(&p, NULL), EXIT_USAGE);
	assert_non_null(strstr(p.err, "no PATH given"));
	assert_int_equal(run_cmd(&p, "--in-place", "-o", "d", "a.jpg", NULL),
			 EXIT_USAGE);
	assert_int_equal(run_cmd(&p, "--help", NULL), EXIT_ALL_OK);
	assert_true(strncmp(p.out, "usage: imgopt", 13) == 0);
	assert_int_equal(run_cmd(&p, "--version", NULL), EXIT_ALL_OK);
	assert_string_equal(p.out, "imgopt " IMGOPT_VERSION "\n");
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_flag),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_parse_int),
		cmocka_unit_test(test_resize),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_parse_again),
		cmocka_unit_test(test_settings_file),
		cmocka_unit_test(test_settings_file_errors),
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_exit_codes),
	};

	/* The pool spawns /proc/self/exe as its workers: should a broken
	 * option parser let run_cmd() start a run, this binary would be
	 * started as a worker and run every test again, spawning workers
	 * of its own.  Fail as a worker instead.
	 */
	if (argc > 1 && !strcmp(argv[1], "__worker"))
		return 1;
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/* options.c: argv for the optimize command (see options.h). */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsutil.h"
#include "imgopt_config.h"

enum {
	OPT_JPEG_Q = 256,
	OPT_PNG_Q,
	OPT_WEBP_Q,
	OPT_AVIF_Q,
	OPT_IN_PLACE,
	OPT_ALLOW_LARGER,
	OPT_KEEP_METADATA,
	OPT_MAX_PIXELS,
	OPT_MAX_FILE_SIZE,
	OPT_MIN_SAVINGS,
	OPT_SETTINGS,
	OPT_JSON,
	OPT_BENCHMARK,
	OPT_MEMORY,
	OPT_TIMEOUT,
	OPT_FAIL_ON,
	OPT_THREADS,
	OPT_INFLIGHT,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_VERSION,
	OPT_ORDER,
	OPT_TARGET,
};

static const struct option long_options[] = {
	{"quality", required_argument, NULL, 'q'},
	{"jpeg-quality", required_argument, NULL, OPT_JPEG_Q},
	{"png-quality", required_argument, NULL, OPT_PNG_Q},
	{"webp-quality", required_argument, NULL, OPT_WEBP_Q},
	{"avif-quality", required_argument, NULL, OPT_AVIF_Q},
	{"format", required_argument, NULL, 'f'},
	{"resize", required_argument, NULL, 'r'},
	{"output", required_argument, NULL, 'o'},
	{"in-place", no_argument, NULL, OPT_IN_PLACE},
	{"allow-larger", no_argument, NULL, OPT_ALLOW_LARGER},
	{"keep-metadata", no_argument, NULL, OPT_KEEP_METADATA},
	{"max-pixels", required_argument, NULL, OPT_MAX_PIXELS},
	{"max-file-size", required_argument, NULL, OPT_MAX_FILE_SIZE},
	{"min-savings", required_argument, NULL, OPT_MIN_SAVINGS},
	{"settings", required_argument, NULL, OPT_SETTINGS},
	{"jobs", required_argument, NULL, 'j'},
	{"json", no_argument, NULL, OPT_JSON},
	{"dry-run", no_argument, NULL, 'n'},
	{"benchmark", no_argument, NULL, OPT_BENCHMARK},
	{"memory", required_argument, NULL, OPT_MEMORY},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"fail-on", required_argument, NULL, OPT_FAIL_ON},
	{"threads", required_argument, NULL, OPT_THREADS},
	{"inflight", required_argument, NULL, OPT_INFLIGHT},
	{"progress", no_argument, NULL, OPT_PROGRESS},
	{"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
	{"verbose", no_argument, NULL, 'v'},
	{"version", no_argument, NULL, OPT_VERSION},
	{"order", required_argument, NULL, OPT_ORDER},
	{"target", required_argument, NULL, OPT_TARGET},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

void
options_usage(FILE *f)
{
	fputs(
"usage: imgopt [options] PATH...\n"
"       imgopt bench [--jobs 1,2,4] [--repeat N] [options] PATH...\n"
"       imgopt compare [--json] [--resize-reference] A B\n"
"       imgopt serve [--host H] [--port P] [--jobs N]\n"
"\n"
"Optimize JPEG, PNG, WebP, AVIF and SVG images: smaller files at the same\n"
"visual quality, every core busy.  PATH is a file or a folder (searched\n"
"recursively).  By default each output goes into an 'optimized' folder\n"
"beside its input; inputs are never modified unless --in-place.\n"
"\n"
"Quality and format:\n"
"  -q, --quality N          global quality 1-100 (default 90; 100 = lossless)\n"
"      --jpeg-quality N     quality for JPEG output (overrides -q)\n"
"      --png-quality N      quality for PNG output (below 100: palette)\n"
"      --webp-quality N     quality for WebP output\n"
"      --avif-quality N     quality for AVIF output\n"
"  -f, --format FMT         output format: original (default), jpeg (or jpg),\n"
"                           png, webp, avif; the extension follows it\n"
"  -r, --resize MODE:SIZE   shrink (never enlarge) keeping the aspect ratio:\n"
"                           width:1920, height:1080, longest:2048,\n"
"                           shortest:720\n"
"      --target T           a visual quality instead of a fixed quality: per\n"
"                           image, the lowest encoder quality whose output\n"
"                           still scores T (lossy JPEG, WebP, AVIF): high,\n"
"                           medium, low, or ssim:0.985\n"
"      --settings FILE      settings JSON (the app's shape); flags override it\n"
"\n"
"Output:\n"
"  -o, --output DIR         write under DIR, keeping the folder structure\n"
"                           relative to each PATH\n"
"      --in-place           replace each input atomically (same format only)\n"
"      --allow-larger       keep re-encoded outputs even when larger than the\n"
"                           input (default: keep the input's bytes instead),\n"
"                           and re-encode JPEGs already coarser than the\n"
"                           quality asked (default: copy them losslessly)\n"
"      --min-savings PCT    keep the input's bytes unless the output saves at\n"
"                           least PCT percent (default 0)\n"
"      --keep-metadata      keep EXIF, XMP and ICC (default: strip them, after\n"
"                           applying orientation and converting to sRGB)\n"
"  -n, --dry-run            list what would be written; write nothing\n"
"\n"
"Limits and safety:\n"
"      --max-pixels N       refuse images over N pixels, from the header\n"
"                           (default 268402689)\n"
"      --max-file-size MB   refuse files over MB megabytes (default 1024)\n"
"      --fail-on LEVEL      none|truncated|error|warning: how damaged an image\n"
"                           may be before it fails (default warning: damaged\n"
"                           images fail instead of coming out grey)\n"
"      --memory MB          memory limit per worker (default 1024, 0 = none)\n"
"      --timeout SEC        time limit per image (default 120, 0 = none)\n"
"\n"
"Processes and reporting:\n"
"  -j, --jobs N             worker processes (default: number of CPUs)\n"
"      --threads N          libvips threads per worker (default: CPUs/jobs)\n"
"      --json               JSON lines on stdout: one {\"type\":\"result\",...}\n"
"                           per image, then {\"type\":\"summary\",...}\n"
"      --benchmark          per-task timings, pool and throughput figures,\n"
"                           as a table (or a {\"type\":\"benchmark\"} line)\n"
"      --order ORDER        largest (default: biggest files first, so no core\n"
"                           idles at the tail) or given (walk order)\n"
"      --inflight N         tasks queued per worker (default 1)\n"
"      --progress, --no-progress\n"
"                           force the progress bar on or off (default: on\n"
"                           when stderr is a terminal)\n"
"  -v, --verbose            also list entries skipped in folders\n"
"      --version            print the version\n"
"  -h, --help               this text\n"
"\n"
"In folders, files are taken by extension (.jpg .jpeg .jpe .jfif .png .webp\n"
".avif .svg; SVGs are minified); hidden entries and 'optimized' folders are\n"
"skipped.  A file named on the command line is always taken, its format read\n"
"from its bytes.\n"
"\n"
"Exit status: 0 all images succeeded, 1 some failed, 2 usage or settings\n"
"error, 130 interrupted.\n",
	      f);
}

int
options_parse_int(const char *arg, long long lo, long long hi,
		  long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (errno || end == arg || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int
options_parse_resize(const char *arg, struct imgopt_settings *s, char *err,
		     size_t err_size)
{
	const char *colon = strchr(arg, ':');
	char mode_name[32];
	long long size;
	int mode;

	if (!colon || (size_t)(colon - arg) >= sizeof(mode_name)) {
		snprintf(err, err_size,
			 "--resize takes MODE:SIZE (width:1920, height:1080, "
			 "longest:2048, shortest:720), got '%s'", arg);
		return -1;
	}
	memcpy(mode_name, arg, (size_t)(colon - arg));
	mode_name[colon - arg] = '\0';
	mode = imgopt_resize_mode_from_name(mode_name);
	if (mode < 0 || mode == IMGOPT_RESIZE_NONE) {
		snprintf(err, err_size,
			 "--resize mode must be width, height, longest or "
			 "shortest, got '%s'", mode_name);
		return -1;
	}
	if (options_parse_int(colon + 1, 1, 100000, &size)) {
		snprintf(err, err_size,
			 "--resize size must be 1-100000 pixels, got '%s'",
			 colon + 1);
		return -1;
	}
	s->resize_mode = mode;
	s->resize_size = (int)size;
	return 0;
}

static char *
read_file(const char *path, char *err, size_t err_size)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		snprintf(err, err_size, "--settings %s: %s", path,
			 fsutil_errno_text(errno));
		return NULL;
	}
	do {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > (1u << 20)) {
				snprintf(err, err_size,
					 "--settings %s: file over 1 MB", path);
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		errno = 0;
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	/* fopen() takes a folder; reading it fails with EISDIR.  Unchecked,
	 * the empty text read so far was reported as malformed JSON.
	 */
	if (ferror(f)) {
		snprintf(err, err_size, "--settings %s: %s", path,
			 fsutil_errno_text(errno ? errno : EIO));
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* A usage error on stderr, with the hint every one ends with; returns
 * -1.
 */
static int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("imgopt: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'imgopt --help' for more information.\n", stderr);
	return -1;
}

/* A flag's value that must be a whole number in [lo, hi]. */
static int
int_arg(const char *opt, const char *arg, long long lo, long long hi,
	long long *out)
{
	if (options_parse_int(arg, lo, hi, out) == 0)
		return 0;
	return usage_error("%s must be %lld-%lld, got '%s'", opt, lo, hi, arg);
}

/* The long option whose val is val, or NULL. */
static const struct option *
long_option_by_val(int val)
{
	for (const struct option *o = long_options; o->name; o++)
		if (o->val == val)
			return o;
	return NULL;
}

/* How many long options len bytes of name abbreviate (getopt_long takes
 * an exact match over longer names).
 */
static int
long_option_matches(const char *name, size_t len)
{
	int n = 0;

	for (const struct option *o = long_options; o->name; o++) {
		if (strncmp(o->name, name, len))
			continue;
		if (strlen(o->name) == len)
			return 1;
		n++;
	}
	return n;
}

/* getopt_long() returned c, '?' or ':': name the option as the user knows
 * it.  optopt holds a short option's letter, or a long option's val (0
 * when unknown or ambiguous).  arg, argv[optind - 1], is the option only
 * when it is a long one: getopt moves optind past a cluster only after
 * its last letter, so for a short option arg is the whole cluster ("-vx"),
 * or the argument before it ("-xn"; argv[0] when first).  That argument
 * may be a long option, but its val is then not optopt: the letters that
 * are vals are all valid short options, which fail only with ':' at the
 * end of their cluster.
 */
static int
option_error(int c, const char *arg)
{
	unsigned char letter = (unsigned char)optopt;

	if (!strncmp(arg, "--", 2)) {
		const char *name = arg + 2;
		size_t len = strcspn(name, "=");
		const struct option *o = optopt ? long_option_by_val(optopt) :
						  NULL;

		if (!optopt && long_option_matches(name, len) > 1)
			return usage_error("option '--%.*s' is ambiguous",
					   (int)len, name);
		if (!optopt)
			return usage_error("unknown option '--%.*s'", (int)len,
					   name);
		if (o && !strncmp(o->name, name, len))
			return usage_error(c == ':' ?
						   "option '--%s' needs a value" :
						   "option '--%s' takes no value",
					   o->name);
	}
	if (c == ':')
		return usage_error("option '-%c' needs a value", letter);
	if (isprint(letter))
		return usage_error("unknown option '-%c'", letter);
	return usage_error("unknown option '-\\x%02x'", letter);
}

int
options_parse(int argc, char **argv, struct cli_options *cli)
{
	/* Flags override the settings file whatever their order, so
	 * collect them first and apply them after the file.
	 */
	struct imgopt_settings flags;
	bool set_q = false, set_fmt = false, set_resize = false;
	bool in_place = false;
	bool set_target = false;
	int set_fq[IMGOPT_FORMAT_COUNT] = {0};
	const char *settings_file = NULL;
	char err[512];
	long long v;
	int c;

	memset(cli, 0, sizeof(*cli));
	imgopt_options_init(&cli->opts);
	imgopt_settings_init(&flags);
	/* 0, not 1: glibc then starts over completely, so a parse stopped
	 * inside a cluster ("-xn") leaves nothing for the next one.
	 */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":q:f:r:o:j:nvh", long_options,
				NULL)) != -1) {
		switch (c) {
		case 'q':
			if (int_arg("--quality", optarg, 1, 100, &v))
				return -1;
			flags.quality_global = (int)v;
			set_q = true;
			break;
		case OPT_JPEG_Q:
		case OPT_PNG_Q:
		case OPT_WEBP_Q:
		case OPT_AVIF_Q: {
			int fmt = IMGOPT_FORMAT_JPEG + (c - OPT_JPEG_Q);
			char name[32];

			snprintf(name, sizeof(name), "--%s-quality",
				 imgopt_format_name(fmt));
			if (int_arg(name, optarg, 1, 100, &v))
				return -1;
			flags.quality[fmt] = (int)v;
			set_fq[fmt] = 1;
			break;
		}
		case 'f': {
			int fmt = imgopt_format_from_name(optarg);

			if (fmt < 0 || fmt == IMGOPT_FORMAT_SVG)
				return usage_error(
					"--format must be original, jpeg, png, "
					"webp or avif, got '%s'", optarg);
			flags.output_format = fmt;
			set_fmt = true;
			break;
		}
		case 'r':
			if (options_parse_resize(optarg, &flags, err,
						 sizeof(err)))
				return usage_error("%s", err);
			set_resize = true;
			break;
		case 'o':
			if (!*optarg)
				return usage_error("--output needs a folder");
			cli->opts.output_mode = IMGOPT_OUTPUT_DIR;
			cli->opts.output_dir = optarg;
			break;
		case OPT_IN_PLACE:
			in_place = true;
			break;
		case OPT_ALLOW_LARGER:
			cli->opts.allow_larger = true;
			break;
		case OPT_KEEP_METADATA:
			cli->opts.keep_metadata = true;
			break;
		case OPT_MAX_PIXELS:
			if (int_arg("--max-pixels", optarg, 1,
				    1000000000000LL, &v))
				return -1;
			cli->opts.max_pixels = (uint64_t)v;
			break;
		case OPT_MAX_FILE_SIZE:
			if (int_arg("--max-file-size", optarg, 1, 1 << 20, &v))
				return -1;
			cli->opts.max_file_size = (uint64_t)v << 20;
			break;
		case OPT_MIN_SAVINGS:
			if (int_arg("--min-savings", optarg, 0, 99, &v))
				return -1;
			cli->opts.min_savings_pct = (double)v;
			break;
		case OPT_SETTINGS:
			settings_file = optarg;
			break;
		case 'j':
			if (int_arg("--jobs", optarg, 1, 256, &v))
				return -1;
			cli->opts.jobs = (int)v;
			break;
		case OPT_JSON:
			cli->json = true;
			break;
		case 'n':
			cli->opts.dry_run = true;
			break;
		case OPT_BENCHMARK:
			cli->opts.benchmark = true;
			break;
		case OPT_MEMORY:
			if (int_arg("--memory", optarg, 0, 1 << 20, &v))
				return -1;
			if (v > 0 && v < 64)
				return usage_error(
					"--memory must be 0 (no limit) or at "
					"least 64 MB, got '%s'", optarg);
			cli->opts.memory_mb = (int)v;
			break;
		case OPT_TIMEOUT:
			if (int_arg("--timeout", optarg, 0, 86400, &v))
				return -1;
			cli->opts.timeout_s = (int)v;
			break;
		case OPT_FAIL_ON: {
			int found = imgopt_fail_on_from_name(optarg);

			if (found < 0)
				return usage_error(
					"--fail-on must be none, truncated, "
					"error or warning, got '%s'", optarg);
			cli->opts.fail_on = (enum imgopt_fail_on)found;
			break;
		}
		case OPT_THREADS:
			if (int_arg("--threads", optarg, 1, 256, &v))
				return -1;
			cli->opts.threads = (int)v;
			break;
		case OPT_INFLIGHT:
			if (int_arg("--inflight", optarg, 1, 16, &v))
				return -1;
			cli->opts.inflight = (int)v;
			break;
		case OPT_PROGRESS:
			cli->progress = PROGRESS_ON;
			break;
		case OPT_NO_PROGRESS:
			cli->progress = PROGRESS_OFF;
			break;
		case 'v':
			cli->verbose = true;
			break;
		case OPT_TARGET:
			if (imgopt_target_parse(&flags, optarg, err,
						sizeof(err)))
				return usage_error("--%s", err);
			set_target = true;
			break;
		case OPT_ORDER:
			if (strcmp(optarg, "largest") && strcmp(optarg, "given"))
				return usage_error("--order must be largest or "
						   "given, got '%s'", optarg);
			cli->opts.order_given = !strcmp(optarg, "given");
			break;
		case OPT_VERSION:
			printf("imgopt %s\n", IMGOPT_VERSION);
			return 1;
		case 'h':
			options_usage(stdout);
			return 1;
		default: /* '?' or ':' */
			return option_error(c, argv[optind - 1]);
		}
	}
	if (settings_file) {
		char *text = read_file(settings_file, err, sizeof(err));

		if (!text)
			return usage_error("%s", err);
		if (imgopt_settings_parse(&cli->opts.settings, text, err,
					  sizeof(err))) {
			free(text);
			return usage_error("--settings %s: %s", settings_file,
					   err);
		}
		free(text);
	}
	if (set_q)
		cli->opts.settings.quality_global = flags.quality_global;
	for (int f = 0; f < IMGOPT_FORMAT_COUNT; f++)
		if (set_fq[f])
			cli->opts.settings.quality[f] = flags.quality[f];
	if (set_fmt)
		cli->opts.settings.output_format = flags.output_format;
	if (set_target) {
		cli->opts.settings.target_metric = flags.target_metric;
		cli->opts.settings.target_value = flags.target_value;
	}
	if (set_resize) {
		cli->opts.settings.resize_mode = flags.resize_mode;
		cli->opts.settings.resize_size = flags.resize_size;
	}
	if (imgopt_settings_validate(&cli->opts.settings, err, sizeof(err)))
		return usage_error("%s", err);
	if (in_place && cli->opts.output_dir)
		return usage_error("--in-place and --output exclude each "
				   "other");
	if (in_place)
		cli->opts.output_mode = IMGOPT_OUTPUT_IN_PLACE;
	if (in_place && cli->opts.settings.output_format !=
			IMGOPT_FORMAT_ORIGINAL)
		return usage_error("--in-place cannot change the format (use "
				   "-o DIR to write %s files elsewhere)",
				   imgopt_format_name(
					   cli->opts.settings.output_format));
	cli->paths = argv + optind;
	cli->npaths = argc - optind;
	if (cli->npaths == 0)
		return usage_error("no PATH given: name image files or "
				   "folders to optimize");
	return 0;
}

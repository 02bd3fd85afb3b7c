/* cmd_compare.c: `imgopt compare [--json] [--resize-reference] A B`
 *
 * Prints the visual quality score of B against A (SSIM on linear-light
 * luminance, src/quality/ssim.h), so any output, imgopt's or another tool's,
 * can be checked the way the target search checks its own.
 *
 * Unlike the optimize command, this decodes pixels in the calling process:
 * it is a one-shot tool for two files the user named, not the batch parent
 * that must survive hostile images.  The images still go through the
 * codec's own loaders and limits (codec_load_for_compare()).
 */
#include <ctype.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "codec/compare.h"
#include "commands.h"
#include "imgopt/result.h"

static void
compare_usage(FILE *f)
{
	fputs("usage: imgopt compare [--json] [--resize-reference] A B\n"
	      "Print the SSIM of image B against image A: linear-light\n"
	      "luminance, 11x11 Gaussian window, 1 = identical.\n"
	      "      --json              {\"type\":\"compare\",\"a\":...,"
	      "\"b\":...,\"metric\":\"ssim\",\"score\":...}\n"
	      "      --resize-reference  when the sizes differ, resize A to "
	      "B's size\n"
	      "                          (to score a resized output against "
	      "its original)\n",
	      f);
}

/* One JSON line; paths as the results write them. */
static void
compare_print_json(const char *a, const char *b, double score)
{
	char *ea = imgopt_utf8_escape(a), *eb = imgopt_utf8_escape(b);
	json_t *line = json_pack("{s:s, s:s, s:s, s:s, s:f}", "type",
				 "compare", "a", ea, "b", eb, "metric", "ssim",
				 "score", round(score * 1e6) / 1e6);
	char *text = imgopt_json_dumps(line);

	printf("%s\n", text);
	free(text);
	json_decref(line);
	free(ea);
	free(eb);
}

int
cmd_compare(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_RESIZE };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "resize-reference", no_argument, NULL, OPT_RESIZE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, resize = false;
	struct compare_files res;
	char err[1024];
	int c, rc;

	opterr = 0;
	optind = 0; /* a full reset, also of a half-read "-xy" cluster */
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			json = true;
			break;
		case OPT_RESIZE:
			resize = true;
			break;
		case 'h':
			compare_usage(stdout);
			return EXIT_ALL_OK;
		default:
			/* argv[optind - 1] is the option only when it is a
			 * long one; for a short one it is its whole cluster.
			 */
			if (!strncmp(argv[optind - 1], "--", 2))
				fprintf(stderr,
					"imgopt compare: unknown option "
					"'%.*s'\n",
					(int)strcspn(argv[optind - 1], "="),
					argv[optind - 1]);
			else
				fprintf(stderr,
					"imgopt compare: unknown option "
					"'-%c'\n",
					isprint(optopt) ? optopt : '?');
			compare_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "imgopt compare: needs two images, A and B\n");
		compare_usage(stderr);
		return EXIT_USAGE;
	}

	/* Default threads: one comparison may use every core. */
	if (codec_init(argv[0], 0, err, sizeof(err))) {
		fprintf(stderr, "imgopt compare: %s\n", err);
		return EXIT_SOME_FAILED;
	}
	if (codec_compare_files(argv[optind], argv[optind + 1], resize, &res,
			       err, sizeof(err))) {
		fprintf(stderr, "imgopt compare: %s\n", err);
		rc = EXIT_SOME_FAILED;
	} else {
		if (json)
			compare_print_json(argv[optind], argv[optind + 1],
					   res.score);
		else
			printf("%.6f\n", res.score);
		rc = EXIT_ALL_OK;
	}
	codec_shutdown();
	return rc;
}

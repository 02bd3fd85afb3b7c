/* cmd_bench.c: `imgopt bench [--jobs 1,2,4] [--repeat N] [options] PATH...`
 *
 * Runs the same images at each process count, each run into its own
 * temporary folder (removed afterwards), and prints a scaling table:
 * images/s (median of the repeats), speed-up over the first count,
 * efficiency (speed-up per process) and pool overhead per image.  The
 * numbers come from the pool's own benchmark mode, so the table measures
 * exactly what a normal run does.  Runs alternate between counts (1,2,4,
 * 1,2,4, ...) so a slow phase of a shared machine hits them all alike.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "commands.h"
#include "options.h"

#define MAX_COUNTS 16
#define MAX_REPEAT 50

struct sample {
	double images_per_s;
	double overhead_p50_ms;
	double utilisation;
	double wall_s;
	long failed;
};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Parse "1,2,4". */
static int
parse_counts(const char *arg, int *counts)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int n = 0;
	long long v;

	if (!copy)
		abort();
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n == MAX_COUNTS || options_parse_int(tok, 1, 256, &v)) {
			free(copy);
			return -1;
		}
		counts[n++] = (int)v;
	}
	free(copy);
	return n;
}

/* One run at `jobs` processes into a fresh temp folder. */
static int
bench_once(const struct cli_options *cli, int jobs, struct sample *out)
{
	char dir[] = "/tmp/imgopt-bench-XXXXXX";
	struct imgopt_options opts = cli->opts;
	struct imgopt_optimizer *o;
	struct imgopt_summary sum;
	char err[512];
	json_t *bench;

	if (!mkdtemp(dir)) {
		fprintf(stderr, "imgopt bench: cannot create a temp folder: %s\n",
			strerror(errno));
		return -1;
	}
	opts.jobs = jobs;
	opts.benchmark = true;
	opts.output_mode = IMGOPT_OUTPUT_DIR;
	opts.output_dir = dir;
	opts.dry_run = false;
	o = imgopt_optimizer_new(&opts, NULL, err, sizeof(err));
	if (!o) {
		fprintf(stderr, "imgopt bench: %s\n", err);
		rmdir(dir);
		return -1;
	}
	for (int i = 0; i < cli->npaths; i++)
		imgopt_optimizer_add_path(o, cli->paths[i]);
	if (imgopt_optimizer_run(o) != 0) {
		fprintf(stderr, "imgopt bench: %s\n", imgopt_optimizer_error(o));
		imgopt_optimizer_free(o);
		fsutil_remove_tree(dir);
		return -1;
	}
	imgopt_optimizer_get_summary(o, &sum);
	bench = imgopt_optimizer_benchmark_json(o);
	out->images_per_s =
		json_number_value(json_object_get(bench, "images_per_second"));
	out->utilisation =
		json_number_value(json_object_get(bench, "utilisation"));
	out->wall_s = json_number_value(json_object_get(bench, "wall_seconds"));
	out->overhead_p50_ms = json_number_value(json_object_get(
		json_object_get(bench, "pool_overhead_ms"), "p50"));
	out->failed = (long)sum.failed;
	json_decref(bench);
	imgopt_optimizer_free(o);
	fsutil_remove_tree(dir);
	return sum.interrupted ? -1 : 0;
}

static void
bench_usage(FILE *f)
{
	fputs("usage: imgopt bench [--jobs 1,2,4] [--repeat N] [options] "
	      "PATH...\n"
	      "\n"
	      "Optimize the same images at each process count (into temporary\n"
	      "folders, removed afterwards) and print a scaling table: images/s\n"
	      "(median of N runs), speed-up over the first count, efficiency\n"
	      "(speed-up / processes) and the pool's overhead per image.\n"
	      "Runs alternate between the counts.  Every optimize option\n"
	      "(-q, -f, -r, ...) applies; --json prints one JSON object.\n"
	      "\n"
	      "  --jobs LIST     process counts, comma-separated (default 1,2)\n"
	      "  --repeat N      runs per count (default 3)\n",
	      f);
}

int
cmd_bench(int argc, char **argv)
{
	int counts[MAX_COUNTS] = {1, 2}, ncounts = 2, repeat = 3;
	static struct sample samples[MAX_COUNTS][MAX_REPEAT];
	char **rest = calloc((size_t)argc + 1, sizeof(char *));
	struct cli_options cli;
	int nrest = 0, rc;
	json_t *rows;
	double base = 0;

	if (!rest)
		abort();
	/* Take bench's own flags out; pass the rest to the optimize
	 * option parser so every option means the same here.
	 */
	rest[nrest++] = argv[0];
	for (int i = 1; i < argc; i++) {
		long long v;

		if (!strcmp(argv[i], "--jobs") || !strcmp(argv[i], "-j")) {
			if (i + 1 >= argc ||
			    (ncounts = parse_counts(argv[++i], counts)) <= 0) {
				fprintf(stderr, "imgopt bench: --jobs takes a "
						"list like 1,2,4 (1-256 each)\n");
				free(rest);
				return EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--repeat")) {
			if (i + 1 >= argc ||
			    options_parse_int(argv[++i], 1, MAX_REPEAT, &v)) {
				fprintf(stderr, "imgopt bench: --repeat must be "
						"1-%d\n", MAX_REPEAT);
				free(rest);
				return EXIT_USAGE;
			}
			repeat = (int)v;
		} else if (!strcmp(argv[i], "--help") ||
			   !strcmp(argv[i], "-h")) {
			bench_usage(stdout);
			free(rest);
			return EXIT_ALL_OK;
		} else {
			rest[nrest++] = argv[i];
		}
	}
	rc = options_parse(nrest, rest, &cli);
	if (rc != 0) {
		free(rest);
		return rc > 0 ? EXIT_ALL_OK : EXIT_USAGE;
	}
	if (cli.opts.output_mode == IMGOPT_OUTPUT_IN_PLACE) {
		fprintf(stderr, "imgopt bench: --in-place makes no sense here: "
				"bench writes into temporary folders\n");
		free(rest);
		return EXIT_USAGE;
	}
	for (int r = 0; r < repeat; r++)
		for (int c = 0; c < ncounts; c++) {
			if (!cli.json && isatty(STDERR_FILENO))
				fprintf(stderr, "\rbench: run %d/%d at %d "
						"process(es)...\033[K",
					r + 1, repeat, counts[c]);
			if (bench_once(&cli, counts[c], &samples[c][r]) != 0) {
				free(rest);
				return EXIT_SOME_FAILED;
			}
		}
	if (!cli.json && isatty(STDERR_FILENO))
		fprintf(stderr, "\r\033[K");
	rows = json_array();
	if (!cli.json)
		printf("%-10s %10s %9s %11s %16s %12s\n", "processes",
		       "images/s", "speed-up", "efficiency",
		       "pool ovh/img ms", "utilisation");
	for (int c = 0; c < ncounts; c++) {
		double ips[MAX_REPEAT], ovh[MAX_REPEAT], util[MAX_REPEAT];
		double m_ips, m_ovh, m_util, speedup, eff;
		long failed = 0;

		for (int r = 0; r < repeat; r++) {
			ips[r] = samples[c][r].images_per_s;
			ovh[r] = samples[c][r].overhead_p50_ms;
			util[r] = samples[c][r].utilisation;
			failed += samples[c][r].failed;
		}
		m_ips = median(ips, repeat);
		m_ovh = median(ovh, repeat);
		m_util = median(util, repeat);
		if (c == 0)
			base = m_ips;
		/* Speed-up over the first count; efficiency is speed-up per
		 * added process (1.0 = perfect scaling).
		 */
		speedup = base > 0 ? m_ips / base : 0;
		eff = speedup * counts[0] / counts[c];
		if (!cli.json)
			printf("%-10d %10.2f %8.2fx %10.0f%% %16.3f %11.0f%%\n",
			       counts[c], m_ips, speedup, eff * 100, m_ovh,
			       m_util * 100);
		json_array_append_new(
			rows, json_pack("{s:i, s:f, s:f, s:f, s:f, s:f, s:I}",
					"processes", counts[c],
					"images_per_second", m_ips,
					"speedup", speedup, "efficiency", eff,
					"pool_overhead_p50_ms", m_ovh,
					"utilisation", m_util, "failed_images",
					(json_int_t)failed));
	}
	if (cli.json) {
		json_t *root = json_pack("{s:s, s:i, s:o}", "type",
					 "bench_scaling", "repeat", repeat,
					 "rows", rows);
		char *text = json_dumps(root, JSON_COMPACT |
						      JSON_REAL_PRECISION(6));

		puts(text);
		free(text);
		json_decref(root);
	} else {
		json_decref(rows);
	}
	free(rest);
	return EXIT_ALL_OK;
}

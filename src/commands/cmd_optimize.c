/* cmd_optimize.c: `imgopt [options] PATH...`, the default command. */
#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>
#include <unistd.h>

#include "commands.h"
#include "options.h"
#include "progress.h"
#include "report.h"

struct run_ctx {
	struct report *report;
	struct progress *progress;
	bool dry_run;
};

static void
on_start(void *ctx, const char *path, uint64_t tag)
{
	struct run_ctx *rc = ctx;

	(void)tag;
	if (rc->progress)
		progress_start(rc->progress, path);
}

static void
on_result(void *ctx, const struct imgopt_result *res,
	  const struct imgopt_progress *pr)
{
	struct run_ctx *rc = ctx;
	const char *line = report_result(rc->report, res, rc->dry_run);

	if (line) {
		if (rc->progress)
			progress_message(rc->progress, line);
		else
			fprintf(res->status == IMGOPT_STATUS_FAILED ? stderr :
								      stdout,
				"%s\n", line);
	}
	if (rc->progress)
		progress_update(rc->progress, pr);
}

int
cmd_optimize(int argc, char **argv)
{
	struct cli_options cli;
	struct imgopt_callbacks cb = {0};
	struct imgopt_optimizer *o;
	struct imgopt_summary sum;
	struct run_ctx rc = {0};
	char err[512];
	void *bench;
	int status;

	switch (options_parse(argc, argv, &cli)) {
	case 1:
		return EXIT_ALL_OK;
	case -1:
		return EXIT_USAGE;
	}
	rc.dry_run = cli.opts.dry_run;
	rc.report = report_new(cli.json, cli.verbose);
	report_set_jpeg_quality(rc.report,
		cli.opts.settings.quality[IMGOPT_FORMAT_JPEG] ?
			cli.opts.settings.quality[IMGOPT_FORMAT_JPEG] :
			cli.opts.settings.quality_global);
	if (cli.progress == PROGRESS_ON ||
	    (cli.progress == PROGRESS_AUTO && isatty(STDERR_FILENO) &&
	     !cli.json))
		rc.progress = progress_new(stderr);
	cb.ctx = &rc;
	cb.on_result = on_result;
	cb.on_start = on_start;
	o = imgopt_optimizer_new(&cli.opts, &cb, err, sizeof(err));
	if (!o) {
		fprintf(stderr, "imgopt: %s\n", err);
		report_free(rc.report);
		progress_free(rc.progress);
		return EXIT_USAGE;
	}
	for (int i = 0; i < cli.npaths; i++)
		imgopt_optimizer_add_path(o, cli.paths[i]);
	if (imgopt_optimizer_run(o) != 0) {
		if (rc.progress)
			progress_finish(rc.progress);
		fprintf(stderr, "imgopt: %s\n", imgopt_optimizer_error(o));
		imgopt_optimizer_free(o);
		report_free(rc.report);
		progress_free(rc.progress);
		return EXIT_SOME_FAILED;
	}
	if (rc.progress)
		progress_finish(rc.progress);
	imgopt_optimizer_get_summary(o, &sum);
	report_summary(rc.report, &sum, cli.opts.dry_run);
	bench = imgopt_optimizer_benchmark_json(o);
	if (bench) {
		report_benchmark(rc.report, bench);
		json_decref((json_t *)bench);
	}
	status = sum.interrupted ? EXIT_INTERRUPTED :
		 sum.failed ? EXIT_SOME_FAILED : EXIT_ALL_OK;
	imgopt_optimizer_free(o);
	report_free(rc.report);
	progress_free(rc.progress);
	return status;
}

/* cmd_serve.c: `imgopt serve`: the page and the JSON command API over
 * HTTP (src/server/), on one persistent process pool shared by every
 * request.  Runs until SIGINT or SIGTERM.
 */
#include <ctype.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "imgopt/optimizer.h"
#include "server/server.h"

static void
serve_usage(FILE *f)
{
	fputs(
"usage: imgopt serve [--host 127.0.0.1] [--port 8080] [--jobs N]\n"
"  --host ADDR        address to listen on (default 127.0.0.1; requests\n"
"                     must name this host or an IP address in Host)\n"
"  --port N           port (default 8080; 0 = any free port)\n"
"  -j, --jobs N       worker processes (default: number of CPUs)\n"
"  --max-upload MB    largest upload from the page (default 256)\n"
"  --max-files N      most images in one upload (default 200)\n"
"  --job-ttl SEC      remove upload jobs after SEC seconds (default 3600)\n"
"  -h, --help\n"
"Prints the page's URL and the token that POST /api/optimize_image and\n"
"/api/optimize_images need (Authorization: Bearer TOKEN).  Stops on\n"
"Ctrl-C or SIGTERM (exit status 130).\n", f);
}

/* A whole number in [lo, hi] for option name, or -1 with a message. */
static int
serve_int(const char *name, const char *arg, long lo, long hi, long *out)
{
	char *end;
	long v;

	v = strtol(arg, &end, 10);
	if (!*arg || *end || v < lo || v > hi) {
		fprintf(stderr, "imgopt serve: %s must be %ld-%ld, got '%s'\n",
			name, lo, hi, arg);
		return -1;
	}
	*out = v;
	return 0;
}

/* 0 to run, 1 when --help was answered, -1 on a usage error. */
static int
serve_options(int argc, char **argv, struct server_config *cfg, int *jobs)
{
	static const struct option opts[] = {
		{"host", required_argument, NULL, 'H'},
		{"port", required_argument, NULL, 'p'},
		{"jobs", required_argument, NULL, 'j'},
		{"max-upload", required_argument, NULL, 'U'},
		{"max-files", required_argument, NULL, 'F'},
		{"job-ttl", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	long v;
	int c;

	opterr = 0;
	optind = 0; /* a full reset, also of a half-read "-xy" cluster */
	while ((c = getopt_long(argc, argv, ":j:h", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			if (!*optarg) {
				fprintf(stderr, "imgopt serve: --host is "
					"empty\n");
				return -1;
			}
			cfg->host = optarg;
			break;
		case 'p':
			if (serve_int("--port", optarg, 0, 65535, &v))
				return -1;
			cfg->port = (int)v;
			break;
		case 'j':
			if (serve_int("--jobs", optarg, 1, 256, &v))
				return -1;
			*jobs = (int)v;
			break;
		case 'U':
			if (serve_int("--max-upload", optarg, 1, 1 << 20, &v))
				return -1;
			cfg->max_upload_bytes = (uint64_t)v * SERVER_MB;
			break;
		case 'F':
			if (serve_int("--max-files", optarg, 1, 100000, &v))
				return -1;
			cfg->max_files = (unsigned)v;
			break;
		case 'T':
			if (serve_int("--job-ttl", optarg, 1, 7 * 86400, &v))
				return -1;
			cfg->job_ttl_s = (unsigned)v;
			break;
		case 'h':
			serve_usage(stdout);
			return 1;
		default:
			/* argv[optind - 1] is the option only when it is a
			 * long one; for a short one it is its whole cluster.
			 */
			if (!strncmp(argv[optind - 1], "--", 2))
				fprintf(stderr,
					"imgopt serve: %s option '%.*s'\n",
					c == ':' ? "missing value for" :
						   "unknown",
					(int)strcspn(argv[optind - 1], "="),
					argv[optind - 1]);
			else
				fprintf(stderr,
					"imgopt serve: %s option '-%c'\n",
					c == ':' ? "missing value for" :
						   "unknown",
					isprint(optopt) ? optopt : '?');
			serve_usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "imgopt serve: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	return 0;
}

int
cmd_serve(int argc, char **argv)
{
	struct server_config cfg;
	struct imgopt_options opts;
	struct imgopt_callbacks cb;
	struct imgopt_optimizer *o;
	struct server *s;
	char err[512];
	int jobs = 0, rc;

	server_config_init(&cfg);
	switch (serve_options(argc, argv, &cfg, &jobs)) {
	case 1:
		return EXIT_ALL_OK;
	case -1:
		return EXIT_USAGE;
	}
	/* A client that hangs up must be an error on its socket, not a
	 * SIGPIPE for the server (workers get the default back at spawn).
	 */
	signal(SIGPIPE, SIG_IGN);
	s = server_new(&cfg, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "imgopt serve: %s\n", err);
		return EXIT_SOME_FAILED;
	}
	imgopt_options_init(&opts);
	opts.persistent = true;
	opts.jobs = jobs;
	server_callbacks(s, &cb);
	o = imgopt_optimizer_new(&opts, &cb, err, sizeof(err));
	if (!o || server_start(s, o, err, sizeof(err))) {
		fprintf(stderr, "imgopt serve: %s\n", err);
		server_free(s);
		imgopt_optimizer_free(o);
		return EXIT_SOME_FAILED;
	}
	printf("imgopt serve: %s\n", server_url(s));
	printf("token: %s\n", server_token(s));
	fflush(stdout);
	rc = imgopt_optimizer_run(o);
	if (rc != 0)
		fprintf(stderr, "imgopt serve: %s\n",
			imgopt_optimizer_error(o));
	server_free(s);
	imgopt_optimizer_free(o);
	fprintf(stderr, "imgopt serve: stopped\n");
	return rc != 0 ? EXIT_SOME_FAILED : EXIT_INTERRUPTED;
}

/* options.h: the optimize command's argv -> options, with usage errors that
 * name the option at fault.  Settings come from --settings FILE first, then
 * each flag overrides its field.
 */
#ifndef IMGOPT_OPTIONS_H
#define IMGOPT_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "imgopt/optimizer.h"

enum progress_mode { PROGRESS_AUTO = 0, PROGRESS_ON, PROGRESS_OFF };

struct cli_options {
	struct imgopt_options opts;
	bool json;		/* JSON lines on stdout */
	bool verbose;		/* list skipped entries too */
	enum progress_mode progress;
	char **paths;		/* into argv */
	int npaths;
};

/* Parse argv.  Returns 0 to run, 1 when --help/--version was printed
 * (exit 0), or -1 after printing a usage error on stderr (exit 2): "imgopt:
 * " and what is wrong, naming the option as typed ("-x" inside "-vx",
 * "--json" for "--json=1"), then the line "Try 'imgopt --help' for more
 * information."  Starts getopt over (optind = 0), so it can be called
 * again.
 */
int options_parse(int argc, char **argv, struct cli_options *cli);

/* Print the --help text to f. */
void options_usage(FILE *f);

/* Parse "MODE:SIZE" ("longest:2048") into s.  Returns 0 or -1 with a
 * message in err.
 */
int options_parse_resize(const char *arg, struct imgopt_settings *s, char *err,
			 size_t err_size);

/* Parse a whole number in [lo, hi]; returns 0 or -1. */
int options_parse_int(const char *arg, long long lo, long long hi,
		      long long *out);

#endif

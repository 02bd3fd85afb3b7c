/* report.h: what the optimize and bench commands print: result and
 * summary lines (text or JSON lines), the failure list, the benchmark
 * table.  Formatting only: the numbers come from the optimizer.
 */
#ifndef IMGOPT_REPORT_H
#define IMGOPT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "imgopt/optimizer.h"

struct report;

struct report *report_new(bool json, bool verbose);
void report_free(struct report *r);

/* One finished input.  In JSON mode prints its line at once; in text
 * mode remembers failures (a bounded number) for the summary and returns
 * the line to show above a progress bar, or NULL (static buffer).
 */
const char *report_result(struct report *r, const struct imgopt_result *res,
			  bool dry_run);

/* The JPEG quality the run asks for, 1-100: below 100 the summary says
 * how many JPEGs were copied losslessly because they already were at or
 * below it (the reason their savings are small).
 */
void report_set_jpeg_quality(struct report *r, int quality);

/* The closing summary (stdout). */
void report_summary(struct report *r, const struct imgopt_summary *s,
		    bool dry_run);

/* The benchmark figures (a json_t * from the optimizer): a table in text
 * mode, one {"type":"benchmark",...} line in JSON mode.
 */
void report_benchmark(struct report *r, void *bench_json);

#endif

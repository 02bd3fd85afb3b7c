/* progress.h: the terminal progress bar (stderr, redrawn in place). */
#ifndef IMGOPT_PROGRESS_H
#define IMGOPT_PROGRESS_H

#include <stdio.h>

#include "imgopt/optimizer.h"

struct progress;

/* A bar drawn on f; NULL-safe no-op object when disabled is not needed:
 * callers simply don't create one.
 */
struct progress *progress_new(FILE *f);
void progress_free(struct progress *p);

/* A task started on a worker: remember it as the current file, shown at
 * the end of the line with invalid UTF-8 and control characters written
 * as \xHH, and cut from the left (whole characters) to fit.
 */
void progress_start(struct progress *p, const char *path);

/* Redraw (at most ~10 times a second unless final). */
void progress_update(struct progress *p, const struct imgopt_progress *pr);

/* Print a line above the bar (a failure), keeping the bar intact; escaped
 * like the current file.
 */
void progress_message(struct progress *p, const char *line);

/* Erase the bar before the summary. */
void progress_finish(struct progress *p);

/* "12.3 MB", "812.0 KB", "512 B": for humans, powers of 1000, never
 * "1000.0" of a unit below TB (999,950 bytes are "1.0 MB").
 */
void progress_format_bytes(char *buf, size_t size, double bytes);

/* "1:05", "1:02:03"; negative times are "0:00", and NaN, infinity and
 * 10000 hours or more are "--:--".
 */
void progress_format_duration(char *buf, size_t size, double seconds);

/* Seconds left, or -1 when there is no estimate (nothing done yet, or the
 * walk still finding files).  From the input bytes done and left when the
 * sizes are known, else from the counts.
 */
double progress_eta(const struct imgopt_progress *pr);

#endif

/* progress.c: one status line on a terminal:
 *   [########------------]  45/120  37%  saved 12.3 MB  0:12  ETA 0:20  a.jpg
 * and, from the first task started until the first image is done (the
 * counts come with results):
 *   [--------------------] starting...  0:00  a.jpg
 *
 * File names come from the disk and messages carry them: both are written
 * escaped (term_escape()), so no name can break the line or send the
 * terminal a command.
 */
#include "progress.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/clock.h"
#include "imgopt/result.h"
#include "term.h"

struct progress {
	FILE *f;
	char *current;
	uint64_t created_ns;	/* the clock until the first update */
	uint64_t last_draw_ns;
	struct imgopt_progress last;
	bool have_last;		/* last holds an update */
	int drawn;
};

/* At or past this many seconds a duration shows as "--:--": 10000
 * hours is no estimate anyone reads, and it keeps the conversion to long
 * defined.
 */
#define DURATION_MAX (10000.0 * 3600)

void
progress_format_bytes(char *buf, size_t size, double bytes)
{
	static const char *const units[] = {"B", "KB", "MB", "GB", "TB"};
	int u = 0;
	double v = bytes < 0 ? -bytes : bytes;

	/* Up a unit from where the digits shown would round to 1000 (999.5
	 * bytes, 999.95 of a larger unit), else 999,950 bytes would be
	 * "1000.0 KB" rather than "1.0 MB".
	 */
	while (u < 4 && v >= (u ? 999.95 : 999.5)) {
		v /= 1000;
		u++;
	}
	snprintf(buf, size, u ? "%s%.1f %s" : "%s%.0f %s",
		 bytes < 0 ? "-" : "", v, units[u]);
}

void
progress_format_duration(char *buf, size_t size, double seconds)
{
	long s;

	/* NaN, infinity, or too large: converting it to long would be
	 * undefined.  Written !(x < max) so that NaN lands here too.
	 */
	if (!(seconds < DURATION_MAX - 0.5)) {
		snprintf(buf, size, "--:--");
		return;
	}
	s = seconds < 0 ? 0 : (long)(seconds + 0.5);
	if (s >= 3600)
		snprintf(buf, size, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60,
			 s % 60);
	else
		snprintf(buf, size, "%ld:%02ld", s / 60, s % 60);
}

static void draw(struct progress *p);

struct progress *
progress_new(FILE *f)
{
	struct progress *p = calloc(1, sizeof(*p));

	if (!p)
		abort();
	p->f = f;
	p->created_ns = clock_now_ns();
	return p;
}

void
progress_free(struct progress *p)
{
	if (!p)
		return;
	free(p->current);
	free(p);
}

void
progress_start(struct progress *p, const char *path)
{
	uint64_t now = clock_now_ns();

	free(p->current);
	p->current = term_escape(path);
	/* Show the bar as soon as work starts, not after the first image
	 * (a large first image can take seconds).
	 */
	if (now - p->last_draw_ns >= 100000000u) {
		p->last_draw_ns = now;
		draw(p);
	}
}

static int
columns(FILE *f)
{
	struct winsize ws;

	if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
		return ws.ws_col;
	return 80;
}

double
progress_eta(const struct imgopt_progress *pr)
{
	double secs = pr->elapsed_ns / 1e9;
	uint64_t left;

	if (pr->done == 0 || !pr->total_final || pr->done >= pr->total)
		return -1;
	/* Largest first means the images done so far are the biggest: by
	 * count, the first estimates would assume every image left is as
	 * slow, by bytes they assume it is as fast per byte.
	 */
	if (pr->input_bytes_total > 0) {
		if (pr->input_bytes_done == 0)
			return -1; /* only empty or skipped inputs so far */
		left = pr->input_bytes_total > pr->input_bytes_done ?
			pr->input_bytes_total - pr->input_bytes_done : 0;
		return secs / (double)pr->input_bytes_done * (double)left;
	}
	return secs / pr->done * (pr->total - pr->done);
}

static void
draw(struct progress *p)
{
	const struct imgopt_progress *pr = &p->last;
	char saved[32], elapsed[32], eta[32] = "", line[512];
	double secs = pr->elapsed_ns / 1e9;
	double frac = pr->total ? (double)pr->done / pr->total : 0;
	double left = progress_eta(pr);
	int width = 20, filled = (int)(frac * width), cols = columns(p->f);
	int n;

	/* Before the first result the optimizer has told us no counts (last
	 * is all zero): time the start from here, and say "starting" rather
	 * than "0/0+", which looks stuck.
	 */
	if (!p->have_last)
		secs = (clock_now_ns() - p->created_ns) / 1e9;
	progress_format_bytes(saved, sizeof(saved),
			      (double)pr->original_bytes -
				      (double)pr->optimized_bytes);
	progress_format_duration(elapsed, sizeof(elapsed), secs);
	if (left >= 0) {
		char d[24];

		progress_format_duration(d, sizeof(d), left);
		snprintf(eta, sizeof(eta), "  ETA %s", d);
	}
	n = snprintf(line, sizeof(line), "[");
	for (int i = 0; i < width; i++)
		line[n++] = i < filled ? '#' : '-';
	if (!p->have_last)
		n += snprintf(line + n, sizeof(line) - n,
			      "] starting...  %s  ", elapsed);
	else
		n += snprintf(line + n, sizeof(line) - n,
			      "] %llu/%llu%s %3d%%  saved %s  %s%s  ",
			      (unsigned long long)pr->done,
			      (unsigned long long)pr->total,
			      pr->total_final ? "" : "+", (int)(frac * 100),
			      saved, elapsed, eta);
	if (p->current && n < cols - 4) {
		/* The current file's name, cut from the left to fit the
		 * terminal and line (a terminal can be wider than line).
		 */
		const char *name = p->current;
		size_t room = (size_t)(cols - 1 - n), len = strlen(name);

		if (room > sizeof(line) - 1 - (size_t)n)
			room = sizeof(line) - 1 - (size_t)n;
		if (len > room) {
			name += len - room;
			/* Never inside a character: skip to the next one. */
			while (((unsigned char)*name & 0xc0) == 0x80)
				name++;
		}
		n += snprintf(line + n, sizeof(line) - n, "%s", name);
	}
	if (n > cols - 1)
		n = cols - 1;
	fprintf(p->f, "\r%.*s\033[K", n, line);
	fflush(p->f);
	p->drawn = 1;
}

void
progress_update(struct progress *p, const struct imgopt_progress *pr)
{
	uint64_t now = clock_now_ns();

	p->last = *pr;
	p->have_last = true;
	if (now - p->last_draw_ns < 100000000u && pr->done != pr->total)
		return;
	p->last_draw_ns = now;
	draw(p);
}

void
progress_message(struct progress *p, const char *line)
{
	/* Messages name files too: escaped like the current file. */
	char *safe = term_escape(line);

	if (p->drawn)
		fputs("\r\033[K", p->f);
	fprintf(p->f, "%s\n", safe);
	free(safe);
	if (p->drawn)
		draw(p);
}

void
progress_finish(struct progress *p)
{
	if (p->drawn)
		fputs("\r\033[K", p->f);
	fflush(p->f);
	p->drawn = 0;
}

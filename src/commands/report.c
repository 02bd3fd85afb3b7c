/* report.c: results, summaries and benchmark tables (see report.h). */
#include "report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"
#include "term.h"

/* Failures kept for the closing list: enough to read, bounded for huge
 * runs (the rest are counted).
 */
#define MAX_LISTED 200

struct report {
	bool json, verbose;
	char *failures[MAX_LISTED];
	size_t nfailures, unlisted;
	char *skips[MAX_LISTED];
	size_t nskips, unlisted_skips;
	char *cancels[MAX_LISTED];
	size_t ncancels, unlisted_cancels;
	char line[1024];
	int jpeg_quality;
	uint64_t lossless; /* JPEGs copied, not re-encoded, below 100 */
};

struct report *
report_new(bool json, bool verbose)
{
	struct report *r = calloc(1, sizeof(*r));

	if (!r)
		abort();
	r->json = json;
	r->verbose = verbose;
	r->jpeg_quality = 100;
	return r;
}

void
report_free(struct report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nfailures; i++)
		free(r->failures[i]);
	for (size_t i = 0; i < r->nskips; i++)
		free(r->skips[i]);
	for (size_t i = 0; i < r->ncancels; i++)
		free(r->cancels[i]);
	free(r);
}

static void
print_json_line(json_t *obj)
{
	char *text = imgopt_json_dumps(obj);

	if (text) {
		puts(text);
		free(text);
	}
	json_decref(obj);
	fflush(stdout);
}

static void
remember(char **list, size_t *n, size_t *unlisted, const char *text)
{
	if (*n < MAX_LISTED)
		list[(*n)++] = term_escape(text);
	else
		(*unlisted)++;
}

const char *
report_result(struct report *r, const struct imgopt_result *res, bool dry_run)
{
	char before[32], after[32];

	if (r->json) {
		json_t *obj;

		if (res->status == IMGOPT_STATUS_SKIPPED) {
			/* Escaped like every string we print: json_pack()
			 * refuses invalid UTF-8 and the line would be lost.
			 */
			char *path = imgopt_utf8_escape(res->original_path);
			char *reason = imgopt_utf8_escape(
				res->error ? res->error +
						     strlen(res->original_path) + 2 :
					     "");

			obj = json_pack("{s:s, s:s, s:s}", "type", "skipped",
					"path", path, "reason", reason);
			free(path);
			free(reason);
		} else {
			obj = imgopt_result_to_json(res);
			json_object_set_new(obj, "type", json_string("result"));
			if (dry_run)
				json_object_set_new(obj, "dry_run", json_true());
		}
		print_json_line(obj);
		return NULL;
	}
	switch (res->status) {
	case IMGOPT_STATUS_FAILED:
		remember(r->failures, &r->nfailures, &r->unlisted, res->error);
		snprintf(r->line, sizeof(r->line), "error: %s",
			 r->nfailures <= MAX_LISTED && r->nfailures ?
			 r->failures[r->nfailures - 1] : "");
		return r->unlisted ? NULL : r->line;
	case IMGOPT_STATUS_SKIPPED:
		remember(r->skips, &r->nskips, &r->unlisted_skips, res->error);
		return NULL;
	case IMGOPT_STATUS_CANCELLED:
		remember(r->cancels, &r->ncancels, &r->unlisted_cancels,
			 res->original_path);
		return NULL;
	case IMGOPT_STATUS_OK:
		if (res->lossless_copy && !res->kept_original)
			r->lossless++;
		break;
	}
	if (dry_run) {
		char *in = term_escape(res->original_path);
		char *out = term_escape(res->optimized_path ?
					res->optimized_path : "?");

		snprintf(r->line, sizeof(r->line), "would write %s -> %s", in,
			 out);
		free(in);
		free(out);
		return r->line;
	}
	if (!r->verbose)
		return NULL;
	progress_format_bytes(before, sizeof(before), (double)res->original_size);
	progress_format_bytes(after, sizeof(after), (double)res->optimized_size);
	{
		char *in = term_escape(res->original_path);
		char *out = term_escape(res->optimized_path);

		snprintf(r->line, sizeof(r->line), "%s -> %s  %s -> %s (-%.1f%%)%s",
			 in, out, before, after, imgopt_result_ratio(res),
			 res->kept_original ? "  [kept original bytes]" :
			 res->lossless_copy ? "  [JPEG copied losslessly]" :
					      "");
		free(in);
		free(out);
	}
	return r->line;
}

/* The distribution of qualities a visual target chose, in bands of 10. */
static void
print_qualities(const struct imgopt_summary *s)
{
	uint64_t band[10] = {0}, n = 0;

	for (int q = 1; q <= 100; q++) {
		band[q == 100 ? 9 : q / 10] += s->quality_count[q];
		n += s->quality_count[q];
	}
	if (!n)
		return;
	printf("\nQualities chosen for the target:");
	for (int b = 0; b < 10; b++)
		if (band[b])
			printf(" %d-%d: %llu", b * 10, b == 9 ? 100 : b * 10 + 9,
			       (unsigned long long)band[b]);
	if (s->target_missed)
		printf(" (%llu reached no quality that met the target; kept "
		       "at the highest tried)",
		       (unsigned long long)s->target_missed);
}

/* The same as JSON: {"quality": count, ...} for the summary line. */
static json_t *
qualities_json(const struct imgopt_summary *s)
{
	json_t *q = json_object();
	char key[8];

	for (int i = 1; i <= 100; i++)
		if (s->quality_count[i]) {
			snprintf(key, sizeof(key), "%d", i);
			json_object_set_new(q, key,
					    json_integer((json_int_t)
							 s->quality_count[i]));
		}
	return q;
}

void
report_set_jpeg_quality(struct report *r, int quality)
{
	r->jpeg_quality = quality;
}

void
report_summary(struct report *r, const struct imgopt_summary *s, bool dry_run)
{
	double saved = (double)s->original_bytes - (double)s->optimized_bytes;
	double pct = s->original_bytes ? saved * 100.0 / s->original_bytes : 0;
	double secs = s->wall_ns / 1e9;
	char b[32], a[32], sv[32], t[32];

	if (r->json) {
		json_t *line = json_pack(
			"{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f,"
			" s:f, s:b, s:b}",
			"type", "summary", "total", (json_int_t)s->total,
			"succeeded", (json_int_t)s->succeeded, "failed",
			(json_int_t)s->failed, "skipped", (json_int_t)s->skipped,
			"cancelled", (json_int_t)s->cancelled,
			"original_bytes", (json_int_t)s->original_bytes,
			"optimized_bytes", (json_int_t)s->optimized_bytes,
			/* Both stop at 0, as in each result line: outputs
			 * that grew (--allow-larger) save nothing.
			 */
			"savedBytes", (json_int_t)(saved > 0 ? saved : 0),
			"compressionRatio",
			pct > 0 ? (double)(long long)(pct * 100 + .5) / 100 : 0.0,
			"wall_seconds", secs, "interrupted", s->interrupted,
			"dry_run", dry_run);
		json_t *q = qualities_json(s);

		if (json_object_size(q)) {
			json_object_set_new(line, "qualities", q);
			json_object_set_new(line, "target_missed",
					    json_integer((json_int_t)
							 s->target_missed));
		} else {
			json_decref(q);
		}
		print_json_line(line);
		return;
	}
	progress_format_bytes(b, sizeof(b), (double)s->original_bytes);
	progress_format_bytes(a, sizeof(a), (double)s->optimized_bytes);
	progress_format_bytes(sv, sizeof(sv), saved);
	progress_format_duration(t, sizeof(t), secs);
	if (r->nskips && r->verbose) {
		printf("Skipped:\n");
		for (size_t i = 0; i < r->nskips; i++)
			printf("  %s\n", r->skips[i]);
		if (r->unlisted_skips)
			printf("  ... and %zu more\n", r->unlisted_skips);
	}
	if (r->nfailures) {
		printf("Failed:\n");
		for (size_t i = 0; i < r->nfailures; i++)
			printf("  %s\n", r->failures[i]);
		if (r->unlisted)
			printf("  ... and %zu more\n", r->unlisted);
	}
	if (r->ncancels) {
		printf("Not done (interrupted):\n");
		for (size_t i = 0; i < r->ncancels; i++)
			printf("  %s\n", r->cancels[i]);
		if (r->unlisted_cancels)
			printf("  ... and %zu more\n", r->unlisted_cancels);
	}
	if (dry_run) {
		printf("Dry run: %llu image%s would be optimized, %llu "
		       "failed, %llu skipped; nothing was written.\n",
		       (unsigned long long)s->succeeded,
		       s->succeeded == 1 ? "" : "s",
		       (unsigned long long)s->failed,
		       (unsigned long long)s->skipped);
		return;
	}
	printf("%s%llu image%s: %llu optimized, %llu failed",
	       s->interrupted ? "Interrupted. " : "",
	       (unsigned long long)s->total, s->total == 1 ? "" : "s",
	       (unsigned long long)s->succeeded,
	       (unsigned long long)s->failed);
	if (s->cancelled)
		printf(", %llu not done", (unsigned long long)s->cancelled);
	if (s->skipped)
		printf(", %llu skipped%s", (unsigned long long)s->skipped,
		       r->verbose ? "" : " (-v lists them)");
	print_qualities(s);
	printf("\nBefore %s, after %s: saved %s (%.1f%%) in %s", b, a, sv, pct,
	       t);
	if (secs > 0 && s->total)
		printf(" (%.1f images/s)", (double)s->total / secs);
	printf("\n");
	/* Why those JPEGs saved little: re-encoding them at the quality
	 * asked would only have rounded them again (README, "No second
	 * rounding").
	 */
	if (r->lossless && r->jpeg_quality < 100)
		printf("%llu JPEG%s already at or below quality %d: copied "
		       "losslessly (a lower -q re-encodes %s)\n",
		       (unsigned long long)r->lossless,
		       r->lossless == 1 ? " was" : "s were", r->jpeg_quality,
		       r->lossless == 1 ? "it" : "them");
	fflush(stdout);
}

static double
num(json_t *obj, const char *key)
{
	return json_number_value(json_object_get(obj, key));
}

static void
dist_row(json_t *bench, const char *key, const char *label)
{
	json_t *d = json_object_get(bench, key);

	printf("  %-28s %9.2f %9.2f %9.2f %9.2f\n", label, num(d, "mean"),
	       num(d, "p50"), num(d, "p95"), num(d, "max"));
}

void
report_benchmark(struct report *r, void *bench_json)
{
	json_t *bench = bench_json, *workers;
	size_t i;
	json_t *w;

	if (!bench)
		return;
	if (r->json) {
		print_json_line(json_incref(bench));
		return;
	}
	printf("\nBenchmark: %d workers x %d libvips threads, %d task(s) in "
	       "flight per worker\n",
	       (int)num(bench, "workers"), (int)num(bench, "threads_per_worker"),
	       (int)num(bench, "inflight_per_worker"));
	printf("  %-28s %9.2f s\n", "wall time", num(bench, "wall_seconds"));
	printf("  %-28s %9.2f\n", "images/s", num(bench, "images_per_second"));
	printf("  %-28s %9.2f\n", "megapixels/s",
	       num(bench, "megapixels_per_second"));
	printf("  %-28s %9.2f\n", "input MB/s",
	       num(bench, "input_mb_per_second"));
	printf("  %-28s %8.1f%%\n", "pool utilisation",
	       num(bench, "utilisation") * 100);
	printf("  %-28s %9.0f -> %.0f bytes (%.2f%% saved)\n", "bytes",
	       num(bench, "bytes_in"), num(bench, "bytes_out"),
	       num(bench, "saved_percent"));
	printf("  %-28s %9s %9s %9s %9s\n", "per task (ms)", "mean", "p50",
	       "p95", "max");
	dist_row(bench, "queue_wait_ms", "queue wait");
	dist_row(bench, "worker_ms", "worker processing");
	dist_row(bench, "header_ms", "  open + header + limits");
	dist_row(bench, "pipeline_ms", "  decode+resize+encode");
	dist_row(bench, "pool_overhead_ms", "pool overhead (dispatch+IPC)");
	dist_row(bench, "latency_ms", "latency (queue+service)");
	workers = json_object_get(bench, "per_worker");
	printf("  %-8s %10s %8s %9s %12s\n", "worker", "busy (s)", "tasks",
	       "respawns", "utilisation");
	json_array_foreach(workers, i, w)
		printf("  %-8d %10.2f %8.0f %9.0f %11.1f%%\n",
		       (int)num(w, "worker"), num(w, "busy_seconds"),
		       num(w, "tasks"), num(w, "respawns"),
		       num(w, "utilisation") * 100);
	printf("  parent peak memory: %.1f MB\n",
	       num(bench, "parent_peak_rss_mb"));
	w = json_object_get(bench, "pool");
	printf("  pool: %.0f retries, %.0f worker deaths, %.0f timeouts\n",
	       num(w, "retries"), num(w, "deaths"), num(w, "timeouts"));
}

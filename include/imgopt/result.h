/* result.h: the outcome of one image, in the one JSON shape used everywhere
 * (CLI --json, the library, the HTTP API):
 *
 *   {"original_path": "a/b.jpg", "optimized_path": "a/optimized/b.jpg",
 *    "original_size": 812345, "optimized_size": 301234, "success": true,
 *    "error": null, "savedBytes": 511111, "compressionRatio": 62.92}
 *
 * compressionRatio is the percentage saved (savedBytes / original_size * 100,
 * two decimals), as the existing app reports it.
 */
#ifndef IMGOPT_RESULT_H
#define IMGOPT_RESULT_H

#include <stdbool.h>
#include <stdint.h>

#include "settings.h"

enum imgopt_status {
	IMGOPT_STATUS_OK = 0,
	IMGOPT_STATUS_FAILED,	 /* the image could not be optimised */
	IMGOPT_STATUS_SKIPPED,	 /* found in a folder walk, not an image */
	IMGOPT_STATUS_CANCELLED, /* the run was interrupted before it */
};

struct imgopt_result {
	enum imgopt_status status;
	char *original_path;  /* as the user named it (may not be UTF-8) */
	char *optimized_path; /* NULL when nothing was written */
	uint64_t original_size;
	uint64_t optimized_size;
	char *error;	      /* NULL on success; names the file and reason */
	bool kept_original;   /* output holds the input's bytes (never worse) */
	/* A JPEG whose coefficients were copied, every pixel kept: at
	 * quality 100, or already quantised more coarsely than the quality
	 * asked.  Not in the JSON (its shape is fixed); the text report
	 * says it.
	 */
	bool lossless_copy;
	enum imgopt_format input_format;
	enum imgopt_format output_format;
	int width, height;    /* output dimensions, 0 when unknown */
	int attempts;	      /* worker attempts used (2 after a retry) */
	uint64_t tag;	      /* add_task()'s tag; 0 for add_path() inputs */
	/* With a visual quality target: the quality chosen and the score
	 * reached ("quality": 74, "score": 0.9862 in JSON); quality 0 when no
	 * target applied.
	 */
	int quality;
	double score;
	bool target_met;
	/* Timings, nanoseconds; filled by the pool and the worker. */
	uint64_t queue_ns;    /* submitted -> sent to a worker */
	uint64_t worker_ns;   /* the worker's own time on the task */
	uint64_t header_ns;   /* of worker_ns: open, sniff, header, limits */
	uint64_t pipeline_ns; /* of worker_ns: decode+resize+encode (fused) */
	uint64_t total_ns;    /* submitted -> result back in the parent */
	double megapixels;    /* input pixels / 1e6 */
};

/* Bytes saved (0 when the output is larger) and percent saved. */
int64_t imgopt_result_saved_bytes(const struct imgopt_result *r);
double imgopt_result_ratio(const struct imgopt_result *r);

/* The result as the JSON object above, as a jansson json_t * (new
 * reference).  Paths that are not valid UTF-8 are made valid by writing each
 * invalid byte as the text \xHH.
 */
void *imgopt_result_to_json(const struct imgopt_result *r);

/* Serialise any jansson value the way imgopt prints JSON everywhere:
 * compact, ASCII-only, reals with up to 15 significant digits (62.92, not
 * 62.920000000000002).  Caller frees.
 */
char *imgopt_json_dumps(const void *json);

/* Copy a string into a newly allocated valid UTF-8 string, invalid bytes
 * written as the four characters \xHH.  Never returns NULL (aborts on OOM).
 */
char *imgopt_utf8_escape(const char *s);

/* Free the strings inside r (not r itself); accepts NULL. */
void imgopt_result_release(struct imgopt_result *r);

#endif

/* result.c: one image's outcome in the one JSON shape used everywhere. */
#include "imgopt/result.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t
imgopt_result_saved_bytes(const struct imgopt_result *r)
{
	if (r->status != IMGOPT_STATUS_OK ||
	    r->optimized_size >= r->original_size)
		return 0;
	return (int64_t)(r->original_size - r->optimized_size);
}

double
imgopt_result_ratio(const struct imgopt_result *r)
{
	if (r->original_size == 0)
		return 0.0;
	/* Two decimals, as the existing app reports it. */
	return round((double)imgopt_result_saved_bytes(r) * 10000.0 /
		     (double)r->original_size) / 100.0;
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one.
 * Rejects overlong forms, surrogates and code points above U+10FFFF, as
 * jansson does.
 */
static size_t
utf8_seq_len(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

char *
imgopt_utf8_escape(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);
	char *out = malloc(len * 4 + 1), *o = out;

	if (!out)
		abort();
	while (*p) {
		size_t n = utf8_seq_len(p);

		if (n == 0) {
			o += sprintf(o, "\\x%02x", *p);
			p++;
		} else {
			memcpy(o, p, n);
			o += n;
			p += n;
		}
	}
	*o = '\0';
	return out;
}

static json_t *
path_or_null(const char *path)
{
	json_t *v;
	char *safe;

	if (!path)
		return json_null();
	safe = imgopt_utf8_escape(path);
	v = json_string(safe);
	free(safe);
	return v;
}

void *
imgopt_result_to_json(const struct imgopt_result *r)
{
	bool ok = r->status == IMGOPT_STATUS_OK;
	json_t *j;

	j = json_pack("{s:o, s:o, s:I, s:I, s:b, s:o, s:I, s:f}",
			 "original_path", path_or_null(r->original_path),
			 "optimized_path",
			 path_or_null(ok ? r->optimized_path : NULL),
			 "original_size", (json_int_t)r->original_size,
			 "optimized_size",
			 (json_int_t)(ok ? r->optimized_size : 0), "success",
			 ok, "error", path_or_null(r->error), "savedBytes",
			 (json_int_t)imgopt_result_saved_bytes(r),
			 "compressionRatio", imgopt_result_ratio(r));
	/* Only with a visual quality target: the classic shape otherwise. */
	if (ok && r->quality > 0) {
		json_object_set_new(j, "quality", json_integer(r->quality));
		json_object_set_new(j, "score",
				    json_real(round(r->score * 1e4) / 1e4));
		json_object_set_new(j, "target_met",
				    json_boolean(r->target_met));
	}
	return j;
}

char *
imgopt_json_dumps(const void *json)
{
	return json_dumps(json, JSON_COMPACT | JSON_ENSURE_ASCII |
					JSON_REAL_PRECISION(15));
}

void
imgopt_result_release(struct imgopt_result *r)
{
	if (!r)
		return;
	free(r->original_path);
	free(r->optimized_path);
	free(r->error);
	r->original_path = r->optimized_path = r->error = NULL;
}

/* settings.c: the settings JSON (shape fixed by existing users' scripts),
 * parsed and checked before any work starts.  Every message names the
 * setting at fault, as the user wrote it.
 */
#include "imgopt/settings.h"
#include "imgopt/result.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const format_names[IMGOPT_FORMAT_COUNT] = {
	[IMGOPT_FORMAT_ORIGINAL] = "original", [IMGOPT_FORMAT_JPEG] = "jpeg",
	[IMGOPT_FORMAT_PNG] = "png",	       [IMGOPT_FORMAT_WEBP] = "webp",
	[IMGOPT_FORMAT_AVIF] = "avif",	       [IMGOPT_FORMAT_SVG] = "svg",
};

static const char *const mode_names[] = {
	[IMGOPT_RESIZE_NONE] = "none",	     [IMGOPT_RESIZE_WIDTH] = "width",
	[IMGOPT_RESIZE_HEIGHT] = "height",   [IMGOPT_RESIZE_LONGEST] = "longest",
	[IMGOPT_RESIZE_SHORTEST] = "shortest",
};

#define N_MODES (sizeof(mode_names) / sizeof(mode_names[0]))

/* Largest resize size accepted: far beyond any real image, small enough
 * that width * height arithmetic never overflows.
 */
#define MAX_RESIZE 100000

void
imgopt_settings_init(struct imgopt_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->quality_global = IMGOPT_DEFAULT_QUALITY;
	s->maintain_aspect = true;
	s->resize_mode = IMGOPT_RESIZE_NONE;
	s->output_format = IMGOPT_FORMAT_ORIGINAL;
}

const char *
imgopt_format_name(enum imgopt_format fmt)
{
	if ((int)fmt < 0 || fmt >= IMGOPT_FORMAT_COUNT)
		return "unknown";
	return format_names[fmt];
}

int
imgopt_format_from_name(const char *name)
{
	if (!name)
		return -1;
	if (!strcasecmp(name, "jpg"))
		return IMGOPT_FORMAT_JPEG;
	for (int i = 0; i < IMGOPT_FORMAT_COUNT; i++)
		if (!strcasecmp(name, format_names[i]))
			return i;
	return -1;
}

int
imgopt_resize_mode_from_name(const char *name)
{
	if (!name)
		return -1;
	for (unsigned i = 0; i < N_MODES; i++)
		if (!strcasecmp(name, mode_names[i]))
			return (int)i;
	return -1;
}

static const char *const fail_on_names[] = {
	[IMGOPT_FAIL_ON_NONE] = "none",
	[IMGOPT_FAIL_ON_TRUNCATED] = "truncated",
	[IMGOPT_FAIL_ON_ERROR] = "error",
	[IMGOPT_FAIL_ON_WARNING] = "warning",
};
#define N_FAIL_ON (sizeof(fail_on_names) / sizeof(fail_on_names[0]))

const char *
imgopt_fail_on_name(enum imgopt_fail_on level)
{
	if ((unsigned)level >= N_FAIL_ON)
		return "unknown";
	return fail_on_names[level];
}

int
imgopt_fail_on_from_name(const char *name)
{
	if (!name)
		return -1;
	for (unsigned i = 0; i < N_FAIL_ON; i++)
		if (!strcmp(name, fail_on_names[i]))
			return (int)i;
	return -1;
}

int
imgopt_settings_quality_for(const struct imgopt_settings *s,
			    enum imgopt_format fmt)
{
	int q = s->quality_global;

	if (fmt > IMGOPT_FORMAT_ORIGINAL && fmt < IMGOPT_FORMAT_COUNT &&
	    s->quality[fmt] != IMGOPT_QUALITY_UNSET)
		q = s->quality[fmt];
	/* Unchecked settings (a caller that skipped validate()) still get
	 * a quality an encoder accepts.
	 */
	if (q <= 0)
		q = IMGOPT_DEFAULT_QUALITY;
	return q > 100 ? 100 : q;
}

static int
fail(char *err, size_t err_size, const char *fmt, ...)
{
	va_list ap;

	if (err && err_size) {
		va_start(ap, fmt);
		vsnprintf(err, err_size, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Describe a JSON value for messages: its type, or its value if short. */
static void
describe(const json_t *v, char *buf, size_t size)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		snprintf(buf, size, "\"%.40s\"", json_string_value(v));
		break;
	case JSON_INTEGER:
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(buf, size, "%g", json_real_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		snprintf(buf, size, "%s", json_is_true(v) ? "true" : "false");
		break;
	case JSON_OBJECT:
		snprintf(buf, size, "an object");
		break;
	case JSON_ARRAY:
		snprintf(buf, size, "an array");
		break;
	default:
		snprintf(buf, size, "null");
	}
}

/* An integer in [lo, hi], or null (when allow_null) which yields 0.
 * Reals with no fractional part are accepted: JavaScript sends 90.0 as 90,
 * but other clients may not.
 */
static int
get_int(const json_t *v, const char *name, int lo, int hi, bool allow_null,
	int *out, char *err, size_t err_size)
{
	char what[64];
	double d;

	if (json_is_null(v) && allow_null) {
		*out = 0;
		return 0;
	}
	if (json_is_integer(v))
		d = (double)json_integer_value(v);
	else if (json_is_real(v) && json_real_value(v) == (long)json_real_value(v))
		d = json_real_value(v);
	else {
		describe(v, what, sizeof(what));
		return fail(err, err_size, "%s must be an integer %d-%d, got %s",
			    name, lo, hi, what);
	}
	if (d < lo || d > hi) {
		describe(v, what, sizeof(what));
		return fail(err, err_size, "%s must be %d-%d, got %s", name, lo,
			    hi, what);
	}
	*out = (int)d;
	return 0;
}

/* Refuse keys we do not know: a typo ("qualty") silently ignored would
 * optimise with settings the user did not ask for.
 */
static int
check_keys(const json_t *obj, const char *prefix, const char *const *known,
	   char *err, size_t err_size)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		bool found = false;

		for (int i = 0; known[i]; i++)
			if (!strcmp(key, known[i]))
				found = true;
		if (!found)
			return fail(err, err_size, "unknown setting %s%s%s",
				    prefix, *prefix ? "." : "", key);
	}
	return 0;
}

static int
apply_quality(struct imgopt_settings *s, const json_t *q, char *err,
	      size_t err_size)
{
	static const char *const keys[] = {"global", "jpeg", "jpg", "png",
					   "webp", "avif", "svg", NULL};
	const char *key;
	json_t *v;

	if (json_is_integer(q) || json_is_real(q))
		return get_int(q, "quality", 1, 100, false, &s->quality_global,
			       err, err_size);
	if (!json_is_object(q))
		return fail(err, err_size, "quality must be an object");
	if (check_keys(q, "quality", keys, err, err_size))
		return -1;
	json_object_foreach((json_t *)q, key, v) {
		char name[32];

		snprintf(name, sizeof(name), "quality.%s", key);
		if (!strcmp(key, "global")) {
			if (get_int(v, name, 1, 100, false, &s->quality_global,
				    err, err_size))
				return -1;
		} else {
			int fmt = imgopt_format_from_name(key);

			if (get_int(v, name, 1, 100, true, &s->quality[fmt],
				    err, err_size))
				return -1;
		}
	}
	return 0;
}

static int
apply_resize(struct imgopt_settings *s, const json_t *r, char *err,
	     size_t err_size)
{
	static const char *const keys[] = {"width", "height", "maintainAspect",
					   "mode", "size", NULL};
	json_t *v;

	if (!json_is_object(r))
		return fail(err, err_size, "resize must be an object");
	if (check_keys(r, "resize", keys, err, err_size))
		return -1;
	if ((v = json_object_get(r, "width")) &&
	    get_int(v, "resize.width", 1, MAX_RESIZE, true, &s->resize_width,
		    err, err_size))
		return -1;
	if ((v = json_object_get(r, "height")) &&
	    get_int(v, "resize.height", 1, MAX_RESIZE, true, &s->resize_height,
		    err, err_size))
		return -1;
	if ((v = json_object_get(r, "size")) &&
	    get_int(v, "resize.size", 1, MAX_RESIZE, true, &s->resize_size,
		    err, err_size))
		return -1;
	if ((v = json_object_get(r, "maintainAspect"))) {
		if (!json_is_boolean(v))
			return fail(err, err_size,
				    "resize.maintainAspect must be true or false");
		s->maintain_aspect = json_is_true(v);
	}
	if ((v = json_object_get(r, "mode")) && !json_is_null(v)) {
		int mode = json_is_string(v) ?
			imgopt_resize_mode_from_name(json_string_value(v)) : -1;
		char what[64];

		if (mode < 0) {
			describe(v, what, sizeof(what));
			return fail(err, err_size,
				    "resize.mode must be none, width, height, "
				    "longest or shortest, got %s", what);
		}
		s->resize_mode = mode;
	}
	return 0;
}

static int
set_target(struct imgopt_settings *s, const char *metric, double value,
	   const char *name, char *err, size_t err_size)
{
	if (strcmp(metric, "ssim"))
		return fail(err, err_size, "%s metric must be ssim, got \"%s\"",
			    name, metric);
	if (!(value > 0 && value < 1))
		return fail(err, err_size,
			    "%s value must be between 0 and 1 (e.g. 0.985), "
			    "got %g", name, value);
	s->target_metric = IMGOPT_TARGET_SSIM;
	s->target_value = value;
	return 0;
}

/* "target": {"metric": "ssim", "value": 0.985}, or a preset name. */
static int
apply_target(struct imgopt_settings *s, const json_t *t, char *err,
	     size_t err_size)
{
	static const char *const keys[] = {"metric", "value", NULL};
	const json_t *m, *v;

	if (json_is_string(t))
		return imgopt_target_parse(s, json_string_value(t), err,
					   err_size);
	if (!json_is_object(t))
		return fail(err, err_size,
			    "target must be an object like {\"metric\": "
			    "\"ssim\", \"value\": 0.985} or high, medium, "
			    "low");
	if (check_keys(t, "target", keys, err, err_size))
		return -1;
	m = json_object_get(t, "metric");
	v = json_object_get(t, "value");
	if (!json_is_string(m))
		return fail(err, err_size, "target.metric must be \"ssim\"");
	if (!json_is_number(v))
		return fail(err, err_size,
			    "target.value must be a number between 0 and 1");
	return set_target(s, json_string_value(m), json_number_value(v),
			  "target", err, err_size);
}

int
imgopt_target_parse(struct imgopt_settings *s, const char *arg, char *err,
		    size_t err_size)
{
	static const struct {
		const char *name;
		double value;
	} presets[] = {{"high", IMGOPT_TARGET_HIGH},
		       {"medium", IMGOPT_TARGET_MEDIUM},
		       {"low", IMGOPT_TARGET_LOW}};
	const char *colon = strchr(arg, ':');
	char metric[16], *end;
	double value;

	for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
		if (!strcmp(arg, presets[i].name))
			return set_target(s, "ssim", presets[i].value,
					  "target", err, err_size);
	if (!colon || (size_t)(colon - arg) >= sizeof(metric))
		return fail(err, err_size,
			    "target must be high, medium, low or METRIC:VALUE "
			    "(ssim:0.985), got \"%s\"", arg);
	memcpy(metric, arg, (size_t)(colon - arg));
	metric[colon - arg] = '\0';
	value = strtod(colon + 1, &end);
	if (end == colon + 1 || *end)
		return fail(err, err_size,
			    "target value must be a number, got \"%s\"",
			    colon + 1);
	return set_target(s, metric, value, "target", err, err_size);
}

int
imgopt_settings_apply_json(struct imgopt_settings *s, const void *json,
			   char *err, size_t err_size)
{
	static const char *const keys[] = {"quality", "resize", "outputFormat",
					   "target", NULL};
	const json_t *root = json;
	struct imgopt_settings tmp = *s;
	json_t *v;

	if (!json_is_object(root))
		return fail(err, err_size, "settings must be a JSON object");
	if (check_keys(root, "", keys, err, err_size))
		return -1;
	if ((v = json_object_get(root, "quality")) && !json_is_null(v) &&
	    apply_quality(&tmp, v, err, err_size))
		return -1;
	if ((v = json_object_get(root, "resize")) && !json_is_null(v) &&
	    apply_resize(&tmp, v, err, err_size))
		return -1;
	if ((v = json_object_get(root, "outputFormat")) && !json_is_null(v)) {
		int fmt = json_is_string(v) ?
			imgopt_format_from_name(json_string_value(v)) : -1;
		char what[64];

		if (fmt < 0 || fmt == IMGOPT_FORMAT_SVG) {
			describe(v, what, sizeof(what));
			return fail(err, err_size,
				    "outputFormat must be original, jpeg, png, "
				    "webp or avif, got %s", what);
		}
		tmp.output_format = fmt;
	}
	if ((v = json_object_get(root, "target")) && !json_is_null(v) &&
	    apply_target(&tmp, v, err, err_size))
		return -1;
	if (imgopt_settings_validate(&tmp, err, err_size))
		return -1;
	*s = tmp;
	return 0;
}

int
imgopt_settings_parse(struct imgopt_settings *s, const char *text, char *err,
		      size_t err_size)
{
	json_error_t jerr;
	json_t *root;
	int rc;

	root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return fail(err, err_size,
			    "malformed settings JSON at line %d column %d: %s",
			    jerr.line, jerr.column, jerr.text);
	rc = imgopt_settings_apply_json(s, root, err, err_size);
	json_decref(root);
	return rc;
}

int
imgopt_settings_validate(const struct imgopt_settings *s, char *err,
			 size_t err_size)
{
	if (s->quality_global < 1 || s->quality_global > 100)
		return fail(err, err_size, "quality.global must be 1-100, got %d",
			    s->quality_global);
	for (int f = 1; f < IMGOPT_FORMAT_COUNT; f++)
		if (s->quality[f] != IMGOPT_QUALITY_UNSET &&
		    (s->quality[f] < 1 || s->quality[f] > 100))
			return fail(err, err_size,
				    "quality.%s must be 1-100, got %d",
				    format_names[f], s->quality[f]);
	if (s->resize_mode != IMGOPT_RESIZE_NONE && s->resize_size <= 0)
		return fail(err, err_size,
			    "resize.mode %s needs resize.size (pixels, 1-%d)",
			    mode_names[s->resize_mode], MAX_RESIZE);
	if (s->resize_size < 0 || s->resize_size > MAX_RESIZE)
		return fail(err, err_size, "resize.size must be 1-%d, got %d",
			    MAX_RESIZE, s->resize_size);
	if (s->resize_width < 0 || s->resize_width > MAX_RESIZE ||
	    s->resize_height < 0 || s->resize_height > MAX_RESIZE)
		return fail(err, err_size,
			    "resize.width and resize.height must be 1-%d",
			    MAX_RESIZE);
	if (s->output_format == IMGOPT_FORMAT_SVG)
		return fail(err, err_size,
			    "outputFormat must be original, jpeg, png, webp or "
			    "avif, got \"svg\"");
	return 0;
}

static json_t *
int_or_null(int v)
{
	return v ? json_integer(v) : json_null();
}

char *
imgopt_settings_to_json(const struct imgopt_settings *s)
{
	json_t *root, *q, *r;
	char *text;

	q = json_pack("{s:i, s:o, s:o, s:o, s:o}", "global", s->quality_global,
		      "jpeg", int_or_null(s->quality[IMGOPT_FORMAT_JPEG]),
		      "png", int_or_null(s->quality[IMGOPT_FORMAT_PNG]),
		      "webp", int_or_null(s->quality[IMGOPT_FORMAT_WEBP]),
		      "avif", int_or_null(s->quality[IMGOPT_FORMAT_AVIF]));
	r = json_pack("{s:o, s:o, s:b, s:s, s:o}", "width",
		      int_or_null(s->resize_width), "height",
		      int_or_null(s->resize_height), "maintainAspect",
		      s->maintain_aspect, "mode",
		      mode_names[s->resize_mode], "size",
		      int_or_null(s->resize_size));
	root = json_pack("{s:o, s:o, s:s}", "quality", q, "resize", r,
			 "outputFormat", format_names[s->output_format]);
	/* "target" only when set: the classic shape stays as users know it. */
	if (s->target_metric == IMGOPT_TARGET_SSIM)
		json_object_set_new(root, "target",
				    json_pack("{s:s, s:f}", "metric", "ssim",
					      "value", s->target_value));
	text = imgopt_json_dumps(root);
	json_decref(root);
	return text;
}

/* settings.h: the optimisation settings and their JSON form.
 *
 * The JSON shape is fixed by existing users' scripts:
 *
 *   {"quality": {"global": 90, "jpeg": null, "png": null, "webp": null,
 *                "avif": null},
 *    "resize": {"width": null, "height": null, "maintainAspect": true,
 *               "mode": "none", "size": null},
 *    "outputFormat": "original"}
 *
 * Every field is optional in input; missing fields keep their defaults.
 * A quality of 100 means lossless for that format.
 */
#ifndef IMGOPT_SETTINGS_H
#define IMGOPT_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

/* Image formats imgopt reads and writes.  The numeric values travel between
 * the parent and its workers (same binary), never to users.
 */
enum imgopt_format {
	IMGOPT_FORMAT_ORIGINAL = 0, /* as an output: keep the input's format */
	IMGOPT_FORMAT_JPEG,
	IMGOPT_FORMAT_PNG,
	IMGOPT_FORMAT_WEBP,
	IMGOPT_FORMAT_AVIF,
	IMGOPT_FORMAT_SVG,
	IMGOPT_FORMAT_COUNT
};

enum imgopt_resize_mode {
	IMGOPT_RESIZE_NONE = 0,
	IMGOPT_RESIZE_WIDTH,
	IMGOPT_RESIZE_HEIGHT,
	IMGOPT_RESIZE_LONGEST,
	IMGOPT_RESIZE_SHORTEST,
};

/* A visual quality to reach instead of a fixed quality number: the
 * encoder quality is searched per image for the smallest output that still
 * scores at least `value` (lossy JPEG, WebP and AVIF outputs only).
 */
enum imgopt_target_metric {
	IMGOPT_TARGET_NONE = 0,
	IMGOPT_TARGET_SSIM, /* SSIM on linear-light luminance, see README */
};

/* The preset ladder (--target high|medium|low): metric values chosen by
 * measuring on the fetched corpus (README, "Visual quality target").
 */
#define IMGOPT_TARGET_HIGH 0.997   /* corpus median at JPEG q92: 0.9966 */
#define IMGOPT_TARGET_MEDIUM 0.994 /* corpus median at JPEG q80: 0.9935 */
#define IMGOPT_TARGET_LOW 0.987    /* corpus median at JPEG q65: 0.9865 */

/* How strict decoding is (--fail-on): which damage fails an image instead
 * of being decoded as well as it goes (libvips' fail-on levels).  An
 * option of a run, not part of the settings JSON.
 */
enum imgopt_fail_on {
	IMGOPT_FAIL_ON_NONE = 0,  /* decode whatever can be decoded */
	IMGOPT_FAIL_ON_TRUNCATED, /* fail truncated images */
	IMGOPT_FAIL_ON_ERROR,	  /* ... and corrupt ones */
	IMGOPT_FAIL_ON_WARNING,	  /* ... and any decoder warning (default) */
};

#define IMGOPT_QUALITY_UNSET 0
#define IMGOPT_DEFAULT_QUALITY 90

struct imgopt_settings {
	int quality_global;		      /* 1-100 */
	int quality[IMGOPT_FORMAT_COUNT];     /* per-format override, 0 = unset */
	enum imgopt_resize_mode resize_mode;
	int resize_size;		      /* pixels, with resize_mode */
	int resize_width;		      /* legacy box: 0 = unset */
	int resize_height;
	bool maintain_aspect;
	enum imgopt_format output_format;
	enum imgopt_target_metric target_metric; /* NONE: use quality */
	double target_value;			  /* e.g. 0.985 for SSIM */
};

/* Fill with the defaults: global quality 90, no resize, original format. */
void imgopt_settings_init(struct imgopt_settings *s);

/* Apply a settings JSON text on top of *s.  Checks types and ranges and
 * refuses unknown formats and modes.  Returns 0, or -1 with a message that
 * names the setting (e.g. "quality.global must be 1-100, got 101") written
 * to err (err_size bytes, always NUL-terminated).  *s is unchanged on error.
 */
int imgopt_settings_parse(struct imgopt_settings *s, const char *json,
			  char *err, size_t err_size);

/* Same, from a jansson object (json_t *), for callers that already hold
 * parsed JSON (the HTTP API).  Declared with void * so this header does not
 * pull in jansson.
 */
int imgopt_settings_apply_json(struct imgopt_settings *s, const void *json,
			       char *err, size_t err_size);

/* Check the combination of fields (resize mode needs a size, ...).
 * Returns 0 or -1 with a message in err.
 */
int imgopt_settings_validate(const struct imgopt_settings *s, char *err,
			     size_t err_size);

/* The settings as the JSON shape above; caller frees with free(). */
char *imgopt_settings_to_json(const struct imgopt_settings *s);

/* The effective quality for an output format, the one rule every layer
 * uses: the format's own, else the global one; an unset or out-of-range
 * value gives the default (0 or less) or 100 (above).
 */
int imgopt_settings_quality_for(const struct imgopt_settings *s,
				enum imgopt_format fmt);

/* Names used in JSON, the CLI and messages: "jpeg", "png", "webp", "avif",
 * "svg", "original".  imgopt_format_from_name() accepts "jpg" too and is
 * case-insensitive; returns -1 for unknown names.
 */
const char *imgopt_format_name(enum imgopt_format fmt);
int imgopt_format_from_name(const char *name);

/* Parse a --target value: "ssim:0.985", or a preset "high", "medium",
 * "low".  Returns 0 or -1 with a message in err.
 */
int imgopt_target_parse(struct imgopt_settings *s, const char *arg, char *err,
			size_t err_size);

/* "none", "width", "height", "longest", "shortest"; -1 for unknown. */
int imgopt_resize_mode_from_name(const char *name);

/* "none", "truncated", "error", "warning"; -1 for unknown. */
const char *imgopt_fail_on_name(enum imgopt_fail_on level);
int imgopt_fail_on_from_name(const char *name);

#endif

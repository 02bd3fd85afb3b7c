/* target.h: a visual quality target instead of a fixed quality.
 *
 * For one image, already decoded, resized, in sRGB and ready to save,
 * find the lowest encoder quality whose output still scores at least the
 * target (ssim.h) against those pixels, and write that output.  Lossy
 * JPEG, WebP and AVIF only; the caller checks target_applies().
 *
 * The search, in short (README, "Visual quality target"): qualities
 * TARGET_Q_MIN..TARGET_Q_MAX are bisected.  An image of up to
 * TARGET_EXACT_PIXELS is searched on its own pixels, at most 6 encodes.
 * A larger one is bisected on a sample (a mosaic of TARGET_TILE-pixel
 * tiles from a grid over the image, about TARGET_SAMPLE_PIXELS), then the
 * whole image is encoded at the quality found and scored; the difference
 * between the whole image's score and the sample's corrects the next
 * sample search, up to TARGET_MAX_FULL whole-image encodes.  Only
 * qualities whose whole-image output was scored can be chosen, so a met
 * target is always met by the file written.
 */
#ifndef IMGOPT_TARGET_H
#define IMGOPT_TARGET_H

#include <stdbool.h>

#include <vips/vips.h>

#include "imgopt/settings.h"

#define TARGET_Q_MIN 36 /* 36..98 is 63 qualities: 6 bisection steps */
#define TARGET_Q_MAX 98
/* 64 tiles of 64x64.  On the corpus (README) tiles of 64, 128 and 256
 * pixels chose the same qualities within one or two steps of a bisection
 * on the whole image; the smallest sample is the quickest.
 */
#define TARGET_TILE 64
#define TARGET_SAMPLE_PIXELS (1 << 18)
#define TARGET_EXACT_PIXELS (2 * TARGET_SAMPLE_PIXELS)
#define TARGET_MAX_FULL 3

struct target_result {
	int quality;   /* the quality written */
	double score;  /* its whole-image score */
	bool met;      /* score >= target; else the highest quality tried */
	int encodes;   /* every encode, sample and whole image */
	int full_encodes;
};

/* Whether a target replaces the fixed quality: a metric is set, the output
 * is JPEG, WebP or AVIF, and its quality is not 100 (lossless, which a
 * target never overrides).
 */
bool target_applies(const struct imgopt_settings *s, enum imgopt_format fmt,
		    int quality);

/* Search as above and write the chosen file to out (the target is ended).
 * in is the image exactly as it would be saved; strip as for
 * save_image().  Returns 0 with *res filled, or -1 (libvips error).
 */
int target_save(VipsImage *in, VipsTarget *out, enum imgopt_format fmt,
		bool strip, double value, struct target_result *res);

#endif

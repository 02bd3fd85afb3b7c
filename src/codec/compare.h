/* compare.h: score two image files, for `imgopt compare` and the tests.
 *
 * Both images are decoded by the codec's own loaders and limits
 * (codec_load_for_compare(): upright, sRGB) and scored by the quality
 * metrics of src/quality/.  This is the one scorer every tool's output is
 * measured with (bench/ calls `imgopt compare --json`).
 */
#ifndef IMGOPT_COMPARE_H
#define IMGOPT_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

/* What `imgopt compare` reports. */
struct compare_files {
	int a_width, a_height; /* as decoded and turned upright */
	int b_width, b_height;
	double score;	       /* SSIM of b against a (quality/ssim.h) */
};

/* Score two image files.  Images of different sizes are an error,
 * "images differ in size (AxB vs CxD)", unless resize_reference: then a
 * is resized to b's size (libvips' Lanczos 3, premultiplied alpha), to
 * score a resized output against its original.  Needs codec_init().
 * Returns 0, or -1 with a message in err: for unreadable images "cannot
 * read 'PATH': REASON".
 */
int codec_compare_files(const char *a, const char *b, bool resize_reference,
			struct compare_files *out, char *err, size_t err_size);

#endif

/* ssim.h: the one visual-quality score imgopt computes, everywhere.
 *
 * SSIM (Wang, Bovik, Sheikh, Simoncelli 2004) on linear-light luminance,
 * computed the same way by the target search, `imgopt compare` and the
 * tests:
 *
 *  1. Alpha is flattened onto white in the stored (sRGB-encoded) values,
 *     as vips_flatten() and imgopt's JPEG output do, so errors in alpha
 *     count where they show on a white page.
 *  2. Each pixel's 8- or 16-bit sRGB values are linearised with the sRGB
 *     transfer function to [0, 1], and Y = 0.2126 R + 0.7152 G + 0.0722 B
 *     (grey images: Y is the linearised grey value).
 *  3. SSIM with an 11x11 Gaussian window (sigma 1.5, normalised), K1 = 0.01,
 *     K2 = 0.03, L = 1 (C1 = 0.0001, C2 = 0.0009), at every position where
 *     the window fits inside the image (no padding, MATLAB's 'valid'), and
 *     the mean over those positions.  An image under 11 pixels on a side
 *     uses the largest odd window that fits, with the same sigma.
 *
 * Single scale only; 1 means identical pixels.  The work is a plain C loop
 * over rows held in memory (a ring of 11 blurred rows), which measured
 * several times faster than the same steps as libvips operations.
 *
 * The header does not include <vips/vips.h>: images are passed as struct
 * _VipsImage, which is VipsImage.
 */
#ifndef IMGOPT_SSIM_H
#define IMGOPT_SSIM_H

#include <stdbool.h>
#include <stddef.h>

struct _VipsImage;

#define SSIM_WINDOW 11
#define SSIM_SIGMA 1.5
#define SSIM_K1 0.01
#define SSIM_K2 0.03

/* An image in the form the score reads: alpha flattened onto white, 1-4
 * bands of uchar or ushort (other formats are converted to 8-bit sRGB),
 * pixels in memory.  *out is a new reference (the same image, referenced
 * again, when in already is in that form).  Preparing the reference once
 * saves that work when it is scored many times.  Returns 0 or -1 (libvips
 * error).
 */
int ssim_prepare(struct _VipsImage *in, struct _VipsImage **out);

/* The mean SSIM of a against b, which must have the same size (else a
 * libvips error "images differ in size (WxH vs WxH)").  Either may be
 * prepared or not.  Returns 0 with *score in [-1, 1], or -1 (libvips
 * error).
 */
int ssim_score(struct _VipsImage *a, struct _VipsImage *b, double *score);

/* The same over a mosaic of tile x tile squares (the target search's
 * sample): only windows that lie inside one square are averaged, so the
 * seams, which are in no real image, do not count.  tile 0 is
 * ssim_score().
 */
int ssim_score_tiles(struct _VipsImage *a, struct _VipsImage *b, int tile,
		     double *score);

/* The mean SSIM of two linear-light luminance planes of w x h floats,
 * rows `stride` floats apart.  The core of ssim_score(), exposed for
 * tests.
 */
double ssim_planes(const float *a, const float *b, int w, int h,
		   size_t stride);

/* The sRGB transfer function: an 8-bit value to linear light in [0, 1]. */
float ssim_linear8(int v);

#endif

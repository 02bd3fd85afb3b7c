/* testutil.h: what the codec-layer unit tests (codec, ssim, target) share:
 * a scratch folder and small images made with libvips, so no test needs
 * data files.
 *
 * The helpers check every libvips call with cmocka asserts: a failure in
 * them fails the calling test.  Images are returned as new references (the
 * caller unrefs them); paths are freed with g_free().
 */
#ifndef IMGOPT_TESTUTIL_H
#define IMGOPT_TESTUTIL_H

#include <vips/vips.h>

/* Create /tmp/test-NAME-XXXXXX and start the codec with one libvips
 * thread.  For a cmocka group setup: returns 0 or -1.
 */
int testutil_setup(const char *name);

/* Remove the scratch folder and everything in it. */
void testutil_teardown(void);

/* The scratch folder, and NAME inside it (g_free). */
const char *testutil_dir(void);
char *testutil_path(const char *name);

/* A w x h image of `bands` uchar bands, copied from px (row by row, bands
 * interleaved).  Three or more bands are sRGB, fewer are grey.
 */
VipsImage *testutil_from_pixels(const unsigned char *px, int w, int h,
				int bands);

/* Every sample v. */
VipsImage *testutil_constant(int w, int h, int bands, int v);

/* Diagonal gradients, a different slope per band: encoders behave as on
 * photos, and it compresses well.
 */
VipsImage *testutil_smooth(int w, int h, int bands);

/* Gaussian noise around 128 (sigma 50), a new draw each call:
 * incompressible, so re-encoding at a higher quality grows it.
 */
VipsImage *testutil_noise(int w, int h, int bands);

/* Gradients plus blurred noise (fixed seed), in memory: the SSIM of an
 * encode falls steadily as its quality does.  With 4 bands the alpha is a
 * ramp from 60 to 255.
 */
VipsImage *testutil_photo(int w, int h, int bands);

/* Largest absolute difference between two images' samples. */
double testutil_max_diff(VipsImage *a, VipsImage *b);

#endif

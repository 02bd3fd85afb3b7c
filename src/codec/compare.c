/* compare.c: score two image files (compare.h). */
#include "compare.h"

#include <stdio.h>
#include <string.h>

#include <vips/vips.h>

#include "codec.h"
#include "imgopt/optimizer.h"
#include "quality/ssim.h"

/* Resize im to exactly w x h, premultiplied around alpha as the codec
 * resizes.
 */
static int
compare_resize_to(VipsImage *im, int w, int h, VipsImage **out)
{
	VipsImage *t[4] = { NULL, NULL, NULL, NULL };
	VipsImage *cur = im;
	bool alpha = vips_image_hasalpha(im);
	int r = -1;

	if (alpha) {
		if (vips_premultiply(cur, &t[0], NULL))
			goto out;
		cur = t[0];
	}
	if (vips_resize(cur, &t[1], (double)w / im->Xsize, "vscale",
			(double)h / im->Ysize, NULL))
		goto out;
	cur = t[1];
	if (alpha) {
		if (vips_unpremultiply(cur, &t[2], NULL) ||
		    vips_cast(t[2], &t[3], im->BandFmt, NULL))
			goto out;
		cur = t[3];
	}
	if (cur->Xsize != w || cur->Ysize != h) {
		vips_error("compare", "resize gave %dx%d, not %dx%d", cur->Xsize,
			   cur->Ysize, w, h);
		goto out;
	}
	*out = g_object_ref(cur);
	r = 0;
out:
	for (int i = 0; i < 4; i++)
		VIPS_UNREF(t[i]);
	return r;
}

int
codec_compare_files(const char *a, const char *b, bool resize_reference,
		    struct compare_files *out, char *err, size_t err_size)
{
	struct codec_request req = {
		.max_pixels = IMGOPT_DEFAULT_MAX_PIXELS,
		.max_file_size = IMGOPT_DEFAULT_MAX_FILE_SIZE,
		.fail_on = IMGOPT_FAIL_ON_WARNING,
	};
	VipsImage *ia = NULL, *ib = NULL, *t = NULL;
	char why[CODEC_ERROR_MAX];
	int r = -1;

	memset(out, 0, sizeof(*out));
	req.input_path = a;
	if (codec_load_for_compare(&req, &ia, why, sizeof(why))) {
		snprintf(err, err_size, "cannot read '%s': %s", a, why);
		goto out;
	}
	req.input_path = b;
	if (codec_load_for_compare(&req, &ib, why, sizeof(why))) {
		snprintf(err, err_size, "cannot read '%s': %s", b, why);
		goto out;
	}
	out->a_width = ia->Xsize;
	out->a_height = ia->Ysize;
	out->b_width = ib->Xsize;
	out->b_height = ib->Ysize;
	if (ia->Xsize != ib->Xsize || ia->Ysize != ib->Ysize) {
		if (!resize_reference) {
			snprintf(err, err_size,
				 "images differ in size (%dx%d vs %dx%d)",
				 ia->Xsize, ia->Ysize, ib->Xsize, ib->Ysize);
			goto out;
		}
		if (compare_resize_to(ia, ib->Xsize, ib->Ysize, &t))
			goto vips_fail;
		g_object_unref(ia);
		ia = t;
	}
	if (ssim_score(ia, ib, &out->score))
		goto vips_fail;
	r = 0;
	goto out;

vips_fail:
	snprintf(err, err_size, "cannot compare '%s' and '%s': %s", a, b,
		 vips_error_buffer());
	/* One line, no trailing newline. */
	err[strcspn(err, "\n")] = '\0';
out:
	VIPS_UNREF(ia);
	VIPS_UNREF(ib);
	vips_error_clear();
	return r;
}

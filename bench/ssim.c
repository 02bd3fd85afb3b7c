/* ssim.c: the one quality score bench/compare gives every tool's outputs.
 *
 *   ssim REFERENCE OUTPUT...       prints the scores, tab-separated
 *   ssim < lines.tsv               "REFERENCE<TAB>OUTPUT..." a line; prints
 *                                  one line each: a score or "error: ..."
 *                                  per output, tab-separated
 *
 * The reference is decoded once for all the outputs on its line.
 *
 * The score is SSIM (Wang, Bovik, Sheikh, Simoncelli 2004) on linear-light
 * luminance, the same computation for every tool:
 *
 *  1. Both files are decoded by libvips, turned upright (EXIF orientation),
 *     converted to 8-bit sRGB (an embedded ICC profile is applied); alpha is
 *     kept for step 4.
 *  2. When the output is smaller than the reference (a resize scenario), the
 *     reference is resized to exactly the output's size with libvips'
 *     Lanczos-3 (vips_thumbnail_image: no shrink-on-load, alpha
 *     premultiplied): every tool is measured against the same ideal resize.
 *  3. Each pixel becomes Y = 0.2126 R + 0.7152 G + 0.0722 B on
 *     sRGB-linearised values in [0, 1].
 *  4. An image with alpha (either one) is flattened on white and, separately,
 *     on black (in sRGB, as a browser composites), and the score is the mean
 *     of the two: alpha errors count even where the colour is white or
 *     black.  A missing alpha band counts as opaque.
 *  5. SSIM with an 11x11 Gaussian window (sigma 1.5), C1 = (0.01)^2,
 *     C2 = (0.03)^2 (L = 1), over every position where the window fits (no
 *     padding), averaged over the image.  1 means identical.  Images smaller
 *     than the window get one window over the whole image.
 *
 * Built by bench/compare: cc -O3 ssim.c $(pkg-config --cflags --libs vips) -lm
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vips/vips.h>

#define WIN 11
#define HALF (WIN / 2)
#define SIGMA 1.5

static float lin[256];	 /* sRGB 8-bit -> linear light */
static float gauss[WIN]; /* normalised 1-D Gaussian */

static void
tables(void)
{
	double sum = 0;
	int i;

	for (i = 0; i < 256; i++) {
		double v = i / 255.0;

		lin[i] = (float)(v <= 0.04045 ? v / 12.92 :
						pow((v + 0.055) / 1.055, 2.4));
	}
	for (i = 0; i < WIN; i++) {
		double d = i - HALF;

		gauss[i] = (float)exp(-d * d / (2 * SIGMA * SIGMA));
		sum += gauss[i];
	}
	for (i = 0; i < WIN; i++)
		gauss[i] = (float)(gauss[i] / sum);
}

/* An 8-bit sRGB image in memory: 3 bands, or 4 with alpha. */
struct pixels {
	unsigned char *data;
	int w, h, bands;
};

/* Replace *im by *next when r is 0.  next is a pointer: the call that
 * fills it is an argument of the same call, and C leaves the order in which
 * arguments are evaluated unspecified.
 */
static int
step(VipsImage **im, int r, VipsImage **next)
{
	if (r)
		return -1;
	g_object_unref(*im);
	*im = *next;
	*next = NULL;
	return 0;
}

/* Decode to upright 8-bit sRGB, 3 bands or 4 with alpha. */
static VipsImage *
load(const char *path)
{
	VipsImage *im, *next = NULL;

	if (!(im = vips_image_new_from_file(path, NULL)))
		return NULL;
	if (step(&im, vips_autorot(im, &next, NULL), &next))
		goto fail;
	if (vips_image_get_typeof(im, VIPS_META_ICC_NAME) &&
	    im->Type != VIPS_INTERPRETATION_B_W &&
	    im->Type != VIPS_INTERPRETATION_GREY16) {
		/* A profile that does not fit is ignored, as browsers do. */
		if (vips_icc_transform(im, &next, "srgb", "embedded", TRUE,
				       "intent", VIPS_INTENT_RELATIVE,
				       "depth", 8, NULL) == 0)
			step(&im, 0, &next);
		else
			vips_error_clear();
	}
	if (im->Type != VIPS_INTERPRETATION_sRGB ||
	    im->BandFmt != VIPS_FORMAT_UCHAR)
		if (step(&im, vips_colourspace(im, &next,
					       VIPS_INTERPRETATION_sRGB, NULL),
			 &next))
			goto fail;
	if (im->BandFmt != VIPS_FORMAT_UCHAR &&
	    step(&im, vips_cast(im, &next, VIPS_FORMAT_UCHAR, NULL), &next))
		goto fail;
	if (im->Bands > 4 &&
	    step(&im, vips_extract_band(im, &next, 0, "n", 4, NULL), &next))
		goto fail;
	if (im->Bands != 3 && im->Bands != 4) {
		vips_error("ssim", "%s: %d bands after conversion", path,
			   im->Bands);
		goto fail;
	}
	return im;
fail:
	g_object_unref(im);
	return NULL;
}

static int
pixels_from(VipsImage *im, struct pixels *p)
{
	size_t len;

	if (!(p->data = vips_image_write_to_memory(im, &len)))
		return -1;
	p->w = im->Xsize;
	p->h = im->Ysize;
	p->bands = im->Bands;
	return 0;
}

/* One row to linear luminance, flattened on bg (0 or 255) when it has
 * alpha.
 */
static void
luma_row(const struct pixels *p, int y, int bg, float *out)
{
	const unsigned char *s = p->data + (size_t)y * p->w * p->bands;
	int x;

	if (p->bands == 3) {
		for (x = 0; x < p->w; x++, s += 3)
			out[x] = 0.2126f * lin[s[0]] + 0.7152f * lin[s[1]] +
				 0.0722f * lin[s[2]];
		return;
	}
	for (x = 0; x < p->w; x++, s += 4) {
		int a = s[3], b = bg * (255 - a);

		out[x] = 0.2126f * lin[(s[0] * a + b + 127) / 255] +
			 0.7152f * lin[(s[1] * a + b + 127) / 255] +
			 0.0722f * lin[(s[2] * a + b + 127) / 255];
	}
}

/* out[x] = sum over k of gauss[k] * in[x + k], for x < n. */
static void
blur_row(const float *restrict in, float *restrict out, int n)
{
	int x, k;

	for (x = 0; x < n; x++)
		out[x] = gauss[0] * in[x];
	for (k = 1; k < WIN; k++) {
		const float g = gauss[k];

		for (x = 0; x < n; x++)
			out[x] += g * in[x + k];
	}
}

/* Mean SSIM of two images of the same size over background bg.  Rows
 * stream through a ring of WIN horizontally blurred rows (5 planes each: x,
 * y, x*x, y*y, x*y), so memory stays at a few rows; the loops are written
 * to vectorise.
 */
static double
ssim_window(const struct pixels *pa, const struct pixels *pb, int bg)
{
	const float c1 = 0.01f * 0.01f, c2 = 0.03f * 0.03f;
	const int w = pa->w, h = pa->h, ow = w - WIN + 1;
	float *in = g_new(float, (size_t)5 * w); /* one row, 5 planes */
	float *ring = g_new(float, (size_t)WIN * 5 * ow);
	float *v = g_new(float, (size_t)5 * ow); /* vertical sums */
	float *s = g_new(float, ow);
	double total = 0;
	int y, x, k, p;

	for (y = 0; y < h; y++) {
		float *a = in, *b = in + w, *aa = in + 2 * w, *bb = in + 3 * w,
		      *ab = in + 4 * w;
		float *r = ring + (size_t)(y % WIN) * 5 * ow;

		luma_row(pa, y, bg, a);
		luma_row(pb, y, bg, b);
		for (x = 0; x < w; x++) {
			aa[x] = a[x] * a[x];
			bb[x] = b[x] * b[x];
			ab[x] = a[x] * b[x];
		}
		for (p = 0; p < 5; p++)
			blur_row(in + (size_t)p * w, r + (size_t)p * ow, ow);
		if (y < WIN - 1)
			continue;

		/* Rows y-WIN+1 .. y are in the ring: one output row. */
		memset(v, 0, sizeof(float) * 5 * ow);
		for (k = 0; k < WIN; k++) {
			const float *q = ring +
				(size_t)((y - WIN + 1 + k) % WIN) * 5 * ow;
			const float g = gauss[k];

			for (x = 0; x < 5 * ow; x++)
				v[x] += g * q[x];
		}
		for (x = 0; x < ow; x++) {
			float m1 = v[x], m2 = v[ow + x];
			float v1 = v[2 * ow + x] - m1 * m1;
			float v2 = v[3 * ow + x] - m2 * m2;
			float cov = v[4 * ow + x] - m1 * m2;

			s[x] = (2 * m1 * m2 + c1) * (2 * cov + c2) /
			       ((m1 * m1 + m2 * m2 + c1) * (v1 + v2 + c2));
		}
		{
			double row = 0;

			for (x = 0; x < ow; x++)
				row += s[x];
			total += row;
		}
	}
	g_free(in);
	g_free(ring);
	g_free(v);
	g_free(s);
	return total / ((double)ow * (h - WIN + 1));
}

/* Images smaller than the window: one window over everything. */
static double
ssim_global(const struct pixels *pa, const struct pixels *pb, int bg)
{
	const double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
	const int w = pa->w, h = pa->h;
	double m1 = 0, m2 = 0, e11 = 0, e22 = 0, e12 = 0, n = (double)w * h;
	float *ya = g_new(float, w), *yb = g_new(float, w);
	int y, x;

	for (y = 0; y < h; y++) {
		luma_row(pa, y, bg, ya);
		luma_row(pb, y, bg, yb);
		for (x = 0; x < w; x++) {
			m1 += ya[x];
			m2 += yb[x];
			e11 += (double)ya[x] * ya[x];
			e22 += (double)yb[x] * yb[x];
			e12 += (double)ya[x] * yb[x];
		}
	}
	g_free(ya);
	g_free(yb);
	m1 /= n, m2 /= n, e11 /= n, e22 /= n, e12 /= n;
	return (2 * m1 * m2 + c1) * (2 * (e12 - m1 * m2) + c2) /
	       ((m1 * m1 + m2 * m2 + c1) *
		(e11 - m1 * m1 + e22 - m2 * m2 + c2));
}

static double
ssim_pixels(const struct pixels *a, const struct pixels *b)
{
	double (*f)(const struct pixels *, const struct pixels *, int) =
		a->w >= WIN && a->h >= WIN ? ssim_window : ssim_global;

	if (a->bands == 3 && b->bands == 3)
		return f(a, b, 0);
	return (f(a, b, 255) + f(a, b, 0)) / 2;
}

/* The reference, decoded once and kept in memory, with its last resize. */
struct ref {
	VipsImage *full;     /* in memory */
	struct pixels sized; /* full, or resized; data owned when resized */
	bool owned;
};

static void
ref_clear(struct ref *ref)
{
	if (ref->owned)
		g_free(ref->sized.data);
	memset(&ref->sized, 0, sizeof(ref->sized));
	ref->owned = false;
	if (ref->full) {
		g_object_unref(ref->full);
		ref->full = NULL;
	}
}

static int
ref_open(struct ref *ref, const char *path)
{
	VipsImage *im, *mem;

	ref_clear(ref);
	if (!(im = load(path)))
		return -1;
	/* Into memory once: every output and every resize reads it. */
	mem = vips_image_copy_memory(im);
	g_object_unref(im);
	if (!(ref->full = mem))
		return -1;
	ref->sized.data = VIPS_IMAGE_ADDR(mem, 0, 0);
	ref->sized.w = mem->Xsize;
	ref->sized.h = mem->Ysize;
	ref->sized.bands = mem->Bands;
	return 0;
}

/* The reference at w x h: Lanczos-3 from the full image. */
static const struct pixels *
ref_at(struct ref *ref, int w, int h)
{
	VipsImage *next = NULL;
	struct pixels p;
	int r;

	if (ref->sized.w == w && ref->sized.h == h)
		return &ref->sized;
	if (w > ref->full->Xsize || h > ref->full->Ysize) {
		vips_error("ssim", "output %dx%d larger than input %dx%d", w,
			   h, ref->full->Xsize, ref->full->Ysize);
		return NULL;
	}
	if (vips_thumbnail_image(ref->full, &next, w, "height", h, "size",
				 VIPS_SIZE_FORCE, NULL))
		return NULL;
	r = pixels_from(next, &p);
	g_object_unref(next);
	if (r)
		return NULL;
	if (ref->owned)
		g_free(ref->sized.data);
	ref->sized = p;
	ref->owned = true;
	return &ref->sized;
}

/* Score one output against the open reference; returns 0 and sets *score,
 * or -1 with the libvips error set.
 */
static int
score(struct ref *ref, const char *out_path, double *score)
{
	VipsImage *out;
	const struct pixels *a;
	struct pixels b = { 0 };
	int r = -1;

	if (!(out = load(out_path)))
		return -1;
	if (!(a = ref_at(ref, out->Xsize, out->Ysize)) || pixels_from(out, &b))
		goto done;
	*score = ssim_pixels(a, &b);
	r = 0;
done:
	g_free(b.data);
	g_object_unref(out);
	return r;
}

static void
print_error(FILE *f)
{
	char *e = g_strdup(vips_error_buffer());

	g_strdelimit(e, "\n\t", ' ');
	g_strstrip(e);
	fprintf(f, "error: %s", e[0] ? e : "unknown");
	g_free(e);
	vips_error_clear();
}

/* fields[0] is the reference, the rest outputs: one score (or error) each,
 * tab-separated, on one line.  Returns -1 when any failed.
 */
static int
score_line(char **fields, int n, FILE *f)
{
	struct ref ref = { 0 };
	int i, bad = 0;
	double s;

	if (ref_open(&ref, fields[0])) {
		char *e = g_strdup(vips_error_buffer());

		for (i = 1; i < n; i++) {
			vips_error_clear();
			vips_error("ssim", "reference: %s", e);
			if (i > 1)
				fputc('\t', f);
			print_error(f);
		}
		g_free(e);
		fputc('\n', f);
		fflush(f);
		ref_clear(&ref);
		return -1;
	}
	for (i = 1; i < n; i++) {
		if (i > 1)
			fputc('\t', f);
		if (score(&ref, fields[i], &s)) {
			print_error(f);
			bad = 1;
		} else
			fprintf(f, "%.6f", s);
	}
	fputc('\n', f);
	fflush(f);
	ref_clear(&ref);
	return bad ? -1 : 0;
}

int
main(int argc, char **argv)
{
	GString *line;
	int c;

	if (VIPS_INIT(argv[0]))
		vips_error_exit(NULL);
	vips_concurrency_set(1);
	vips_cache_set_max(0);
	tables();

	if (argc >= 3)
		return score_line(argv + 1, argc - 1, stdout) ? 1 : 0;
	if (argc != 1) {
		fprintf(stderr, "usage: ssim REFERENCE OUTPUT... | "
				"ssim < lines of REFERENCE<TAB>OUTPUT...\n");
		return 2;
	}
	line = g_string_new(NULL);
	for (;;) {
		char **fields;

		g_string_truncate(line, 0);
		while ((c = getchar()) != EOF && c != '\n')
			g_string_append_c(line, (char)c);
		if (c == EOF && line->len == 0)
			break;
		fields = g_strsplit(line->str, "\t", -1);
		if (g_strv_length(fields) < 2) {
			printf("error: expected REFERENCE<TAB>OUTPUT...\n");
			fflush(stdout);
		} else
			(void)score_line(fields, (int)g_strv_length(fields),
					 stdout);
		g_strfreev(fields);
		if (c == EOF)
			break;
	}
	g_string_free(line, TRUE);
	vips_shutdown();
	return 0;
}

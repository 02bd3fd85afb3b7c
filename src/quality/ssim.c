/* ssim.c: SSIM on linear-light luminance (the definition is in ssim.h).
 *
 * One pass over the rows: each row pair becomes linear Y through lookup
 * tables, the five planes SSIM needs (a, b, a*a, b*b, a*b) are blurred
 * horizontally into a ring of SSIM_WINDOW rows, and once the ring is full
 * each new row is blurred vertically and scored.  Memory is a few rows,
 * whatever the image size; the images are read a strip at a time.
 *
 * The same steps as libvips operations (colourspace to scRGB, five
 * gaussblurs, the arithmetic, avg) took 0.9 s for a 12 MP pair on one
 * thread, this loop 0.1 s (README, "Visual quality target"), and the
 * target search scores every candidate.
 */
#include "ssim.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <vips/vips.h>


#define SSIM_C1 (SSIM_K1 * SSIM_K1)
#define SSIM_C2 (SSIM_K2 * SSIM_K2)
#define SSIM_PLANES 5 /* a, b, a*a, b*b, a*b */

/* sRGB-encoded value to linear light: 8 bits plain (grey) and already
 * weighted for R, G and B, and 16 bits plain.
 */
static float ssim_lut8[256];
static float ssim_lut8w[3][256];
static float *ssim_lut16; /* 65536 floats, made on first 16-bit use */

static const double ssim_weights[3] = { 0.2126, 0.7152, 0.0722 };

/* The sRGB transfer function, v in [0, 1]. */
static double
ssim_eotf(double v)
{
	return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
}

/* For g_once(): the 8-bit tables. */
static gpointer
ssim_tables_make(gpointer data)
{
	int i, c;

	(void)data;
	for (i = 0; i < 256; i++) {
		double l = ssim_eotf(i / 255.0);

		ssim_lut8[i] = (float)l;
		for (c = 0; c < 3; c++)
			ssim_lut8w[c][i] = (float)(ssim_weights[c] * l);
	}
	return NULL;
}

/* For g_once(): the 16-bit table, only when a 16-bit image comes. */
static gpointer
ssim_lut16_make(gpointer data)
{
	float *t = g_malloc(65536 * sizeof(float));
	int i;

	(void)data;
	for (i = 0; i < 65536; i++)
		t[i] = (float)ssim_eotf(i / 65535.0);
	ssim_lut16 = t;
	return NULL;
}

/* Make the tables once per process, thread-safely. */
static void
ssim_tables(bool wide)
{
	static GOnce once8 = G_ONCE_INIT, once16 = G_ONCE_INIT;

	g_once(&once8, ssim_tables_make, NULL);
	if (wide)
		g_once(&once16, ssim_lut16_make, NULL);
}

float
ssim_linear8(int v)
{
	ssim_tables(false);
	return ssim_lut8[v & 0xFF];
}

/* The normalised 1-D Gaussian of n (odd) taps. */
static void
ssim_gaussian(float *g, int n)
{
	double sum = 0, t[SSIM_WINDOW];
	int i;

	for (i = 0; i < n; i++) {
		double d = i - n / 2;

		t[i] = exp(-d * d / (2 * SSIM_SIGMA * SSIM_SIGMA));
		sum += t[i];
	}
	for (i = 0; i < n; i++)
		g[i] = (float)(t[i] / sum);
}

/* Eight floats at a time with GCC's vector extension (clang has it too):
 * -O2 does not vectorise these loops by itself, and doing it by hand made
 * one 12 MP score about 4x faster.  On x86-64 without AVX each vector is two
 * SSE operations.  Loads and stores go through memcpy (unaligned moves).
 */
#define SSIM_VL 8

/* The hot loops also get an AVX2 copy, picked at load time by the CPU
 * (GCC's target_clones, x86-64 only): eight floats are then one
 * instruction instead of two SSE ones.
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SSIM_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SSIM_CLONES
#endif
typedef float ssim_vec __attribute__((vector_size(SSIM_VL * sizeof(float))));

/* Macros, not functions: a vector passed to or returned from a function
 * would change the ABI with -mavx (GCC's -Wpsabi).
 */
#define SSIM_LOAD(v, p) memcpy(&(v), (p), sizeof(ssim_vec))
#define SSIM_STORE(p, v) memcpy((p), &(v), sizeof(ssim_vec))

/* The running state: the window, one row of each plane unblurred and the
 * ring of horizontally blurred rows.  Rows are padded with zeros to whole
 * vectors; the padding's results are computed and never summed.
 */
struct ssim_run {
	int w, h, n, ow;
	int tile;		 /* > 0: only windows inside one tile count */
	int owp;		 /* ow rounded up to whole vectors */
	float g[SSIM_WINDOW];
	float *row[SSIM_PLANES]; /* owp + n - 1 + SSIM_VL floats (w used) */
	float *ring;		 /* n rows x SSIM_PLANES planes x owp */
	float *col[SSIM_PLANES]; /* owp floats: vertically blurred */
	float *map;		 /* owp floats: one row of SSIM values */
	double sum;
	double count;		 /* window positions summed */
};

/* Set up for a w x h pair: the window (smaller for tiny images), rows. */
static void
ssim_run_init(struct ssim_run *s, int w, int h)
{
	int n = SSIM_WINDOW, p;

	if (n > w)
		n = w;
	if (n > h)
		n = h;
	if (n % 2 == 0)
		n--;
	s->w = w;
	s->h = h;
	s->n = n;
	s->ow = w - n + 1;
	s->owp = (s->ow + SSIM_VL - 1) / SSIM_VL * SSIM_VL;
	ssim_gaussian(s->g, n);
	for (p = 0; p < SSIM_PLANES; p++) {
		s->row[p] = g_malloc0(((size_t)s->owp + n - 1 + SSIM_VL) *
				      sizeof(float));
		s->col[p] = g_malloc0((size_t)s->owp * sizeof(float));
	}
	s->ring = g_malloc0((size_t)n * SSIM_PLANES * s->owp * sizeof(float));
	s->map = g_malloc0((size_t)s->owp * sizeof(float));
	s->sum = 0;
	s->count = 0;
	s->tile = 0;
}

/* Free the rows (not s). */
static void
ssim_run_release(struct ssim_run *s)
{
	int p;

	for (p = 0; p < SSIM_PLANES; p++) {
		g_free(s->row[p]);
		g_free(s->col[p]);
	}
	g_free(s->ring);
	g_free(s->map);
}

/* out[x] = sum_k g[k] src[k][x] for the owp outputs: the horizontal blur
 * (src[k] = row + k) and the vertical one (src[k] = ring row k) alike.
 * The full window is unrolled and summed as a tree, so the additions do
 * not wait on each other; smaller windows (tiny images) take the loop.
 */
SSIM_CLONES static void
ssim_blur(const float *const *src, float *out, const float *g, int n,
	  int owp)
{
	int x, k;

	if (n == 11) {
		const ssim_vec zero = { 0 };
		const ssim_vec g0 = zero + g[0], g1 = zero + g[1];
		const ssim_vec g2 = zero + g[2], g3 = zero + g[3];
		const ssim_vec g4 = zero + g[4], g5 = zero + g[5];

		for (x = 0; x < owp; x += SSIM_VL) {
			ssim_vec u, v, t0, t1, t2;

#define SSIM_PAIR(t, gk, k)                                                   \
	do {                                                                  \
		SSIM_LOAD(u, src[k] + x);                                     \
		SSIM_LOAD(v, src[10 - k] + x);                                \
		t = gk * (u + v);                                             \
	} while (0)
			SSIM_PAIR(t0, g0, 0);
			SSIM_PAIR(t1, g1, 1);
			t0 += t1;
			SSIM_PAIR(t1, g2, 2);
			SSIM_PAIR(t2, g3, 3);
			t1 += t2;
			SSIM_PAIR(t2, g4, 4);
			SSIM_LOAD(u, src[5] + x);
			t2 += g5 * u;
#undef SSIM_PAIR
			t0 += t1 + t2;
			SSIM_STORE(out + x, t0);
		}
		return;
	}
	for (x = 0; x < owp; x += SSIM_VL) {
		ssim_vec acc, u, v;

		SSIM_LOAD(acc, src[n / 2] + x);
		acc *= g[n / 2];
		for (k = 0; k < n / 2; k++) {
			SSIM_LOAD(u, src[k] + x);
			SSIM_LOAD(v, src[n - 1 - k] + x);
			acc += g[k] * (u + v);
		}
		SSIM_STORE(out + x, acc);
	}
}

/* The ring row of plane p for input row y. */
static float *
ssim_ring(struct ssim_run *s, int y, int p)
{
	return s->ring + ((size_t)(y % s->n) * SSIM_PLANES + p) * s->owp;
}

/* Take input row y, already in s->row[0] (a) and s->row[1] (b). */
SSIM_CLONES static void
ssim_push_row(struct ssim_run *s, int y)
{
	const float *a = s->row[0], *b = s->row[1];
	float *aa = s->row[2], *bb = s->row[3], *ab = s->row[4];
	const float *src[SSIM_WINDOW];
	int n = s->n, owp = s->owp, x, k, p;
	const ssim_vec zero = { 0 };
	const ssim_vec c1 = zero + (float)SSIM_C1, c2 = zero + (float)SSIM_C2;
	double rowsum = 0;

	for (x = 0; x < s->w; x += SSIM_VL) {
		ssim_vec u, v, t;

		SSIM_LOAD(u, a + x);
		SSIM_LOAD(v, b + x);
		t = u * u;
		SSIM_STORE(aa + x, t);
		t = v * v;
		SSIM_STORE(bb + x, t);
		t = u * v;
		SSIM_STORE(ab + x, t);
	}
	for (p = 0; p < SSIM_PLANES; p++) {
		for (k = 0; k < n; k++)
			src[k] = s->row[p] + k;
		ssim_blur(src, ssim_ring(s, y, p), s->g, n, owp);
	}
	if (y < n - 1)
		return;

	/* The window's rows are y - n + 1 .. y. */
	for (p = 0; p < SSIM_PLANES; p++) {
		for (k = 0; k < n; k++)
			src[k] = ssim_ring(s, y - n + 1 + k, p);
		ssim_blur(src, s->col[p], s->g, n, owp);
	}
	for (x = 0; x < owp; x += SSIM_VL) {
		ssim_vec ma, mb, saa, sbb, sab, mab, m2, va, cov, q;

		SSIM_LOAD(ma, s->col[0] + x);
		SSIM_LOAD(mb, s->col[1] + x);
		SSIM_LOAD(saa, s->col[2] + x);
		SSIM_LOAD(sbb, s->col[3] + x);
		SSIM_LOAD(sab, s->col[4] + x);
		mab = ma * mb;
		m2 = ma * ma + mb * mb;
		va = saa + sbb - m2;
		cov = sab - mab;
		q = (2 * mab + c1) * (2 * cov + c2) / ((m2 + c1) * (va + c2));
		SSIM_STORE(s->map + x, q);
	}
	if (!s->tile) {
		for (x = 0; x < s->ow; x++)
			rowsum += s->map[x];
		s->count += s->ow;
	} else if ((y - n + 1) % s->tile <= s->tile - n) {
		/* A mosaic: windows across a seam see an edge that is in
		 * no image, and would score too high.
		 */
		for (x = 0; x < s->ow; x++)
			if (x % s->tile <= s->tile - n) {
				rowsum += s->map[x];
				s->count++;
			}
	}
	s->sum += rowsum;
}

/* The mean over the positions summed. */
static double
ssim_run_mean(const struct ssim_run *s)
{
	return s->count > 0 ? s->sum / s->count : 1.0;
}

double
ssim_planes(const float *a, const float *b, int w, int h, size_t stride)
{
	struct ssim_run s;
	double score;
	int y;

	ssim_run_init(&s, w, h);
	for (y = 0; y < h; y++) {
		size_t at = (size_t)y * stride, n = (size_t)w * sizeof(float);

		memcpy(s.row[0], a + at, n);
		memcpy(s.row[1], b + at, n);
		ssim_push_row(&s, y);
	}
	score = ssim_run_mean(&s);
	ssim_run_release(&s);
	return score;
}

/* Linear Y of one row (w pixels at p) of an image in the form ssim_convert()
 * gives.
 */
static void
ssim_luma_row(const VipsImage *im, const VipsPel *row, float *restrict out)
{
	int bands = im->Bands, w = im->Xsize, x;

	if (im->BandFmt == VIPS_FORMAT_UCHAR) {
		const unsigned char *p = row;

		if (bands >= 3)
			for (x = 0; x < w; x++, p += bands)
				out[x] = ssim_lut8w[0][p[0]] +
					 ssim_lut8w[1][p[1]] +
					 ssim_lut8w[2][p[2]];
		else
			for (x = 0; x < w; x++, p += bands)
				out[x] = ssim_lut8[p[0]];
	} else {
		const unsigned short *p = (const unsigned short *)row;
		const float *t = ssim_lut16;

		if (bands >= 3)
			for (x = 0; x < w; x++, p += bands)
				out[x] = (float)(0.2126 * t[p[0]] +
						 0.7152 * t[p[1]] +
						 0.0722 * t[p[2]]);
		else
			for (x = 0; x < w; x++, p += bands)
				out[x] = t[p[0]];
	}
}

/* 1-4 bands of uchar or ushort, no alpha to flatten. */
static bool
ssim_in_form(VipsImage *im)
{
	return (im->BandFmt == VIPS_FORMAT_UCHAR ||
		im->BandFmt == VIPS_FORMAT_USHORT) &&
	       im->Bands >= 1 && im->Bands <= 4 && !vips_image_hasalpha(im) &&
	       im->Type != VIPS_INTERPRETATION_CMYK;
}

static bool
ssim_in_memory(VipsImage *im)
{
	return im->dtype == VIPS_IMAGE_SETBUF ||
	       im->dtype == VIPS_IMAGE_SETBUF_FOREIGN ||
	       im->dtype == VIPS_IMAGE_MMAPIN ||
	       im->dtype == VIPS_IMAGE_MMAPINRW;
}

/* in, as a (lazy) image in the form the score reads. */
static int
ssim_convert(VipsImage *in, VipsImage **out)
{
	VipsImage *im, *next;
	bool wide;

	im = g_object_ref(in);
	if (ssim_in_form(im)) {
		*out = im;
		return 0;
	}

	/* Anything but 8/16-bit sRGB or grey (CMYK, float, Lab, ...): to
	 * 8-bit sRGB, keeping an alpha band.
	 */
	wide = im->BandFmt == VIPS_FORMAT_USHORT;
	if ((im->BandFmt != VIPS_FORMAT_UCHAR && !wide) || im->Bands > 4 ||
	    im->Type == VIPS_INTERPRETATION_CMYK) {
		if (vips_colourspace(im, &next, VIPS_INTERPRETATION_sRGB,
				     NULL))
			goto fail;
		g_object_unref(im);
		im = next;
		if (im->BandFmt != VIPS_FORMAT_UCHAR) {
			if (vips_cast(im, &next, VIPS_FORMAT_UCHAR, NULL))
				goto fail;
			g_object_unref(im);
			im = next;
		}
		wide = false;
	}
	if (vips_image_hasalpha(im)) {
		/* On white in the stored values, as the JPEG output. */
		VipsArrayDouble *white =
			vips_array_double_newv(1, wide ? 65535.0 : 255.0);
		int r = vips_flatten(im, &next, "background", white,
				     "max_alpha", wide ? 65535.0 : 255.0, NULL);

		vips_area_unref(VIPS_AREA(white));
		if (r)
			goto fail;
		g_object_unref(im);
		im = next;
		if (im->BandFmt != (wide ? VIPS_FORMAT_USHORT :
					   VIPS_FORMAT_UCHAR)) {
			if (vips_cast(im, &next, wide ? VIPS_FORMAT_USHORT :
							VIPS_FORMAT_UCHAR,
				      NULL))
				goto fail;
			g_object_unref(im);
			im = next;
		}
	}
	*out = im;
	return 0;

fail:
	g_object_unref(im);
	return -1;
}

int
ssim_prepare(VipsImage *in, VipsImage **out)
{
	VipsImage *im;

	if (ssim_in_form(in) && ssim_in_memory(in)) {
		*out = g_object_ref(in);
		return 0;
	}
	if (ssim_convert(in, &im))
		return -1;
	*out = vips_image_copy_memory(im);
	g_object_unref(im);
	return *out ? 0 : -1;
}

/* Rows are read in strips through regions: an image in memory is read in
 * place, a lazy one (a decoder) is computed a strip at a time in this
 * thread, so a candidate is never copied whole into memory.
 */
#define SSIM_STRIP 64

int
ssim_score(VipsImage *a, VipsImage *b, double *score)
{
	return ssim_score_tiles(a, b, 0, score);
}

int
ssim_score_tiles(VipsImage *a, VipsImage *b, int tile, double *score)
{
	VipsImage *ca = NULL, *cb = NULL;
	VipsRegion *ra = NULL, *rb = NULL;
	struct ssim_run s;
	int y, y0, r = -1;

	if (a->Xsize != b->Xsize || a->Ysize != b->Ysize) {
		vips_error("ssim", "images differ in size (%dx%d vs %dx%d)",
			   a->Xsize, a->Ysize, b->Xsize, b->Ysize);
		return -1;
	}
	if (ssim_convert(a, &ca) || ssim_convert(b, &cb))
		goto out;
	ssim_tables(ca->BandFmt == VIPS_FORMAT_USHORT ||
		    cb->BandFmt == VIPS_FORMAT_USHORT);
	ra = vips_region_new(ca);
	rb = vips_region_new(cb);

	ssim_run_init(&s, a->Xsize, a->Ysize);
	if (tile >= s.n)
		s.tile = tile;
	for (y0 = 0; y0 < s.h; y0 += SSIM_STRIP) {
		VipsRect strip = { 0, y0, s.w, VIPS_MIN(SSIM_STRIP, s.h - y0) };

		if (vips_region_prepare(ra, &strip) ||
		    vips_region_prepare(rb, &strip)) {
			ssim_run_release(&s);
			goto out;
		}
		for (y = y0; y < y0 + strip.height; y++) {
			ssim_luma_row(ca, VIPS_REGION_ADDR(ra, 0, y), s.row[0]);
			ssim_luma_row(cb, VIPS_REGION_ADDR(rb, 0, y), s.row[1]);
			ssim_push_row(&s, y);
		}
	}
	*score = ssim_run_mean(&s);
	ssim_run_release(&s);
	r = 0;
out:
	VIPS_UNREF(ra);
	VIPS_UNREF(rb);
	VIPS_UNREF(ca);
	VIPS_UNREF(cb);
	return r;
}

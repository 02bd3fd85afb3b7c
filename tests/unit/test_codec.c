/* test_codec.c: codec_run() against real libvips on images made here.
 *
 * Every input is generated with libvips (testutil.c, or by hand, byte by
 * byte) into a mkdtemp() directory, so the test needs no data files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vips/vips.h>

#include "base/clock.h"
#include "codec/codec.h"
#include "codec/metadata.h"
#include "codec/sniff.h"

#include "testutil.h"

#define SECRET_ARTIST "imgopt-secret-artist"
#define SECRET_XMP "imgopt-secret-xmp"

/* ---- helpers ---------------------------------------------------------- */

static struct codec_request
base_request(void)
{
	struct codec_request req;

	memset(&req, 0, sizeof(req));
	req.settings.quality_global = 90;
	req.settings.maintain_aspect = true;
	req.settings.output_format = IMGOPT_FORMAT_ORIGINAL;
	req.max_pixels = 268402689;
	req.max_file_size = 1ULL << 30;
	req.fail_on = IMGOPT_FAIL_ON_WARNING;
	return req;
}

/* Run the codec on in (a name in the scratch folder, or an absolute path)
 * into a fresh "out" there.  Returns the output path (g_free) and fills
 * *reply.
 */
static char *
run_codec(struct codec_request *req, const char *in,
	  struct codec_reply *reply)
{
	char *in_path = in[0] == '/' ? g_strdup(in) : testutil_path(in);
	char *out_path = testutil_path("out");
	int fd = open(out_path, O_CREAT | O_WRONLY | O_TRUNC, 0644);

	assert_true(fd >= 0);
	close(fd);
	req->input_path = in_path;
	req->output_path = out_path;
	(void)codec_run(req, reply);
	/* The reason is one clean line. */
	if (!reply->ok) {
		size_t n = strlen(reply->error);

		assert_true(n > 0);
		assert_null(strchr(reply->error, '\n'));
		assert_true(reply->error[n - 1] != '.');
	}
	g_free(in_path);
	return out_path;
}

/* Run and expect an error containing want. */
static void
expect_error(struct codec_request *req, const char *in, const char *want)
{
	struct codec_reply reply;
	char *out = run_codec(req, in, &reply);

	if (reply.ok || !strstr(reply.error, want))
		fail_msg("%s: want error \"%s\", got %s \"%s\"", in, want,
			 reply.ok ? "success" : "error", reply.error);
	g_free(out);
}

/* Save im as name in the scratch folder, in fmt.  Written to a plain name
 * and renamed, so names with "[...]" are never parsed by libvips.
 */
static void
save_as(VipsImage *im, const char *name, enum imgopt_format fmt, int q)
{
	char *tmp = testutil_path("saving.tmp");
	char *path = testutil_path(name);
	int r = -1;

	switch (fmt) {
	case IMGOPT_FORMAT_JPEG:
		r = vips_jpegsave(im, tmp, "Q", q, NULL);
		break;
	case IMGOPT_FORMAT_PNG:
		r = vips_pngsave(im, tmp, NULL);
		break;
	case IMGOPT_FORMAT_WEBP:
		r = vips_webpsave(im, tmp, "Q", q, NULL);
		break;
	case IMGOPT_FORMAT_AVIF:
		r = vips_heifsave(im, tmp, "Q", q, "compression",
				  VIPS_FOREIGN_HEIF_COMPRESSION_AV1, "effort",
				  0, "bitdepth", 8, NULL);
		break;
	default:
		break;
	}
	if (r)
		fail_msg("save %s: %s", name, vips_error_buffer());
	assert_int_equal(rename(tmp, path), 0);
	g_free(tmp);
	g_free(path);
}

static void
write_bytes(const char *name, const void *data, size_t len)
{
	char *path = testutil_path(name);

	assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
	g_free(path);
}

static void
write_text(const char *name, const char *text)
{
	write_bytes(name, text, strlen(text));
}

static gchar *
read_bytes(const char *path, size_t *len)
{
	gchar *data = NULL;
	gsize n = 0;

	assert_true(g_file_get_contents(path, &data, &n, NULL));
	*len = n;
	return data;
}

static enum imgopt_format
sniff_path(const char *path)
{
	size_t len;
	gchar *data = read_bytes(path, &len);
	const char *what;
	enum imgopt_format f;

	f = sniff_format((unsigned char *)data,
			 len < SNIFF_BYTES ? len : SNIFF_BYTES, &what);
	g_free(data);
	return f;
}

static VipsImage *
load_path(const char *path)
{
	VipsImage *im = vips_image_new_from_file(path, NULL);

	if (!im)
		fail_msg("load %s: %s", path, vips_error_buffer());
	return im;
}

static void
pixel(VipsImage *im, int x, int y, double *v, int want_bands)
{
	double *p;
	int n, i;

	assert_int_equal(vips_getpoint(im, &p, &n, x, y, NULL), 0);
	assert_true(n >= want_bands);
	for (i = 0; i < want_bands; i++)
		v[i] = p[i];
	g_free(p);
}

static uint32_t
crc32_png(const unsigned char *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = c >> 1 ^ (0xEDB88320u & (0u - (c & 1)));
	}
	return ~c;
}

static size_t
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
	return 4;
}

/* Append a PNG chunk with a correct CRC (or a wrong one). */
static size_t
put_chunk(unsigned char *p, const char *type, const void *data,
	  uint32_t len, bool good_crc)
{
	size_t n = put_be32(p, len);

	memcpy(p + n, type, 4);
	memcpy(p + n + 4, data, len);
	n += 4 + len;
	n += put_be32(p + n, crc32_png(p + 4, len + 4) ^ (good_crc ? 0 : 1));
	return n;
}

/* A minimal ICC v2 grey profile (gamma 2.2), built by hand: libvips has
 * no built-in grey profile and the test must not depend on system files.
 */
static unsigned char *
grey_profile(size_t *len)
{
	static const char desc[] = "Grey gamma 2.2";
	size_t desc_len = 12 + sizeof(desc) + 8 + 3 + 67;
	size_t desc_at = 128 + 4 + 3 * 12, wtpt_at, trc_at, n;
	unsigned char *p;

	desc_len = (desc_len + 3) & ~(size_t)3;
	wtpt_at = desc_at + desc_len;
	trc_at = wtpt_at + 20;
	n = trc_at + 16;
	p = g_malloc0(n);
	put_be32(p, (uint32_t)n);
	put_be32(p + 8, 0x02100000);
	memcpy(p + 12, "mntrGRAYXYZ ", 12);
	memcpy(p + 36, "acsp", 4);
	/* D50 illuminant, s15Fixed16. */
	put_be32(p + 68, 0x0000F6D6);
	put_be32(p + 72, 0x00010000);
	put_be32(p + 76, 0x0000D32D);
	put_be32(p + 128, 3);
	memcpy(p + 132, "desc", 4);
	put_be32(p + 136, (uint32_t)desc_at);
	put_be32(p + 140, (uint32_t)(12 + sizeof(desc) + 8 + 3 + 67));
	memcpy(p + 144, "wtpt", 4);
	put_be32(p + 148, (uint32_t)wtpt_at);
	put_be32(p + 152, 20);
	memcpy(p + 156, "kTRC", 4);
	put_be32(p + 160, (uint32_t)trc_at);
	put_be32(p + 164, 14);
	memcpy(p + desc_at, "desc", 4);
	put_be32(p + desc_at + 8, sizeof(desc));
	memcpy(p + desc_at + 12, desc, sizeof(desc));
	memcpy(p + wtpt_at, "XYZ ", 4);
	put_be32(p + wtpt_at + 8, 0x0000F6D6);
	put_be32(p + wtpt_at + 12, 0x00010000);
	put_be32(p + wtpt_at + 16, 0x0000D32D);
	memcpy(p + trc_at, "curv", 4);
	put_be32(p + trc_at + 8, 1);
	p[trc_at + 12] = 2;
	p[trc_at + 13] = 0x33;
	*len = n;
	return p;
}

/* A WebP file's chunk FourCCs include this one. */
static bool
webp_has_chunk(const unsigned char *b, size_t n, const char *fourcc)
{
	size_t off = 12;

	while (off + 8 <= n) {
		uint32_t sz = b[off + 4] | b[off + 5] << 8 |
			      b[off + 6] << 16 | (uint32_t)b[off + 7] << 24;

		if (memcmp(b + off, fourcc, 4) == 0)
			return true;
		off += 8 + (size_t)sz + (sz & 1);
	}
	return false;
}

/* An image with EXIF (orientation and an artist) and XMP. */
static VipsImage *
with_metadata(VipsImage *in, int orientation)
{
	static const char xmp[] = "<x:xmpmeta xmlns:x='adobe:ns:meta/'>"
				  SECRET_XMP "</x:xmpmeta>";
	VipsImage *out;

	assert_int_equal(vips_copy(in, &out, NULL), 0);
	vips_image_set_int(out, VIPS_META_ORIENTATION, orientation);
	vips_image_set_string(out, "exif-ifd0-Artist", SECRET_ARTIST);
	vips_image_set_blob_copy(out, VIPS_META_XMP_NAME, xmp,
				 sizeof(xmp) - 1);
	return out;
}

static int
group_setup(void **state)
{
	(void)state;
	return testutil_setup("codec");
}

static int
group_teardown(void **state)
{
	(void)state;
	testutil_teardown();
	codec_shutdown();
	return 0;
}

/* ---- tests -------------------------------------------------------------- */

/* Every output format from one input, told apart by its bytes. */
static void
test_output_formats(void **state)
{
	static const enum imgopt_format fmts[] = {
		IMGOPT_FORMAT_JPEG, IMGOPT_FORMAT_PNG, IMGOPT_FORMAT_WEBP,
		IMGOPT_FORMAT_AVIF,
	};
	VipsImage *im = testutil_smooth(64, 48, 3);
	size_t i;

	(void)state;
	save_as(im, "formats.png", IMGOPT_FORMAT_PNG, 0);
	g_object_unref(im);

	for (i = 0; i < G_N_ELEMENTS(fmts); i++) {
		struct codec_request req = base_request();
		struct codec_reply reply;
		char *out;
		VipsImage *o;

		req.settings.output_format = fmts[i];
		out = run_codec(&req, "formats.png", &reply);
		assert_true(reply.ok);
		assert_int_equal(reply.input_format, IMGOPT_FORMAT_PNG);
		assert_int_equal(reply.output_format, fmts[i]);
		assert_int_equal(sniff_path(out), fmts[i]);
		assert_int_equal(reply.in_width, 64);
		assert_int_equal(reply.in_height, 48);
		o = load_path(out);
		assert_int_equal(o->Xsize, 64);
		assert_int_equal(o->Ysize, 48);
		assert_int_equal(reply.out_width, 64);
		assert_int_equal(reply.out_height, 48);
		g_object_unref(o);
		g_free(out);
	}
}

struct resize_case {
	enum imgopt_resize_mode mode;
	int size, box_w, box_h;
	bool aspect;
	int want_w, want_h;
};

static void
check_resize(const char *in, const struct resize_case *c)
{
	struct codec_request req = base_request();
	struct codec_reply reply;
	char *out;
	VipsImage *o;

	req.settings.resize_mode = c->mode;
	req.settings.resize_size = c->size;
	req.settings.resize_width = c->box_w;
	req.settings.resize_height = c->box_h;
	req.settings.maintain_aspect = c->aspect;
	out = run_codec(&req, in, &reply);
	if (!reply.ok)
		fail_msg("%s: %s", in, reply.error);
	o = load_path(out);
	if (o->Xsize != c->want_w || o->Ysize != c->want_h ||
	    reply.out_width != c->want_w || reply.out_height != c->want_h)
		fail_msg("%s mode %d size %d box %dx%d: want %dx%d, got %dx%d "
			 "(reply %dx%d)",
			 in, c->mode, c->size, c->box_w, c->box_h, c->want_w,
			 c->want_h, o->Xsize, o->Ysize, reply.out_width,
			 reply.out_height);
	g_object_unref(o);
	g_free(out);
}

static void
test_resize_modes(void **state)
{
	static const struct resize_case cases[] = {
		{ IMGOPT_RESIZE_WIDTH, 100, 0, 0, true, 100, 50 },
		{ IMGOPT_RESIZE_HEIGHT, 50, 0, 0, true, 100, 50 },
		{ IMGOPT_RESIZE_LONGEST, 100, 0, 0, true, 100, 50 },
		{ IMGOPT_RESIZE_SHORTEST, 50, 0, 0, true, 100, 50 },
		{ IMGOPT_RESIZE_WIDTH, 99, 0, 0, true, 99, 50 },
		/* Legacy box: fit inside, or exact without aspect. */
		{ IMGOPT_RESIZE_NONE, 0, 100, 100, true, 100, 50 },
		{ IMGOPT_RESIZE_NONE, 0, 100, 0, true, 100, 50 },
		{ IMGOPT_RESIZE_NONE, 0, 0, 40, true, 80, 40 },
		{ IMGOPT_RESIZE_NONE, 0, 100, 100, false, 100, 100 },
		{ IMGOPT_RESIZE_NONE, 0, 1000, 100, false, 400, 100 },
		/* Never enlarge. */
		{ IMGOPT_RESIZE_WIDTH, 800, 0, 0, true, 400, 200 },
		{ IMGOPT_RESIZE_LONGEST, 4000, 0, 0, true, 400, 200 },
		{ IMGOPT_RESIZE_SHORTEST, 201, 0, 0, true, 400, 200 },
		{ IMGOPT_RESIZE_NONE, 0, 1000, 1000, true, 400, 200 },
		{ IMGOPT_RESIZE_NONE, 0, 1000, 1000, false, 400, 200 },
		{ IMGOPT_RESIZE_NONE, 0, 0, 0, true, 400, 200 },
	};
	static const struct resize_case shrink_on_load[] = {
		/* JPEG shrink 8 and WebP scale, then the exact size. */
		{ IMGOPT_RESIZE_WIDTH, 100, 0, 0, true, 100, 50 },
		{ IMGOPT_RESIZE_LONGEST, 333, 0, 0, true, 333, 167 },
		{ IMGOPT_RESIZE_NONE, 0, 150, 30, false, 150, 30 },
	};
	VipsImage *im = testutil_smooth(400, 200, 3);
	VipsImage *big = testutil_smooth(2000, 1000, 3);
	size_t i;

	(void)state;
	save_as(im, "resize.jpg", IMGOPT_FORMAT_JPEG, 90);
	save_as(big, "big.jpg", IMGOPT_FORMAT_JPEG, 90);
	save_as(big, "big.webp", IMGOPT_FORMAT_WEBP, 80);
	g_object_unref(im);
	g_object_unref(big);

	for (i = 0; i < G_N_ELEMENTS(cases); i++)
		check_resize("resize.jpg", &cases[i]);
	for (i = 0; i < G_N_ELEMENTS(shrink_on_load); i++) {
		check_resize("big.jpg", &shrink_on_load[i]);
		check_resize("big.webp", &shrink_on_load[i]);
	}
}

/* PNG with alpha keeps 4 bands in every format with alpha, resized or
 * not; JPEG gets it flattened.
 */
static void
test_alpha(void **state)
{
	static const enum imgopt_format fmts[] = {
		IMGOPT_FORMAT_PNG, IMGOPT_FORMAT_WEBP, IMGOPT_FORMAT_AVIF,
	};
	VipsImage *im = testutil_smooth(64, 64, 4);
	size_t i;
	int size;

	(void)state;
	save_as(im, "alpha.png", IMGOPT_FORMAT_PNG, 0);
	g_object_unref(im);

	for (size = 0; size <= 32; size += 32)
		for (i = 0; i < G_N_ELEMENTS(fmts); i++) {
			struct codec_request req = base_request();
			struct codec_reply reply;
			char *out;
			VipsImage *o;

			req.settings.output_format = fmts[i];
			if (size) {
				req.settings.resize_mode = IMGOPT_RESIZE_WIDTH;
				req.settings.resize_size = size;
			}
			out = run_codec(&req, "alpha.png", &reply);
			assert_true(reply.ok);
			o = load_path(out);
			assert_int_equal(o->Bands, 4);
			assert_int_equal(o->Xsize, size ? size : 64);
			g_object_unref(o);
			g_free(out);
		}

	{
		struct codec_request req = base_request();
		struct codec_reply reply;
		char *out;
		VipsImage *o;

		req.settings.output_format = IMGOPT_FORMAT_JPEG;
		out = run_codec(&req, "alpha.png", &reply);
		assert_true(reply.ok);
		o = load_path(out);
		assert_int_equal(o->Bands, 3);
		g_object_unref(o);
		g_free(out);
	}
}

/* Greyscale stays one band (plus alpha) where the format allows it. */
static void
test_grey(void **state)
{
	VipsImage *g = testutil_smooth(64, 64, 1);
	VipsImage *ga = testutil_smooth(64, 64, 2);
	struct codec_request req;
	struct codec_reply reply;
	char *out;
	VipsImage *o;

	(void)state;
	save_as(g, "grey.png", IMGOPT_FORMAT_PNG, 0);
	save_as(g, "grey.jpg", IMGOPT_FORMAT_JPEG, 95);
	save_as(ga, "grey-alpha.png", IMGOPT_FORMAT_PNG, 0);
	g_object_unref(g);
	g_object_unref(ga);

	req = base_request();
	req.settings.output_format = IMGOPT_FORMAT_JPEG;
	out = run_codec(&req, "grey.png", &reply);
	assert_true(reply.ok);
	o = load_path(out);
	assert_int_equal(o->Bands, 1);
	g_object_unref(o);
	g_free(out);

	req = base_request();
	req.settings.resize_mode = IMGOPT_RESIZE_WIDTH;
	req.settings.resize_size = 32;
	out = run_codec(&req, "grey.jpg", &reply);
	assert_true(reply.ok);
	o = load_path(out);
	assert_int_equal(o->Bands, 1);
	g_object_unref(o);
	g_free(out);

	req = base_request();
	req.settings.quality_global = 100;
	req.allow_larger = true;
	out = run_codec(&req, "grey-alpha.png", &reply);
	assert_true(reply.ok);
	o = load_path(out);
	assert_int_equal(o->Bands, 2);
	g_object_unref(o);
	g_free(out);
}

/* A grey image with a grey ICC profile goes through the profile and comes
 * back grey, one band, without the profile.
 */
static void
test_grey_icc(void **state)
{
	VipsImage *g = testutil_smooth(64, 48, 1), *t;
	struct codec_request req = base_request();
	struct codec_reply reply;
	unsigned char *icc;
	size_t len;
	char *out;
	VipsImage *o;

	(void)state;
	icc = grey_profile(&len);
	assert_int_equal(vips_copy(g, &t, NULL), 0);
	vips_image_set_blob_copy(t, VIPS_META_ICC_NAME, icc, len);
	save_as(t, "grey-icc.jpg", IMGOPT_FORMAT_JPEG, 90);
	g_object_unref(t);
	g_object_unref(g);
	g_free(icc);

	req.allow_larger = true;
	out = run_codec(&req, "grey-icc.jpg", &reply);
	if (!reply.ok)
		fail_msg("%s", reply.error);
	o = load_path(out);
	assert_int_equal(o->Bands, 1);
	assert_false(vips_image_get_typeof(o, VIPS_META_ICC_NAME));
	g_object_unref(o);
	g_free(out);
}

/* 16-bit PNG: 16 bits kept for lossless PNG, 8 for everything else. */
static void
test_16bit(void **state)
{
	VipsImage *im = testutil_smooth(48, 32, 3), *wide, *t;
	struct codec_request req;
	struct codec_reply reply;
	char *out;
	VipsImage *o;

	(void)state;
	assert_int_equal(vips_linear1(im, &t, 257.0, 0.0, NULL), 0);
	assert_int_equal(vips_cast(t, &wide, VIPS_FORMAT_USHORT, NULL), 0);
	g_object_unref(t);
	assert_int_equal(vips_copy(wide, &t, "interpretation",
				   VIPS_INTERPRETATION_RGB16, NULL),
			 0);
	save_as(t, "wide.png", IMGOPT_FORMAT_PNG, 0);
	g_object_unref(t);
	g_object_unref(wide);
	g_object_unref(im);

	req = base_request();
	req.settings.quality[IMGOPT_FORMAT_PNG] = 100;
	req.allow_larger = true;
	out = run_codec(&req, "wide.png", &reply);
	assert_true(reply.ok);
	o = load_path(out);
	assert_int_equal(o->BandFmt, VIPS_FORMAT_USHORT);
	g_object_unref(o);
	g_free(out);

	req = base_request();
	req.allow_larger = true;
	out = run_codec(&req, "wide.png", &reply);
	assert_true(reply.ok);
	o = load_path(out);
	assert_int_equal(o->BandFmt, VIPS_FORMAT_UCHAR);
	g_object_unref(o);
	g_free(out);

	req = base_request();
	req.settings.output_format = IMGOPT_FORMAT_WEBP;
	out = run_codec(&req, "wide.png", &reply);
	assert_true(reply.ok);
	o = load_path(out);
	assert_int_equal(o->BandFmt, VIPS_FORMAT_UCHAR);
	assert_int_equal(o->Bands, 3);
	g_object_unref(o);
	g_free(out);
}

/* 64x32, grey with a red 16x16 block at the stored top-left. */
static void
save_oriented(const char *name, int orientation)
{
	VipsImage *im = testutil_constant(64, 32, 3, 128), *t;
	double red[] = { 255, 0, 0 };

	assert_int_equal(vips_draw_rect(im, red, 3, 0, 0, 16, 16, "fill",
					TRUE, NULL),
			 0);
	t = with_metadata(im, orientation);
	save_as(t, name, IMGOPT_FORMAT_JPEG, 90);
	g_object_unref(t);
	g_object_unref(im);
}

static bool
is_red(VipsImage *im, int x, int y)
{
	double v[3];

	pixel(im, x, y, v, 3);
	return v[0] > 200 && v[1] < 60 && v[2] < 60;
}

static void
test_orientation(void **state)
{
	static const enum imgopt_format fmts[] = {
		IMGOPT_FORMAT_JPEG, IMGOPT_FORMAT_WEBP, IMGOPT_FORMAT_PNG,
	};
	struct codec_request req;
	struct codec_reply reply;
	char *out;
	VipsImage *o;
	size_t i;

	(void)state;
	save_oriented("orient6.jpg", 6);
	save_oriented("orient3.jpg", 3);

	for (i = 0; i < G_N_ELEMENTS(fmts); i++) {
		req = base_request();
		req.allow_larger = true;
		req.settings.output_format = fmts[i];
		out = run_codec(&req, "orient6.jpg", &reply);
		assert_true(reply.ok);
		assert_int_equal(reply.in_width, 64);
		assert_int_equal(reply.in_height, 32);
		assert_int_equal(reply.out_width, 32);
		assert_int_equal(reply.out_height, 64);
		o = load_path(out);
		assert_int_equal(o->Xsize, 32);
		assert_int_equal(o->Ysize, 64);
		/* Stored top-left turned 90 degrees clockwise: top-right. */
		assert_true(is_red(o, 24, 8));
		assert_false(is_red(o, 8, 8));
		assert_false(is_red(o, 8, 56));
		assert_false(is_red(o, 24, 56));
		/* Upright pixels, so no tag that would turn them again. */
		assert_int_equal(vips_image_get_orientation(o), 1);
		assert_false(vips_image_get_typeof(o, VIPS_META_EXIF_NAME));
		g_object_unref(o);
		g_free(out);
	}

	req = base_request();
	req.allow_larger = true;
	out = run_codec(&req, "orient3.jpg", &reply);
	assert_true(reply.ok);
	o = load_path(out);
	assert_int_equal(o->Xsize, 64);
	assert_int_equal(o->Ysize, 32);
	assert_true(is_red(o, 56, 24));
	assert_false(is_red(o, 8, 8));
	g_object_unref(o);
	g_free(out);

	/* Resized and rotated: 32 wide after rotation. */
	req = base_request();
	req.settings.resize_mode = IMGOPT_RESIZE_WIDTH;
	req.settings.resize_size = 16;
	out = run_codec(&req, "orient6.jpg", &reply);
	assert_true(reply.ok);
	o = load_path(out);
	assert_int_equal(o->Xsize, 16);
	assert_int_equal(o->Ysize, 32);
	assert_true(is_red(o, 12, 4));
	g_object_unref(o);
	g_free(out);
}

/* Display P3 pixels are converted to sRGB and lose the profile (or get an
 * sRGB one with keep_metadata); a lossless JPEG copy cannot convert, so it
 * keeps a P3 profile and drops an sRGB one.
 */
static void
test_icc(void **state)
{
	VipsImage *im = testutil_smooth(64, 48, 3), *t;
	struct codec_request req;
	struct codec_reply reply;
	const void *icc;
	size_t len;
	char *out;
	VipsImage *o;

	(void)state;
	assert_int_equal(vips_icc_transform(im, &t, "p3", "input_profile",
					    "srgb", NULL),
			 0);
	save_as(t, "p3.jpg", IMGOPT_FORMAT_JPEG, 90);
	g_object_unref(t);
	assert_int_equal(vips_icc_transform(im, &t, "srgb", "input_profile",
					    "srgb", NULL),
			 0);
	save_as(t, "srgb.jpg", IMGOPT_FORMAT_JPEG, 90);
	g_object_unref(t);
	g_object_unref(im);

	req = base_request();
	req.allow_larger = true;
	out = run_codec(&req, "p3.jpg", &reply);
	assert_true(reply.ok);
	o = load_path(out);
	assert_false(vips_image_get_typeof(o, VIPS_META_ICC_NAME));
	g_object_unref(o);
	g_free(out);

	req.keep_metadata = true;
	out = run_codec(&req, "p3.jpg", &reply);
	assert_true(reply.ok);
	o = load_path(out);
	assert_int_equal(vips_image_get_blob(o, VIPS_META_ICC_NAME, &icc,
					     &len),
			 0);
	assert_true(metadata_icc_is_srgb(icc, len));
	g_object_unref(o);
	g_free(out);

	req = base_request();
	req.allow_larger = true;
	req.settings.quality_global = 100;
	out = run_codec(&req, "p3.jpg", &reply);
	assert_true(reply.ok);
	o = load_path(out);
	assert_int_equal(vips_image_get_blob(o, VIPS_META_ICC_NAME, &icc,
					     &len),
			 0);
	assert_int_equal(metadata_icc_space(icc, len), METADATA_ICC_RGB);
	assert_false(metadata_icc_is_srgb(icc, len));
	g_object_unref(o);
	g_free(out);

	out = run_codec(&req, "srgb.jpg", &reply);
	assert_true(reply.ok);
	o = load_path(out);
	assert_false(vips_image_get_typeof(o, VIPS_META_ICC_NAME));
	g_object_unref(o);
	g_free(out);
}

/* Re-encoding a q40 JPEG at q95 grows it: the input's bytes come back. */
static void
test_never_worse(void **state)
{
	VipsImage *im = testutil_noise(128, 96, 3);
	struct codec_request req;
	struct codec_reply reply;
	char *out, *in = testutil_path("small.jpg");
	gchar *a, *b;
	size_t alen, blen;

	(void)state;
	save_as(im, "small.jpg", IMGOPT_FORMAT_JPEG, 40);
	save_as(im, "small.webp", IMGOPT_FORMAT_WEBP, 40);
	g_object_unref(im);

	/* Noise re-encoded at a higher quality grows: the input's bytes
	 * are written instead.
	 */
	req = base_request();
	req.settings.quality_global = 95;
	out = run_codec(&req, "small.webp", &reply);
	assert_true(reply.ok);
	assert_true(reply.kept_original);
	assert_int_equal(reply.optimized_size, reply.original_size);
	g_free(in);
	in = testutil_path("small.webp");
	a = read_bytes(in, &alen);
	b = read_bytes(out, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	g_free(a);
	g_free(b);
	g_free(out);
	g_free(in);
	in = testutil_path("small.jpg");

	/* A JPEG quantised more coarsely than the quality asked is not
	 * re-encoded but copied losslessly: the same pixels, never more
	 * bytes.
	 */
	out = run_codec(&req, "small.jpg", &reply);
	assert_true(reply.ok);
	assert_true(reply.optimized_size <= reply.original_size);
	{
		VipsImage *x = vips_image_new_from_file(in, NULL);
		VipsImage *y = vips_image_new_from_file(out, NULL);

		assert_non_null(x);
		assert_non_null(y);
		assert_true(testutil_max_diff(x, y) == 0);
		g_object_unref(x);
		g_object_unref(y);
	}
	g_free(out);

	/* allow_larger turns the rule off (and re-encodes the JPEG). */
	req = base_request();
	req.settings.quality_global = 95;
	req.allow_larger = true;
	out = run_codec(&req, "small.jpg", &reply);
	assert_true(reply.ok);
	assert_false(reply.kept_original);
	assert_true(reply.optimized_size > reply.original_size);
	g_free(out);

	/* Another format is never replaced by the input's bytes. */
	req = base_request();
	req.settings.quality_global = 95;
	req.settings.output_format = IMGOPT_FORMAT_PNG;
	out = run_codec(&req, "small.jpg", &reply);
	assert_true(reply.ok);
	assert_false(reply.kept_original);
	assert_int_equal(sniff_path(out), IMGOPT_FORMAT_PNG);
	g_free(out);

	/* Savings below min_savings_pct keep the input too. */
	im = testutil_smooth(256, 256, 3);
	save_as(im, "smooth.jpg", IMGOPT_FORMAT_JPEG, 92);
	g_object_unref(im);
	req = base_request();
	req.settings.quality_global = 85;
	out = run_codec(&req, "smooth.jpg", &reply);
	assert_true(reply.ok);
	assert_false(reply.kept_original);
	assert_true(reply.optimized_size < reply.original_size);
	g_free(out);
	req.min_savings_pct = 99.0;
	out = run_codec(&req, "smooth.jpg", &reply);
	assert_true(reply.ok);
	assert_true(reply.kept_original);
	g_free(out);
	g_free(in);
}

/* JPEG at quality 100: coefficients copied, pixels identical, only the
 * orientation survives of the EXIF.
 */
static void
test_jpeg_lossless(void **state)
{
	VipsImage *noise = testutil_noise(96, 64, 3);
	VipsImage *grey = testutil_noise(40, 24, 1);
	VipsImage *im = with_metadata(noise, 6);
	struct codec_request req;
	struct codec_reply reply;
	char *out, *in_path = testutil_path("lossless.jpg");
	VipsImage *a, *b;
	gchar *bytes;
	size_t len;

	(void)state;
	save_as(im, "lossless.jpg", IMGOPT_FORMAT_JPEG, 85);
	save_as(grey, "lossless-grey.jpg", IMGOPT_FORMAT_JPEG, 85);
	g_object_unref(im);
	g_object_unref(noise);
	g_object_unref(grey);

	req = base_request();
	req.settings.quality_global = 100;
	req.allow_larger = true;
	out = run_codec(&req, "lossless.jpg", &reply);
	assert_true(reply.ok);
	assert_false(reply.kept_original);
	assert_int_equal(reply.out_width, 96);
	assert_int_equal(reply.out_height, 64);

	a = load_path(in_path);
	b = load_path(out);
	assert_int_equal(b->Xsize, 96);
	assert_int_equal(b->Ysize, 64);
	assert_true(testutil_max_diff(a, b) == 0.0);
	assert_int_equal(vips_image_get_orientation(b), 6);
	assert_false(vips_image_get_typeof(b, "exif-ifd0-Artist"));
	assert_false(vips_image_get_typeof(b, VIPS_META_XMP_NAME));
	/* Progressive. */
	assert_true(vips_image_get_typeof(b, "interlaced"));
	g_object_unref(a);
	g_object_unref(b);
	bytes = read_bytes(out, &len);
	assert_null(memmem(bytes, len, SECRET_ARTIST, strlen(SECRET_ARTIST)));
	assert_null(memmem(bytes, len, SECRET_XMP, strlen(SECRET_XMP)));
	g_free(bytes);
	g_free(out);

	/* Metadata kept on request. */
	req.keep_metadata = true;
	out = run_codec(&req, "lossless.jpg", &reply);
	assert_true(reply.ok);
	bytes = read_bytes(out, &len);
	assert_non_null(memmem(bytes, len, SECRET_ARTIST,
			       strlen(SECRET_ARTIST)));
	assert_non_null(memmem(bytes, len, SECRET_XMP, strlen(SECRET_XMP)));
	g_free(bytes);
	g_free(out);

	/* Grey too. */
	req = base_request();
	req.settings.quality[IMGOPT_FORMAT_JPEG] = 100;
	req.allow_larger = true;
	out = run_codec(&req, "lossless-grey.jpg", &reply);
	assert_true(reply.ok);
	g_free(in_path);
	in_path = testutil_path("lossless-grey.jpg");
	a = load_path(in_path);
	b = load_path(out);
	assert_int_equal(b->Bands, 1);
	assert_true(testutil_max_diff(a, b) == 0.0);
	g_object_unref(a);
	g_object_unref(b);
	g_free(out);
	g_free(in_path);
}

/* No EXIF or XMP in any output unless kept; WebP checked chunk by chunk
 * because libvips 8.14 ignores strip for it.
 */
static void
test_metadata(void **state)
{
	static const enum imgopt_format fmts[] = {
		IMGOPT_FORMAT_JPEG, IMGOPT_FORMAT_PNG, IMGOPT_FORMAT_WEBP,
		IMGOPT_FORMAT_AVIF,
	};
	VipsImage *base = testutil_smooth(64, 48, 3);
	VipsImage *im = with_metadata(base, 1);
	size_t i, len;
	int keep;

	(void)state;
	save_as(im, "meta.jpg", IMGOPT_FORMAT_JPEG, 95);
	g_object_unref(im);
	g_object_unref(base);

	for (keep = 0; keep <= 1; keep++)
		for (i = 0; i < G_N_ELEMENTS(fmts); i++) {
			struct codec_request req = base_request();
			struct codec_reply reply;
			char *out;
			gchar *bytes;
			bool artist;

			req.settings.output_format = fmts[i];
			req.keep_metadata = keep;
			req.allow_larger = true;
			out = run_codec(&req, "meta.jpg", &reply);
			assert_true(reply.ok);
			bytes = read_bytes(out, &len);
			artist = memmem(bytes, len, SECRET_ARTIST,
					strlen(SECRET_ARTIST)) != NULL;
			if (!keep) {
				assert_false(artist);
				assert_null(memmem(bytes, len, SECRET_XMP,
						   strlen(SECRET_XMP)));
				assert_null(memmem(bytes, len, "Exif\0\0", 6));
			}
			if (fmts[i] == IMGOPT_FORMAT_WEBP) {
				assert_int_equal(webp_has_chunk(
					(unsigned char *)bytes, len, "EXIF"),
						 keep);
				assert_int_equal(webp_has_chunk(
					(unsigned char *)bytes, len, "XMP "),
						 keep);
			}
			if (keep && fmts[i] != IMGOPT_FORMAT_PNG &&
			    fmts[i] != IMGOPT_FORMAT_AVIF)
				assert_true(artist);
			g_free(bytes);
			g_free(out);
		}
}

static void
test_truncated(void **state)
{
	VipsImage *im = testutil_noise(128, 128, 3);
	struct codec_request req = base_request();
	char *path;
	gchar *data;
	size_t len;

	(void)state;
	save_as(im, "whole.jpg", IMGOPT_FORMAT_JPEG, 90);
	save_as(im, "whole.png", IMGOPT_FORMAT_PNG, 0);
	g_object_unref(im);

	path = testutil_path("whole.jpg");
	data = read_bytes(path, &len);
	write_bytes("half.jpg", data, len / 2);
	write_bytes("header-only.jpg", data, 120);
	g_free(data);
	g_free(path);
	path = testutil_path("whole.png");
	data = read_bytes(path, &len);
	write_bytes("half.png", data, len / 2);
	g_free(data);
	g_free(path);

	expect_error(&req, "half.jpg", "truncated JPEG");
	expect_error(&req, "header-only.jpg", "truncated JPEG");
	expect_error(&req, "half.png", "truncated PNG");
	/* Also on the lossless JPEG path. */
	req.settings.quality_global = 100;
	expect_error(&req, "half.jpg", "truncated JPEG");
}

/* A PNG header claiming 100000x100000 is refused from the header alone,
 * fast: decoding it would take gigabytes.
 */
static void
test_pixel_limit(void **state)
{
	unsigned char png[256], ihdr[13], idat[16];
	struct codec_request req = base_request();
	struct codec_reply reply;
	size_t n = 0;
	uint64_t t0;
	char *out;
	VipsImage *im;

	(void)state;
	memcpy(png, "\x89PNG\r\n\x1A\n", 8);
	n = 8;
	put_be32(ihdr, 100000);
	put_be32(ihdr + 4, 100000);
	memcpy(ihdr + 8, "\x08\x06\x00\x00\x00", 5);
	n += put_chunk(png + n, "IHDR", ihdr, 13, true);
	memset(idat, 0, sizeof(idat));
	n += put_chunk(png + n, "IDAT", idat, sizeof(idat), true);
	n += put_chunk(png + n, "IEND", "", 0, true);
	write_bytes("bomb.png", png, n);

	t0 = clock_now_ns();
	out = run_codec(&req, "bomb.png", &reply);
	assert_false(reply.ok);
	assert_true(clock_now_ns() - t0 < 1000000000u);
	assert_string_equal(reply.error, "image is 10000 MP (100000x100000), "
					 "over the 268 MP limit");
	assert_int_equal(reply.in_width, 100000);
	g_free(out);

	/* A lower limit on an ordinary image. */
	im = testutil_smooth(64, 64, 3);
	save_as(im, "limit.png", IMGOPT_FORMAT_PNG, 0);
	g_object_unref(im);
	req.max_pixels = 4000;
	expect_error(&req, "limit.png",
		     "image is 4096 pixels (64x64), over the 4000 pixel limit");
	req.max_pixels = 4096;
	out = run_codec(&req, "limit.png", &reply);
	assert_true(reply.ok);
	g_free(out);
}

/* Broken PNG headers, for which libvips has no words. */
static void
test_png_headers(void **state)
{
	unsigned char png[128], ihdr[13];
	struct codec_request req = base_request();
	size_t n;

	(void)state;
	memcpy(png, "\x89PNG\r\n\x1A\n", 8);
	put_be32(ihdr, 16);
	put_be32(ihdr + 4, 16);
	memcpy(ihdr + 8, "\x08\x02\x00\x00\x00", 5);
	n = 8 + put_chunk(png + 8, "IHDR", ihdr, 13, false);
	n += put_chunk(png + n, "IEND", "", 0, true);
	write_bytes("bad-crc.png", png, n);
	expect_error(&req, "bad-crc.png", "corrupt PNG (IHDR CRC)");

	put_be32(ihdr + 4, 0);
	n = 8 + put_chunk(png + 8, "IHDR", ihdr, 13, true);
	n += put_chunk(png + n, "IEND", "", 0, true);
	write_bytes("zero-height.png", png, n);
	expect_error(&req, "zero-height.png", "corrupt PNG");
}

static void
test_file_checks(void **state)
{
	struct codec_request req = base_request();
	char *fifo = testutil_path("fifo.jpg"), *dir = testutil_path("dir.jpg");
	char *loop_a = testutil_path("loop-a.jpg");
	char *loop_b = testutil_path("loop-b.jpg");
	char *dangling = testutil_path("dangling.jpg");
	VipsImage *im;
	uint64_t t0;

	(void)state;
	assert_int_equal(mkfifo(fifo, 0644), 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(symlink("loop-b.jpg", loop_a), 0);
	assert_int_equal(symlink("loop-a.jpg", loop_b), 0);
	assert_int_equal(symlink("does-not-exist.jpg", dangling), 0);
	write_bytes("empty.jpg", "", 0);
	write_text("text.png", "hello, world\n");
	write_bytes("anim.gif", "GIF89a\x10\x00\x10\x00\x00\x00\x00;", 14);
	write_text("doc.jpg", "%PDF-1.4\n%%EOF\n");
	write_text("drawing.png", "<svg xmlns='http://www.w3.org/2000/svg'/>");

	/* A FIFO with no writer must not block. */
	t0 = clock_now_ns();
	expect_error(&req, "fifo.jpg", "not a regular file (fifo)");
	assert_true(clock_now_ns() - t0 < 1000000000u);
	expect_error(&req, "dir.jpg", "not a regular file (directory)");
	expect_error(&req, "/dev/null",
		     "not a regular file (character device)");
	expect_error(&req, "loop-a.jpg", "too many levels of symbolic links");
	expect_error(&req, "dangling.jpg", "broken symlink");
	expect_error(&req, "missing.jpg", "no such file or directory");
	expect_error(&req, "empty.jpg", "empty file");
	expect_error(&req, "text.png", "not an image");
	expect_error(&req, "anim.gif", "unsupported format (GIF)");
	expect_error(&req, "doc.jpg", "unsupported format (PDF)");
	expect_error(&req, "drawing.png",
		     "unsupported format (SVG in a file named .png");

	/* Too large, from fstat. */
	im = testutil_noise(64, 64, 3);
	save_as(im, "large.jpg", IMGOPT_FORMAT_JPEG, 90);
	g_object_unref(im);
	req.max_file_size = 100;
	expect_error(&req, "large.jpg", "exceeds the 100 bytes limit");
	expect_error(&req, "large.jpg", "file size ");

	g_free(fifo);
	g_free(dir);
	g_free(loop_a);
	g_free(loop_b);
	g_free(dangling);
}

static void
test_permission(void **state)
{
	struct codec_request req = base_request();
	char *path = testutil_path("secret.jpg");

	(void)state;
	if (geteuid() == 0)
		skip(); /* root reads mode 000 files */
	write_bytes("secret.jpg", "\xFF\xD8\xFF", 3);
	assert_int_equal(chmod(path, 0), 0);
	expect_error(&req, "secret.jpg", "permission denied");
	g_free(path);
}

/* "x.jpg[shrink=2]" is the name of a file, not x.jpg with options. */
static void
test_bracket_name(void **state)
{
	VipsImage *small = testutil_smooth(64, 32, 3);
	VipsImage *big = testutil_smooth(320, 240, 3);
	struct codec_request req = base_request();
	struct codec_reply reply;
	char *out;

	(void)state;
	save_as(small, "decoy.jpg", IMGOPT_FORMAT_JPEG, 90);
	save_as(big, "decoy.jpg[shrink=2]", IMGOPT_FORMAT_JPEG, 90);
	g_object_unref(small);
	g_object_unref(big);

	req.settings.output_format = IMGOPT_FORMAT_PNG;
	out = run_codec(&req, "decoy.jpg[shrink=2]", &reply);
	assert_true(reply.ok);
	assert_int_equal(reply.in_width, 320);
	assert_int_equal(reply.in_height, 240);
	assert_int_equal(reply.out_width, 320);
	g_free(out);
}

/* CMYK becomes 3-band sRGB, not inverted: CMYK 0,0,0,0 is white paper. */
static void
test_cmyk(void **state)
{
	VipsImage *black, *cmyk;
	struct codec_request req;
	struct codec_reply reply;
	char *out;
	VipsImage *o;
	double v[3];
	int size;

	(void)state;
	assert_int_equal(vips_black(&black, 64, 48, "bands", 4, NULL), 0);
	assert_int_equal(vips_copy(black, &cmyk, "interpretation",
				   VIPS_INTERPRETATION_CMYK, NULL),
			 0);
	save_as(cmyk, "cmyk.jpg", IMGOPT_FORMAT_JPEG, 90);
	g_object_unref(cmyk);
	g_object_unref(black);

	for (size = 0; size <= 16; size += 16) {
		req = base_request();
		req.allow_larger = true;
		req.settings.quality_global = 100;
		if (size) {
			req.settings.resize_mode = IMGOPT_RESIZE_WIDTH;
			req.settings.resize_size = size;
		}
		out = run_codec(&req, "cmyk.jpg", &reply);
		assert_true(reply.ok);
		o = load_path(out);
		assert_int_equal(o->Bands, 3);
		assert_int_equal(o->Type, VIPS_INTERPRETATION_sRGB);
		pixel(o, 4, 4, v, 3);
		assert_true(v[0] > 230 && v[1] > 230 && v[2] > 230);
		g_object_unref(o);
		g_free(out);
	}
}

/* libheif warns "ignoring nclx profile" on valid AVIF files: under
 * fail_on=warning they must still load.
 */
static void
test_avif_input(void **state)
{
	VipsImage *im = testutil_smooth(64, 48, 3);
	struct codec_request req = base_request();
	struct codec_reply reply;
	char *out;

	(void)state;
	save_as(im, "input.avif", IMGOPT_FORMAT_AVIF, 60);
	g_object_unref(im);

	req.fail_on = IMGOPT_FAIL_ON_WARNING;
	req.settings.output_format = IMGOPT_FORMAT_JPEG;
	out = run_codec(&req, "input.avif", &reply);
	if (!reply.ok)
		fail_msg("%s", reply.error);
	assert_int_equal(reply.input_format, IMGOPT_FORMAT_AVIF);
	assert_int_equal(sniff_path(out), IMGOPT_FORMAT_JPEG);
	g_free(out);
}

/* Workers never print: warnings from libvips, libpng and libheif are
 * swallowed.  A PNG with a broken tEXt CRC and an AVIF both warn.
 */
static void
test_silent(void **state)
{
	static const unsigned char text[] = "Comment\0hello";
	VipsImage *im = testutil_smooth(32, 32, 3);
	char *path = testutil_path("text-crc.png");
	char *log = testutil_path("stderr.log");
	struct codec_request req = base_request();
	struct codec_reply reply;
	unsigned char *patched;
	gchar *data;
	size_t len, n;
	int saved, fd;
	struct stat st;
	char *out;

	(void)state;
	save_as(im, "text-crc.png", IMGOPT_FORMAT_PNG, 0);
	save_as(im, "silent.avif", IMGOPT_FORMAT_AVIF, 60);
	g_object_unref(im);
	data = read_bytes(path, &len);
	write_bytes("silent-half.png", data, len / 2);
	patched = g_malloc(len + 64);
	/* Signature and IHDR (33 bytes), a bad tEXt, then the rest. */
	memcpy(patched, data, 33);
	n = 33 + put_chunk(patched + 33, "tEXt", text, sizeof(text) - 1,
			   false);
	memcpy(patched + n, data + 33, len - 33);
	write_bytes("text-crc.png", patched, n + len - 33);
	g_free(patched);
	g_free(data);

	fflush(stderr);
	saved = dup(2);
	fd = open(log, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	out = run_codec(&req, "text-crc.png", &reply);
	g_free(out);
	out = run_codec(&req, "silent.avif", &reply);
	g_free(out);
	req.fail_on = IMGOPT_FAIL_ON_NONE;
	out = run_codec(&req, "silent-half.png", &reply);
	g_free(out);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);

	assert_int_equal(stat(log, &st), 0);
	assert_int_equal(st.st_size, 0);
	g_free(path);
	g_free(log);
}

/* A full disk is named as such, on both JPEG paths. */
static void
test_disk_full(void **state)
{
	VipsImage *im = testutil_noise(256, 256, 3);
	struct codec_request req = base_request();
	struct codec_reply reply;
	char *in = testutil_path("full.jpg");

	(void)state;
	if (access("/dev/full", W_OK) != 0)
		skip();
	save_as(im, "full.jpg", IMGOPT_FORMAT_JPEG, 90);
	g_object_unref(im);

	req.input_path = in;
	req.output_path = "/dev/full";
	req.settings.output_format = IMGOPT_FORMAT_PNG;
	assert_int_equal(codec_run(&req, &reply), -1);
	assert_string_equal(reply.error, "disk full (no space left on device)");

	req.settings.output_format = IMGOPT_FORMAT_JPEG;
	req.settings.quality_global = 100;
	assert_int_equal(codec_run(&req, &reply), -1);
	assert_string_equal(reply.error, "disk full (no space left on device)");
	g_free(in);
}

/* Second guard behind sniffing: after codec_init() no loader but the four
 * can run in this process, even through libvips' own loader finder.
 */
static void
test_loaders_blocked(void **state)
{
	VipsImage *im = testutil_smooth(16, 16, 3), *back;
	char *tiff = testutil_path("blocked.tif");
	char *png = testutil_path("allowed.png");

	(void)state;
	assert_int_equal(vips_tiffsave(im, tiff, NULL), 0);
	assert_int_equal(vips_pngsave(im, png, NULL), 0);
	g_object_unref(im);

	back = vips_image_new_from_file(tiff, NULL);
	assert_null(back);
	vips_error_clear();
	back = vips_image_new_from_file(png, NULL);
	assert_non_null(back);
	g_object_unref(back);
	g_free(tiff);
	g_free(png);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_formats),
		cmocka_unit_test(test_resize_modes),
		cmocka_unit_test(test_alpha),
		cmocka_unit_test(test_grey),
		cmocka_unit_test(test_grey_icc),
		cmocka_unit_test(test_16bit),
		cmocka_unit_test(test_orientation),
		cmocka_unit_test(test_never_worse),
		cmocka_unit_test(test_jpeg_lossless),
		cmocka_unit_test(test_icc),
		cmocka_unit_test(test_metadata),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_pixel_limit),
		cmocka_unit_test(test_png_headers),
		cmocka_unit_test(test_file_checks),
		cmocka_unit_test(test_permission),
		cmocka_unit_test(test_bracket_name),
		cmocka_unit_test(test_cmyk),
		cmocka_unit_test(test_avif_input),
		cmocka_unit_test(test_silent),
		cmocka_unit_test(test_disk_full),
		cmocka_unit_test(test_loaders_blocked),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

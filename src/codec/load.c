/* load.c: from the input path to pixels ready to encode (load.h).
 *
 * vips_thumbnail_source() would run libvips' loader finder, so the
 * thumbnail steps (shrink-on-load, resize with premultiplied alpha, ICC
 * transform, autorotate) are spelt out here; this also keeps 16-bit PNGs
 * 16-bit, which thumbnail cannot in libvips 8.14.
 */
#include "load.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metadata.h"
#include "reason.h"

/* Start from nothing: no descriptor, no image. */
void
load_init(struct load *l, const struct codec_request *req,
	  struct codec_reply *reply)
{
	memset(l, 0, sizeof(*l));
	l->req = req;
	l->reply = reply;
	l->fd = -1;
}

/* The image first: libvips holds a dup() of the descriptor anyway. */
void
load_release(struct load *l)
{
	VIPS_UNREF(l->image);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

static void
load_error(struct load *l, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Set the reply's reason. */
static void
load_error(struct load *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->reply->error, CODEC_ERROR_MAX, fmt, ap);
	va_end(ap);
}

/* The reason needs the sniffed bytes: a broken PNG names nothing else. */
void
load_vips_error(struct load *l)
{
	reason_from_vips(l->reply->error, CODEC_ERROR_MAX, l->fmt, l->head,
			 l->head_len, l->size);
}

/* Megapixels with 0-2 decimals, fewer as the number grows. */
static void
load_megapixels(uint64_t px, char *buf, size_t size)
{
	double mp = (double)px / 1e6;

	snprintf(buf, size, "%.*f", mp >= 10 ? 0 : mp >= 1 ? 1 : 2, mp);
}

/* Open the input once, without blocking on FIFOs and devices, and refuse
 * what is not a regular file or is too large before reading a byte.
 */
int
load_open(struct load *l)
{
	const char *path = l->req->input_path;
	struct stat st;
	int flags;

	l->fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (l->fd < 0) {
		int e = errno;

		if (e == ELOOP)
			load_error(l, "too many levels of symbolic links");
		else if (e == ENOENT && lstat(path, &st) == 0 &&
			 S_ISLNK(st.st_mode))
			load_error(l, "broken symlink");
		else if (e == EACCES)
			load_error(l, "permission denied");
		else if (e == ENXIO && stat(path, &st) == 0 &&
			 S_ISSOCK(st.st_mode))
			load_error(l, "not a regular file (socket)");
		else {
			load_error(l, "%s", g_strerror(e));
			l->reply->error[0] =
				g_ascii_tolower(l->reply->error[0]);
		}
		return -1;
	}
	if (fstat(l->fd, &st) != 0) {
		load_error(l, "cannot stat: %s", g_strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		const char *kind = S_ISDIR(st.st_mode)	? "directory" :
				   S_ISFIFO(st.st_mode) ? "fifo" :
				   S_ISCHR(st.st_mode)	? "character device" :
				   S_ISBLK(st.st_mode)	? "block device" :
				   S_ISSOCK(st.st_mode) ? "socket" :
							  "special file";

		load_error(l, "not a regular file (%s)", kind);
		return -1;
	}
	l->size = (uint64_t)st.st_size;
	l->reply->original_size = l->size;
	if (l->size == 0) {
		load_error(l, "empty file");
		return -1;
	}
	if (l->req->max_file_size && l->size > l->req->max_file_size) {
		char have[32], limit[32];

		reason_human_size(l->size, have, sizeof(have));
		reason_human_size(l->req->max_file_size, limit, sizeof(limit));
		load_error(l, "file size %s exceeds the %s limit", have,
			   limit);
		return -1;
	}

	/* Regular files never block; plain reads from here on. */
	if ((flags = fcntl(l->fd, F_GETFL)) != -1)
		(void)fcntl(l->fd, F_SETFL, flags & ~O_NONBLOCK);
	return 0;
}

/* Decide the format from the first bytes, never the name. */
int
load_sniff(struct load *l)
{
	const char *what;
	ssize_t n;

	do
		n = pread(l->fd, l->head, sizeof(l->head), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		load_error(l, "read error: %s", g_strerror(errno));
		return -1;
	}
	l->head_len = (size_t)n;
	l->fmt = sniff_format(l->head, l->head_len, &what);
	l->reply->input_format = l->fmt;

	if (l->fmt == IMGOPT_FORMAT_SVG) {
		/* Never to librsvg from here: an SVG can pull in files and
		 * URLs.  codec_run() minifies it as text (codec_svg()).
		 */
		load_error(l, "unsupported format (SVG is minified, not "
			      "decoded)");
		return -1;
	}
	if (l->fmt == IMGOPT_FORMAT_ORIGINAL) {
		if (what)
			load_error(l, "unsupported format (%s)", what);
		else
			load_error(l, "not an image");
		return -1;
	}
	return 0;
}

/* codec.h's copy of VipsFailOn, back to libvips' own. */
static VipsFailOn
load_fail_on(enum imgopt_fail_on f)
{
	switch (f) {
	case IMGOPT_FAIL_ON_TRUNCATED:
		return VIPS_FAIL_ON_TRUNCATED;
	case IMGOPT_FAIL_ON_ERROR:
		return VIPS_FAIL_ON_ERROR;
	case IMGOPT_FAIL_ON_WARNING:
		return VIPS_FAIL_ON_WARNING;
	default:
		return VIPS_FAIL_ON_NONE;
	}
}

/* Load from a new source on the input descriptor with the one loader for
 * the sniffed format.  Lazy: only the header is read until pixels are
 * asked for.  shrink (JPEG, integer) and scale (WebP) ask the decoder for a
 * smaller image; 1 for neither.
 *
 * fail_on is passed as given.  Valid AVIF files make libheif warn
 * "ignoring nclx profile", but heifload reports that through g_warning,
 * not its fail_on check, so IMGOPT_FAIL_ON_WARNING still loads them (checked
 * by test_codec and the hostile corpus' valid-control.avif).
 */
static VipsImage *
load_source(struct load *l, int shrink, double scale)
{
	VipsFailOn fail_on = load_fail_on(l->req->fail_on);
	VipsSource *source;
	VipsImage *out = NULL;
	int r = -1;

	/* The descriptor is dup()ed by libvips and shares its offset. */
	(void)lseek(l->fd, 0, SEEK_SET);
	if (!(source = vips_source_new_from_descriptor(l->fd)))
		return NULL;

	switch (l->fmt) {
	case IMGOPT_FORMAT_JPEG:
		r = vips_jpegload_source(source, &out,
			"access", VIPS_ACCESS_SEQUENTIAL,
			"fail_on", fail_on,
			"shrink", shrink,
			NULL);
		break;
	case IMGOPT_FORMAT_PNG:
		r = vips_pngload_source(source, &out,
			"access", VIPS_ACCESS_SEQUENTIAL,
			"fail_on", fail_on,
			NULL);
		break;
	case IMGOPT_FORMAT_WEBP:
		r = vips_webpload_source(source, &out,
			"access", VIPS_ACCESS_SEQUENTIAL,
			"fail_on", fail_on,
			"scale", scale,
			NULL);
		break;
	case IMGOPT_FORMAT_AVIF:
		r = vips_heifload_source(source, &out,
			"access", VIPS_ACCESS_SEQUENTIAL,
			"fail_on", fail_on,
			NULL);
		break;
	default:
		vips_error("codec", "no loader");
		break;
	}
	g_object_unref(source);
	if (r) {
		VIPS_UNREF(out);
		return NULL;
	}
	return out;
}

/* Read the header and refuse the image by the pixel limit before any pixel
 * is decoded.
 */
int
load_header(struct load *l)
{
	VipsImage *im;
	uint64_t pixels;
	const char *compression;

	if (!(l->image = load_source(l, 1, 1.0))) {
		load_vips_error(l);
		return -1;
	}
	im = l->image;

	/* The sniffer only saw an "avif" brand: a HEIF file holding HEVC
	 * would still decode, and HEIC is not a format imgopt takes.
	 */
	if (l->fmt == IMGOPT_FORMAT_AVIF &&
	    (vips_image_get_typeof(im, "heif-compression") &&
	     !vips_image_get_string(im, "heif-compression", &compression) &&
	     strcmp(compression, "av1") != 0)) {
		load_error(l, "unsupported format (HEIC)");
		return -1;
	}

	l->reply->in_width = im->Xsize;
	l->reply->in_height = im->Ysize;
	pixels = (uint64_t)im->Xsize * (uint64_t)im->Ysize;
	if (l->req->max_pixels && pixels > l->req->max_pixels) {
		char have[32], limit[32];

		load_megapixels(pixels, have, sizeof(have));
		load_megapixels(l->req->max_pixels, limit, sizeof(limit));
		/* Rounded to the same number, megapixels explain nothing. */
		if (strcmp(have, limit) == 0)
			load_error(l,
				   "image is %" PRIu64 " pixels (%dx%d), over "
				   "the %" PRIu64 " pixel limit",
				   pixels, im->Xsize, im->Ysize,
				   l->req->max_pixels);
		else
			load_error(l,
				   "image is %s MP (%dx%d), over the %s MP "
				   "limit",
				   have, im->Xsize, im->Ysize, limit);
		return -1;
	}

	l->orientation = vips_image_get_orientation(im);
	if (l->orientation < 1 || l->orientation > 8)
		l->orientation = 1;
	if (l->orientation >= 5) {
		l->up_width = im->Ysize;
		l->up_height = im->Xsize;
	} else {
		l->up_width = im->Xsize;
		l->up_height = im->Ysize;
	}
	return 0;
}

/* Replace the pipeline's current image with *next (or fail).  next is a
 * pointer because the call that fills it is an argument of the same call:
 * the order C evaluates arguments in is unspecified.
 */
int
load_step(struct load *l, int r, VipsImage **next)
{
	if (r) {
		VIPS_UNREF(*next);
		return -1;
	}
	VIPS_UNREF(l->image);
	l->image = *next;
	*next = NULL;
	return 0;
}

/* Decode again with the decoder's own shrink when it saves work: JPEG by
 * 2, 4 or 8 (leaving at least 2x for the proper resize, as thumbnail does),
 * WebP by any factor.
 */
int
load_shrink(struct load *l, int width, int height)
{
	VipsImage *im = l->image;
	bool swap = l->orientation >= 5;
	int tw = swap ? height : width;
	int th = swap ? width : height;
	double hs = (double)im->Xsize / tw, vs = (double)im->Ysize / th;
	double shrink = hs < vs ? hs : vs;
	VipsImage *next;

	if (l->fmt == IMGOPT_FORMAT_JPEG && shrink >= 4) {
		int factor = shrink >= 16 ? 8 : shrink >= 8 ? 4 : 2;

		VIPS_UNREF(l->image);
		if (!(next = load_source(l, factor, 1.0)))
			return -1;
		l->image = next;
	} else if (l->fmt == IMGOPT_FORMAT_WEBP && shrink > 1.0) {
		VIPS_UNREF(l->image);
		if (!(next = load_source(l, 1, 1.0 / shrink)))
			return -1;
		l->image = next;
	}
	return 0;
}

/* The proper resize, after any shrink-on-load. */
int
load_resize(struct load *l, int width, int height)
{
	VipsImage *im = l->image;
	bool swap = l->orientation >= 5;
	int tw = swap ? height : width;
	int th = swap ? width : height;
	double hscale = (double)tw / im->Xsize;
	double vscale = (double)th / im->Ysize;
	VipsBandFormat format = im->BandFmt;
	bool alpha = vips_image_hasalpha(im);
	VipsImage *next = NULL;

	if (im->Xsize == tw && im->Ysize == th)
		return 0;

	/* Resampling straight alpha bleeds the colour of transparent pixels
	 * into the edges (libvips issue 291): premultiply around it.
	 */
	if (alpha) {
		if (load_step(l, vips_premultiply(l->image, &next, NULL),
			      &next))
			return -1;
	}
	if (load_step(l, vips_resize(l->image, &next, hscale,
				     "vscale", vscale, NULL),
		      &next))
		return -1;
	if (alpha) {
		if (load_step(l, vips_unpremultiply(l->image, &next, NULL),
			      &next) ||
		    load_step(l, vips_cast(l->image, &next, format, NULL),
			      &next))
			return -1;
	}
	return 0;
}

/* To sRGB (or grey), 8 bits unless keep16.  CMYK goes through an ICC
 * transform (libvips' own CMYK profile when the file has none) so it is not
 * inverted; an embedded profile other than sRGB is applied; a profile that
 * does not fit the image (an RGB profile on a grey image, 200 random bytes)
 * is ignored, as browsers do.
 */
int
load_colour(struct load *l, bool keep16)
{
	VipsImage *im = l->image;
	bool cmyk = im->Type == VIPS_INTERPRETATION_CMYK;
	bool grey = !cmyk && im->Bands <= 2;
	bool wide = im->BandFmt == VIPS_FORMAT_USHORT;
	const void *icc = NULL;
	size_t icc_len = 0;
	unsigned int space = 0;
	bool apply;
	VipsImage *next = NULL;

	if (vips_image_get_typeof(im, VIPS_META_ICC_NAME) &&
	    !vips_image_get_blob(im, VIPS_META_ICC_NAME, &icc, &icc_len))
		space = metadata_icc_space(icc, icc_len);
	/* Whether the embedded profile is used: it fits the image and says
	 * something sRGB does not.
	 */
	if (grey)
		apply = space == METADATA_ICC_GRAY;
	else if (cmyk)
		apply = space == METADATA_ICC_CMYK;
	else
		apply = space == METADATA_ICC_RGB &&
			!metadata_icc_is_srgb(icc, icc_len);

	if (cmyk || apply) {
		if (load_step(l, vips_icc_transform(l->image, &next,
				"srgb",
				"input_profile", cmyk ? "cmyk" : "srgb",
				"embedded", apply,
				"intent", VIPS_INTENT_RELATIVE,
				"depth", keep16 && wide ? 16 : 8,
				NULL), &next))
			return -1;
		/* Grey through a grey profile comes out as RGB. */
		if (grey && l->image->Bands >= 3 &&
		    load_step(l, vips_colourspace(l->image, &next,
				keep16 && wide ? VIPS_INTERPRETATION_GREY16 :
						 VIPS_INTERPRETATION_B_W,
				NULL), &next))
			return -1;
	} else if (wide && !keep16) {
		if (load_step(l, vips_colourspace(l->image, &next,
				grey ? VIPS_INTERPRETATION_B_W :
				       VIPS_INTERPRETATION_sRGB,
				NULL), &next))
			return -1;
	}
	return 0;
}

/* Rotate upright by the EXIF orientation.  Rotation needs random access,
 * the load is sequential: copy the (already shrunk) image to memory first,
 * as vips_thumbnail does.
 */
int
load_autorotate(struct load *l)
{
	VipsImage *mem, *next = NULL;
	int r;

	if (l->orientation == 1)
		return 0;
	if (!(mem = vips_image_copy_memory(l->image)))
		return -1;
	r = vips_autorot(mem, &next, NULL);
	g_object_unref(mem);
	return load_step(l, r, &next);
}

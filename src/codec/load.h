/* load.h: the decoding half of codec_run(): one input from its path to
 * pixels in sRGB, upright, at the size asked for.
 *
 * The order is the point: load_open() opens the input once and refuses
 * anything but a regular file, or one over the size limit; load_sniff()
 * decides the format from the bytes; load_header() reads only the header,
 * with the one loader for that format, and refuses the image by the pixel
 * limit.  Only then do load_shrink(), load_resize(), load_colour() and
 * load_autorotate() build the image step by step.  libvips is lazy: no
 * pixel is decoded until the caller saves or copies l->image.
 *
 * Every decode goes through a VipsSource on the descriptor opened here,
 * never a libvips file name ("x.jpg[shrink=2]" is a name, not options), and
 * never through libvips' generic loader finder, so only the JPEG, PNG, WebP
 * and HEIF loaders can ever see user bytes.
 */
#ifndef IMGOPT_LOAD_H
#define IMGOPT_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vips/vips.h>

#include "codec.h"
#include "sniff.h"

/* One input being loaded.  Caller-owned: load_init(), load_release(). */
struct load {
	const struct codec_request *req; /* path, limits, fail_on */
	/* Filled as the steps go: error, original_size, input_format,
	 * in_width, in_height.
	 */
	struct codec_reply *reply;
	int fd;			/* the input; -1 until load_open() */
	uint64_t size;		/* its size in bytes, from fstat */
	unsigned char head[SNIFF_BYTES]; /* its first bytes */
	size_t head_len;
	enum imgopt_format fmt; /* from the bytes, by load_sniff() */
	VipsImage *image;	/* the current stage; owned by the load */
	int orientation;	/* EXIF orientation, 1-8 */
	int up_width;		/* the stored size once upright */
	int up_height;
};

/* Start l for req's input; nothing is opened yet. */
void load_init(struct load *l, const struct codec_request *req,
	       struct codec_reply *reply);

/* Unref l->image and close l->fd. */
void load_release(struct load *l);

/* Open req->input_path read-only without blocking, and refuse what is not a
 * regular file, is empty, or is over req->max_file_size.  Returns 0, or -1
 * with the reason in reply->error.
 */
int load_open(struct load *l);

/* Read the first bytes and decide the format from them.  Returns 0 for
 * JPEG, PNG, WebP and AVIF; else -1 with the reason in reply->error.  An
 * SVG is refused too (it is never decoded), with l->fmt set to
 * IMGOPT_FORMAT_SVG: the caller may minify it as text instead.
 */
int load_sniff(struct load *l);

/* Read the header into l->image (no pixel is decoded), refuse HEIC and
 * images over req->max_pixels, and note the orientation and the upright
 * size.  Returns 0, or -1 with the reason in reply->error.
 */
int load_header(struct load *l);

/* Decode again with the decoder's own shrink when that saves work towards
 * width x height (upright).  Returns 0, or -1 on a libvips error.
 */
int load_shrink(struct load *l, int width, int height);

/* Resize to width x height (upright), with premultiplied alpha.  Returns
 * 0, or -1 on a libvips error.
 */
int load_resize(struct load *l, int width, int height);

/* Convert to sRGB (or grey) by the embedded ICC profile, CMYK through
 * one; 8 bits a sample unless keep16 keeps 16-bit images 16-bit.  Returns
 * 0, or -1 on a libvips error.
 */
int load_colour(struct load *l, bool keep16);

/* Rotate upright by the EXIF orientation.  Returns 0, or -1 on a libvips
 * error.
 */
int load_autorotate(struct load *l);

/* One step on l->image: r is the return of the libvips call that made
 * *next from it.  On 0 *next replaces l->image (and *next is NULL);
 * otherwise *next is unreffed and -1 returned.
 */
int load_step(struct load *l, int r, VipsImage **next);

/* The libvips error (and the first warning) as reply->error, in the
 * words of reason.h for the input's format and bytes; both are cleared.
 */
void load_vips_error(struct load *l);

#endif

/* codec.h: everything libvips.  Runs only inside worker processes.
 *
 * codec_run() takes one image from its input path to a temporary output file
 * that the parent created: open the input once (regular files only), detect
 * the format from its bytes, read the header and refuse it by the limits
 * before any pixel is decoded, then decode with shrink-on-load, apply EXIF
 * orientation, convert to sRGB, strip metadata, encode, and fall back to the
 * input's bytes when the result would be larger (never worse).
 *
 * The request and reply are the codec's own: they never cross a socket.
 * The worker converts the neutral messages (message/message.h) to and from
 * them (worker/convert.c).  This header does not include <vips/vips.h>.
 */
#ifndef IMGOPT_CODEC_H
#define IMGOPT_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imgopt/settings.h"

#define CODEC_ERROR_MAX 512

/* One image to optimise. */
struct codec_request {
	const char *input_path;	 /* opened read-only, once */
	const char *output_path; /* an existing empty temp file to fill */
	struct imgopt_settings settings;
	bool keep_metadata;	 /* keep EXIF, XMP and ICC */
	bool allow_larger;	 /* turn "never worse" off */
	double min_savings_pct;	 /* keep the input unless it saves this % */
	/* Limits; 0 means none. */
	uint64_t max_pixels;	 /* refuse larger images from the header */
	uint64_t max_file_size;	 /* refuse larger files from fstat */
	enum imgopt_fail_on fail_on;
};

struct codec_reply {
	bool ok;
	enum imgopt_format input_format;
	enum imgopt_format output_format;
	uint64_t original_size;
	uint64_t optimized_size; /* bytes now in output_path */
	bool kept_original;	 /* output_path holds the input's bytes */
	/* The JPEG's coefficients were copied, not re-encoded (quality 100,
	 * or an input already coarser than the quality asked: jpegtran.h).
	 */
	bool lossless_copy;
	/* Pixel sizes as stored in the files, before EXIF orientation: a
	 * 64x32 orientation-6 input rotated upright gives out 32x64; kept
	 * (kept_original) or copied losslessly (JPEG at quality 100, tag
	 * kept) it stays 64x32.  in_* is set as soon as the header is read,
	 * also when the pixel limit then refuses the image.
	 */
	int in_width, in_height;
	int out_width, out_height;
	/* With a target (settings.target_metric): the encoder quality chosen
	 * and the score its output reached; target_met false means no
	 * quality reached it and the highest tried was kept.
	 */
	int quality;
	double score;
	bool target_met;
	int encodes;		 /* encodes the search needed */
	uint64_t header_ns;	 /* open, sniff, header read, limit checks */
	uint64_t pipeline_ns;	 /* decode, resize, encode (fused by libvips) */
	/* Without the path: the caller prefixes "'PATH': ".  Lowercase, no
	 * full stop, e.g. "truncated JPEG (premature end of data)".
	 */
	char error[CODEC_ERROR_MAX];
};

/* Start libvips once per process: vips_init, block untrusted loaders and
 * every loader but JPEG, PNG, WebP and HEIF, no operation cache, `threads`
 * libvips worker threads (0 = libvips default), GLib and libvips messages
 * silenced (workers never print).
 * Returns 0, or -1 with the reason in err (lowercase, no full stop): the
 * process cannot decode anything.
 */
int codec_init(const char *argv0, int threads, char *err, size_t err_size);

/* Optimise one image.  Always fills *reply; returns 0 when reply->ok, else
 * -1.  On failure output_path may hold partial bytes: the caller unlinks it.
 * Clears the libvips error buffer before returning.
 */
int codec_run(const struct codec_request *req, struct codec_reply *reply);

/* Decode one image for `imgopt compare` (codec_compare_files()): the same
 * open, sniff, limits (req->max_pixels, max_file_size, fail_on), loaders,
 * sRGB conversion and orientation as codec_run(), no resize, 16-bit kept.
 * req->input_path is the file; the other fields are unused.  *out is a new
 * VipsImage in memory.  Returns 0, or -1 with the reason (as in
 * codec_reply.error) in err.
 */
struct _VipsImage;
int codec_load_for_compare(const struct codec_request *req,
			   struct _VipsImage **out, char *err,
			   size_t err_size);

/* Shut libvips down (leak checks in tests). */
void codec_shutdown(void);

#endif

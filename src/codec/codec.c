/* codec.c: one image from input path to output file, inside a worker.
 *
 * The order is the point: open once without blocking and refuse anything
 * but a regular file; check the size from fstat; decide the format from the
 * bytes; read only the header with the one loader for that format and
 * refuse it by the pixel limit (load.c); then decode (shrinking on load
 * where the format can), resize, convert to sRGB, rotate upright (load.c),
 * drop metadata, encode, and keep the input's bytes when that would not be
 * smaller (here).  JPEG at quality 100 skips decoding (jpegtran.c); SVG is
 * minified as text (svg.c); failures are worded by reason.c.
 */
#include "codec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vips/vips.h>

#include "base/clock.h"
#include "jpegtran.h"
#include "load.h"
#include "metadata.h"
#include "reason.h"
#include "save.h"
#include "svg/svg.h"
#include "target.h"

/* The state of one codec_run(): the input side is in `in`. */
struct codec_job {
	const struct codec_request *req;
	struct codec_reply *reply;
	struct load in;
	int out_fd;
	enum imgopt_format out_fmt;
	int quality;
	int target_width; /* output size, upright */
	int target_height;
};

int
codec_init(const char *argv0, int threads, char *err, size_t err_size)
{
	static const char *const loaders[] = {
		"VipsForeignLoadJpeg", "VipsForeignLoadPng",
		"VipsForeignLoadWebp", "VipsForeignLoadHeif",
	};
	static const char *const needed[] = {
		"jpegload_source", "pngload_source", "webpload_source",
		"heifload_source", "jpegsave_target", "pngsave_target",
		"webpsave_target", "heifsave_target",
	};
	size_t i;

	/* Workers never print.  Before VIPS_INIT, so no warning escapes
	 * start-up.
	 */
	reason_capture_warnings();

	if (VIPS_INIT(argv0)) {
		snprintf(err, err_size, "cannot start libvips: %s",
			 vips_error_buffer());
		err[strcspn(err, "\n")] = '\0';
		vips_error_clear();
		return -1;
	}
	/* A libvips built without one of the codecs imgopt uses could only
	 * fail every image of that format, one by one: refuse at start.
	 */
	for (i = 0; i < G_N_ELEMENTS(needed); i++)
		if (!vips_type_find("VipsOperation", needed[i])) {
			snprintf(err, err_size,
				 "libvips %s has no %s operation (a codec "
				 "library is missing)",
				 vips_version_string(), needed[i]);
			return -1;
		}
	if (threads > 0)
		vips_concurrency_set(threads);
	/* Each image is opened once; a cache only holds memory. */
	vips_cache_set_max(0);

	/* Second guard behind sniffing: no untrusted loader (PDF, SVG,
	 * ImageMagick, ...), and no loader at all but the four imgopt
	 * reads, should anything ever reach libvips' loader finder.
	 */
	vips_block_untrusted_set(TRUE);
	vips_operation_block_set("VipsForeignLoad", TRUE);
	for (i = 0; i < G_N_ELEMENTS(loaders); i++)
		vips_operation_block_set(loaders[i], FALSE);
	return 0;
}

void
codec_shutdown(void)
{
	vips_shutdown();
}

static void
codec_error(struct codec_job *job, const char *fmt, ...)
	G_GNUC_PRINTF(2, 3);

/* Set the reply's reason. */
static void
codec_error(struct codec_job *job, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(job->reply->error, CODEC_ERROR_MAX, fmt, ap);
	va_end(ap);
}

/* One side scaled, rounded, at least one pixel. */
static int
codec_scaled(int side, double scale)
{
	double v = side * scale + 0.5;

	return v < 1 ? 1 : (int)v;
}

/* The output size, upright, from the settings: never larger than the
 * input on either axis.
 */
static void
codec_target(struct codec_job *job)
{
	const struct imgopt_settings *s = &job->req->settings;
	int w = job->in.up_width, h = job->in.up_height;
	double scale = 1.0;
	int size = s->resize_size;

	job->target_width = w;
	job->target_height = h;

	switch (s->resize_mode) {
	case IMGOPT_RESIZE_WIDTH:
		if (size > 0)
			scale = (double)size / w;
		break;
	case IMGOPT_RESIZE_HEIGHT:
		if (size > 0)
			scale = (double)size / h;
		break;
	case IMGOPT_RESIZE_LONGEST:
		if (size > 0)
			scale = (double)size / (w > h ? w : h);
		break;
	case IMGOPT_RESIZE_SHORTEST:
		if (size > 0)
			scale = (double)size / (w < h ? w : h);
		break;
	case IMGOPT_RESIZE_NONE:
	default: {
		int bw = s->resize_width, bh = s->resize_height;

		if (bw > 0 && bh > 0 && !s->maintain_aspect) {
			/* Exact box, each axis only ever shrunk. */
			job->target_width = bw < w ? bw : w;
			job->target_height = bh < h ? bh : h;
			return;
		}
		/* Fit inside the box (one side may be unset). */
		if (bw > 0)
			scale = (double)bw / w;
		if (bh > 0 && (double)bh / h < scale)
			scale = (double)bh / h;
		break;
	}
	}

	if (scale < 1.0) {
		job->target_width = codec_scaled(w, scale);
		job->target_height = codec_scaled(h, scale);
		/* The side that was asked for is exact. */
		if (s->resize_mode == IMGOPT_RESIZE_WIDTH)
			job->target_width = size;
		else if (s->resize_mode == IMGOPT_RESIZE_HEIGHT)
			job->target_height = size;
	}
}

/* Whether the output is not the input's upright size. */
static bool
codec_resizing(const struct codec_job *job)
{
	return job->target_width != job->in.up_width ||
	       job->target_height != job->in.up_height;
}

/* Open the output temp file that the parent made. */
static int
codec_open_output(struct codec_job *job)
{
	job->out_fd = open(job->req->output_path,
			   O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (job->out_fd < 0) {
		codec_error(job, "cannot open output: %s", g_strerror(errno));
		return -1;
	}
	return 0;
}

/* A failed write in the user's words (errno e). */
static void
codec_write_error(struct codec_job *job, int e)
{
	if (e == ENOSPC)
		codec_error(job, "disk full (no space left on device)");
	else if (e == EDQUOT)
		codec_error(job, "disk quota exceeded");
	else
		codec_error(job, "write error: %s", g_strerror(e));
}

/* Flush the output to disk and note its size. */
static int
codec_finish_output(struct codec_job *job)
{
	struct stat st;

	if (fsync(job->out_fd) != 0) {
		codec_write_error(job, errno);
		return -1;
	}
	if (fstat(job->out_fd, &st) != 0) {
		codec_error(job, "cannot stat output: %s", g_strerror(errno));
		return -1;
	}
	job->reply->optimized_size = (uint64_t)st.st_size;
	return 0;
}

/* Put the input's exact bytes into the output (never worse). */
static int
codec_copy_input(struct codec_job *job)
{
	uint64_t done = 0;
	char *buf = NULL;
	bool plain = false;

	if (ftruncate(job->out_fd, 0) != 0 ||
	    lseek(job->out_fd, 0, SEEK_SET) != 0) {
		codec_write_error(job, errno);
		return -1;
	}
	while (done < job->in.size) {
		ssize_t n;

		if (!plain) {
			loff_t off = (loff_t)done;

			n = copy_file_range(job->in.fd, &off, job->out_fd,
					    NULL, job->in.size - done, 0);
			if (n < 0 && (errno == EXDEV || errno == ENOSYS ||
				      errno == EINVAL || errno == EOPNOTSUPP ||
				      errno == EBADF)) {
				plain = true;
				continue;
			}
		} else {
			size_t want = job->in.size - done < 1 << 20 ?
					      (size_t)(job->in.size - done) :
					      1 << 20;

			if (!buf)
				buf = g_malloc(1 << 20);
			n = pread(job->in.fd, buf, want, (off_t)done);
			if (n > 0) {
				ssize_t w = 0, k;

				while (w < n) {
					k = write(job->out_fd, buf + w,
						  (size_t)(n - w));
					if (k < 0 && errno == EINTR)
						continue;
					if (k < 0) {
						g_free(buf);
						codec_write_error(job, errno);
						return -1;
					}
					w += k;
				}
			}
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g_free(buf);
			codec_write_error(job, errno);
			return -1;
		}
		if (n == 0) {
			g_free(buf);
			codec_error(job, "input file shrank while reading");
			return -1;
		}
		done += (uint64_t)n;
	}
	g_free(buf);
	if (codec_finish_output(job))
		return -1;
	job->reply->kept_original = true;
	return 0;
}

/* Whether the new file should be replaced by the input's bytes. */
static bool
codec_not_better(const struct codec_job *job)
{
	const struct codec_request *req = job->req;
	uint64_t out = job->reply->optimized_size;
	double saved;

	if (req->allow_larger || job->out_fmt != job->in.fmt)
		return false;
	/* A resized image is a different picture: the input is no
	 * substitute however small it is.
	 */
	if (codec_resizing(job))
		return false;
	if (out >= job->in.size)
		return true;
	saved = 100.0 * (double)(job->in.size - out) / (double)job->in.size;
	return req->min_savings_pct > 0 && saved < req->min_savings_pct;
}

/* A JPEG stored with 4:2:0 chroma: its colour detail is already halved, so
 * re-encoding it at 4:4:4 (libvips' choice from quality 90) only spends
 * bytes: 14% more on the corpus for no gain (bench/compare).
 */
static bool
codec_input_is_420(const struct load *in)
{
	const char *mode = NULL;

	return in->fmt == IMGOPT_FORMAT_JPEG && in->image &&
	       vips_image_get_typeof(in->image, "jpeg-chroma-subsample") &&
	       !vips_image_get_string(in->image, "jpeg-chroma-subsample",
				      &mode) &&
	       mode && !strcmp(mode, "4:2:0");
}

/* JPEG to JPEG, same size: copy the DCT coefficients at quality 100, and
 * below it when the input is already quantised at least as coarsely as
 * the quality asked (jpegtran.h).  Re-encoding such a file keeps no more
 * of the picture and is usually larger: the never-worse rule then kept
 * the input as it was, where the copy still saves bytes (optimised
 * Huffman tables, progressive scans, metadata) with every pixel intact.
 * Not with --allow-larger (which asks for the re-encode whatever it
 * weighs) nor with a target (the search picks the quality).  Returns 0
 * when done, 1 when the image needs the decoding path, -1 on error.
 */
static int
codec_jpegtran(struct codec_job *job)
{
	const struct codec_request *req = job->req;
	struct jpegtran_options opt = {
		.orientation = job->in.orientation,
		.keep_metadata = req->keep_metadata,
		.fail_on = req->fail_on,
		.no_finer_than = job->quality,
		/* As save.c chooses: 4:2:0 sources stay 4:2:0, libvips'
		 * automatic mode subsamples below quality 90.
		 */
		.output_420 = codec_input_is_420(&job->in) || job->quality < 90,
	};
	char err[CODEC_ERROR_MAX];
	enum jpegtran_status st;

	if (job->in.fmt != IMGOPT_FORMAT_JPEG ||
	    job->out_fmt != IMGOPT_FORMAT_JPEG || codec_resizing(job) ||
	    (job->in.image->Bands != 1 && job->in.image->Bands != 3))
		return 1;
	if (job->quality < 100 &&
	    (req->allow_larger ||
	     target_applies(&req->settings, job->out_fmt, job->quality)))
		return 1;

	st = jpegtran_run(job->in.fd, job->out_fd, &opt, err, sizeof(err));
	if (st == JPEGTRAN_UNSUITABLE)
		return 1;
	if (st == JPEGTRAN_ERROR) {
		/* Same words as for libvips' own JPEG messages. */
		vips_error("jpeg", "%s", err);
		load_vips_error(&job->in);
		return -1;
	}
	job->reply->out_width = job->in.image->Xsize;
	job->reply->out_height = job->in.image->Ysize;
	job->reply->lossless_copy = true;
	return 0;
}

/* A visual quality target: search the quality (target.c) on the image
 * as it would be saved, and say what was chosen.
 */
static int
codec_save_targeted(struct codec_job *job, VipsTarget *target)
{
	struct target_result res;

	if (target_save(job->in.image, target, job->out_fmt,
			!job->req->keep_metadata,
			job->req->settings.target_value, &res))
		return -1;
	job->reply->quality = res.quality;
	job->reply->score = res.score;
	job->reply->target_met = res.met;
	job->reply->encodes = res.encodes;
	return 0;
}

/* Decode, resize, convert, rotate, strip and encode into out_fd. */
static int
codec_pipeline(struct codec_job *job)
{
	bool keep16 = job->out_fmt == IMGOPT_FORMAT_PNG && job->quality >= 100;
	VipsImage *next = NULL;
	VipsTarget *target;
	int r;

	if (codec_resizing(job) &&
	    load_shrink(&job->in, job->target_width, job->target_height))
		goto vips_fail;
	if (load_resize(&job->in, job->target_width, job->target_height) ||
	    load_colour(&job->in, keep16) || load_autorotate(&job->in))
		goto vips_fail;

	/* JPEG has no alpha: flatten on white rather than drop the band,
	 * which would show what transparent pixels happen to hold.
	 */
	if (job->out_fmt == IMGOPT_FORMAT_JPEG &&
	    vips_image_hasalpha(job->in.image)) {
		VipsArrayDouble *white = vips_array_double_newv(1, 255.0);

		r = vips_flatten(job->in.image, &next, "background", white,
				 NULL);
		vips_area_unref(VIPS_AREA(white));
		if (load_step(&job->in, r, &next))
			goto vips_fail;
	}
	if (load_step(&job->in,
		      metadata_prepare(job->in.image, &next,
				       job->req->keep_metadata),
		      &next))
		goto vips_fail;

	/* libwebp's own limit; libvips only says "image too large". */
	if (job->out_fmt == IMGOPT_FORMAT_WEBP &&
	    (job->in.image->Xsize > 16383 || job->in.image->Ysize > 16383)) {
		codec_error(job, "image too large for WebP (%dx%d, at most "
				 "16383 pixels a side)",
			    job->in.image->Xsize, job->in.image->Ysize);
		return -1;
	}

	if (!(target = vips_target_new_to_descriptor(job->out_fd)))
		goto vips_fail;
	if (target_applies(&job->req->settings, job->out_fmt, job->quality))
		r = codec_save_targeted(job, target);
	else
		r = save_image(job->in.image, target, job->out_fmt,
			       job->quality, !job->req->keep_metadata);
	g_object_unref(target);
	if (r)
		goto vips_fail;

	job->reply->out_width = job->in.image->Xsize;
	job->reply->out_height = job->in.image->Ysize;
	return 0;

vips_fail:
	load_vips_error(&job->in);
	return -1;
}

/* SVG bytes under a raster image's name: refused rather than written as
 * x.svg beside an x.png that is not one (uploads use this disguise).
 */
static const char *
codec_svg_misnamed(const char *path)
{
	static const char *const raster[] = {
		".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".avif",
		".gif", ".tif", ".tiff", ".bmp", ".heic", ".heif",
	};
	const char *base = strrchr(path, '/');
	const char *dot = strrchr(base ? base + 1 : path, '.');
	size_t i;

	for (i = 0; dot && i < G_N_ELEMENTS(raster); i++)
		if (!g_ascii_strcasecmp(dot, raster[i]))
			return raster[i];
	return NULL;
}

/* An SVG: minified as text by svg.c, never rasterised, never given to
 * librsvg (it can read files and URLs).  The file is read whole from the
 * descriptor opened here (capped) and parsed from memory, never by path.
 * Raster settings are refused rather than ignored.  Never worse applies,
 * except when something unsafe was removed (script, event handlers,
 * local-file references): then the input is no substitute.
 */
static int
codec_svg(struct codec_job *job, uint64_t t0)
{
	const struct imgopt_settings *s = &job->req->settings;
	struct codec_reply *reply = job->reply;
	struct svg_result res;
	const char *ext;
	char *buf, size[32];
	size_t done = 0;
	uint64_t t1;
	int r;

	reply->error[0] = '\0';
	if ((ext = codec_svg_misnamed(job->req->input_path))) {
		codec_error(job, "unsupported format (SVG in a file named %s: "
				 "SVG files are optimized only under an .svg "
				 "name)", ext);
		return -1;
	}
	if (s->output_format != IMGOPT_FORMAT_ORIGINAL &&
	    s->output_format != IMGOPT_FORMAT_SVG) {
		codec_error(job, "cannot convert SVG to %s (SVG files are "
				 "minified, not rasterised)",
			    imgopt_format_name(s->output_format));
		return -1;
	}
	if (s->resize_mode != IMGOPT_RESIZE_NONE || s->resize_width > 0 ||
	    s->resize_height > 0) {
		codec_error(job, "resize does not apply to SVG (SVG files are "
				 "minified, not rasterised)");
		return -1;
	}
	job->out_fmt = reply->output_format = IMGOPT_FORMAT_SVG;
	job->quality = imgopt_settings_quality_for(s, IMGOPT_FORMAT_SVG);
	if (job->in.size > SVG_MAX_BYTES) {
		reason_human_size(job->in.size, size, sizeof(size));
		codec_error(job,
			    "SVG file is %s, over the %u MiB limit for SVG",
			    size, SVG_MAX_BYTES >> 20);
		return -1;
	}

	buf = g_malloc(job->in.size + 1);
	while (done < job->in.size) {
		ssize_t n = pread(job->in.fd, buf + done, job->in.size - done,
				  (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				codec_error(job, "read error: %s",
					    g_strerror(errno));
			else
				codec_error(job, "input file shrank while "
						 "reading");
			g_free(buf);
			return -1;
		}
		done += (size_t)n;
	}
	t1 = clock_now_ns();
	reply->header_ns = t1 - t0;
	r = svg_optimize(buf, done, job->quality, job->req->keep_metadata,
			 &res, reply->error, CODEC_ERROR_MAX);
	g_free(buf);
	if (r)
		return -1;

	r = -1;
	if (codec_open_output(job))
		goto out;
	for (done = 0; done < res.len;) {
		ssize_t n = write(job->out_fd, res.data + done,
				  res.len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			codec_write_error(job, errno);
			goto out;
		}
		done += (size_t)n;
	}
	if (codec_finish_output(job))
		goto out;
	if (!res.sanitized && codec_not_better(job) && codec_copy_input(job))
		goto out;
	reply->pipeline_ns = clock_now_ns() - t1;
	reply->ok = true;
	r = 0;
out:
	g_free(res.data);
	return r;
}

int
codec_run(const struct codec_request *req, struct codec_reply *reply)
{
	struct codec_job job = {
		.req = req,
		.reply = reply,
		.out_fd = -1,
	};
	uint64_t t0 = clock_now_ns(), t1;
	int r = -1, t;

	memset(reply, 0, sizeof(*reply));
	load_init(&job.in, req, reply);
	vips_error_clear();
	reason_forget_warning();

	if (load_open(&job.in))
		goto out;
	if (load_sniff(&job.in)) {
		if (job.in.fmt == IMGOPT_FORMAT_SVG)
			r = codec_svg(&job, t0);
		goto out;
	}

	job.out_fmt = req->settings.output_format == IMGOPT_FORMAT_ORIGINAL ?
			      job.in.fmt :
			      req->settings.output_format;
	reply->output_format = job.out_fmt;
	if (job.out_fmt == IMGOPT_FORMAT_SVG ||
	    (int)job.out_fmt <= 0 || job.out_fmt >= IMGOPT_FORMAT_COUNT) {
		codec_error(&job, "cannot write %s from a raster image",
			    reason_format_label(job.out_fmt));
		goto out;
	}
	job.quality = imgopt_settings_quality_for(&req->settings, job.out_fmt);

	if (load_header(&job.in))
		goto out;
	save_set_source_chroma(codec_input_is_420(&job.in));
	codec_target(&job);
	t1 = clock_now_ns();
	reply->header_ns = t1 - t0;

	if (codec_open_output(&job))
		goto out;
	if ((t = codec_jpegtran(&job)) < 0 ||
	    (t > 0 && codec_pipeline(&job)))
		goto out;
	if (codec_finish_output(&job))
		goto out;
	if (codec_not_better(&job)) {
		if (codec_copy_input(&job))
			goto out;
		reply->lossless_copy = false;
		reply->out_width = reply->in_width;
		reply->out_height = reply->in_height;
	}
	reply->pipeline_ns = clock_now_ns() - t1;
	reply->ok = true;
	r = 0;

out:
	load_release(&job.in);
	if (job.out_fd >= 0)
		close(job.out_fd);
	vips_error_clear();
	return r;
}

/* For `imgopt compare`: the same open, sniff, header limits, decode, sRGB
 * and orientation steps as codec_run(), without resizing or saving; 16-bit
 * images stay 16-bit.
 */
int
codec_load_for_compare(const struct codec_request *req,
		       struct _VipsImage **out, char *err, size_t err_size)
{
	struct codec_reply reply;
	struct load in;
	int r = -1;

	memset(&reply, 0, sizeof(reply));
	load_init(&in, req, &reply);
	vips_error_clear();
	reason_forget_warning();
	if (load_open(&in) || load_sniff(&in) || load_header(&in))
		goto out;
	/* Decode here, so a damaged file gets the codec's words for it. */
	if (load_colour(&in, true) || load_autorotate(&in) ||
	    !(*out = vips_image_copy_memory(in.image))) {
		load_vips_error(&in);
		goto out;
	}
	VIPS_UNREF(in.image);
	r = 0;
out:
	if (r)
		g_strlcpy(err, reply.error, err_size);
	load_release(&in);
	vips_error_clear();
	return r;
}

/* codec.c: one image from input path to output file, inside a worker.
 *
 * The order is the point: open once without blocking and refuse anything
 * but a regular file; check the size from fstat; decide the format from the
 * bytes; read only the header with the one loader for that format and
 * refuse it by the pixel limit; then decode (shrinking on load where the
 * format can), resize, convert to sRGB, rotate upright, drop metadata,
 * encode, and keep the input's bytes when that would not be smaller.
 *
 * Every decode goes through a VipsSource on the descriptor opened here,
 * never a libvips file name: "x.jpg[shrink=2]" is a name, not options.
 * libvips' generic loader finder is never used, so only the JPEG, PNG, WebP
 * and HEIF loaders can ever see user bytes.  vips_thumbnail_source() would
 * run that finder, so the thumbnail steps (shrink-on-load, resize with
 * premultiplied alpha, ICC transform, autorotate) are spelt out below; this
 * also keeps 16-bit PNGs 16-bit, which thumbnail cannot in libvips 8.14.
 */
#include "codec.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vips/vips.h>

#include "base/clock.h"
#include "jpegtran.h"
#include "metadata.h"
#include "save.h"
#include "sniff.h"
#include "svg.h"
#include "target.h"

/* The state of one codec_run(). */
struct codec_job {
	const struct codec_request *req;
	struct codec_reply *reply;
	int in_fd;
	int out_fd;
	uint64_t size;
	unsigned char head[SNIFF_BYTES];
	size_t head_len;
	enum imgopt_format in_fmt;
	enum imgopt_format out_fmt;
	int quality;
	VipsImage *image; /* the current stage of the pipeline */
	int orientation;  /* 1-8 */
	int up_width;	  /* input size once upright */
	int up_height;
	int target_width; /* output size, upright */
	int target_height;
};

/* The first warning libvips or a decoder library logged for the current
 * image.  libpng's reason for a failed read ("not enough data", "IDAT: CRC
 * error") only arrives this way; the error itself says "libpng read
 * error".  Logged from libvips' worker threads, hence the lock.
 */
static GMutex codec_warning_lock;
static char codec_warning[256];

/* Workers never print: every GLib and libvips message ends here. */
static void
codec_log(const gchar *domain, GLogLevelFlags level, const gchar *message,
	  gpointer data)
{
	(void)domain;
	(void)data;
	if (!(level & G_LOG_LEVEL_WARNING) || !message ||
	    g_str_has_prefix(message, "error in tile"))
		return;
	g_mutex_lock(&codec_warning_lock);
	if (!codec_warning[0])
		g_strlcpy(codec_warning, message, sizeof(codec_warning));
	g_mutex_unlock(&codec_warning_lock);
}

static void
codec_warning_take(char *buf, size_t size)
{
	g_mutex_lock(&codec_warning_lock);
	g_strlcpy(buf, codec_warning, size);
	codec_warning[0] = '\0';
	g_mutex_unlock(&codec_warning_lock);
}

int
codec_init(const char *argv0, int threads)
{
	static const char *const loaders[] = {
		"VipsForeignLoadJpeg", "VipsForeignLoadPng",
		"VipsForeignLoadWebp", "VipsForeignLoadHeif",
	};
	size_t i;

	/* Workers never print: libvips and GLib warnings ("heifload:
	 * ignoring nclx profile", "error in tile") would land on the
	 * parent's terminal.  Set before VIPS_INIT so none escape start-up.
	 * VIPS_WARNING in the environment would drop them before
	 * codec_log() could keep libpng's reasons ("not enough data"), and
	 * errors would then read "libpng read error": unset it.
	 */
	g_unsetenv("VIPS_WARNING");
	g_log_set_default_handler(codec_log, NULL);
	g_log_set_handler("VIPS",
			  G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
				  G_LOG_FLAG_RECURSION,
			  codec_log, NULL);

	if (VIPS_INIT(argv0)) {
		fprintf(stderr, "imgopt: cannot start libvips: %s\n",
			vips_error_buffer());
		vips_error_clear();
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

static void
codec_error(struct codec_job *job, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(job->reply->error, CODEC_ERROR_MAX, fmt, ap);
	va_end(ap);
}

static const char *
codec_format_label(enum imgopt_format fmt)
{
	switch (fmt) {
	case IMGOPT_FORMAT_JPEG:
		return "JPEG";
	case IMGOPT_FORMAT_PNG:
		return "PNG";
	case IMGOPT_FORMAT_WEBP:
		return "WebP";
	case IMGOPT_FORMAT_AVIF:
		return "AVIF";
	case IMGOPT_FORMAT_SVG:
		return "SVG";
	default:
		return "image";
	}
}

static uint32_t
codec_crc32(const unsigned char *p, size_t n)
{
	uint32_t crc = 0xFFFFFFFFu;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0xEDB88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* libvips says nothing for some broken PNGs: find the reason in the IHDR
 * chunk, which is always in the sniffed bytes.
 */
static const char *
codec_png_reason(const struct codec_job *job)
{
	const unsigned char *p = job->head;
	uint32_t crc;

	if (job->head_len < 33 || memcmp(p + 12, "IHDR", 4) != 0)
		return "corrupt PNG (no IHDR chunk)";
	crc = (uint32_t)p[29] << 24 | (uint32_t)p[30] << 16 |
	      (uint32_t)p[31] << 8 | p[32];
	if (codec_crc32(p + 12, 17) != crc)
		return "corrupt PNG (IHDR CRC)";
	if (memcmp(p + 16, "\0\0\0\0", 4) == 0 ||
	    memcmp(p + 20, "\0\0\0\0", 4) == 0)
		return "corrupt PNG (zero width or height)";
	return "corrupt PNG";
}

#define CODEC_TRUNCATED "truncated %s (premature end of data)"

/* Known decoder and system messages, matched lowercase in the libvips
 * error and the first warning, and what the user reads (%s: the format).
 */
static const struct {
	const char *match;
	const char *say;
} codec_messages[] = {
	{ "no space left", "disk full (no space left on device)" },
	{ "disk quota", "disk quota exceeded" },
	{ "out of memory", "out of memory" },
	{ "not enough memory", "out of memory" },
	{ "insufficient memory", "out of memory" },
	{ "failed to allocate", "out of memory" },
	{ "premature end", CODEC_TRUNCATED },
	{ "not enough data", CODEC_TRUNCATED },	       /* libpng */
	{ "bad seek", CODEC_TRUNCATED },	       /* libheif */
	{ "unexpected end of file", CODEC_TRUNCATED }, /* libheif */
	{ "bad huffman", "corrupt %s data (bad Huffman code)" },
};

/* libvips messages that name no reason. */
static const char *const codec_generic[] = {
	"libpng read error", "unable to parse image", "invalid input",
};

/* One line from a libvips message: without "domain: " prefixes (unless
 * keep_prefix: libpng's "IDAT: CRC error" names the chunk), starting
 * lowercase, without the trailing full stop.
 */
static void
codec_clean_line(const char *line, size_t len, bool keep_prefix, char *out,
		 size_t size)
{
	size_t n;

	/* Drop leading "VipsJpeg: ", "vipspng: " and the like: a first
	 * word followed by a colon and a space.
	 */
	while (!keep_prefix) {
		size_t i = 0;

		while (i < len && line[i] != ':' && line[i] != ' ')
			i++;
		if (i == 0 || i + 1 >= len || line[i] != ':' ||
		    line[i + 1] != ' ')
			break;
		line += i + 2;
		len -= i + 2;
	}
	while (len > 0 && (line[len - 1] == '.' || line[len - 1] == ' ' ||
			   line[len - 1] == '\r'))
		len--;
	n = len < size - 1 ? len : size - 1;
	memcpy(out, line, n);
	out[n] = '\0';
	/* "Premature end" -> "premature end", but keep "JPEG", "IHDR". */
	if (n > 1 && g_ascii_isupper(out[0]) && !g_ascii_isupper(out[1]))
		out[0] = g_ascii_tolower(out[0]);
}

/* The first line of text that says something. */
static void
codec_first_line(const char *buf, bool keep_prefix, char *out, size_t size)
{
	out[0] = '\0';
	while (*buf) {
		const char *end = strchr(buf, '\n');
		size_t len = end ? (size_t)(end - buf) : strlen(buf);

		codec_clean_line(buf, len, keep_prefix, out, size);
		if (out[0] && !g_str_has_prefix(out, "error in tile"))
			return;
		out[0] = '\0';
		buf += len + (end ? 1 : 0);
	}
}

/* A WebP whose RIFF header promises more bytes than the file has. */
static bool
codec_webp_short(const struct codec_job *job)
{
	const unsigned char *p = job->head;
	uint64_t riff;

	if (job->in_fmt != IMGOPT_FORMAT_WEBP || job->head_len < 12)
		return false;
	riff = (uint64_t)p[4] | (uint64_t)p[5] << 8 | (uint64_t)p[6] << 16 |
	       (uint64_t)p[7] << 24;
	return riff + 8 > job->size;
}

/* The libvips error buffer (and the first warning) as the reply's
 * one-line reason; both are cleared.
 */
static void
codec_vips_error(struct codec_job *job)
{
	const char *fmt = codec_format_label(job->in_fmt);
	char line[CODEC_ERROR_MAX], warning[256];
	char *text, *lower;
	size_t i;

	codec_warning_take(warning, sizeof(warning));
	codec_first_line(vips_error_buffer(), false, line, sizeof(line));
	text = g_strconcat(vips_error_buffer(), "\n", warning, NULL);
	lower = g_ascii_strdown(text, -1);

	for (i = 0; i < G_N_ELEMENTS(codec_messages); i++)
		if (strstr(lower, codec_messages[i].match)) {
			codec_error(job, codec_messages[i].say, fmt);
			goto out;
		}

	if (!line[0]) {
		/* libvips gave no reason at all. */
		if (job->in_fmt == IMGOPT_FORMAT_PNG)
			codec_error(job, "%s", codec_png_reason(job));
		else
			codec_error(job, "corrupt %s", fmt);
		goto out;
	}
	for (i = 0; i < G_N_ELEMENTS(codec_generic); i++)
		if (g_ascii_strncasecmp(line, codec_generic[i],
					strlen(codec_generic[i])) == 0)
			break;
	if (i == G_N_ELEMENTS(codec_generic))
		codec_error(job, "%s", line);
	else if (codec_webp_short(job))
		codec_error(job, CODEC_TRUNCATED, fmt);
	else if (warning[0]) {
		codec_first_line(warning, true, line, sizeof(line));
		codec_error(job, "corrupt %s (%s)", fmt, line);
	} else
		codec_error(job, "corrupt %s (%s)", fmt, line);
out:
	g_free(lower);
	g_free(text);
	vips_error_clear();
}

static void
codec_human_size(uint64_t n, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int u = -1;

	if (n < 1024) {
		snprintf(buf, size, "%llu bytes", (unsigned long long)n);
		return;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, "%.1f %s", v, units[u]);
}

static void
codec_megapixels(uint64_t px, char *buf, size_t size)
{
	double mp = (double)px / 1e6;

	snprintf(buf, size, "%.*f", mp >= 10 ? 0 : mp >= 1 ? 1 : 2, mp);
}

/* Open the input once, without blocking on FIFOs and devices, and refuse
 * what is not a regular file or is too large before reading a byte.
 */
static int
codec_open_input(struct codec_job *job)
{
	const char *path = job->req->input_path;
	struct stat st;
	int flags;

	job->in_fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (job->in_fd < 0) {
		int e = errno;

		if (e == ELOOP)
			codec_error(job, "too many levels of symbolic links");
		else if (e == ENOENT && lstat(path, &st) == 0 &&
			 S_ISLNK(st.st_mode))
			codec_error(job, "broken symlink");
		else if (e == EACCES)
			codec_error(job, "permission denied");
		else if (e == ENXIO && stat(path, &st) == 0 &&
			 S_ISSOCK(st.st_mode))
			codec_error(job, "not a regular file (socket)");
		else {
			codec_error(job, "%s", g_strerror(e));
			job->reply->error[0] =
				g_ascii_tolower(job->reply->error[0]);
		}
		return -1;
	}
	if (fstat(job->in_fd, &st) != 0) {
		codec_error(job, "cannot stat: %s", g_strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		const char *kind = S_ISDIR(st.st_mode)	? "directory" :
				   S_ISFIFO(st.st_mode) ? "fifo" :
				   S_ISCHR(st.st_mode)	? "character device" :
				   S_ISBLK(st.st_mode)	? "block device" :
				   S_ISSOCK(st.st_mode) ? "socket" :
							  "special file";

		codec_error(job, "not a regular file (%s)", kind);
		return -1;
	}
	job->size = (uint64_t)st.st_size;
	job->reply->original_size = job->size;
	if (job->size == 0) {
		codec_error(job, "empty file");
		return -1;
	}
	if (job->req->max_file_size && job->size > job->req->max_file_size) {
		char have[32], limit[32];

		codec_human_size(job->size, have, sizeof(have));
		codec_human_size(job->req->max_file_size, limit, sizeof(limit));
		codec_error(job, "file size %s exceeds the %s limit", have,
			    limit);
		return -1;
	}

	/* Regular files never block; plain reads from here on. */
	if ((flags = fcntl(job->in_fd, F_GETFL)) != -1)
		(void)fcntl(job->in_fd, F_SETFL, flags & ~O_NONBLOCK);
	return 0;
}

static int
codec_sniff(struct codec_job *job)
{
	const char *what;
	ssize_t n;

	do
		n = pread(job->in_fd, job->head, sizeof(job->head), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		codec_error(job, "read error: %s", g_strerror(errno));
		return -1;
	}
	job->head_len = (size_t)n;
	job->in_fmt = sniff_format(job->head, job->head_len, &what);
	job->reply->input_format = job->in_fmt;

	if (job->in_fmt == IMGOPT_FORMAT_SVG) {
		/* Never to librsvg from here: an SVG can pull in files and
		 * URLs.  codec_run() minifies it as text (codec_svg()).
		 */
		codec_error(job, "unsupported format (SVG is minified, not "
				 "decoded)");
		return -1;
	}
	if (job->in_fmt == IMGOPT_FORMAT_ORIGINAL) {
		if (what)
			codec_error(job, "unsupported format (%s)", what);
		else
			codec_error(job, "not an image");
		return -1;
	}
	return 0;
}

static VipsFailOn
codec_fail_on(enum codec_fail_on f)
{
	switch (f) {
	case CODEC_FAIL_ON_TRUNCATED:
		return VIPS_FAIL_ON_TRUNCATED;
	case CODEC_FAIL_ON_ERROR:
		return VIPS_FAIL_ON_ERROR;
	case CODEC_FAIL_ON_WARNING:
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
 * not its fail_on check, so CODEC_FAIL_ON_WARNING still loads them (checked
 * by test_codec and the hostile corpus' valid-control.avif).
 */
static VipsImage *
codec_load(struct codec_job *job, int shrink, double scale)
{
	VipsFailOn fail_on = codec_fail_on(job->req->fail_on);
	VipsSource *source;
	VipsImage *out = NULL;
	int r = -1;

	/* The descriptor is dup()ed by libvips and shares its offset. */
	(void)lseek(job->in_fd, 0, SEEK_SET);
	if (!(source = vips_source_new_from_descriptor(job->in_fd)))
		return NULL;

	switch (job->in_fmt) {
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
static int
codec_header(struct codec_job *job)
{
	VipsImage *im;
	uint64_t pixels;
	const char *compression;

	if (!(job->image = codec_load(job, 1, 1.0))) {
		codec_vips_error(job);
		return -1;
	}
	im = job->image;

	/* The sniffer only saw an "avif" brand: a HEIF file holding HEVC
	 * would still decode, and HEIC is not a format imgopt takes.
	 */
	if (job->in_fmt == IMGOPT_FORMAT_AVIF &&
	    (vips_image_get_typeof(im, "heif-compression") &&
	     !vips_image_get_string(im, "heif-compression", &compression) &&
	     strcmp(compression, "av1") != 0)) {
		codec_error(job, "unsupported format (HEIC)");
		return -1;
	}

	job->reply->in_width = im->Xsize;
	job->reply->in_height = im->Ysize;
	pixels = (uint64_t)im->Xsize * (uint64_t)im->Ysize;
	if (job->req->max_pixels && pixels > job->req->max_pixels) {
		char have[32], limit[32];

		codec_megapixels(pixels, have, sizeof(have));
		codec_megapixels(job->req->max_pixels, limit, sizeof(limit));
		/* Rounded to the same number, megapixels explain nothing. */
		if (strcmp(have, limit) == 0)
			codec_error(job,
				    "image is %" PRIu64 " pixels (%dx%d), over "
				    "the %" PRIu64 " pixel limit",
				    pixels, im->Xsize, im->Ysize,
				    job->req->max_pixels);
		else
			codec_error(job,
				    "image is %s MP (%dx%d), over the %s MP "
				    "limit",
				    have, im->Xsize, im->Ysize, limit);
		return -1;
	}

	job->orientation = vips_image_get_orientation(im);
	if (job->orientation < 1 || job->orientation > 8)
		job->orientation = 1;
	if (job->orientation >= 5) {
		job->up_width = im->Ysize;
		job->up_height = im->Xsize;
	} else {
		job->up_width = im->Xsize;
		job->up_height = im->Ysize;
	}
	return 0;
}

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
	int w = job->up_width, h = job->up_height;
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

static bool
codec_resizing(const struct codec_job *job)
{
	return job->target_width != job->up_width ||
	       job->target_height != job->up_height;
}

/* Replace the pipeline's current image with *next (or fail).  next is a
 * pointer because the call that fills it is an argument of the same call:
 * the order C evaluates arguments in is unspecified.
 */
static int
codec_step(struct codec_job *job, int r, VipsImage **next)
{
	if (r) {
		VIPS_UNREF(*next);
		return -1;
	}
	VIPS_UNREF(job->image);
	job->image = *next;
	*next = NULL;
	return 0;
}

/* Decode again with the decoder's own shrink when it saves work: JPEG by
 * 2, 4 or 8 (leaving at least 2x for the proper resize, as thumbnail does),
 * WebP by any factor.
 */
static int
codec_shrink_on_load(struct codec_job *job)
{
	VipsImage *im = job->image;
	bool swap = job->orientation >= 5;
	int tw = swap ? job->target_height : job->target_width;
	int th = swap ? job->target_width : job->target_height;
	double hs = (double)im->Xsize / tw, vs = (double)im->Ysize / th;
	double shrink = hs < vs ? hs : vs;
	VipsImage *next;

	if (job->in_fmt == IMGOPT_FORMAT_JPEG && shrink >= 4) {
		int factor = shrink >= 16 ? 8 : shrink >= 8 ? 4 : 2;

		VIPS_UNREF(job->image);
		if (!(next = codec_load(job, factor, 1.0)))
			return -1;
		job->image = next;
	} else if (job->in_fmt == IMGOPT_FORMAT_WEBP && shrink > 1.0) {
		VIPS_UNREF(job->image);
		if (!(next = codec_load(job, 1, 1.0 / shrink)))
			return -1;
		job->image = next;
	}
	return 0;
}

static int
codec_resize(struct codec_job *job)
{
	VipsImage *im = job->image;
	bool swap = job->orientation >= 5;
	int tw = swap ? job->target_height : job->target_width;
	int th = swap ? job->target_width : job->target_height;
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
		if (codec_step(job, vips_premultiply(job->image, &next, NULL),
			       &next))
			return -1;
	}
	if (codec_step(job, vips_resize(job->image, &next, hscale,
					"vscale", vscale, NULL),
		       &next))
		return -1;
	if (alpha) {
		if (codec_step(job, vips_unpremultiply(job->image, &next,
						       NULL),
			       &next) ||
		    codec_step(job, vips_cast(job->image, &next, format, NULL),
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
static int
codec_colour(struct codec_job *job, bool keep16)
{
	VipsImage *im = job->image;
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
		if (codec_step(job, vips_icc_transform(job->image, &next,
				"srgb",
				"input_profile", cmyk ? "cmyk" : "srgb",
				"embedded", apply,
				"intent", VIPS_INTENT_RELATIVE,
				"depth", keep16 && wide ? 16 : 8,
				NULL), &next))
			return -1;
		/* Grey through a grey profile comes out as RGB. */
		if (grey && job->image->Bands >= 3 &&
		    codec_step(job, vips_colourspace(job->image, &next,
				keep16 && wide ? VIPS_INTERPRETATION_GREY16 :
						 VIPS_INTERPRETATION_B_W,
				NULL), &next))
			return -1;
	} else if (wide && !keep16) {
		if (codec_step(job, vips_colourspace(job->image, &next,
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
static int
codec_autorotate(struct codec_job *job)
{
	VipsImage *mem, *next = NULL;
	int r;

	if (job->orientation == 1)
		return 0;
	if (!(mem = vips_image_copy_memory(job->image)))
		return -1;
	r = vips_autorot(mem, &next, NULL);
	g_object_unref(mem);
	return codec_step(job, r, &next);
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
	while (done < job->size) {
		ssize_t n;

		if (!plain) {
			loff_t off = (loff_t)done;

			n = copy_file_range(job->in_fd, &off, job->out_fd,
					    NULL, job->size - done, 0);
			if (n < 0 && (errno == EXDEV || errno == ENOSYS ||
				      errno == EINVAL || errno == EOPNOTSUPP ||
				      errno == EBADF)) {
				plain = true;
				continue;
			}
		} else {
			size_t want = job->size - done < 1 << 20 ?
					      (size_t)(job->size - done) :
					      1 << 20;

			if (!buf)
				buf = g_malloc(1 << 20);
			n = pread(job->in_fd, buf, want, (off_t)done);
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

	if (req->allow_larger || job->out_fmt != job->in_fmt)
		return false;
	/* A resized image is a different picture: the input is no
	 * substitute however small it is.
	 */
	if (codec_resizing(job))
		return false;
	if (out >= job->size)
		return true;
	saved = 100.0 * (double)(job->size - out) / (double)job->size;
	return req->min_savings_pct > 0 && saved < req->min_savings_pct;
}

/* JPEG to JPEG at quality 100, same size: copy the DCT coefficients.
 * Returns 0 when done, 1 when the image needs the decoding path, -1 on
 * error.
 */
static int
codec_jpegtran(struct codec_job *job)
{
	struct jpegtran_options opt = {
		.orientation = job->orientation,
		.keep_metadata = job->req->keep_metadata,
		.fail_on = job->req->fail_on,
	};
	char err[CODEC_ERROR_MAX];
	enum jpegtran_status st;

	if (job->in_fmt != IMGOPT_FORMAT_JPEG ||
	    job->out_fmt != IMGOPT_FORMAT_JPEG || job->quality < 100 ||
	    codec_resizing(job) ||
	    (job->image->Bands != 1 && job->image->Bands != 3))
		return 1;

	st = jpegtran_run(job->in_fd, job->out_fd, &opt, err, sizeof(err));
	if (st == JPEGTRAN_UNSUITABLE)
		return 1;
	if (st == JPEGTRAN_ERROR) {
		/* Same words as for libvips' own JPEG messages. */
		vips_error("jpeg", "%s", err);
		codec_vips_error(job);
		return -1;
	}
	job->reply->out_width = job->image->Xsize;
	job->reply->out_height = job->image->Ysize;
	return 0;
}

/* A visual quality target: search the quality (target.c) on the image
 * as it would be saved, and say what was chosen.
 */
static int
codec_save_targeted(struct codec_job *job, VipsTarget *target)
{
	struct target_result res;

	if (target_save(job->image, target, job->out_fmt,
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

	if (codec_resizing(job) && codec_shrink_on_load(job))
		goto vips_fail;
	if (codec_resize(job) || codec_colour(job, keep16) ||
	    codec_autorotate(job))
		goto vips_fail;

	/* JPEG has no alpha: flatten on white rather than drop the band,
	 * which would show what transparent pixels happen to hold.
	 */
	if (job->out_fmt == IMGOPT_FORMAT_JPEG &&
	    vips_image_hasalpha(job->image)) {
		VipsArrayDouble *white = vips_array_double_newv(1, 255.0);

		r = vips_flatten(job->image, &next, "background", white, NULL);
		vips_area_unref(VIPS_AREA(white));
		if (codec_step(job, r, &next))
			goto vips_fail;
	}
	if (codec_step(job, metadata_prepare(job->image, &next,
					     job->req->keep_metadata),
		       &next))
		goto vips_fail;

	/* libwebp's own limit; libvips only says "image too large". */
	if (job->out_fmt == IMGOPT_FORMAT_WEBP &&
	    (job->image->Xsize > 16383 || job->image->Ysize > 16383)) {
		codec_error(job, "image too large for WebP (%dx%d, at most "
				 "16383 pixels a side)",
			    job->image->Xsize, job->image->Ysize);
		return -1;
	}

	if (!(target = vips_target_new_to_descriptor(job->out_fd)))
		goto vips_fail;
	if (target_applies(&job->req->settings, job->out_fmt, job->quality))
		r = codec_save_targeted(job, target);
	else
		r = save_image(job->image, target, job->out_fmt, job->quality,
			       !job->req->keep_metadata);
	g_object_unref(target);
	if (r)
		goto vips_fail;

	job->reply->out_width = job->image->Xsize;
	job->reply->out_height = job->image->Ysize;
	return 0;

vips_fail:
	codec_vips_error(job);
	return -1;
}

static int
codec_quality(const struct imgopt_settings *s, enum imgopt_format fmt)
{
	int q = s->quality[fmt] ? s->quality[fmt] : s->quality_global;

	if (q <= 0)
		q = IMGOPT_DEFAULT_QUALITY;
	return q > 100 ? 100 : q;
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
	job->quality = codec_quality(s, IMGOPT_FORMAT_SVG);
	if (job->size > SVG_MAX_BYTES) {
		codec_human_size(job->size, size, sizeof(size));
		codec_error(job, "SVG file is %s, over the %u MiB limit for SVG",
			    size, SVG_MAX_BYTES >> 20);
		return -1;
	}

	buf = g_malloc(job->size + 1);
	while (done < job->size) {
		ssize_t n = pread(job->in_fd, buf + done, job->size - done,
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
		.in_fd = -1,
		.out_fd = -1,
	};
	uint64_t t0 = clock_now_ns(), t1;
	int r = -1, t;
	char stale[2];

	memset(reply, 0, sizeof(*reply));
	vips_error_clear();
	codec_warning_take(stale, sizeof(stale));

	if (codec_open_input(&job))
		goto out;
	if (codec_sniff(&job)) {
		if (job.in_fmt == IMGOPT_FORMAT_SVG)
			r = codec_svg(&job, t0);
		goto out;
	}

	job.out_fmt = req->settings.output_format == IMGOPT_FORMAT_ORIGINAL ?
			      job.in_fmt :
			      req->settings.output_format;
	reply->output_format = job.out_fmt;
	if (job.out_fmt == IMGOPT_FORMAT_SVG ||
	    (int)job.out_fmt <= 0 || job.out_fmt >= IMGOPT_FORMAT_COUNT) {
		codec_error(&job, "cannot write %s from a raster image",
			    codec_format_label(job.out_fmt));
		goto out;
	}
	job.quality = codec_quality(&req->settings, job.out_fmt);

	if (codec_header(&job))
		goto out;
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
		reply->out_width = reply->in_width;
		reply->out_height = reply->in_height;
	}
	reply->pipeline_ns = clock_now_ns() - t1;
	reply->ok = true;
	r = 0;

out:
	VIPS_UNREF(job.image);
	if (job.in_fd >= 0)
		close(job.in_fd);
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
	struct codec_job job = {
		.req = req,
		.reply = &reply,
		.in_fd = -1,
		.out_fd = -1,
	};
	char stale[2];
	int r = -1;

	memset(&reply, 0, sizeof(reply));
	vips_error_clear();
	codec_warning_take(stale, sizeof(stale));
	if (codec_open_input(&job) || codec_sniff(&job) || codec_header(&job))
		goto out;
	/* Decode here, so a damaged file gets the codec's words for it. */
	if (codec_colour(&job, true) || codec_autorotate(&job) ||
	    !(*out = vips_image_copy_memory(job.image))) {
		codec_vips_error(&job);
		goto out;
	}
	VIPS_UNREF(job.image);
	r = 0;
out:
	if (r)
		g_strlcpy(err, reply.error, err_size);
	VIPS_UNREF(job.image);
	if (job.in_fd >= 0)
		close(job.in_fd);
	vips_error_clear();
	return r;
}

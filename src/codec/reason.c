/* reason.c: why an image failed, in the words the user reads.
 *
 * libvips errors name the library and the call ("VipsJpeg: Premature end of
 * JPEG file", "libpng read error"), some name nothing at all, and the real
 * reason may only have been logged as a warning.  Known messages, in the
 * error or the first warning, map to fixed words (the tables below); else
 * the first line that says something is kept, cleaned of "domain: "
 * prefixes and full stops; a bare "corrupt PNG" is told apart from the
 * bytes.
 */
#include "reason.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <vips/vips.h>

#include "codec.h"

/* The first warning libvips or a decoder library logged for the current
 * image.  libpng's reason for a failed read ("not enough data", "IDAT: CRC
 * error") only arrives this way; the error itself says "libpng read
 * error".  Logged from libvips' worker threads, hence the lock.
 */
static GMutex reason_warning_lock;
static char reason_warning[256];

/* Workers never print: every GLib and libvips message ends here. */
static void
reason_log(const gchar *domain, GLogLevelFlags level, const gchar *message,
	   gpointer data)
{
	(void)domain;
	(void)data;
	if (!(level & G_LOG_LEVEL_WARNING) || !message ||
	    g_str_has_prefix(message, "error in tile"))
		return;
	g_mutex_lock(&reason_warning_lock);
	if (!reason_warning[0])
		g_strlcpy(reason_warning, message, sizeof(reason_warning));
	g_mutex_unlock(&reason_warning_lock);
}

/* Copy the kept warning into buf and forget it. */
static void
reason_warning_take(char *buf, size_t size)
{
	g_mutex_lock(&reason_warning_lock);
	g_strlcpy(buf, reason_warning, size);
	reason_warning[0] = '\0';
	g_mutex_unlock(&reason_warning_lock);
}

/* Install reason_log() for GLib's default domain and libvips'. */
void
reason_capture_warnings(void)
{
	/* libvips and GLib warnings ("heifload: ignoring nclx profile",
	 * "error in tile") would land on the parent's terminal.  VIPS_WARNING
	 * in the environment would drop them before reason_log() could keep
	 * libpng's reasons ("not enough data"), and errors would then read
	 * "libpng read error": unset it.
	 */
	g_unsetenv("VIPS_WARNING");
	g_log_set_default_handler(reason_log, NULL);
	g_log_set_handler("VIPS",
			  G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL |
				  G_LOG_FLAG_RECURSION,
			  reason_log, NULL);
}

/* A new image starts with no warning. */
void
reason_forget_warning(void)
{
	char stale[2];

	reason_warning_take(stale, sizeof(stale));
}

/* The format's name as messages spell it. */
const char *
reason_format_label(enum imgopt_format fmt)
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

/* PNG's CRC-32 of n bytes. */
static uint32_t
reason_crc32(const unsigned char *p, size_t n)
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
reason_png(const unsigned char *p, size_t len)
{
	uint32_t crc;

	if (len < 33 || memcmp(p + 12, "IHDR", 4) != 0)
		return "corrupt PNG (no IHDR chunk)";
	crc = (uint32_t)p[29] << 24 | (uint32_t)p[30] << 16 |
	      (uint32_t)p[31] << 8 | p[32];
	if (reason_crc32(p + 12, 17) != crc)
		return "corrupt PNG (IHDR CRC)";
	if (memcmp(p + 16, "\0\0\0\0", 4) == 0 ||
	    memcmp(p + 20, "\0\0\0\0", 4) == 0)
		return "corrupt PNG (zero width or height)";
	return "corrupt PNG";
}

#define REASON_TRUNCATED "truncated %s (premature end of data)"

/* Known decoder and system messages, matched lowercase in the libvips
 * error and the first warning, and what the user reads (%s: the format).
 */
static const struct {
	const char *match;
	const char *say;
} reason_messages[] = {
	{ "no space left", "disk full (no space left on device)" },
	{ "disk quota", "disk quota exceeded" },
	{ "out of memory", "out of memory" },
	{ "not enough memory", "out of memory" },
	{ "insufficient memory", "out of memory" },
	{ "failed to allocate", "out of memory" },
	{ "premature end", REASON_TRUNCATED },
	{ "not enough data", REASON_TRUNCATED },        /* libpng */
	{ "bad seek", REASON_TRUNCATED },               /* libheif */
	{ "unexpected end of file", REASON_TRUNCATED }, /* libheif */
	{ "bad huffman", "corrupt %s data (bad Huffman code)" },
};

/* libvips messages that name no reason. */
static const char *const reason_generic[] = {
	"libpng read error", "unable to parse image", "invalid input",
};

/* One line from a libvips message: without "domain: " prefixes (unless
 * keep_prefix: libpng's "IDAT: CRC error" names the chunk), starting
 * lowercase, without the trailing full stop.
 */
static void
reason_clean_line(const char *line, size_t len, bool keep_prefix, char *out,
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
reason_first_line(const char *buf, bool keep_prefix, char *out, size_t size)
{
	out[0] = '\0';
	while (*buf) {
		const char *end = strchr(buf, '\n');
		size_t len = end ? (size_t)(end - buf) : strlen(buf);

		reason_clean_line(buf, len, keep_prefix, out, size);
		if (out[0] && !g_str_has_prefix(out, "error in tile"))
			return;
		out[0] = '\0';
		buf += len + (end ? 1 : 0);
	}
}

/* A WebP whose RIFF header promises more bytes than the file has. */
static bool
reason_webp_short(enum imgopt_format fmt, const unsigned char *p, size_t len,
		  uint64_t file_size)
{
	uint64_t riff;

	if (fmt != IMGOPT_FORMAT_WEBP || len < 12)
		return false;
	riff = (uint64_t)p[4] | (uint64_t)p[5] << 8 | (uint64_t)p[6] << 16 |
	       (uint64_t)p[7] << 24;
	return riff + 8 > file_size;
}

/* The error buffer first, then the warning: the first known message in
 * either wins; a generic libvips line gives way to the warning.
 */
void
reason_from_vips(char *out, size_t size, enum imgopt_format in_fmt,
		 const unsigned char *head, size_t head_len, uint64_t file_size)
{
	const char *fmt = reason_format_label(in_fmt);
	char line[CODEC_ERROR_MAX], warning[256];
	char *text, *lower;
	size_t i;

	reason_warning_take(warning, sizeof(warning));
	reason_first_line(vips_error_buffer(), false, line, sizeof(line));
	text = g_strconcat(vips_error_buffer(), "\n", warning, NULL);
	lower = g_ascii_strdown(text, -1);

	for (i = 0; i < G_N_ELEMENTS(reason_messages); i++)
		if (strstr(lower, reason_messages[i].match)) {
			snprintf(out, size, reason_messages[i].say, fmt);
			goto out;
		}

	if (!line[0]) {
		/* libvips gave no reason at all. */
		if (in_fmt == IMGOPT_FORMAT_PNG)
			snprintf(out, size, "%s", reason_png(head, head_len));
		else
			snprintf(out, size, "corrupt %s", fmt);
		goto out;
	}
	for (i = 0; i < G_N_ELEMENTS(reason_generic); i++)
		if (g_ascii_strncasecmp(line, reason_generic[i],
					strlen(reason_generic[i])) == 0)
			break;
	if (i == G_N_ELEMENTS(reason_generic))
		snprintf(out, size, "%s", line);
	else if (reason_webp_short(in_fmt, head, head_len, file_size))
		snprintf(out, size, REASON_TRUNCATED, fmt);
	else if (warning[0]) {
		reason_first_line(warning, true, line, sizeof(line));
		snprintf(out, size, "corrupt %s (%s)", fmt, line);
	} else
		snprintf(out, size, "corrupt %s (%s)", fmt, line);
out:
	g_free(lower);
	g_free(text);
	vips_error_clear();
}

/* Bytes below 1 KiB, else one decimal of the largest binary unit. */
void
reason_human_size(uint64_t n, char *buf, size_t size)
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

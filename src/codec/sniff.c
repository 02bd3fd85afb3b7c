/* sniff.c: the format of a file from its first bytes.
 *
 * The name of a file says nothing about its contents (the hostile corpus has
 * PDF, PPM and SVG files named .jpg and .png), so the decoder is chosen here
 * and only here.  Formats imgopt does not read are still recognised so the
 * user gets "unsupported format (GIF)" instead of "not an image".
 */
#include "sniff.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* True when buf starts with the len bytes of magic. */
static bool
sniff_starts(const unsigned char *buf, size_t len, const char *magic,
	     size_t mlen)
{
	return len >= mlen && memcmp(buf, magic, mlen) == 0;
}

static uint32_t
sniff_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint32_t
sniff_le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | (uint32_t)p[0];
}

/* Brands of an ISO-BMFF `ftyp` box (AVIF, HEIC, ...): the major brand and
 * every compatible brand we can see.  Returns the format, setting *what for
 * HEIF variants we do not read, or -1 when this is no ftyp box.
 */
static int
sniff_ftyp(const unsigned char *buf, size_t len, const char **what)
{
	static const char *const heic[] = {
		"heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1",
	};
	uint32_t box;
	size_t end, i, k;
	bool is_avif = false, is_heic = false, is_jp2 = false;

	if (len < 12 || memcmp(buf + 4, "ftyp", 4) != 0)
		return -1;

	/* The compatible brands run from offset 16 to the end of the box.
	 * A box size that makes no sense still leaves the major brand.
	 */
	box = sniff_be32(buf);
	end = box >= 16 ? (box < len ? box : len) : 12;
	for (i = 8; i + 4 <= end; i += 4) {
		const unsigned char *b = buf + i;

		/* Offset 12 is the minor version, not a brand. */
		if (i == 12)
			continue;
		if (memcmp(b, "avif", 4) == 0 || memcmp(b, "avis", 4) == 0)
			is_avif = true;
		if (memcmp(b, "jp2 ", 4) == 0 || memcmp(b, "jpx ", 4) == 0)
			is_jp2 = true;
		for (k = 0; k < sizeof(heic) / sizeof(heic[0]); k++)
			if (memcmp(b, heic[k], 4) == 0)
				is_heic = true;
	}

	if (is_avif)
		return IMGOPT_FORMAT_AVIF;
	if (is_heic) {
		*what = "HEIC";
		return IMGOPT_FORMAT_ORIGINAL;
	}
	if (is_jp2) {
		*what = "JPEG 2000";
		return IMGOPT_FORMAT_ORIGINAL;
	}

	/* Video (isom, mp41, qt) and other ISO-BMFF files are not images. */
	return IMGOPT_FORMAT_ORIGINAL;
}

/* BMP: "BM" alone matches plain text, so require a known DIB header size. */
static bool
sniff_bmp(const unsigned char *buf, size_t len)
{
	uint32_t dib;

	if (len < 18 || buf[0] != 'B' || buf[1] != 'M')
		return false;
	dib = sniff_le32(buf + 14);
	return dib == 12 || dib == 16 || dib == 40 || dib == 52 || dib == 56 ||
	       dib == 64 || dib == 108 || dib == 124;
}

/* Netpbm: P1-P7 followed by whitespace. */
static const char *
sniff_netpbm(const unsigned char *buf, size_t len)
{
	if (len < 3 || buf[0] != 'P')
		return NULL;
	if (buf[2] != ' ' && buf[2] != '\t' && buf[2] != '\n' &&
	    buf[2] != '\r')
		return NULL;
	switch (buf[1]) {
	case '1':
	case '4':
		return "PBM";
	case '2':
	case '5':
		return "PGM";
	case '3':
	case '6':
		return "PPM";
	case '7':
		return "PAM";
	case 'F':
	case 'f':
		return "PFM";
	default:
		return NULL;
	}
}

/* ICO and CUR: a reserved zero, type 1 or 2 and at least one entry whose
 * reserved byte is zero; four zero-ish bytes alone would match too much.
 */
static bool
sniff_ico(const unsigned char *buf, size_t len)
{
	if (len < 22 || buf[0] != 0 || buf[1] != 0 ||
	    (buf[2] != 1 && buf[2] != 2) || buf[3] != 0)
		return false;
	if (buf[4] == 0 && buf[5] == 0)
		return false;
	return buf[9] == 0;
}

static bool
sniff_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* SVG: an optional UTF-8 byte order mark and whitespace, then an XML
 * declaration, a comment, an SVG doctype or the <svg> element itself.  An
 * XML declaration is taken as SVG: 64 bytes rarely reach the root element,
 * and the SVG path checks the root before doing anything with it.
 */
static bool
sniff_svg(const unsigned char *buf, size_t len)
{
	size_t i = 0;

	if (len >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF)
		i = 3;
	for (;;) {
		while (i < len && sniff_is_space(buf[i]))
			i++;
		if (sniff_starts(buf + i, len - i, "<?xml", 5))
			return true;
		if (sniff_starts(buf + i, len - i, "<!DOCTYPE svg", 13))
			return true;
		if (sniff_starts(buf + i, len - i, "<svg", 4))
			return i + 4 == len || sniff_is_space(buf[i + 4]) ||
			       buf[i + 4] == '>' || buf[i + 4] == '/';
		/* Skip a leading comment when its end is in view. */
		if (sniff_starts(buf + i, len - i, "<!--", 4)) {
			size_t j;

			for (j = i + 4; j + 3 <= len; j++)
				if (memcmp(buf + j, "-->", 3) == 0)
					break;
			if (j + 3 > len)
				return false;
			i = j + 3;
			continue;
		}
		return false;
	}
}

enum imgopt_format
sniff_format(const unsigned char *buf, size_t len, const char **what)
{
	const char *pnm;
	int ftyp;

	*what = NULL;
	if (!buf || len == 0)
		return IMGOPT_FORMAT_ORIGINAL;

	if (sniff_starts(buf, len, "\xFF\xD8\xFF", 3))
		return IMGOPT_FORMAT_JPEG;
	if (sniff_starts(buf, len, "\x89PNG\r\n\x1A\n", 8))
		return IMGOPT_FORMAT_PNG;
	if (len >= 12 && memcmp(buf, "RIFF", 4) == 0 &&
	    memcmp(buf + 8, "WEBP", 4) == 0)
		return IMGOPT_FORMAT_WEBP;
	if ((ftyp = sniff_ftyp(buf, len, what)) >= 0)
		return (enum imgopt_format)ftyp;
	if (sniff_svg(buf, len))
		return IMGOPT_FORMAT_SVG;

	/* Recognised, not read: the message names them. */
	if (sniff_starts(buf, len, "GIF87a", 6) ||
	    sniff_starts(buf, len, "GIF89a", 6))
		*what = "GIF";
	else if (sniff_starts(buf, len, "II*\0", 4) ||
		 sniff_starts(buf, len, "MM\0*", 4) ||
		 sniff_starts(buf, len, "II+\0", 4) ||
		 sniff_starts(buf, len, "MM\0+", 4))
		*what = "TIFF";
	else if (sniff_starts(buf, len, "%PDF-", 5))
		*what = "PDF";
	else if (sniff_bmp(buf, len))
		*what = "BMP";
	else if ((pnm = sniff_netpbm(buf, len)))
		*what = pnm;
	else if (sniff_starts(buf, len, "\0\0\0\x0CjP  \r\n\x87\n", 12) ||
		 sniff_starts(buf, len, "\xFF\x4F\xFF\x51", 4))
		*what = "JPEG 2000";
	else if (sniff_starts(buf, len, "\xFF\x0A", 2) ||
		 sniff_starts(buf, len, "\0\0\0\x0CJXL \r\n\x87\n", 12))
		*what = "JPEG XL";
	else if (sniff_ico(buf, len))
		*what = "ICO";
	else if (sniff_starts(buf, len, "8BPS\0\x01", 6) ||
		 sniff_starts(buf, len, "8BPS\0\x02", 6))
		*what = "PSD";

	return IMGOPT_FORMAT_ORIGINAL;
}

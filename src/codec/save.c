/* save.c: per-format encoder options.
 *
 * The numbers come from MEASURED.md: progressive JPEG is 3.5-4.8% smaller
 * for identical pixels; palette PNGs must not use adaptive row filters;
 * Debian's libjpeg-turbo ignores the mozjpeg-only options, so none are
 * passed.
 */
#include "save.h"

#include <stdint.h>
#include <string.h>

static bool source_420;

void
save_set_source_chroma(bool subsampled_420)
{
	source_420 = subsampled_420;
}

static int
save_jpeg(VipsImage *in, VipsTarget *target, int q, bool strip, bool probe)
{
	VipsForeignSubsample mode = q >= 100 ? VIPS_FOREIGN_SUBSAMPLE_OFF :
				    source_420 ? VIPS_FOREIGN_SUBSAMPLE_ON :
						 VIPS_FOREIGN_SUBSAMPLE_AUTO;

	/* At quality 100 chroma is kept at full resolution.  Below, libvips'
	 * AUTO already keeps 4:4:4 from quality 90 up.  A probe skips the
	 * progressive scans and Huffman optimisation: they only change how
	 * the same coefficients are coded (identical decoded pixels), and
	 * cost about 6x the time of the plain encode.  A 4:2:0 source keeps
	 * 4:2:0 (save_set_source_chroma()).
	 */
	return vips_jpegsave_target(in, target,
		"Q", q,
		"optimize_coding", !probe,
		"interlace", q < 100 && !probe,
		"subsample_mode", mode,
		"quant_table", 0,
		"strip", strip,
		NULL);
}

static int
save_png(VipsImage *in, VipsTarget *target, int q, bool strip)
{
	if (q >= 100)
		/* Lossless: keep every colour and the bit depth. */
		return vips_pngsave_target(in, target,
			"compression", 9,
			"palette", FALSE,
			"strip", strip,
			NULL);

	/* Adaptive filtering made palette PNGs 64-89% of the input against
	 * 41-53% without it (MEASURED.md).
	 */
	return vips_pngsave_target(in, target,
		"palette", TRUE,
		"Q", q,
		"effort", 4,
		"compression", 7,
		"filter", VIPS_FOREIGN_PNG_FILTER_NONE,
		"strip", strip,
		NULL);
}

static uint32_t
save_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void
save_put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* Remove the EXIF and XMP chunks from a WebP file in place and clear their
 * VP8X flags; a VP8X chunk left with no flag at all goes too, giving the
 * simple format.  Returns the new length, or len unchanged when the RIFF
 * structure is not what libwebp writes.
 */
size_t
save_webp_strip(unsigned char *p, size_t len)
{
	size_t in = 12, out = 12, vp8x = 0;

	if (len < 12 || memcmp(p, "RIFF", 4) != 0 ||
	    memcmp(p + 8, "WEBP", 4) != 0)
		return len;
	while (in + 8 <= len) {
		uint32_t size = save_le32(p + in + 4);
		size_t whole = 8 + (size_t)size + (size & 1);

		if (whole > len - in)
			return len;
		if (memcmp(p + in, "EXIF", 4) != 0 &&
		    memcmp(p + in, "XMP ", 4) != 0) {
			if (memcmp(p + in, "VP8X", 4) == 0 && size >= 1)
				vp8x = out + 1;
			memmove(p + out, p + in, whole);
			out += whole;
		}
		in += whole;
	}
	if (in != len)
		return len;

	if (vp8x) {
		size_t at = vp8x - 1;
		uint32_t size = save_le32(p + at + 4);
		size_t whole = 8 + (size_t)size + (size & 1);

		/* Flags: 0x08 EXIF, 0x04 XMP. */
		p[at + 8] &= (unsigned char)~0x0C;
		if (p[at + 8] == 0) {
			memmove(p + at, p + at + whole, out - at - whole);
			out -= whole;
		}
	}
	save_put_le32(p + 4, (uint32_t)(out - 8));
	return out;
}

static int
save_webp(VipsImage *in, VipsTarget *target, int q, bool strip)
{
	void *buf = NULL;
	size_t len = 0;
	int r;

	if (!strip)
		return vips_webpsave_target(in, target,
			"Q", q,
			"effort", 4,
			"lossless", q >= 100,
			"smart_subsample", FALSE,
			NULL);

	/* libvips 8.14 ignores strip for WebP and writes an EXIF chunk
	 * into every file, made from the image's resolution when it has no
	 * EXIF of its own (MEASURED.md).  Encode to memory, drop the
	 * chunks, then write.
	 */
	if (vips_webpsave_buffer(in, &buf, &len,
		    "Q", q,
		    "effort", 4,
		    "lossless", q >= 100,
		    "smart_subsample", FALSE,
		    "strip", TRUE,
		    NULL))
		return -1;
	len = save_webp_strip(buf, len);
	r = vips_target_write(target, buf, len);
	g_free(buf);
	if (r || vips_target_end(target))
		return -1;
	return 0;
}

static int
save_avif(VipsImage *in, VipsTarget *target, int q, bool strip)
{
	/* heifsave defaults to 12 bits per sample, which browsers decode
	 * slower and which is bigger; the pipeline hands over 8-bit images.
	 */
	return vips_heifsave_target(in, target,
		"compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1,
		"Q", q,
		"effort", 2,
		"bitdepth", 8,
		"lossless", q >= 100,
		"subsample_mode", q >= 100 ? VIPS_FOREIGN_SUBSAMPLE_OFF :
					     VIPS_FOREIGN_SUBSAMPLE_AUTO,
		"strip", strip,
		NULL);
}

/* The one place the options are chosen, for files and buffers alike. */
static int
save_any(VipsImage *in, VipsTarget *target, enum imgopt_format fmt,
	 int quality, bool strip, bool probe)
{
	switch (fmt) {
	case IMGOPT_FORMAT_JPEG:
		return save_jpeg(in, target, quality, strip, probe);
	case IMGOPT_FORMAT_PNG:
		return save_png(in, target, quality, strip);
	case IMGOPT_FORMAT_WEBP:
		return save_webp(in, target, quality, strip);
	case IMGOPT_FORMAT_AVIF:
		return save_avif(in, target, quality, strip);
	default:
		break;
	}
	vips_error("save", "cannot write %s",
		   fmt == IMGOPT_FORMAT_SVG ? "SVG from a raster image" :
					      "this format");
	return -1;
}

int
save_image(VipsImage *in, VipsTarget *target, enum imgopt_format fmt,
	   int quality, bool strip)
{
	return save_any(in, target, fmt, quality, strip, false);
}

int
save_image_buffer(VipsImage *in, enum imgopt_format fmt, int quality,
		  bool strip, bool probe, VipsBlob **out)
{
	VipsTarget *target = vips_target_new_to_memory();
	VipsBlob *blob = NULL;
	int r;

	r = save_any(in, target, fmt, quality, strip, probe);
	/* The savers end the target; the blob is set then. */
	if (!r)
		g_object_get(target, "blob", &blob, NULL);
	g_object_unref(target);
	if (r)
		return -1;
	if (!blob) {
		vips_error("save", "encoder wrote nothing");
		return -1;
	}
	*out = blob;
	return 0;
}

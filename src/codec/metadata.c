/* metadata.c: stripping, keeping and writing image metadata. */
#include "metadata.h"

#include <stdint.h>
#include <string.h>

/* Fields removed unless metadata is kept, by exact name or by prefix.  The
 * "exif-ifd*" strings are parsed copies of exif-data that libvips writes
 * back into a new EXIF block when it saves, so they must go too.
 */
static const char *const metadata_names[] = {
	VIPS_META_EXIF_NAME,	  VIPS_META_XMP_NAME,
	VIPS_META_IPTC_NAME,	  VIPS_META_PHOTOSHOP_NAME,
	VIPS_META_ICC_NAME,	  VIPS_META_ORIENTATION,
	VIPS_META_IMAGEDESCRIPTION, "jpeg-thumbnail-data",
};
static const char *const metadata_prefixes[] = {
	"exif-", "xmp-", "iptc-", "png-comment-", "gif-comment",
};

static bool
metadata_is_private(const char *name)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(metadata_names); i++)
		if (strcmp(name, metadata_names[i]) == 0)
			return true;
	for (i = 0; i < G_N_ELEMENTS(metadata_prefixes); i++)
		if (strncmp(name, metadata_prefixes[i],
			    strlen(metadata_prefixes[i])) == 0)
			return true;
	return false;
}

int
metadata_prepare(VipsImage *in, VipsImage **out, bool keep)
{
	gchar **fields;
	int i;

	/* Metadata edits go on a copy: in may be shared with other images
	 * in the pipeline.
	 */
	if (vips_copy(in, out, NULL))
		return -1;

	if (keep) {
		/* The pixels are upright now; libvips rewrites the EXIF
		 * orientation from this field when it saves.
		 */
		if (vips_image_get_typeof(*out, VIPS_META_ORIENTATION))
			vips_image_set_int(*out, VIPS_META_ORIENTATION, 1);
		return 0;
	}

	fields = vips_image_get_fields(*out);
	for (i = 0; fields[i]; i++)
		if (metadata_is_private(fields[i]))
			vips_image_remove(*out, fields[i]);
	g_strfreev(fields);
	return 0;
}

size_t
metadata_exif_orientation(int orientation, unsigned char *buf)
{
	static const unsigned char head[] = {
		'E', 'x', 'i', 'f', 0, 0,
		/* TIFF header: big-endian, magic 42, IFD0 at offset 8. */
		'M', 'M', 0, 42, 0, 0, 0, 8,
		/* IFD0: one entry, tag 0x0112 (Orientation), SHORT, 1. */
		0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1,
	};
	size_t n = sizeof(head);

	memcpy(buf, head, n);
	/* The SHORT value, left-justified in the 4-byte value field. */
	buf[n++] = 0;
	buf[n++] = (unsigned char)orientation;
	buf[n++] = 0;
	buf[n++] = 0;
	/* No next IFD. */
	memset(buf + n, 0, 4);
	n += 4;
	return n;
}

static uint32_t
metadata_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

unsigned int
metadata_icc_space(const void *data, size_t len)
{
	if (!data || len < 128)
		return 0;
	return metadata_be32((const unsigned char *)data + 16);
}

/* The profile description as ASCII (other characters become '?'), from a
 * v2 'desc' or a v4 'mluc' tag.  Returns false when there is none.
 */
static bool
metadata_icc_description(const unsigned char *p, size_t len, char *out,
			 size_t out_size)
{
	uint32_t count, i, off = 0, size = 0;
	size_t n = 0;

	if (len < 132)
		return false;
	count = metadata_be32(p + 128);
	for (i = 0; i < count && 132 + (size_t)i * 12 + 12 <= len; i++) {
		const unsigned char *e = p + 132 + (size_t)i * 12;

		if (memcmp(e, "desc", 4) == 0) {
			off = metadata_be32(e + 4);
			size = metadata_be32(e + 8);
			break;
		}
	}
	if (size < 12 || off > len || size > len - off)
		return false;
	p += off;

	if (memcmp(p, "desc", 4) == 0) {
		uint32_t chars = metadata_be32(p + 8);

		if (chars > size - 12)
			chars = size - 12;
		for (i = 0; i < chars && p[12 + i] && n + 1 < out_size; i++)
			out[n++] = (char)p[12 + i];
	} else if (memcmp(p, "mluc", 4) == 0 && size >= 28) {
		/* The first record will do: names are not translated. */
		uint32_t rlen = metadata_be32(p + 20);
		uint32_t roff = metadata_be32(p + 24);

		if (roff > size || rlen > size - roff)
			return false;
		for (i = 0; i + 1 < rlen && n + 1 < out_size; i += 2) {
			unsigned int c = (unsigned int)p[roff + i] << 8 |
					 p[roff + i + 1];

			if (c == 0)
				break;
			out[n++] = c < 128 ? (char)c : '?';
		}
	} else
		return false;
	out[n] = '\0';
	return n > 0;
}

bool
metadata_icc_is_srgb(const void *data, size_t len)
{
	char desc[64];
	const char *s = desc;

	if (metadata_icc_space(data, len) != METADATA_ICC_RGB ||
	    !metadata_icc_description(data, len, desc, sizeof(desc)))
		return false;
	while (*s == ' ')
		s++;
	return g_ascii_strncasecmp(s, "srgb", 4) == 0;
}

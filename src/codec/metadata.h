/* metadata.h: what an optimised image keeps of its input's metadata.
 *
 * By default nothing: no EXIF (camera, GPS), XMP, IPTC or ICC profile (pixels
 * are converted to sRGB first, so the profile says nothing a browser does
 * not assume).  With --keep-metadata EXIF, XMP and ICC stay, with the
 * orientation reset because the pixels are already upright.
 */
#ifndef IMGOPT_METADATA_H
#define IMGOPT_METADATA_H

#include <stdbool.h>
#include <stddef.h>

#include <vips/vips.h>

/* Bytes metadata_exif_orientation() writes. */
#define METADATA_EXIF_ORIENTATION_SIZE 32

/* The metadata of in made ready for saving: a new image in *out sharing
 * in's pixels (in is not changed).  Without keep every EXIF, XMP, IPTC,
 * Photoshop, ICC, comment and orientation field is removed, because
 * libvips 8.14 ignores `strip` when writing WebP.  With keep they stay and
 * the orientation is set to 1.  Returns 0 or -1 (libvips error).
 */
int metadata_prepare(VipsImage *in, VipsImage **out, bool keep);

/* The payload of a JPEG APP1 marker ("Exif\0\0" and a big-endian TIFF
 * structure) holding only the orientation tag, written to buf (at least
 * METADATA_EXIF_ORIENTATION_SIZE bytes).  Returns the bytes written.
 */
size_t metadata_exif_orientation(int orientation, unsigned char *buf);

/* ICC colour space of a profile: the four-byte code of its header, as a
 * number: METADATA_ICC_RGB, _GRAY, _CMYK, something else, or 0 when the
 * data is too short to be a profile.
 */
#define METADATA_ICC_RGB 0x52474220u  /* "RGB " */
#define METADATA_ICC_GRAY 0x47524159u /* "GRAY" */
#define METADATA_ICC_CMYK 0x434D594Bu /* "CMYK" */
unsigned int metadata_icc_space(const void *data, size_t len);

/* True when the profile's description names sRGB ("sRGB IEC61966-2.1",
 * "sRGB built-in", ...): converting from it to sRGB would cost time and
 * change nothing, and keeping it in a lossless JPEG adds nothing.  False
 * for anything else, including profiles that cannot be parsed.
 */
bool metadata_icc_is_srgb(const void *data, size_t len);

#endif

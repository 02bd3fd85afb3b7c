/* save.h: the encoder settings imgopt uses for each output format.
 *
 * Quality 100 means lossless where the format has it (PNG without palette,
 * WebP and AVIF lossless) and JPEG at Q 100 without chroma subsampling.
 */
#ifndef IMGOPT_SAVE_H
#define IMGOPT_SAVE_H

#include <stdbool.h>

#include <vips/vips.h>

#include "imgopt/settings.h"

/* Encode in to target as fmt (JPEG, PNG, WebP or AVIF) at quality 1-100.
 * strip asks the saver to write no metadata; the caller removes the fields
 * too (metadata_prepare()), because not every saver honours it.  The image
 * must already be 8-bit unless fmt is PNG at quality 100, which keeps 16-bit
 * images 16-bit.  Returns 0 or -1 (libvips error).
 */
int save_image(VipsImage *in, VipsTarget *target, enum imgopt_format fmt,
	       int quality, bool strip);

/* Tell the JPEG encoder how the current image's source stored chroma:
 * true for a 4:2:0 JPEG, whose re-encodes below quality 100 then keep
 * 4:2:0 instead of libvips' automatic 4:4:4 from quality 90.  Set once per
 * image before any save (a worker handles one image at a time).
 */
void save_set_source_chroma(bool subsampled_420);

/* The same encode into memory: *out is a new VipsBlob holding the file
 * (vips_area_unref() it).  probe asks for a quicker encode that decodes to
 * the same pixels, for the target search (JPEG: no progressive scans, no
 * Huffman optimisation; the other formats have no such shortcut and
 * ignore it).  Returns 0 or -1 (libvips error).
 */
int save_image_buffer(VipsImage *in, enum imgopt_format fmt, int quality,
		      bool strip, bool probe, VipsBlob **out);

/* Remove the EXIF and XMP chunks of the WebP file in p (len bytes), in
 * place, fixing the VP8X flags and the RIFF size.  Returns the new length;
 * len when p is not a well-formed WebP RIFF file (then unchanged).  Used by
 * save_image(), which needs it because libvips 8.14 writes an EXIF chunk
 * into every WebP.
 */
size_t save_webp_strip(unsigned char *p, size_t len);

#endif

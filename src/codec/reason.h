/* reason.h: libvips, libpng and libheif messages turned into the reason the
 * user reads (codec_reply.error), and the words for file sizes.
 *
 * libpng's and libheif's reasons for a failed read ("not enough data",
 * "IDAT: CRC error") arrive as GLib warnings, not in the libvips error
 * buffer, which only says "libpng read error".  So every log message of the
 * worker comes here (reason_capture_warnings()), the first warning for the
 * current image is kept, and reason_from_vips() reads it together with the
 * error buffer.
 */
#ifndef IMGOPT_REASON_H
#define IMGOPT_REASON_H

#include <stddef.h>
#include <stdint.h>

#include "imgopt/settings.h"

/* Send every GLib and libvips log message here, where none is printed
 * (workers never print) and the first warning is kept; unset VIPS_WARNING,
 * which would drop the warnings first.  Call once, before VIPS_INIT.
 */
void reason_capture_warnings(void);

/* Forget the warning kept so far: call before each image. */
void reason_forget_warning(void);

/* The libvips error buffer and the first warning since
 * reason_forget_warning() as one line in out (size bytes): lowercase, no
 * full stop, no path, e.g. "truncated JPEG (premature end of data)".  fmt
 * is the sniffed format; head (head_len bytes) the sniffed bytes and
 * file_size the input's size, for reasons libvips does not give (a broken
 * PNG IHDR, a WebP shorter than its RIFF header says).  Clears both the
 * error buffer and the warning.
 */
void reason_from_vips(char *out, size_t size, enum imgopt_format fmt,
		      const unsigned char *head, size_t head_len,
		      uint64_t file_size);

/* "JPEG", "PNG", "WebP", "AVIF", "SVG", or "image" for anything else. */
const char *reason_format_label(enum imgopt_format fmt);

/* n bytes in words for a message: "512 bytes", "1.5 MiB". */
void reason_human_size(uint64_t n, char *buf, size_t size);

#endif

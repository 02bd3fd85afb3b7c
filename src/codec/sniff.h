/* sniff.h: the format of a file from its first bytes, never its name. */
#ifndef IMGOPT_SNIFF_H
#define IMGOPT_SNIFF_H

#include <stddef.h>

#include "imgopt/settings.h"

/* Bytes sniff_format() wants to see (fewer is fine for short files). */
#define SNIFF_BYTES 64

/* Returns IMGOPT_FORMAT_JPEG, _PNG, _WEBP, _AVIF or _SVG for formats imgopt
 * handles, or IMGOPT_FORMAT_ORIGINAL (= none of them).  In that case *what
 * is set to a static description for the error message: "GIF", "TIFF",
 * "HEIC", "PDF", "BMP", "PPM", ... for recognised image or document formats
 * (reported as "unsupported format (GIF)"), or NULL when the bytes are not
 * a recognised image at all ("not an image").
 */
enum imgopt_format sniff_format(const unsigned char *buf, size_t len,
				const char **what);

#endif

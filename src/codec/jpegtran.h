/* jpegtran.h: JPEG to JPEG without decoding pixels.
 *
 * At quality 100 re-encoding a JPEG can only lose: the DCT coefficients are
 * already quantised.  Copying the coefficients with libjpeg's transcoding
 * API keeps every pixel and still saves bytes through optimised Huffman
 * tables, progressive scans and dropped metadata.
 */
#ifndef IMGOPT_JPEGTRAN_H
#define IMGOPT_JPEGTRAN_H

#include <stdbool.h>
#include <stddef.h>

#include "codec.h"

/* jpegtran_run() returns one of these. */
enum jpegtran_status {
	JPEGTRAN_ERROR = -1,	 /* message in err; out_fd holds junk */
	JPEGTRAN_OK = 0,
	JPEGTRAN_UNSUITABLE = 1, /* not YCbCr or grey: nothing written */
};

struct jpegtran_options {
	/* EXIF orientation of the input, 1-8.  Pixels are not rotated, so
	 * when it is not 1 the output carries an EXIF block holding only
	 * this tag (unless keep_metadata keeps the whole input EXIF).
	 */
	int orientation;
	bool keep_metadata;	/* copy every APPn and COM marker */
	enum codec_fail_on fail_on;
};

/* Transcode the JPEG in in_fd (read with pread from offset 0) into out_fd
 * (written at its current offset).  Neither fd is closed.  Progressive,
 * optimised Huffman tables, the input's quantisation and sampling; an ICC
 * profile that is not sRGB is kept (colours cannot be converted without
 * decoding).  Libjpeg warnings (corrupt or truncated data) become errors as
 * fail_on says.  Error text (libjpeg's, or strerror for write errors) goes
 * to err, err_size bytes, NUL-terminated.
 */
enum jpegtran_status jpegtran_run(int in_fd, int out_fd,
				  const struct jpegtran_options *opt,
				  char *err, size_t err_size);

#endif

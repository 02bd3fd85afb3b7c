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
	JPEGTRAN_UNSUITABLE = 1, /* not YCbCr or grey, or quantised finer
				  * than no_finer_than: nothing written */
};

struct jpegtran_options {
	/* EXIF orientation of the input, 1-8.  Pixels are not rotated, so
	 * when it is not 1 the output carries an EXIF block holding only
	 * this tag (unless keep_metadata keeps the whole input EXIF).
	 */
	int orientation;
	bool keep_metadata;	/* copy every APPn and COM marker */
	enum imgopt_fail_on fail_on;
	/* 1-99: transcode only when re-encoding at this quality could not
	 * keep more of the picture: every component of the input quantised
	 * no finer than libjpeg's standard tables at this quality, and its
	 * chroma subsampled at least as much as the encode would (4:2:0 when
	 * output_420).  Otherwise JPEGTRAN_UNSUITABLE, nothing written.
	 * 0 or 100: always.
	 */
	int no_finer_than;
	bool output_420;
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

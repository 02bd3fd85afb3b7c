/* jpegtran.c: lossless JPEG transcoding with libjpeg's coefficient API.
 *
 * The same steps as jpegtran -copy none -optimize -progressive, with a
 * source and a destination manager on plain file descriptors and an error
 * manager that longjmps instead of exiting the process.
 */
#include "jpegtran.h"

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <jerror.h>
#include <jpeglib.h>

#include "metadata.h"

#define JPEGTRAN_BUF 65536

struct jpegtran_err {
	struct jpeg_error_mgr pub;
	jmp_buf jump;
	int warnings;	     /* libjpeg warnings seen (corrupt data) */
	bool truncated;	     /* one of them was "premature end" */
	int write_errno;     /* set by the destination on a failed write */
	char first[JMSG_LENGTH_MAX]; /* text of the first warning */
	char fatal[JMSG_LENGTH_MAX]; /* text of the error that longjmped */
};

struct jpegtran_src {
	struct jpeg_source_mgr pub;
	int fd;
	off_t offset;
	bool started;
	JOCTET buf[JPEGTRAN_BUF];
};

struct jpegtran_dst {
	struct jpeg_destination_mgr pub;
	int fd;
	JOCTET buf[JPEGTRAN_BUF];
};

static void
jpegtran_error_exit(j_common_ptr cinfo)
{
	struct jpegtran_err *e = (struct jpegtran_err *)cinfo->err;

	cinfo->err->format_message(cinfo, e->fatal);
	longjmp(e->jump, 1);
}

/* Warnings (level -1) are counted, never printed: workers do not print. */
static void
jpegtran_emit_message(j_common_ptr cinfo, int level)
{
	struct jpegtran_err *e = (struct jpegtran_err *)cinfo->err;

	if (level >= 0)
		return;
	if (e->warnings++ == 0)
		cinfo->err->format_message(cinfo, e->first);
	if (cinfo->err->msg_code == JWRN_JPEG_EOF)
		e->truncated = true;
	cinfo->err->num_warnings++;
}

static void
jpegtran_src_init(j_decompress_ptr cinfo)
{
	(void)cinfo;
}

static boolean
jpegtran_src_fill(j_decompress_ptr cinfo)
{
	struct jpegtran_src *src = (struct jpegtran_src *)cinfo->src;
	ssize_t n;

	do
		n = pread(src->fd, src->buf, JPEGTRAN_BUF, src->offset);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		ERREXIT(cinfo, JERR_FILE_READ);
	if (n == 0) {
		if (!src->started)
			ERREXIT(cinfo, JERR_INPUT_EMPTY);
		/* As libjpeg's own stdio source: warn, then pretend the
		 * image ended so the decoder stops cleanly.
		 */
		WARNMS(cinfo, JWRN_JPEG_EOF);
		src->buf[0] = 0xFF;
		src->buf[1] = JPEG_EOI;
		n = 2;
	} else
		src->offset += n;
	src->started = true;
	src->pub.next_input_byte = src->buf;
	src->pub.bytes_in_buffer = (size_t)n;
	return TRUE;
}

static void
jpegtran_src_skip(j_decompress_ptr cinfo, long count)
{
	struct jpeg_source_mgr *pub = cinfo->src;

	if (count <= 0)
		return;
	while (count > (long)pub->bytes_in_buffer) {
		count -= (long)pub->bytes_in_buffer;
		(void)pub->fill_input_buffer(cinfo);
	}
	pub->next_input_byte += count;
	pub->bytes_in_buffer -= (size_t)count;
}

static void
jpegtran_src_term(j_decompress_ptr cinfo)
{
	(void)cinfo;
}

static int
jpegtran_write_all(int fd, const JOCTET *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? errno : EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
jpegtran_dst_init(j_compress_ptr cinfo)
{
	struct jpegtran_dst *dst = (struct jpegtran_dst *)cinfo->dest;

	dst->pub.next_output_byte = dst->buf;
	dst->pub.free_in_buffer = JPEGTRAN_BUF;
}

static void
jpegtran_dst_flush(j_compress_ptr cinfo, size_t n)
{
	struct jpegtran_dst *dst = (struct jpegtran_dst *)cinfo->dest;
	struct jpegtran_err *e = (struct jpegtran_err *)cinfo->err;
	int err;

	if ((err = jpegtran_write_all(dst->fd, dst->buf, n))) {
		e->write_errno = err;
		ERREXIT(cinfo, JERR_FILE_WRITE);
	}
}

static boolean
jpegtran_dst_empty(j_compress_ptr cinfo)
{
	struct jpegtran_dst *dst = (struct jpegtran_dst *)cinfo->dest;

	/* libjpeg says: write the whole buffer, ignoring free_in_buffer. */
	jpegtran_dst_flush(cinfo, JPEGTRAN_BUF);
	dst->pub.next_output_byte = dst->buf;
	dst->pub.free_in_buffer = JPEGTRAN_BUF;
	return TRUE;
}

static void
jpegtran_dst_term(j_compress_ptr cinfo)
{
	struct jpegtran_dst *dst = (struct jpegtran_dst *)cinfo->dest;

	jpegtran_dst_flush(cinfo, JPEGTRAN_BUF - dst->pub.free_in_buffer);
}

/* Whether the warnings seen so far fail the image under fail_on. */
static bool
jpegtran_warnings_fail(const struct jpegtran_err *e,
		       enum imgopt_fail_on fail_on)
{
	if (e->warnings == 0)
		return false;
	if (fail_on >= IMGOPT_FAIL_ON_ERROR)
		return true;
	return fail_on >= IMGOPT_FAIL_ON_TRUNCATED && e->truncated;
}

/* Copy the input's APPn and COM markers, except those the compressor
 * writes itself (JFIF APP0, Adobe APP14), as jpegtran -copy all does.
 */
static void
jpegtran_copy_markers(j_decompress_ptr src, j_compress_ptr dst)
{
	jpeg_saved_marker_ptr m;

	for (m = src->marker_list; m; m = m->next) {
		if (dst->write_JFIF_header && m->marker == JPEG_APP0 &&
		    m->data_length >= 5 && memcmp(m->data, "JFIF", 5) == 0)
			continue;
		if (dst->write_Adobe_marker && m->marker == JPEG_APP0 + 14 &&
		    m->data_length >= 5 && memcmp(m->data, "Adobe", 5) == 0)
			continue;
		jpeg_write_marker(dst, m->marker, m->data, m->data_length);
	}
}

/* The quantisation table component c of src uses, or NULL. */
static const JQUANT_TBL *
jpegtran_component_table(j_decompress_ptr src, int c)
{
	int slot = src->comp_info[c].quant_tbl_no;

	return slot >= 0 && slot < NUM_QUANT_TBLS ? src->quant_tbl_ptrs[slot] :
						    NULL;
}

/* Whether src, its header read, is quantised and subsampled at least as
 * coarsely as libjpeg would encode it at quality q (standard tables,
 * luminance table for the first component, chrominance for the others).
 * Then a re-encode at q cannot keep more of the picture than src holds;
 * it only adds a second round of rounding, and usually bytes.  Both
 * tables are in natural order.  ref is a compress object made for this.
 */
static bool
jpegtran_no_finer(j_decompress_ptr src, j_compress_ptr ref, int q,
		  bool output_420)
{
	int c, k;

	ref->in_color_space = JCS_YCbCr;
	ref->input_components = 3;
	jpeg_set_defaults(ref);
	jpeg_set_quality(ref, q, TRUE);

	for (c = 0; c < src->num_components; c++) {
		const JQUANT_TBL *have = jpegtran_component_table(src, c);
		const JQUANT_TBL *would = ref->quant_tbl_ptrs[c == 0 ? 0 : 1];

		if (!have || !would)
			return false;
		for (k = 0; k < DCTSIZE2; k++)
			if (have->quantval[k] < would->quantval[k])
				return false;
	}
	/* An encode to 4:2:0 halves chroma both ways: unless the input
	 * already has, re-encoding may legitimately save bytes.
	 */
	if (output_420 && src->num_components == 3)
		for (c = 1; c < 3; c++)
			if (src->comp_info[0].h_samp_factor <
				    2 * src->comp_info[c].h_samp_factor ||
			    src->comp_info[0].v_samp_factor <
				    2 * src->comp_info[c].v_samp_factor)
				return false;
	return true;
}

enum jpegtran_status
jpegtran_run(int in_fd, int out_fd, const struct jpegtran_options *opt,
	     char *err, size_t err_size)
{
	struct jpeg_decompress_struct src;
	struct jpeg_compress_struct dst;
	struct jpegtran_err e;
	/* Large buffers on the heap; volatile because of setjmp. */
	struct jpegtran_src *volatile srcmgr = NULL;
	struct jpegtran_dst *volatile dstmgr = NULL;
	JOCTET *volatile icc = NULL;
	volatile bool dst_made = false;
	volatile enum jpegtran_status status = JPEGTRAN_ERROR;
	unsigned int icc_len = 0;
	jvirt_barray_ptr *coefs;
	int m;

	memset(&e, 0, sizeof(e));
	err[0] = '\0';
	srcmgr = g_malloc0(sizeof(*srcmgr));
	dstmgr = g_malloc0(sizeof(*dstmgr));

	src.err = jpeg_std_error(&e.pub);
	e.pub.error_exit = jpegtran_error_exit;
	e.pub.emit_message = jpegtran_emit_message;
	dst.err = &e.pub;

	if (setjmp(e.jump)) {
		if (e.write_errno)
			g_strlcpy(err, strerror(e.write_errno), err_size);
		else
			g_strlcpy(err, e.fatal, err_size);
		goto out;
	}

	jpeg_create_decompress(&src);
	srcmgr->fd = in_fd;
	srcmgr->pub.init_source = jpegtran_src_init;
	srcmgr->pub.fill_input_buffer = jpegtran_src_fill;
	srcmgr->pub.skip_input_data = jpegtran_src_skip;
	srcmgr->pub.resync_to_restart = jpeg_resync_to_restart;
	srcmgr->pub.term_source = jpegtran_src_term;
	src.src = &srcmgr->pub;

	if (opt->keep_metadata) {
		jpeg_save_markers(&src, JPEG_COM, 0xFFFF);
		for (m = 0; m < 16; m++)
			jpeg_save_markers(&src, JPEG_APP0 + m, 0xFFFF);
	} else
		/* Only the ICC profile, which may have to stay. */
		jpeg_save_markers(&src, JPEG_APP0 + 2, 0xFFFF);

	(void)jpeg_read_header(&src, TRUE);
	if (src.jpeg_color_space != JCS_YCbCr &&
	    src.jpeg_color_space != JCS_GRAYSCALE) {
		status = JPEGTRAN_UNSUITABLE;
		goto out;
	}

	jpeg_create_compress(&dst);
	dst_made = true;
	if (opt->no_finer_than > 0 && opt->no_finer_than < 100 &&
	    !jpegtran_no_finer(&src, &dst, opt->no_finer_than,
			       opt->output_420)) {
		status = JPEGTRAN_UNSUITABLE;
		goto out;
	}

	/* Every scan is read here, so corrupt data shows up now, before a
	 * byte is written.
	 */
	coefs = jpeg_read_coefficients(&src);
	if (jpegtran_warnings_fail(&e, opt->fail_on)) {
		g_strlcpy(err, e.first, err_size);
		goto out;
	}

	dstmgr->fd = out_fd;
	dstmgr->pub.init_destination = jpegtran_dst_init;
	dstmgr->pub.empty_output_buffer = jpegtran_dst_empty;
	dstmgr->pub.term_destination = jpegtran_dst_term;
	dst.dest = &dstmgr->pub;

	jpeg_copy_critical_parameters(&src, &dst);
	dst.optimize_coding = TRUE;
	jpeg_simple_progression(&dst);
	jpeg_write_coefficients(&dst, coefs);

	if (opt->keep_metadata)
		jpegtran_copy_markers(&src, &dst);
	else {
		JOCTET *p = NULL;

		if (opt->orientation > 1 && opt->orientation <= 8) {
			unsigned char exif[METADATA_EXIF_ORIENTATION_SIZE];
			size_t n = metadata_exif_orientation(
				opt->orientation, exif);

			jpeg_write_marker(&dst, JPEG_APP0 + 1, exif,
					  (unsigned int)n);
		}
		/* A lossless copy cannot convert colours: a profile other
		 * than sRGB is part of the picture.
		 */
		if (jpeg_read_icc_profile(&src, &p, &icc_len)) {
			icc = p;
			if (!metadata_icc_is_srgb(icc, icc_len))
				jpeg_write_icc_profile(&dst, icc, icc_len);
		}
	}

	jpeg_finish_compress(&dst);
	(void)jpeg_finish_decompress(&src);
	if (jpegtran_warnings_fail(&e, opt->fail_on)) {
		g_strlcpy(err, e.first, err_size);
		goto out;
	}
	status = JPEGTRAN_OK;

out:
	if (dst_made)
		jpeg_destroy_compress(&dst);
	jpeg_destroy_decompress(&src);
	free(icc);
	g_free(srcmgr);
	g_free(dstmgr);
	return status;
}

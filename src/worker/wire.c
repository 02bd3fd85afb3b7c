/* wire.c: codec requests and replies as pool payloads (see wire.h).
 *
 * A request travels field by field, in native byte order (both ends are
 * the same executable): no struct padding goes out, so no stray bytes of
 * the parent's memory, and the decoder reads every bool from its own byte
 * and every enum as an int it can range-check before storing it.  Loading
 * a bool byte other than 0 or 1, or switching on an enum past its last
 * value, is undefined behaviour or an out-of-bounds index: a payload that
 * would need either is refused, not repaired.
 *
 * A field added to struct codec_request or struct imgopt_settings must be
 * added to put_request() and get_request() as well (and to test_wire.c's
 * full_request(), whose round trip then shows it travels).
 */
#include "wire.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Bools and enums are copied as bytes below: make sure of their sizes. */
_Static_assert(sizeof(bool) == 1, "a bool travels as one byte");
_Static_assert(sizeof(enum imgopt_format) == sizeof(int),
	       "enums travel as int");

/* The last valid value of each enum the request or reply carries; the
 * headers have no _COUNT for these, so a new value must be added here.
 */
#define RESIZE_MODE_LAST IMGOPT_RESIZE_SHORTEST
#define TARGET_METRIC_LAST IMGOPT_TARGET_SSIM
#define FAIL_ON_LAST CODEC_FAIL_ON_WARNING
#define FORMAT_LAST (IMGOPT_FORMAT_COUNT - 1)

/* ---- request ---------------------------------------------------------- */

/* Bytes written so far; buf NULL only counts them. */
struct writer {
	unsigned char *buf;
	size_t len;
};

static void
put(struct writer *w, const void *v, size_t n)
{
	if (w->buf)
		memcpy(w->buf + w->len, v, n);
	w->len += n;
}

static void
put_bool(struct writer *w, bool b)
{
	unsigned char c = b ? 1 : 0;

	put(w, &c, 1);
}

static void
put_int(struct writer *w, int v)
{
	put(w, &v, sizeof(v));
}

static void
put_u64(struct writer *w, uint64_t v)
{
	put(w, &v, sizeof(v));
}

static void
put_double(struct writer *w, double v)
{
	put(w, &v, sizeof(v));
}

/* Every field but the two paths, in the order get_request() reads them. */
static void
put_request(struct writer *w, const struct codec_request *req)
{
	const struct imgopt_settings *s = &req->settings;

	put_int(w, s->quality_global);
	for (int f = 0; f < IMGOPT_FORMAT_COUNT; f++)
		put_int(w, s->quality[f]);
	put_int(w, (int)s->resize_mode);
	put_int(w, s->resize_size);
	put_int(w, s->resize_width);
	put_int(w, s->resize_height);
	put_bool(w, s->maintain_aspect);
	put_int(w, (int)s->output_format);
	put_int(w, (int)s->target_metric);
	put_double(w, s->target_value);
	put_bool(w, req->keep_metadata);
	put_bool(w, req->allow_larger);
	put_double(w, req->min_savings_pct);
	put_u64(w, req->max_pixels);
	put_u64(w, req->max_file_size);
	put_int(w, (int)req->fail_on);
}

void *
wire_encode_request(const struct codec_request *req, size_t *len)
{
	size_t in = strlen(req->input_path), out = strlen(req->output_path);
	struct writer w = {NULL, 0};
	uint32_t n;

	/* Paths over 4 GB cannot exist (PATH_MAX): a caller's bug. */
	if ((uint64_t)in > UINT32_MAX || (uint64_t)out > UINT32_MAX)
		abort();
	put_request(&w, req);
	*len = w.len + 2 * sizeof(uint32_t) + in + 1 + out + 1;
	w.buf = malloc(*len);
	if (!w.buf)
		abort();
	w.len = 0;
	put_request(&w, req);
	n = (uint32_t)in;
	put(&w, &n, sizeof(n));
	n = (uint32_t)out;
	put(&w, &n, sizeof(n));
	put(&w, req->input_path, in + 1);
	put(&w, req->output_path, out + 1);
	return w.buf;
}

/* The bytes not read yet; bad once anything was missing or invalid. */
struct reader {
	const unsigned char *p;
	size_t left;
	bool bad;
};

static void
get(struct reader *r, void *v, size_t n)
{
	if (r->bad || n > r->left) {
		r->bad = true;
		memset(v, 0, n);
		return;
	}
	memcpy(v, r->p, n);
	r->p += n;
	r->left -= n;
}

/* One byte that must be 0 or 1: decoded from the byte, never loaded as a
 * bool from memory that may hold anything.
 */
static bool
get_bool(struct reader *r)
{
	unsigned char c = 0;

	get(r, &c, 1);
	if (c > 1)
		r->bad = true;
	return c == 1;
}

static int
get_int(struct reader *r)
{
	int v;

	get(r, &v, sizeof(v));
	return v;
}

/* An enum's value, 0 to last. */
static int
get_enum(struct reader *r, int last)
{
	int v = get_int(r);

	if (v < 0 || v > last) {
		r->bad = true;
		return 0;
	}
	return v;
}

static uint64_t
get_u64(struct reader *r)
{
	uint64_t v;

	get(r, &v, sizeof(v));
	return v;
}

static double
get_double(struct reader *r)
{
	double v;

	get(r, &v, sizeof(v));
	return v;
}

static void
get_request(struct reader *r, struct codec_request *req)
{
	struct imgopt_settings *s = &req->settings;

	s->quality_global = get_int(r);
	for (int f = 0; f < IMGOPT_FORMAT_COUNT; f++)
		s->quality[f] = get_int(r);
	s->resize_mode = (enum imgopt_resize_mode)get_enum(r,
							   RESIZE_MODE_LAST);
	s->resize_size = get_int(r);
	s->resize_width = get_int(r);
	s->resize_height = get_int(r);
	s->maintain_aspect = get_bool(r);
	s->output_format = (enum imgopt_format)get_enum(r, FORMAT_LAST);
	s->target_metric = (enum imgopt_target_metric)get_enum(
		r, TARGET_METRIC_LAST);
	s->target_value = get_double(r);
	req->keep_metadata = get_bool(r);
	req->allow_larger = get_bool(r);
	req->min_savings_pct = get_double(r);
	req->max_pixels = get_u64(r);
	req->max_file_size = get_u64(r);
	req->fail_on = (enum codec_fail_on)get_enum(r, FAIL_ON_LAST);
}

int
wire_decode_request(const void *buf, size_t len, struct codec_request *req)
{
	struct reader r = {buf, len, false};
	struct codec_request tmp;
	uint32_t in, out;

	memset(&tmp, 0, sizeof(tmp));
	get_request(&r, &tmp);
	get(&r, &in, sizeof(in));
	get(&r, &out, sizeof(out));
	if (r.bad)
		return -1;
	/* What is left is exactly both paths and their NULs.  Compared by
	 * subtraction, never by adding the lengths: on 32-bit, in + out + 2
	 * can wrap round to a small number that matches.
	 */
	if (r.left < 2 || in > r.left - 2 || out != r.left - 2 - in)
		return -1;
	if (r.p[in] != '\0' || r.p[in + 1 + out] != '\0')
		return -1;
	tmp.input_path = (const char *)r.p;
	tmp.output_path = (const char *)r.p + in + 1;
	*req = tmp;
	return 0;
}

/* ---- reply ------------------------------------------------------------ */

/* The byte at off of buf is a valid bool. */
static bool
bool_at(const unsigned char *buf, size_t off)
{
	return buf[off] <= 1;
}

/* The int at off of buf is 0 to last. */
static bool
enum_at(const unsigned char *buf, size_t off, int last)
{
	int v;

	memcpy(&v, buf + off, sizeof(v));
	return v >= 0 && v <= last;
}

int
wire_decode_reply(const void *buf, size_t len, struct codec_reply *reply)
{
	const unsigned char *b = buf;

	if (len != sizeof(*reply))
		return -1;
	/* The worker sends the struct itself (worker.c): check the bytes of
	 * each bool and enum where the struct keeps them before copying, so
	 * the parent never loads an invalid one.
	 */
	if (!bool_at(b, offsetof(struct codec_reply, ok)) ||
	    !bool_at(b, offsetof(struct codec_reply, kept_original)) ||
	    !bool_at(b, offsetof(struct codec_reply, lossless_copy)) ||
	    !bool_at(b, offsetof(struct codec_reply, target_met)) ||
	    !enum_at(b, offsetof(struct codec_reply, input_format),
		     FORMAT_LAST) ||
	    !enum_at(b, offsetof(struct codec_reply, output_format),
		     FORMAT_LAST))
		return -1;
	memcpy(reply, buf, sizeof(*reply));
	reply->error[sizeof(reply->error) - 1] = '\0';
	return 0;
}

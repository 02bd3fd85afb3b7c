/* target.c: the lowest quality that still meets a visual quality target.
 *
 * One probe = encode into memory, decode with the format's own loader,
 * score against the pixels that were encoded (ssim.c).  The image is
 * copied to memory once and every probe encodes from that copy.
 *
 * Why a sample for large images: a probe of a 12 MP image costs an encode
 * (JPEG 0.1 s, WebP about 2 s, AVIF about 8 s at imgopt's settings), a
 * decode (0.15 s) and a score (0.1 s); six of them would be several times
 * a plain save.  A mosaic of 64-pixel tiles from a grid over the image,
 * scored without the windows that cross its seams, scores within a few
 * thousandths of the whole image (for JPEG the tiles sit on the 16-pixel
 * block grid, so their blocks are coded exactly as in the whole image);
 * the remaining difference is measured on the whole image and corrected
 * for.  On the corpus one whole-image probe was usually enough.
 *
 * JPEG probes are plain baseline encodes: progressive scans and optimised
 * Huffman tables give the same pixels (checked by test_target) at about
 * 6x the time, so only the chosen quality is encoded with them.
 */
#include "target.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "save.h"
#include "quality/ssim.h"

/* Scores are compared with this much slack: the same pixels always give
 * the same score, and a target is not "missed" by rounding.
 */
#define TARGET_EPS 1e-9

/* The pixels probes encode, and the cache of their scores by quality. */
struct target_level {
	VipsImage *image; /* encoded */
	VipsImage *ref;	  /* image prepared for scoring */
	double score[TARGET_Q_MAX + 1];
	bool tried[TARGET_Q_MAX + 1];
};

struct target_search {
	enum imgopt_format fmt;
	bool strip;
	double value;
	struct target_result *res;
	struct target_level full;
	struct target_level sample; /* unused when exact */
	bool exact;		    /* search the whole image itself */
	/* Whole-image results: the lowest quality that met the target and
	 * the highest that did not, with their files (not for JPEG, which
	 * is encoded again with its final options).
	 */
	int pass_q, fail_q;
	VipsBlob *pass_blob, *fail_blob;
};

bool
target_applies(const struct imgopt_settings *s, enum imgopt_format fmt,
	       int quality)
{
	return s->target_metric != IMGOPT_TARGET_NONE && quality < 100 &&
	       (fmt == IMGOPT_FORMAT_JPEG || fmt == IMGOPT_FORMAT_WEBP ||
		fmt == IMGOPT_FORMAT_AVIF);
}

static int
target_level_init(struct target_level *l, VipsImage *image)
{
	memset(l, 0, sizeof(*l));
	l->image = image;
	return ssim_prepare(image, &l->ref);
}

static void
target_level_release(struct target_level *l)
{
	VIPS_UNREF(l->image);
	VIPS_UNREF(l->ref);
}

/* Decode an encoded file with the loader for its format.  Sequential:
 * ssim_score() reads it top to bottom a strip at a time, so the decoded
 * candidate is never held whole in memory.
 */
static int
target_decode(enum imgopt_format fmt, VipsBlob *blob, VipsImage **out)
{
	size_t len;
	const void *data = vips_blob_get(blob, &len);
	VipsAccess seq = VIPS_ACCESS_SEQUENTIAL;

	switch (fmt) {
	case IMGOPT_FORMAT_JPEG:
		return vips_jpegload_buffer((void *)data, len, out, "access",
					    seq, NULL);
	case IMGOPT_FORMAT_WEBP:
		return vips_webpload_buffer((void *)data, len, out, "access",
					    seq, NULL);
	case IMGOPT_FORMAT_AVIF:
		return vips_heifload_buffer((void *)data, len, out, "access",
					    seq, NULL);
	default:
		vips_error("target", "no decoder for this format");
		return -1;
	}
}

static void
target_keep(VipsBlob **slot, VipsBlob *blob)
{
	if (*slot)
		vips_area_unref(VIPS_AREA(*slot));
	*slot = blob;
	if (blob)
		vips_area_copy(VIPS_AREA(blob));
}

/* Score quality q on level l (cached).  Whole-image probes also update
 * pass_q / fail_q and keep their files.
 */
static int
target_probe(struct target_search *s, struct target_level *l, int q,
	     double *score)
{
	bool full = l == &s->full;
	VipsBlob *blob = NULL;
	VipsImage *decoded = NULL;
	int r;

	if (l->tried[q]) {
		*score = l->score[q];
		return 0;
	}
	if (save_image_buffer(l->image, s->fmt, q, s->strip, true, &blob))
		return -1;
	s->res->encodes++;
	if (full)
		s->res->full_encodes++;
	r = target_decode(s->fmt, blob, &decoded);
	/* The decoder reads the blob lazily: score before letting go. */
	if (!r)
		r = ssim_score_tiles(l->ref, decoded, full ? 0 : TARGET_TILE,
				     score);
	VIPS_UNREF(decoded);
	if (r) {
		vips_area_unref(VIPS_AREA(blob));
		return -1;
	}
	l->tried[q] = true;
	l->score[q] = *score;

	if (full) {
		bool keep = s->fmt != IMGOPT_FORMAT_JPEG;

		if (*score >= s->value - TARGET_EPS) {
			if (q < s->pass_q) {
				s->pass_q = q;
				target_keep(&s->pass_blob, keep ? blob : NULL);
			}
		} else if (q > s->fail_q) {
			s->fail_q = q;
			target_keep(&s->fail_blob, keep ? blob : NULL);
		}
	}
	vips_area_unref(VIPS_AREA(blob));
	return 0;
}

/* The lowest quality in lo..hi whose score on l is at least value, by
 * bisection (assuming the score grows with quality): *found is -1 when
 * none is.  Scores already known narrow the range first, so searching
 * again for a corrected value mostly costs no new encode.
 */
static int
target_bisect(struct target_search *s, struct target_level *l, double value,
	      int lo, int hi, int *found)
{
	double score;
	int q;

	*found = -1;
	for (q = lo; q <= hi; q++)
		if (l->tried[q] && l->score[q] >= value - TARGET_EPS) {
			*found = q;
			hi = q - 1;
			break;
		}
	for (q = hi; q >= lo; q--)
		if (l->tried[q] && l->score[q] < value - TARGET_EPS) {
			lo = q + 1;
			break;
		}
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (target_probe(s, l, mid, &score))
			return -1;
		if (score >= value - TARGET_EPS) {
			*found = mid;
			hi = mid - 1;
		} else
			lo = mid + 1;
	}
	return 0;
}

/* A mosaic of tiles from a grid over in (in memory), about
 * TARGET_SAMPLE_PIXELS.  Tiles start on multiples of 16 pixels, so JPEG
 * (and WebP) blocks hold the same pixels as in the whole image.  *out is
 * NULL when the image is too thin for tiles.
 */
static int
target_sample(VipsImage *in, VipsImage **out)
{
	int tile = TARGET_TILE, w = in->Xsize, h = in->Ysize;
	int k = (TARGET_SAMPLE_PIXELS + tile * tile - 1) / (tile * tile);
	int cols, rows, i, j, n = 0, r = -1;
	VipsImage **tiles, *joined = NULL;

	*out = NULL;
	cols = (int)lround(sqrt((double)k * w / h));
	cols = cols < 1 ? 1 : cols > w / tile ? w / tile : cols;
	if (cols < 1 || h / tile < 1)
		return 0;
	rows = (k + cols - 1) / cols;
	if (rows > h / tile)
		rows = h / tile;

	tiles = g_new0(VipsImage *, (size_t)cols * rows);
	for (j = 0; j < rows; j++)
		for (i = 0; i < cols; i++) {
			int x = cols > 1 ? (w - tile) * i / (cols - 1) : 0;
			int y = rows > 1 ? (h - tile) * j / (rows - 1) : 0;

			if (vips_extract_area(in, &tiles[n], x & ~15, y & ~15,
					      tile, tile, NULL))
				goto out;
			n++;
		}
	if (vips_arrayjoin(tiles, &joined, n, "across", cols, NULL) ||
	    !(*out = vips_image_copy_memory(joined)))
		goto out;
	r = 0;
out:
	VIPS_UNREF(joined);
	for (i = 0; i < n; i++)
		VIPS_UNREF(tiles[i]);
	g_free(tiles);
	return r;
}

/* Find the quality: fills s->pass_q / fail_q. */
static int
target_find(struct target_search *s)
{
	struct target_level *guide = s->exact ? &s->full : &s->sample;
	double full, d;
	int q, next, lo, hi;

	if (target_bisect(s, guide, s->value, TARGET_Q_MIN, TARGET_Q_MAX, &q))
		return -1;
	if (q < 0)
		q = TARGET_Q_MAX;
	for (;;) {
		if (target_probe(s, &s->full, q, &full))
			return -1;
		if (s->exact || s->res->full_encodes >= TARGET_MAX_FULL)
			break;
		/* How much better (or worse) the whole image scores than the
		 * sample at this quality: search the sample again for the
		 * target moved by that much, between what is known.
		 */
		if (target_probe(s, &s->sample, q, &d))
			return -1;
		d = full - d;
		if (full >= s->value - TARGET_EPS) {
			lo = s->fail_q + 1;
			hi = q - 1;
		} else {
			lo = q + 1;
			hi = s->pass_q - 1;
		}
		if (lo > hi)
			break;
		if (target_bisect(s, &s->sample, s->value - d, lo, hi, &next))
			return -1;
		if (full >= s->value - TARGET_EPS) {
			/* One quality step is not worth a whole encode. */
			if (next < 0 || q - next < 2)
				break;
		} else if (next < 0)
			next = hi;
		q = next;
	}
	return 0;
}

static int
target_write(VipsTarget *out, VipsBlob *blob)
{
	size_t len;
	const void *data = vips_blob_get(blob, &len);

	if (vips_target_write(out, data, len) || vips_target_end(out))
		return -1;
	return 0;
}

int
target_save(VipsImage *in, VipsTarget *out, enum imgopt_format fmt,
	    bool strip, double value, struct target_result *res)
{
	struct target_search s = {
		.fmt = fmt,
		.strip = strip,
		.value = value,
		.res = res,
		.pass_q = TARGET_Q_MAX + 1,
		.fail_q = TARGET_Q_MIN - 1,
	};
	VipsImage *mem, *sample = NULL;
	int r = -1, q;

	memset(res, 0, sizeof(*res));
	if (!(mem = vips_image_copy_memory(in)))
		return -1;
	if (target_level_init(&s.full, mem))
		goto out;
	if ((uint64_t)mem->Xsize * mem->Ysize <= TARGET_EXACT_PIXELS)
		s.exact = true;
	else if (target_sample(mem, &sample))
		goto out;
	else if (!sample)
		s.exact = true;
	else if (target_level_init(&s.sample, sample))
		goto out;

	if (target_find(&s))
		goto out;

	res->met = s.pass_q <= TARGET_Q_MAX;
	q = res->met ? s.pass_q : s.fail_q;
	res->quality = q;
	res->score = s.full.score[q];
	if (fmt == IMGOPT_FORMAT_JPEG) {
		/* Same pixels as the probe, final options. */
		if (save_image(mem, out, fmt, q, strip))
			goto out;
		res->encodes++;
		res->full_encodes++;
	} else if (target_write(out, res->met ? s.pass_blob : s.fail_blob))
		goto out;
	r = 0;
out:
	target_keep(&s.pass_blob, NULL);
	target_keep(&s.fail_blob, NULL);
	target_level_release(&s.full);
	if (sample)
		target_level_release(&s.sample);
	return r;
}

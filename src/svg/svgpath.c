/* svgpath.c: SVG path data in its shortest form (see svgpath.h).
 *
 * The path is parsed into absolute segments (M L C Q A Z: H, V, S and T
 * resolved), then written segment by segment: every form a segment can
 * take is written into a scratch buffer and the shortest kept.  Rounding
 * is done once, on absolute coordinates, into integer ticks; relative
 * values are exact differences of ticks, so both forms reach the same
 * point.
 */
#include "svgpath.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "svgcurve.h"
#include "svgvalue.h"

/* One segment in absolute coordinates: M L C Q A or Z. */
struct svgpath_seg {
	char cmd;
	double v[7];
};

static int
svgpath_nargs(char upper)
{
	switch (upper) {
	case 'M': case 'L': case 'T':
		return 2;
	case 'H': case 'V':
		return 1;
	case 'C':
		return 6;
	case 'S': case 'Q':
		return 4;
	case 'A':
		return 7;
	case 'Z':
		return 0;
	default:
		return -1;
	}
}

/* Path data to absolute segments; NULL on any error. */
static GArray *
svgpath_parse(const char *d)
{
	GArray *segs = g_array_new(FALSE, FALSE, sizeof(struct svgpath_seg));
	const char *p = d;
	double cx = 0, cy = 0, sx = 0, sy = 0;
	double c2x = 0, c2y = 0, qx = 0, qy = 0;
	char cmd = 0, prev = 0; /* prev: 'C' after C/S, 'Q' after Q/T */

	svgvalue_skip_wsp(&p);
	while (*p) {
		struct svgpath_seg s = { 0 };
		double a[7];
		char upper;
		bool rel;
		int n, i;

		if (g_ascii_isalpha(*p)) {
			cmd = *p++;
			svgvalue_skip_wsp(&p);
		} else if (!cmd || cmd == 'z' || cmd == 'Z') {
			goto fail;
		}
		upper = g_ascii_toupper(cmd);
		rel = cmd != upper;
		if ((n = svgpath_nargs(upper)) < 0 ||
		    (segs->len == 0 && upper != 'M'))
			goto fail;
		for (i = 0; i < n; i++) {
			if (i > 0 && !svgvalue_skip_comma_wsp(&p))
				goto fail;
			if (upper == 'A' && (i == 3 || i == 4)) {
				if (*p != '0' && *p != '1')
					goto fail;
				a[i] = *p++ - '0';
			} else if (!svgvalue_parse_number(&p, &a[i])) {
				goto fail;
			}
		}
		if (n > 0 && !svgvalue_skip_comma_wsp(&p))
			goto fail;
		svgvalue_skip_wsp(&p);

		switch (upper) {
		case 'M':
			s.cmd = 'M';
			s.v[0] = rel ? cx + a[0] : a[0];
			s.v[1] = rel ? cy + a[1] : a[1];
			sx = s.v[0];
			sy = s.v[1];
			/* Pairs after a moveto are linetos. */
			cmd = rel ? 'l' : 'L';
			break;
		case 'L': case 'T':
			s.cmd = upper == 'L' ? 'L' : 'Q';
			s.v[upper == 'L' ? 0 : 2] = rel ? cx + a[0] : a[0];
			s.v[upper == 'L' ? 1 : 3] = rel ? cy + a[1] : a[1];
			if (upper == 'T') {
				s.v[0] = prev == 'Q' ? 2 * cx - qx : cx;
				s.v[1] = prev == 'Q' ? 2 * cy - qy : cy;
			}
			break;
		case 'H':
			s.cmd = 'L';
			s.v[0] = rel ? cx + a[0] : a[0];
			s.v[1] = cy;
			break;
		case 'V':
			s.cmd = 'L';
			s.v[0] = cx;
			s.v[1] = rel ? cy + a[0] : a[0];
			break;
		case 'C':
			s.cmd = 'C';
			for (i = 0; i < 6; i++)
				s.v[i] = a[i] + (rel ? (i % 2 ? cy : cx) : 0);
			break;
		case 'S':
			s.cmd = 'C';
			s.v[0] = prev == 'C' ? 2 * cx - c2x : cx;
			s.v[1] = prev == 'C' ? 2 * cy - c2y : cy;
			for (i = 0; i < 4; i++)
				s.v[i + 2] = a[i] +
					     (rel ? (i % 2 ? cy : cx) : 0);
			break;
		case 'Q':
			s.cmd = 'Q';
			for (i = 0; i < 4; i++)
				s.v[i] = a[i] + (rel ? (i % 2 ? cy : cx) : 0);
			break;
		case 'A':
			s.cmd = 'A';
			memcpy(s.v, a, 5 * sizeof(double));
			s.v[5] = rel ? cx + a[5] : a[5];
			s.v[6] = rel ? cy + a[6] : a[6];
			break;
		case 'Z':
			s.cmd = 'Z';
			break;
		}
		g_array_append_val(segs, s);

		prev = 0;
		switch (s.cmd) {
		case 'Z':
			cx = sx;
			cy = sy;
			break;
		case 'C':
			c2x = s.v[2];
			c2y = s.v[3];
			cx = s.v[4];
			cy = s.v[5];
			prev = 'C';
			break;
		case 'Q':
			qx = s.v[0];
			qy = s.v[1];
			cx = s.v[2];
			cy = s.v[3];
			prev = 'Q';
			break;
		case 'A':
			cx = s.v[5];
			cy = s.v[6];
			break;
		default:
			cx = s.v[0];
			cy = s.v[1];
			break;
		}
	}
	return segs;
fail:
	g_array_free(segs, TRUE);
	return NULL;
}

/* Where the written path stands: what the next token may leave out. */
struct svgpath_writer {
	bool num;      /* the last token was a number */
	bool dot;      /* ... with a '.' in it */
	char implicit; /* the command letter that may be omitted */
};

/* A number to write: ticks at some decimals. */
struct svgpath_tick {
	int64_t n;
	int d;
};

static void
svgpath_emit(struct svgpath_writer *w, GString *dst, char letter,
	     const struct svgpath_tick *t, int n)
{
	char buf[40];
	int i;

	if (letter != w->implicit || n == 0) {
		g_string_append_c(dst, letter);
		w->num = false;
		w->implicit = letter == 'M' ? 'L' : letter == 'm' ? 'l' :
			      letter == 'z' || letter == 'Z' ? 0 : letter;
	}
	for (i = 0; i < n; i++) {
		size_t len = svgvalue_ticks_str(buf, t[i].n, t[i].d);

		/* "-" and a second "." start a new number by themselves. */
		if (w->num && buf[0] != '-' && !(buf[0] == '.' && w->dot))
			g_string_append_c(dst, ' ');
		g_string_append_len(dst, buf, (gssize)len);
		w->num = true;
		w->dot = memchr(buf, '.', len) != NULL;
	}
}

/* Where a candidate leaves the pen, in ticks. */
struct svgpath_land {
	int64_t x, y;	/* the new current point */
	char kind;	/* 'C' after C or S, 'Q' after Q or T, else 0 */
	int64_t cx, cy; /* the control point a following S or T reflects */
};

/* Candidates for one segment: the shortest is appended to out. */
struct svgpath_choice {
	GString *out;
	GString *tmp;
	GString *best;
	struct svgpath_writer w;
	struct svgpath_writer best_w;
	bool have;
	struct svgpath_land best_land;
};

static void
svgpath_try(struct svgpath_choice *c, char letter,
	    const struct svgpath_tick *t, int n,
	    const struct svgpath_land *land)
{
	struct svgpath_writer w = c->w;

	g_string_truncate(c->tmp, 0);
	svgpath_emit(&w, c->tmp, letter, t, n);
	if (!c->have || c->tmp->len < c->best->len) {
		g_string_assign(c->best, c->tmp->str);
		c->best_w = w;
		c->have = true;
		c->best_land = *land;
	}
}

static void
svgpath_commit(struct svgpath_choice *c)
{
	g_string_append_len(c->out, c->best->str, (gssize)c->best->len);
	c->w = c->best_w;
	c->have = false;
}

/* The point a segment ends at (the subpath start for Z). */
static void
svgpath_advance(const struct svgpath_seg *s, double *x, double *y,
		double *sx, double *sy)
{
	switch (s->cmd) {
	case 'M':
		*x = *sx = s->v[0];
		*y = *sy = s->v[1];
		break;
	case 'L':
		*x = s->v[0];
		*y = s->v[1];
		break;
	case 'C':
		*x = s->v[4];
		*y = s->v[5];
		break;
	case 'Q':
		*x = s->v[2];
		*y = s->v[3];
		break;
	case 'A':
		*x = s->v[5];
		*y = s->v[6];
		break;
	default:
		*x = *sx;
		*y = *sy;
		break;
	}
}

/* Where the written path stands, in ticks. */
struct svgpath_pen {
	struct svgpath_land at;
	int64_t sx, sy; /* subpath start */
	int dd;		/* decimals of every coordinate */
};

/* A coordinate rounded to ticks.  Always the plain rounding of the
 * absolute value, so points that coincide in the input still coincide
 * (svgo's "drop a digit when within one step" does not: a subpath that
 * returned to its start can then stop a thousandth short of it, and the
 * closing segment gets a random direction and a stroke a random miter).
 */
static int64_t
svgpath_pick(double exact)
{
	return (int64_t)llround(exact);
}

static bool
svgpath_near(double exact, int64_t v)
{
	return svgpath_pick(exact) == v;
}

/* A coordinate written absolute (a) or relative to base (r): the same
 * point either way.
 */
static void
svgpath_pair(const struct svgpath_pen *pen, double exact, int64_t base,
	     struct svgpath_tick *a, struct svgpath_tick *r)
{
	*a = (struct svgpath_tick){ svgpath_pick(exact), pen->dd };
	*r = (struct svgpath_tick){ a->n - base, pen->dd };
}

/* H, V or L to (ex, ey), in exact ticks. */
static void
svgpath_try_line(struct svgpath_choice *c, const struct svgpath_pen *pen,
		 double ex, double ey)
{
	struct svgpath_land la = { 0 }, lr = { 0 };
	struct svgpath_tick a[2], r[2];

	svgpath_pair(pen, ex, pen->at.x, &a[0], &r[0]);
	svgpath_pair(pen, ey, pen->at.y, &a[1], &r[1]);
	la.x = a[0].n;
	la.y = a[1].n;
	lr.x = pen->at.x + r[0].n;
	lr.y = pen->at.y + r[1].n;
	if (svgpath_near(ey, pen->at.y)) {
		la.y = lr.y = pen->at.y;
		svgpath_try(c, 'H', a, 1, &la);
		svgpath_try(c, 'h', r, 1, &lr);
		la.y = a[1].n;
		lr.y = pen->at.y + r[1].n;
	}
	if (svgpath_near(ex, pen->at.x)) {
		struct svgpath_land va = la, vr = lr;

		va.x = vr.x = pen->at.x;
		svgpath_try(c, 'V', a + 1, 1, &va);
		svgpath_try(c, 'v', r + 1, 1, &vr);
	}
	svgpath_try(c, 'L', a, 2, &la);
	svgpath_try(c, 'l', r, 2, &lr);
}

/* C and S; e: both control points and the end, in exact ticks. */
static void
svgpath_try_cubic(struct svgpath_choice *c, const struct svgpath_pen *pen,
		  const double *e)
{
	int64_t rx = pen->at.kind == 'C' ? 2 * pen->at.x - pen->at.cx :
					   pen->at.x;
	int64_t ry = pen->at.kind == 'C' ? 2 * pen->at.y - pen->at.cy :
					   pen->at.y;
	struct svgpath_land la = { .kind = 'C' }, lr = { .kind = 'C' };
	struct svgpath_tick a[6], r[6];
	int k;

	for (k = 0; k < 6; k++)
		svgpath_pair(pen, e[k], k % 2 ? pen->at.y : pen->at.x, &a[k],
			     &r[k]);
	la.cx = a[2].n;
	la.cy = a[3].n;
	la.x = a[4].n;
	la.y = a[5].n;
	lr.cx = pen->at.x + r[2].n;
	lr.cy = pen->at.y + r[3].n;
	lr.x = pen->at.x + r[4].n;
	lr.y = pen->at.y + r[5].n;
	svgpath_try(c, 'C', a, 6, &la);
	svgpath_try(c, 'c', r, 6, &lr);
	if (svgpath_near(e[0], rx) && svgpath_near(e[1], ry)) {
		svgpath_try(c, 'S', a + 2, 4, &la);
		svgpath_try(c, 's', r + 2, 4, &lr);
	}
}

/* Q and T; e: the control point and the end, in exact ticks. */
static void
svgpath_try_quad(struct svgpath_choice *c, const struct svgpath_pen *pen,
		 const double *e)
{
	int64_t rx = pen->at.kind == 'Q' ? 2 * pen->at.x - pen->at.cx :
					   pen->at.x;
	int64_t ry = pen->at.kind == 'Q' ? 2 * pen->at.y - pen->at.cy :
					   pen->at.y;
	struct svgpath_land la = { .kind = 'Q' }, lr = { .kind = 'Q' };
	struct svgpath_tick a[4], r[4];
	int k;

	for (k = 0; k < 4; k++)
		svgpath_pair(pen, e[k], k % 2 ? pen->at.y : pen->at.x, &a[k],
			     &r[k]);
	la.x = a[2].n;
	la.y = a[3].n;
	lr.x = pen->at.x + r[2].n;
	lr.y = pen->at.y + r[3].n;
	if (svgpath_near(e[0], rx) && svgpath_near(e[1], ry)) {
		la.cx = lr.cx = rx;
		la.cy = lr.cy = ry;
		svgpath_try(c, 'T', a + 2, 2, &la);
		svgpath_try(c, 't', r + 2, 2, &lr);
	}
	la.cx = a[0].n;
	la.cy = a[1].n;
	lr.cx = pen->at.x + r[0].n;
	lr.cy = pen->at.y + r[1].n;
	svgpath_try(c, 'Q', a, 4, &la);
	svgpath_try(c, 'q', r, 4, &lr);
}

/* A and a: radii (at rd decimals), rotation, flags, end (exact ticks). */
static void
svgpath_try_arc(struct svgpath_choice *c, const struct svgpath_pen *pen,
		const int64_t *radii, int rd, double rot, bool large,
		bool sweep, double ex, double ey)
{
	struct svgpath_tick t[7] = {
		{ radii[0], rd }, { radii[1], rd },
		{ svgpath_pick(rot), pen->dd }, { large, 0 },
		{ sweep, 0 },
	};
	struct svgpath_land la = { 0 }, lr = { 0 };
	struct svgpath_tick a[2], r[2];

	svgpath_pair(pen, ex, pen->at.x, &a[0], &r[0]);
	svgpath_pair(pen, ey, pen->at.y, &a[1], &r[1]);
	la.x = a[0].n;
	la.y = a[1].n;
	lr.x = pen->at.x + r[0].n;
	lr.y = pen->at.y + r[1].n;
	t[5] = a[0];
	t[6] = a[1];
	svgpath_try(c, 'A', t, 7, &la);
	t[5] = r[0];
	t[6] = r[1];
	svgpath_try(c, 'a', t, 7, &lr);
}

/* Other spellings of the cubic segs[*i]: a line, a quadratic, or a
 * circular arc that the cubics after it on the same circle join (*i then
 * moves past them).  A cubic is replaced by what stays within half a tick
 * of it, by an arc within one tick (svgo allows 2.5).  e: the exact ticks,
 * updated to the end of the last segment taken, which is returned.
 */
static const struct svgpath_seg *
svgpath_try_curves(struct svgpath_choice *c, const struct svgpath_pen *pen,
		   const GArray *segs, guint *i, guint len, double *e)
{
	const struct svgpath_seg *s =
		&g_array_index(segs, struct svgpath_seg, *i);
	const struct svgpath_seg *last = s;
	double p10 = svgvalue_pow10(pen->dd), tol = 0.5 / p10;
	double p[8] = { pen->at.x / p10, pen->at.y / p10, s->v[0], s->v[1],
			s->v[2], s->v[3], s->v[4], s->v[5] };
	struct svgpath_seg arc = { .cmd = 'A' };
	struct svgcurve_circle circle, next;
	int64_t radii[2];
	double q[2];
	int rd;

	if (svgcurve_cubic_is_line(p, tol))
		svgpath_try_line(c, pen, e[4], e[5]);
	if (svgcurve_cubic_as_quad(p, tol / 2, q)) {
		double w[4] = { q[0] * p10, q[1] * p10, e[4], e[5] };

		svgpath_try_quad(c, pen, w);
	}
	if (!svgcurve_cubic_as_arc(p, 2 * tol, &circle))
		return s;
	/* Later cubics on the same circle join, short of a full turn. */
	while (*i + 1 < len) {
		const struct svgpath_seg *t =
			&g_array_index(segs, struct svgpath_seg, *i + 1);
		double q8[8] = { last->v[4], last->v[5], t->v[0], t->v[1],
				 t->v[2], t->v[3], t->v[4], t->v[5] };

		if (t->cmd != 'C' ||
		    !svgcurve_cubic_as_arc(q8, 2 * tol, &next) ||
		    !svgcurve_same_circle(&circle, &next, tol) ||
		    fabs(circle.turn + next.turn) >= 2 * G_PI - 0.01)
			break;
		circle.turn += next.turn;
		last = t;
		(*i)++;
	}
	if (last != s) {
		/* The joined cubics are gone: only the arc can stand. */
		c->have = false;
		e[4] = last->v[4] * p10;
		e[5] = last->v[5] * p10;
	}
	arc.v[0] = arc.v[1] = circle.r;
	arc.v[3] = fabs(circle.turn) > G_PI;
	arc.v[4] = circle.turn > 0;
	arc.v[5] = last->v[4];
	arc.v[6] = last->v[5];
	rd = svgcurve_arc_radii(arc.v, p[0], p[1], pen->at.x, pen->at.y,
				svgpath_pick(e[4]), svgpath_pick(e[5]), pen->dd,
				radii);
	svgpath_try_arc(c, pen, radii, rd, 0, arc.v[3] != 0, arc.v[4] != 0,
			e[4], e[5]);
	return last;
}

/* Segments in their shortest form (see svgpath_rewrite()). */
static char *
svgpath_write(GArray *segs, int decimals, unsigned flags)
{
	bool exact = flags & SVGPATH_EXACT;
	bool markers = (flags & SVGPATH_MARKERS) || exact;
	bool fill_only = (flags & SVGPATH_FILL_ONLY) && !markers;
	struct svgpath_choice c = { 0 };
	struct svgpath_pen pen = { 0 };
	double ox = 0, oy = 0, osx = 0, osy = 0; /* unrounded current point */
	double maxabs = 0, p10;
	guint i, len;
	int k;

	len = segs->len;
	if (!markers && len > 1 &&
	    g_array_index(segs, struct svgpath_seg, len - 1).cmd == 'M')
		len--;
	for (i = 0; i < len; i++) {
		const struct svgpath_seg *s =
			&g_array_index(segs, struct svgpath_seg, i);

		for (k = 0; k < 7; k++)
			if (fabs(s->v[k]) > maxabs)
				maxabs = fabs(s->v[k]);
	}
	if ((pen.dd = svgvalue_fit(2 * maxabs, decimals)) < 0)
		return NULL;
	p10 = svgvalue_pow10(pen.dd);

	c.out = g_string_sized_new(16 * len);
	c.tmp = g_string_new(NULL);
	c.best = g_string_new(NULL);
	for (i = 0; i < len; i++) {
		const struct svgpath_seg *s =
			&g_array_index(segs, struct svgpath_seg, i);
		const struct svgpath_seg *n = i + 1 < len ?
			&g_array_index(segs, struct svgpath_seg, i + 1) : NULL;
		struct svgpath_land land = { 0 };
		double e[7];

		for (k = 0; k < 7; k++)
			e[k] = s->v[k] * p10;
		/* A line back to the start before a closepath: the
		 * closepath draws it.  The current point stays where the
		 * written path left it: the closepath may go too.
		 */
		if (!markers && s->cmd == 'L' && n && n->cmd == 'Z' &&
		    svgpath_near(e[0], pen.sx) &&
		    svgpath_near(e[1], pen.sy)) {
			pen.at.kind = 0;
			svgpath_advance(s, &ox, &oy, &osx, &osy);
			continue;
		}
		/* A fill closes every subpath itself. */
		if (fill_only && s->cmd == 'Z' && (!n || n->cmd == 'M')) {
			pen.at.kind = 0;
			svgpath_advance(s, &ox, &oy, &osx, &osy);
			continue;
		}
		switch (s->cmd) {
		case 'M': {
			struct svgpath_tick a[2], r[2];

			svgpath_pair(&pen, e[0], pen.at.x, &a[0], &r[0]);
			svgpath_pair(&pen, e[1], pen.at.y, &a[1], &r[1]);
			land.x = a[0].n;
			land.y = a[1].n;
			svgpath_try(&c, 'M', a, 2, &land);
			if (i > 0) {
				land.x = pen.at.x + r[0].n;
				land.y = pen.at.y + r[1].n;
				svgpath_try(&c, 'm', r, 2, &land);
			}
			break;
		}
		case 'L':
			svgpath_try_line(&c, &pen, e[0], e[1]);
			break;
		case 'C':
			svgpath_try_cubic(&c, &pen, e);
			if (!exact)
				s = svgpath_try_curves(&c, &pen, segs, &i, len,
						       e);
			break;
		case 'Q':
			svgpath_try_quad(&c, &pen, e);
			break;
		case 'A': {
			int64_t radii[2];
			int64_t ex = svgpath_pick(e[5]);
			int64_t ey = svgpath_pick(e[6]);
			int rd = svgcurve_arc_radii(s->v, ox, oy, pen.at.x,
						    pen.at.y, ex, ey, pen.dd,
						    radii);

			svgpath_try_arc(&c, &pen, radii, rd, e[2],
					s->v[3] != 0, s->v[4] != 0, e[5], e[6]);
			break;
		}
		case 'Z':
			land.x = pen.sx;
			land.y = pen.sy;
			svgpath_try(&c, 'z', NULL, 0, &land);
			break;
		}
		pen.at = c.best_land;
		if (s->cmd == 'M') {
			pen.sx = pen.at.x;
			pen.sy = pen.at.y;
		}
		svgpath_commit(&c);
		svgpath_advance(s, &ox, &oy, &osx, &osy);
	}
	g_string_free(c.tmp, TRUE);
	g_string_free(c.best, TRUE);
	return g_string_free(c.out, FALSE);
}

char *
svgpath_rewrite(const char *d, int decimals, unsigned flags)
{
	GArray *segs = svgpath_parse(d);
	char *out;

	if (!segs)
		return NULL;
	out = svgpath_write(segs, decimals, flags);
	g_array_free(segs, TRUE);
	return out;
}

char *
svgpath_join(const char *a, const char *b)
{
	GArray *sa = svgpath_parse(a), *sb = svgpath_parse(b);
	char *out = NULL;

	if (sa && sb) {
		g_array_append_vals(sa, sb->data, sb->len);
		/* Already rounded: the most decimals keeps every value. */
		out = svgpath_write(sa, SVGVALUE_MAX_DECIMALS, SVGPATH_MARKERS);
	}
	if (sa)
		g_array_free(sa, TRUE);
	if (sb)
		g_array_free(sb, TRUE);
	return out;
}

static void
svgpath_box_add(double *box, double x, double y)
{
	if (x < box[0])
		box[0] = x;
	if (y < box[1])
		box[1] = y;
	if (x > box[2])
		box[2] = x;
	if (y > box[3])
		box[3] = y;
}

bool
svgpath_bbox(const char *d, double box[4])
{
	GArray *segs = svgpath_parse(d);
	double x = 0, y = 0, sx = 0, sy = 0;
	guint i;

	if (!segs)
		return false;
	box[0] = box[1] = INFINITY;
	box[2] = box[3] = -INFINITY;
	for (i = 0; i < segs->len; i++) {
		const struct svgpath_seg *s =
			&g_array_index(segs, struct svgpath_seg, i);
		double cx, cy, r[2];
		int k;

		switch (s->cmd) {
		case 'A':
			/* The whole ellipse, as renderers size it. */
			if (svgcurve_arc_geometry(x, y, s->v[0], s->v[1],
						 s->v[2], s->v[3] != 0,
						 s->v[4] != 0, s->v[5], s->v[6],
						 &cx, &cy, r)) {
				double m = r[0] > r[1] ? r[0] : r[1];

				svgpath_box_add(box, cx - m, cy - m);
				svgpath_box_add(box, cx + m, cy + m);
			}
			svgpath_box_add(box, s->v[5], s->v[6]);
			break;
		case 'Z':
			break;
		default:
			/* Control points bound a Bezier curve. */
			for (k = 0; k + 1 < (s->cmd == 'C' ? 6 :
					     s->cmd == 'Q' ? 4 : 2); k += 2)
				svgpath_box_add(box, s->v[k], s->v[k + 1]);
		}
		svgpath_box_add(box, x, y);
		svgpath_advance(s, &x, &y, &sx, &sy);
	}
	g_array_free(segs, TRUE);
	return box[0] <= box[2];
}

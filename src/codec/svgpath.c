/* svgpath.c: SVG values in their shortest form (see svgpath.h).
 *
 * Numbers are rounded to integer "ticks" of 10^-decimals before anything
 * is compared or written: two points are equal when their ticks are, and a
 * relative coordinate is the exact difference of two rounded absolute
 * ones.  So the rounded path is the same whichever form each segment is
 * written in, and S or T is only chosen when the renderer's reflection of
 * the written control point gives exactly the written control point.
 */
#include "svgpath.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const double svgpath_pow10[SVGPATH_MAX_DECIMALS + 1] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
};

/* Ticks stay below 2^53, where doubles are exact integers. */
#define SVGPATH_MAX_TICKS 1e15

/* Decimals for values up to maxabs that keep ticks exact; -1 when even
 * integers are too large.
 */
static int
svgpath_fit(double maxabs, int decimals)
{
	if (decimals > SVGPATH_MAX_DECIMALS)
		decimals = SVGPATH_MAX_DECIMALS;
	if (decimals < 0)
		decimals = 0;
	if (!isfinite(maxabs) || maxabs >= SVGPATH_MAX_TICKS)
		return -1;
	while (decimals > 0 && maxabs * svgpath_pow10[decimals] >=
				       SVGPATH_MAX_TICKS)
		decimals--;
	return decimals;
}

static int64_t
svgpath_round(double v, int decimals)
{
	return (int64_t)llround(v * svgpath_pow10[decimals]);
}

/* ticks / 10^decimals, shortest, into buf (at least 40 bytes). */
static size_t
svgpath_ticks_str(char *buf, int64_t n, int decimals)
{
	char digits[24];
	uint64_t u = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
	size_t len, o = 0;
	int frac = decimals;

	if (u == 0) {
		buf[0] = '0';
		buf[1] = '\0';
		return 1;
	}
	if (n < 0)
		buf[o++] = '-';
	len = (size_t)snprintf(digits, sizeof(digits), "%" PRIu64, u);
	while (frac > 0 && digits[len - 1] == '0') {
		len--;
		frac--;
	}
	if (frac == 0) {
		memcpy(buf + o, digits, len);
		o += len;
	} else if (len > (size_t)frac) {
		memcpy(buf + o, digits, len - (size_t)frac);
		o += len - (size_t)frac;
		buf[o++] = '.';
		memcpy(buf + o, digits + len - (size_t)frac, (size_t)frac);
		o += (size_t)frac;
	} else {
		/* Leading zero dropped: ".5", "-.05". */
		buf[o++] = '.';
		for (size_t i = len; i < (size_t)frac; i++)
			buf[o++] = '0';
		memcpy(buf + o, digits, len);
		o += len;
	}
	buf[o] = '\0';
	return o;
}

void
svgpath_number(GString *out, double v, int decimals)
{
	int d = svgpath_fit(fabs(v), decimals);
	char buf[40];

	if (d < 0) {
		g_string_append_printf(out, "%.17g", v);
		return;
	}
	svgpath_ticks_str(buf, svgpath_round(v, d), d);
	g_string_append(out, buf);
}

bool
svgpath_parse_number(const char **p, double *v)
{
	const char *s = *p, *q = s;
	bool digits = false;
	char buf[64];

	if (*q == '+' || *q == '-')
		q++;
	while (g_ascii_isdigit(*q)) {
		q++;
		digits = true;
	}
	if (*q == '.' && g_ascii_isdigit(q[1])) {
		q++;
		while (g_ascii_isdigit(*q))
			q++;
		digits = true;
	} else if (*q == '.' && digits) {
		q++; /* "1." */
	}
	if (!digits)
		return false;
	if ((*q == 'e' || *q == 'E') &&
	    (g_ascii_isdigit(q[1]) ||
	     ((q[1] == '+' || q[1] == '-') && g_ascii_isdigit(q[2])))) {
		q += 2;
		while (g_ascii_isdigit(*q))
			q++;
	}
	if ((size_t)(q - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(q - s));
	buf[q - s] = '\0';
	*v = g_ascii_strtod(buf, NULL);
	if (!isfinite(*v))
		return false;
	*p = q;
	return true;
}

static bool
svgpath_is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static void
svgpath_skip_wsp(const char **p)
{
	while (svgpath_is_wsp(**p))
		(*p)++;
}

static bool
svgpath_number_start(char c)
{
	return g_ascii_isdigit(c) || c == '.' || c == '-' || c == '+';
}

/* Whitespace, then a comma only when a number follows it: "M1 2,L3" is an
 * error that renderers stop at, so it must not be read as valid.
 */
static bool
svgpath_skip_comma_wsp(const char **p)
{
	svgpath_skip_wsp(p);
	if (**p == ',') {
		(*p)++;
		svgpath_skip_wsp(p);
		return svgpath_number_start(**p);
	}
	return true;
}

/* ---- path data ------------------------------------------------------- */

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

	svgpath_skip_wsp(&p);
	while (*p) {
		struct svgpath_seg s = { 0 };
		double a[7];
		char upper;
		bool rel;
		int n, i;

		if (g_ascii_isalpha(*p)) {
			cmd = *p++;
			svgpath_skip_wsp(&p);
		} else if (!cmd || cmd == 'z' || cmd == 'Z') {
			goto fail;
		}
		upper = g_ascii_toupper(cmd);
		rel = cmd != upper;
		if ((n = svgpath_nargs(upper)) < 0 ||
		    (segs->len == 0 && upper != 'M'))
			goto fail;
		for (i = 0; i < n; i++) {
			if (i > 0 && !svgpath_skip_comma_wsp(&p))
				goto fail;
			if (upper == 'A' && (i == 3 || i == 4)) {
				if (*p != '0' && *p != '1')
					goto fail;
				a[i] = *p++ - '0';
			} else if (!svgpath_parse_number(&p, &a[i])) {
				goto fail;
			}
		}
		if (n > 0 && !svgpath_skip_comma_wsp(&p))
			goto fail;
		svgpath_skip_wsp(&p);

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
				s.v[i + 2] = a[i] + (rel ? (i % 2 ? cy : cx) : 0);
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
		size_t len = svgpath_ticks_str(buf, t[i].n, t[i].d);

		/* "-" and a second "." start a new number by themselves. */
		if (w->num && buf[0] != '-' && !(buf[0] == '.' && w->dot))
			g_string_append_c(dst, ' ');
		g_string_append_len(dst, buf, (gssize)len);
		w->num = true;
		w->dot = memchr(buf, '.', len) != NULL;
	}
}

/* Candidates for one segment: the shortest is appended to out. */
struct svgpath_choice {
	GString *out;
	GString *tmp;
	GString *best;
	struct svgpath_writer w;
	struct svgpath_writer best_w;
	bool have;
};

static void
svgpath_try(struct svgpath_choice *c, char letter,
	    const struct svgpath_tick *t, int n)
{
	struct svgpath_writer w = c->w;

	g_string_truncate(c->tmp, 0);
	svgpath_emit(&w, c->tmp, letter, t, n);
	if (!c->have || c->tmp->len < c->best->len) {
		g_string_assign(c->best, c->tmp->str);
		c->best_w = w;
		c->have = true;
	}
}

static void
svgpath_commit(struct svgpath_choice *c)
{
	g_string_append_len(c->out, c->best->str, (gssize)c->best->len);
	c->w = c->best_w;
	c->have = false;
}

char *
svgpath_rewrite(const char *d, int decimals, bool drop_trailing_move)
{
	GArray *segs = svgpath_parse(d);
	struct svgpath_choice c = { 0 };
	int64_t X = 0, Y = 0, SX = 0, SY = 0, C2X = 0, C2Y = 0, QX = 0, QY = 0;
	char prev = 0;
	double maxabs = 0;
	guint i, len;
	int dd, k;

	if (!segs)
		return NULL;
	len = segs->len;
	if (drop_trailing_move && len > 1 &&
	    g_array_index(segs, struct svgpath_seg, len - 1).cmd == 'M')
		len--;
	for (i = 0; i < len; i++) {
		const struct svgpath_seg *s =
			&g_array_index(segs, struct svgpath_seg, i);

		for (k = 0; k < 7; k++)
			if (fabs(s->v[k]) > maxabs)
				maxabs = fabs(s->v[k]);
	}
	if ((dd = svgpath_fit(2 * maxabs, decimals)) < 0) {
		g_array_free(segs, TRUE);
		return NULL;
	}

	c.out = g_string_sized_new(strlen(d));
	c.tmp = g_string_new(NULL);
	c.best = g_string_new(NULL);
	for (i = 0; i < len; i++) {
		const struct svgpath_seg *s =
			&g_array_index(segs, struct svgpath_seg, i);
		struct svgpath_tick t[7], r[7];
		int64_t v[6];

		for (k = 0; k < 6; k++)
			v[k] = svgpath_round(s->v[k], dd);
		switch (s->cmd) {
		case 'M':
			t[0] = (struct svgpath_tick){ v[0], dd };
			t[1] = (struct svgpath_tick){ v[1], dd };
			r[0] = (struct svgpath_tick){ v[0] - X, dd };
			r[1] = (struct svgpath_tick){ v[1] - Y, dd };
			svgpath_try(&c, 'M', t, 2);
			if (i > 0)
				svgpath_try(&c, 'm', r, 2);
			X = SX = v[0];
			Y = SY = v[1];
			break;
		case 'L':
			t[0] = (struct svgpath_tick){ v[0], dd };
			t[1] = (struct svgpath_tick){ v[1], dd };
			r[0] = (struct svgpath_tick){ v[0] - X, dd };
			r[1] = (struct svgpath_tick){ v[1] - Y, dd };
			if (v[1] == Y) {
				svgpath_try(&c, 'H', t, 1);
				svgpath_try(&c, 'h', r, 1);
			} else if (v[0] == X) {
				svgpath_try(&c, 'V', t + 1, 1);
				svgpath_try(&c, 'v', r + 1, 1);
			} else {
				svgpath_try(&c, 'L', t, 2);
				svgpath_try(&c, 'l', r, 2);
			}
			X = v[0];
			Y = v[1];
			break;
		case 'C': {
			int64_t rx = prev == 'C' ? 2 * X - C2X : X;
			int64_t ry = prev == 'C' ? 2 * Y - C2Y : Y;

			for (k = 0; k < 6; k++) {
				t[k] = (struct svgpath_tick){ v[k], dd };
				r[k] = (struct svgpath_tick){
					v[k] - (k % 2 ? Y : X), dd };
			}
			svgpath_try(&c, 'C', t, 6);
			svgpath_try(&c, 'c', r, 6);
			if (v[0] == rx && v[1] == ry) {
				svgpath_try(&c, 'S', t + 2, 4);
				svgpath_try(&c, 's', r + 2, 4);
			}
			C2X = v[2];
			C2Y = v[3];
			X = v[4];
			Y = v[5];
			break;
		}
		case 'Q': {
			int64_t rx = prev == 'Q' ? 2 * X - QX : X;
			int64_t ry = prev == 'Q' ? 2 * Y - QY : Y;

			for (k = 0; k < 4; k++) {
				t[k] = (struct svgpath_tick){ v[k], dd };
				r[k] = (struct svgpath_tick){
					v[k] - (k % 2 ? Y : X), dd };
			}
			if (v[0] == rx && v[1] == ry) {
				svgpath_try(&c, 'T', t + 2, 2);
				svgpath_try(&c, 't', r + 2, 2);
			} else {
				svgpath_try(&c, 'Q', t, 4);
				svgpath_try(&c, 'q', r, 4);
			}
			QX = v[0];
			QY = v[1];
			X = v[2];
			Y = v[3];
			break;
		}
		case 'A': {
			int64_t ex = svgpath_round(s->v[5], dd);
			int64_t ey = svgpath_round(s->v[6], dd);

			for (k = 0; k < 3; k++)
				t[k] = r[k] = (struct svgpath_tick){ v[k], dd };
			t[3] = r[3] = (struct svgpath_tick){
				s->v[3] != 0, 0 };
			t[4] = r[4] = (struct svgpath_tick){
				s->v[4] != 0, 0 };
			t[5] = (struct svgpath_tick){ ex, dd };
			t[6] = (struct svgpath_tick){ ey, dd };
			r[5] = (struct svgpath_tick){ ex - X, dd };
			r[6] = (struct svgpath_tick){ ey - Y, dd };
			svgpath_try(&c, 'A', t, 7);
			svgpath_try(&c, 'a', r, 7);
			X = ex;
			Y = ey;
			break;
		}
		case 'Z':
			svgpath_try(&c, 'z', t, 0);
			X = SX;
			Y = SY;
			break;
		}
		svgpath_commit(&c);
		prev = s->cmd == 'C' || s->cmd == 'Q' ? s->cmd : 0;
	}
	g_array_free(segs, TRUE);
	g_string_free(c.tmp, TRUE);
	g_string_free(c.best, TRUE);
	return g_string_free(c.out, FALSE);
}

/* ---- transforms ------------------------------------------------------ */

/* 2x3 affine matrix: a b c d e f, as in SVG's matrix(). */
struct svgpath_matrix {
	double m[6];
};

static struct svgpath_matrix
svgpath_multiply(struct svgpath_matrix x, struct svgpath_matrix y)
{
	struct svgpath_matrix r;

	r.m[0] = x.m[0] * y.m[0] + x.m[2] * y.m[1];
	r.m[1] = x.m[1] * y.m[0] + x.m[3] * y.m[1];
	r.m[2] = x.m[0] * y.m[2] + x.m[2] * y.m[3];
	r.m[3] = x.m[1] * y.m[2] + x.m[3] * y.m[3];
	r.m[4] = x.m[0] * y.m[4] + x.m[2] * y.m[5] + x.m[4];
	r.m[5] = x.m[1] * y.m[4] + x.m[3] * y.m[5] + x.m[5];
	return r;
}

/* Decimals for scales, angles and matrix coefficients: these multiply
 * coordinates, so they keep more than the coordinates do.
 */
static int
svgpath_linear_decimals(int decimals)
{
	return decimals < 8 ? 8 : decimals;
}

/* Append "name(n1 n2 ...)" with the numbers rounded. */
static void
svgpath_item(GString *out, const char *name, const double *v,
	     const int *d, int n)
{
	int i;

	if (out->len > 0)
		g_string_append_c(out, ' ');
	g_string_append(out, name);
	g_string_append_c(out, '(');
	for (i = 0; i < n; i++) {
		if (i > 0)
			g_string_append_c(out, ' ');
		svgpath_number(out, v[i], d[i]);
	}
	g_string_append_c(out, ')');
}

static bool
svgpath_zero(double v, int d)
{
	int f = svgpath_fit(fabs(v), d);

	return f >= 0 && svgpath_round(v, f) == 0;
}

static bool
svgpath_equal(double x, double y, int d)
{
	return svgpath_zero(x - y, d);
}

/* A matrix in its shortest item form, appended to out. */
static void
svgpath_matrix_item(GString *out, const double *m, int decimals)
{
	int L = svgpath_linear_decimals(decimals);
	const int dm[6] = { L, L, L, L, decimals, decimals };
	const int dt[2] = { decimals, decimals }, ds[2] = { L, L };
	double v[2];

	if (svgpath_zero(m[1], L) && svgpath_zero(m[2], L)) {
		bool unit = svgpath_equal(m[0], 1, L) &&
			    svgpath_equal(m[3], 1, L);
		bool moved = !svgpath_zero(m[4], decimals) ||
			     !svgpath_zero(m[5], decimals);

		if (moved) {
			v[0] = m[4];
			v[1] = m[5];
			svgpath_item(out, "translate", v, dt,
				     svgpath_zero(m[5], decimals) ? 1 : 2);
		}
		if (!unit) {
			v[0] = m[0];
			v[1] = m[3];
			svgpath_item(out, "scale", v, ds,
				     svgpath_equal(m[0], m[3], L) ? 1 : 2);
		}
		return;
	}
	svgpath_item(out, "matrix", m, dm, 6);
}

char *
svgpath_transform(const char *t, int decimals, double *stretch)
{
	struct svgpath_matrix total = { { 1, 0, 0, 1, 0, 0 } };
	GString *list = g_string_new(NULL), *one = g_string_new(NULL);
	int L = svgpath_linear_decimals(decimals);
	const char *p = t;
	double s, det;

	svgpath_skip_wsp(&p);
	while (*p) {
		struct svgpath_matrix m = { { 1, 0, 0, 1, 0, 0 } };
		const char *name = p;
		size_t name_len;
		double a[6], rad;
		int n = 0, i, dv[6];

		while (g_ascii_isalpha(*p))
			p++;
		name_len = (size_t)(p - name);
		svgpath_skip_wsp(&p);
		if (*p++ != '(')
			goto fail;
		svgpath_skip_wsp(&p);
		while (*p != ')') {
			if (n == 6 || (n > 0 && !svgpath_skip_comma_wsp(&p)) ||
			    !svgpath_parse_number(&p, &a[n]))
				goto fail;
			n++;
			svgpath_skip_wsp(&p);
		}
		p++;
#define NAME(s) (name_len == strlen(s) && !strncmp(name, s, name_len))
		if (NAME("matrix") && n == 6) {
			memcpy(m.m, a, sizeof(m.m));
			svgpath_matrix_item(list, a, decimals);
		} else if (NAME("translate") && (n == 1 || n == 2)) {
			m.m[4] = a[0];
			m.m[5] = n == 2 ? a[1] : 0;
			svgpath_matrix_item(list, m.m, decimals);
		} else if (NAME("scale") && (n == 1 || n == 2)) {
			m.m[0] = a[0];
			m.m[3] = n == 2 ? a[1] : a[0];
			svgpath_matrix_item(list, m.m, decimals);
		} else if (NAME("rotate") && (n == 1 || n == 3)) {
			rad = a[0] * G_PI / 180;
			m.m[0] = cos(rad);
			m.m[1] = sin(rad);
			m.m[2] = -sin(rad);
			m.m[3] = cos(rad);
			if (n == 3) {
				m.m[4] = a[1] - m.m[0] * a[1] - m.m[2] * a[2];
				m.m[5] = a[2] - m.m[1] * a[1] - m.m[3] * a[2];
			}
			dv[0] = L;
			dv[1] = dv[2] = decimals;
			if (!svgpath_zero(a[0], L))
				svgpath_item(list, "rotate", a, dv,
					     n == 3 && (!svgpath_zero(a[1],
							decimals) ||
						!svgpath_zero(a[2], decimals)) ?
						     3 : 1);
		} else if ((NAME("skewX") || NAME("skewY")) && n == 1) {
			m.m[NAME("skewX") ? 2 : 1] = tan(a[0] * G_PI / 180);
			dv[0] = L;
			if (!svgpath_zero(a[0], L))
				svgpath_item(list, NAME("skewX") ? "skewX" :
								   "skewY",
					     a, dv, 1);
		} else {
			goto fail;
		}
#undef NAME
		for (i = 0; i < 6; i++)
			if (!isfinite(m.m[i]))
				goto fail;
		total = svgpath_multiply(total, m);
		/* Transforms are separated by whitespace and/or a comma. */
		svgpath_skip_wsp(&p);
		if (*p == ',') {
			p++;
			svgpath_skip_wsp(&p);
		}
	}

	svgpath_matrix_item(one, total.m, decimals);
	if (one->len < list->len)
		g_string_assign(list, one->str);
	g_string_free(one, TRUE);
	if (stretch) {
		s = total.m[0] * total.m[0] + total.m[1] * total.m[1] +
		    total.m[2] * total.m[2] + total.m[3] * total.m[3];
		det = total.m[0] * total.m[3] - total.m[1] * total.m[2];
		*stretch = sqrt((s + sqrt(fmax(0, s * s - 4 * det * det))) / 2);
	}
	return g_string_free(list, FALSE);
fail:
	g_string_free(list, TRUE);
	g_string_free(one, TRUE);
	return NULL;
}

/* ---- number lists ---------------------------------------------------- */

char *
svgpath_numbers(const char *v, int decimals, bool strip_px)
{
	GString *out = g_string_new(NULL);
	const char *p = v;

	svgpath_skip_wsp(&p);
	while (*p) {
		const char *unit;
		double x;

		if (!svgpath_parse_number(&p, &x))
			goto fail;
		unit = p;
		while (g_ascii_isalpha(*p) || *p == '%')
			p++;
		if (out->len > 0)
			g_string_append_c(out, ' ');
		svgpath_number(out, x, decimals);
		if (!(strip_px && p - unit == 2 && !strncmp(unit, "px", 2)))
			g_string_append_len(out, unit, p - unit);
		svgpath_skip_wsp(&p);
		if (*p == ',') {
			p++;
			svgpath_skip_wsp(&p);
			if (!*p)
				goto fail;
		}
	}
	if (out->len == 0)
		goto fail;
	return g_string_free(out, FALSE);
fail:
	g_string_free(out, TRUE);
	return NULL;
}

/* ---- colours --------------------------------------------------------- */

/* CSS named colours (SVG 1.1's list), sorted by name. */
static const struct {
	const char *name;
	uint32_t rgb;
} svgpath_colours[] = {
	{ "aliceblue", 0xf0f8ff }, { "antiquewhite", 0xfaebd7 },
	{ "aqua", 0x00ffff }, { "aquamarine", 0x7fffd4 },
	{ "azure", 0xf0ffff }, { "beige", 0xf5f5dc }, { "bisque", 0xffe4c4 },
	{ "black", 0x000000 }, { "blanchedalmond", 0xffebcd },
	{ "blue", 0x0000ff }, { "blueviolet", 0x8a2be2 },
	{ "brown", 0xa52a2a }, { "burlywood", 0xdeb887 },
	{ "cadetblue", 0x5f9ea0 }, { "chartreuse", 0x7fff00 },
	{ "chocolate", 0xd2691e }, { "coral", 0xff7f50 },
	{ "cornflowerblue", 0x6495ed }, { "cornsilk", 0xfff8dc },
	{ "crimson", 0xdc143c }, { "cyan", 0x00ffff },
	{ "darkblue", 0x00008b }, { "darkcyan", 0x008b8b },
	{ "darkgoldenrod", 0xb8860b }, { "darkgray", 0xa9a9a9 },
	{ "darkgreen", 0x006400 }, { "darkgrey", 0xa9a9a9 },
	{ "darkkhaki", 0xbdb76b }, { "darkmagenta", 0x8b008b },
	{ "darkolivegreen", 0x556b2f }, { "darkorange", 0xff8c00 },
	{ "darkorchid", 0x9932cc }, { "darkred", 0x8b0000 },
	{ "darksalmon", 0xe9967a }, { "darkseagreen", 0x8fbc8f },
	{ "darkslateblue", 0x483d8b }, { "darkslategray", 0x2f4f4f },
	{ "darkslategrey", 0x2f4f4f }, { "darkturquoise", 0x00ced1 },
	{ "darkviolet", 0x9400d3 }, { "deeppink", 0xff1493 },
	{ "deepskyblue", 0x00bfff }, { "dimgray", 0x696969 },
	{ "dimgrey", 0x696969 }, { "dodgerblue", 0x1e90ff },
	{ "firebrick", 0xb22222 }, { "floralwhite", 0xfffaf0 },
	{ "forestgreen", 0x228b22 }, { "fuchsia", 0xff00ff },
	{ "gainsboro", 0xdcdcdc }, { "ghostwhite", 0xf8f8ff },
	{ "gold", 0xffd700 }, { "goldenrod", 0xdaa520 },
	{ "gray", 0x808080 }, { "green", 0x008000 },
	{ "greenyellow", 0xadff2f }, { "grey", 0x808080 },
	{ "honeydew", 0xf0fff0 }, { "hotpink", 0xff69b4 },
	{ "indianred", 0xcd5c5c }, { "indigo", 0x4b0082 },
	{ "ivory", 0xfffff0 }, { "khaki", 0xf0e68c },
	{ "lavender", 0xe6e6fa }, { "lavenderblush", 0xfff0f5 },
	{ "lawngreen", 0x7cfc00 }, { "lemonchiffon", 0xfffacd },
	{ "lightblue", 0xadd8e6 }, { "lightcoral", 0xf08080 },
	{ "lightcyan", 0xe0ffff }, { "lightgoldenrodyellow", 0xfafad2 },
	{ "lightgray", 0xd3d3d3 }, { "lightgreen", 0x90ee90 },
	{ "lightgrey", 0xd3d3d3 }, { "lightpink", 0xffb6c1 },
	{ "lightsalmon", 0xffa07a }, { "lightseagreen", 0x20b2aa },
	{ "lightskyblue", 0x87cefa }, { "lightslategray", 0x778899 },
	{ "lightslategrey", 0x778899 }, { "lightsteelblue", 0xb0c4de },
	{ "lightyellow", 0xffffe0 }, { "lime", 0x00ff00 },
	{ "limegreen", 0x32cd32 }, { "linen", 0xfaf0e6 },
	{ "magenta", 0xff00ff }, { "maroon", 0x800000 },
	{ "mediumaquamarine", 0x66cdaa }, { "mediumblue", 0x0000cd },
	{ "mediumorchid", 0xba55d3 }, { "mediumpurple", 0x9370db },
	{ "mediumseagreen", 0x3cb371 }, { "mediumslateblue", 0x7b68ee },
	{ "mediumspringgreen", 0x00fa9a }, { "mediumturquoise", 0x48d1cc },
	{ "mediumvioletred", 0xc71585 }, { "midnightblue", 0x191970 },
	{ "mintcream", 0xf5fffa }, { "mistyrose", 0xffe4e1 },
	{ "moccasin", 0xffe4b5 }, { "navajowhite", 0xffdead },
	{ "navy", 0x000080 }, { "oldlace", 0xfdf5e6 },
	{ "olive", 0x808000 }, { "olivedrab", 0x6b8e23 },
	{ "orange", 0xffa500 }, { "orangered", 0xff4500 },
	{ "orchid", 0xda70d6 }, { "palegoldenrod", 0xeee8aa },
	{ "palegreen", 0x98fb98 }, { "paleturquoise", 0xafeeee },
	{ "palevioletred", 0xdb7093 }, { "papayawhip", 0xffefd5 },
	{ "peachpuff", 0xffdab9 }, { "peru", 0xcd853f },
	{ "pink", 0xffc0cb }, { "plum", 0xdda0dd },
	{ "powderblue", 0xb0e0e6 }, { "purple", 0x800080 },
	{ "red", 0xff0000 }, { "rosybrown", 0xbc8f8f },
	{ "royalblue", 0x4169e1 }, { "saddlebrown", 0x8b4513 },
	{ "salmon", 0xfa8072 }, { "sandybrown", 0xf4a460 },
	{ "seagreen", 0x2e8b57 }, { "seashell", 0xfff5ee },
	{ "sienna", 0xa0522d }, { "silver", 0xc0c0c0 },
	{ "skyblue", 0x87ceeb }, { "slateblue", 0x6a5acd },
	{ "slategray", 0x708090 }, { "slategrey", 0x708090 },
	{ "snow", 0xfffafa }, { "springgreen", 0x00ff7f },
	{ "steelblue", 0x4682b4 }, { "tan", 0xd2b48c },
	{ "teal", 0x008080 }, { "thistle", 0xd8bfd8 },
	{ "tomato", 0xff6347 }, { "turquoise", 0x40e0d0 },
	{ "violet", 0xee82ee }, { "wheat", 0xf5deb3 },
	{ "white", 0xffffff }, { "whitesmoke", 0xf5f5f5 },
	{ "yellow", 0xffff00 }, { "yellowgreen", 0x9acd32 },
};

static int
svgpath_hex(char c)
{
	return g_ascii_isxdigit(c) ? g_ascii_xdigit_value(c) : -1;
}

/* rgb(R, G, B) with integers 0-255 or percentages that map exactly. */
static bool
svgpath_rgb(const char *s, uint32_t *rgb)
{
	const char *p = s + 4;
	int i;

	*rgb = 0;
	for (i = 0; i < 3; i++) {
		double v;

		svgpath_skip_wsp(&p);
		if (i > 0) {
			if (*p++ != ',')
				return false;
			svgpath_skip_wsp(&p);
		}
		if (!svgpath_parse_number(&p, &v))
			return false;
		if (*p == '%') {
			p++;
			v = v * 255 / 100;
		}
		/* Fractions round differently between renderers. */
		if (v != floor(v))
			return false;
		v = v < 0 ? 0 : v > 255 ? 255 : v;
		*rgb = *rgb << 8 | (uint32_t)v;
	}
	svgpath_skip_wsp(&p);
	return p[0] == ')' && p[1] == '\0';
}

char *
svgpath_colour(const char *v)
{
	char *s = g_ascii_strdown(v, -1), *out;
	const char *name = NULL;
	uint32_t rgb = 0;
	size_t len, i;
	bool found = false;
	char hex[8];

	g_strstrip(s);
	len = strlen(s);
	if (s[0] == '#' && (len == 4 || len == 7)) {
		found = true;
		for (i = 1; i < len; i++) {
			int h = svgpath_hex(s[i]);

			if (h < 0)
				found = false;
			else if (len == 4)
				rgb = rgb << 8 | (uint32_t)(h * 17);
			else
				rgb = rgb << 4 | (uint32_t)h;
		}
	} else if (g_str_has_prefix(s, "rgb(")) {
		found = svgpath_rgb(s, &rgb);
	} else {
		for (i = 0; i < G_N_ELEMENTS(svgpath_colours); i++)
			if (!strcmp(s, svgpath_colours[i].name)) {
				rgb = svgpath_colours[i].rgb;
				found = true;
				break;
			}
	}
	g_free(s);
	if (!found)
		return NULL;

	if ((rgb >> 20 & 15) == (rgb >> 16 & 15) &&
	    (rgb >> 12 & 15) == (rgb >> 8 & 15) &&
	    (rgb >> 4 & 15) == (rgb & 15))
		snprintf(hex, sizeof(hex), "#%x%x%x", rgb >> 16 & 15,
			 rgb >> 8 & 15, rgb & 15);
	else
		snprintf(hex, sizeof(hex), "#%06x", rgb);
	for (i = 0; i < G_N_ELEMENTS(svgpath_colours); i++)
		if (svgpath_colours[i].rgb == rgb &&
		    strlen(svgpath_colours[i].name) < strlen(hex) &&
		    (!name || strlen(svgpath_colours[i].name) < strlen(name)))
			name = svgpath_colours[i].name;
	out = g_strdup(name ? name : hex);
	return out;
}

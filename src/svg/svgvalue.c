/* svgvalue.c: SVG values in their shortest form (see svgvalue.h). */
#include "svgvalue.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const double svgvalue_p10[SVGVALUE_MAX_DECIMALS + 1] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
};

double
svgvalue_pow10(int decimals)
{
	return svgvalue_p10[decimals];
}

/* Ticks stay below 2^53, where doubles are exact integers. */
#define SVGVALUE_MAX_TICKS 1e15

/* Decimals for values up to maxabs that keep ticks exact; -1 when even
 * integers are too large.
 */
int
svgvalue_fit(double maxabs, int decimals)
{
	if (decimals > SVGVALUE_MAX_DECIMALS)
		decimals = SVGVALUE_MAX_DECIMALS;
	if (decimals < 0)
		decimals = 0;
	if (!isfinite(maxabs) || maxabs >= SVGVALUE_MAX_TICKS)
		return -1;
	while (decimals > 0 && maxabs * svgvalue_p10[decimals] >=
				       SVGVALUE_MAX_TICKS)
		decimals--;
	return decimals;
}

int64_t
svgvalue_round(double v, int decimals)
{
	return (int64_t)llround(v * svgvalue_p10[decimals]);
}

/* ticks / 10^decimals, shortest, into buf (at least 40 bytes). */
size_t
svgvalue_ticks_str(char *buf, int64_t n, int decimals)
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
svgvalue_number(GString *out, double v, int decimals)
{
	int d = svgvalue_fit(fabs(v), decimals);
	char buf[40];

	if (d < 0) {
		/* Too large to round: the shortest spelling that reads back
		 * the same.
		 */
		char fmt[16];
		int prec = 15;

		do {
			snprintf(fmt, sizeof(fmt), "%%.%dg", prec);
			g_ascii_formatd(buf, sizeof(buf), fmt, v);
		} while (g_ascii_strtod(buf, NULL) != v && prec++ < 17);
		g_string_append(out, buf);
		return;
	}
	svgvalue_ticks_str(buf, svgvalue_round(v, d), d);
	g_string_append(out, buf);
}

bool
svgvalue_parse_number(const char **p, double *v)
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
svgvalue_is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

void
svgvalue_skip_wsp(const char **p)
{
	while (svgvalue_is_wsp(**p))
		(*p)++;
}

static bool
svgvalue_number_start(char c)
{
	return g_ascii_isdigit(c) || c == '.' || c == '-' || c == '+';
}

/* Whitespace, then a comma only when a number follows it: "M1 2,L3" is an
 * error that renderers stop at, so it must not be read as valid.
 */
bool
svgvalue_skip_comma_wsp(const char **p)
{
	svgvalue_skip_wsp(p);
	if (**p == ',') {
		(*p)++;
		svgvalue_skip_wsp(p);
		return svgvalue_number_start(**p);
	}
	return true;
}

/* 2x3 affine matrix: a b c d e f, as in SVG's matrix(). */
struct svgvalue_matrix {
	double m[6];
};

static struct svgvalue_matrix
svgvalue_multiply(struct svgvalue_matrix x, struct svgvalue_matrix y)
{
	struct svgvalue_matrix r;

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
svgvalue_linear_decimals(int decimals)
{
	return decimals < 8 ? 8 : decimals;
}

/* Append "name(n1 n2 ...)" with the numbers rounded. */
static void
svgvalue_item(GString *out, const char *name, const double *v,
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
		svgvalue_number(out, v[i], d[i]);
	}
	g_string_append_c(out, ')');
}

static bool
svgvalue_zero(double v, int d)
{
	int f = svgvalue_fit(fabs(v), d);

	return f >= 0 && svgvalue_round(v, f) == 0;
}

static bool
svgvalue_equal(double x, double y, int d)
{
	return svgvalue_zero(x - y, d);
}

/* A matrix in its shortest item form, appended to out. */
static void
svgvalue_matrix_item(GString *out, const double *m, int decimals)
{
	int L = svgvalue_linear_decimals(decimals);
	const int dm[6] = { L, L, L, L, decimals, decimals };
	const int dt[2] = { decimals, decimals }, ds[2] = { L, L };
	double v[2];

	if (svgvalue_zero(m[1], L) && svgvalue_zero(m[2], L)) {
		bool unit = svgvalue_equal(m[0], 1, L) &&
			    svgvalue_equal(m[3], 1, L);
		bool moved = !svgvalue_zero(m[4], decimals) ||
			     !svgvalue_zero(m[5], decimals);

		if (moved) {
			v[0] = m[4];
			v[1] = m[5];
			svgvalue_item(out, "translate", v, dt,
				      svgvalue_zero(m[5], decimals) ? 1 : 2);
		}
		if (!unit) {
			v[0] = m[0];
			v[1] = m[3];
			svgvalue_item(out, "scale", v, ds,
				      svgvalue_equal(m[0], m[3], L) ? 1 : 2);
		}
		return;
	}
	svgvalue_item(out, "matrix", m, dm, 6);
}

char *
svgvalue_transform(const char *t, int decimals, double *stretch)
{
	struct svgvalue_matrix total = { { 1, 0, 0, 1, 0, 0 } };
	GString *list = g_string_new(NULL), *one = g_string_new(NULL);
	int L = svgvalue_linear_decimals(decimals);
	const char *p = t;
	double s, det;

	svgvalue_skip_wsp(&p);
	while (*p) {
		struct svgvalue_matrix m = { { 1, 0, 0, 1, 0, 0 } };
		const char *name = p;
		size_t name_len;
		double a[6], rad;
		int n = 0, i, dv[6];

		while (g_ascii_isalpha(*p))
			p++;
		name_len = (size_t)(p - name);
		svgvalue_skip_wsp(&p);
		if (*p++ != '(')
			goto fail;
		svgvalue_skip_wsp(&p);
		while (*p != ')') {
			if (n == 6 || (n > 0 && !svgvalue_skip_comma_wsp(&p)) ||
			    !svgvalue_parse_number(&p, &a[n]))
				goto fail;
			n++;
			svgvalue_skip_wsp(&p);
		}
		p++;
#define NAME(s) (name_len == strlen(s) && !strncmp(name, s, name_len))
		if (NAME("matrix") && n == 6) {
			memcpy(m.m, a, sizeof(m.m));
			svgvalue_matrix_item(list, a, decimals);
		} else if (NAME("translate") && (n == 1 || n == 2)) {
			m.m[4] = a[0];
			m.m[5] = n == 2 ? a[1] : 0;
			svgvalue_matrix_item(list, m.m, decimals);
		} else if (NAME("scale") && (n == 1 || n == 2)) {
			m.m[0] = a[0];
			m.m[3] = n == 2 ? a[1] : a[0];
			svgvalue_matrix_item(list, m.m, decimals);
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
			/* The centre can go when it is the origin. */
			if (n == 3 && svgvalue_zero(a[1], decimals) &&
			    svgvalue_zero(a[2], decimals))
				n = 1;
			if (!svgvalue_zero(a[0], L))
				svgvalue_item(list, "rotate", a, dv, n);
		} else if ((NAME("skewX") || NAME("skewY")) && n == 1) {
			m.m[NAME("skewX") ? 2 : 1] = tan(a[0] * G_PI / 180);
			dv[0] = L;
			if (!svgvalue_zero(a[0], L))
				svgvalue_item(list,
					      NAME("skewX") ? "skewX" : "skewY",
					      a, dv, 1);
		} else {
			goto fail;
		}
#undef NAME
		for (i = 0; i < 6; i++)
			if (!isfinite(m.m[i]))
				goto fail;
		total = svgvalue_multiply(total, m);
		/* Transforms are separated by whitespace and/or a comma. */
		svgvalue_skip_wsp(&p);
		if (*p == ',') {
			p++;
			svgvalue_skip_wsp(&p);
		}
	}

	svgvalue_matrix_item(one, total.m, decimals);
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

char *
svgvalue_numbers(const char *v, int decimals, bool strip_px)
{
	GString *out = g_string_new(NULL);
	const char *p = v;

	svgvalue_skip_wsp(&p);
	while (*p) {
		const char *unit;
		double x;

		if (!svgvalue_parse_number(&p, &x))
			goto fail;
		unit = p;
		while (g_ascii_isalpha(*p) || *p == '%')
			p++;
		if (out->len > 0)
			g_string_append_c(out, ' ');
		svgvalue_number(out, x, decimals);
		if (!(strip_px && p - unit == 2 && !strncmp(unit, "px", 2)))
			g_string_append_len(out, unit, p - unit);
		svgvalue_skip_wsp(&p);
		if (*p == ',') {
			p++;
			svgvalue_skip_wsp(&p);
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

/* CSS named colours (SVG 1.1's list), sorted by name. */
static const struct {
	const char *name;
	uint32_t rgb;
} svgvalue_colours[] = {
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
svgvalue_hex(char c)
{
	return g_ascii_isxdigit(c) ? g_ascii_xdigit_value(c) : -1;
}

/* rgb(R, G, B) with integers 0-255 or percentages that map exactly. */
static bool
svgvalue_rgb(const char *s, uint32_t *rgb)
{
	const char *p = s + 4;
	int i;

	*rgb = 0;
	for (i = 0; i < 3; i++) {
		double v;

		svgvalue_skip_wsp(&p);
		if (i > 0) {
			if (*p++ != ',')
				return false;
			svgvalue_skip_wsp(&p);
		}
		if (!svgvalue_parse_number(&p, &v))
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
	svgvalue_skip_wsp(&p);
	return p[0] == ')' && p[1] == '\0';
}

char *
svgvalue_colour(const char *v)
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
			int h = svgvalue_hex(s[i]);

			if (h < 0)
				found = false;
			else if (len == 4)
				rgb = rgb << 8 | (uint32_t)(h * 17);
			else
				rgb = rgb << 4 | (uint32_t)h;
		}
	} else if (g_str_has_prefix(s, "rgb(")) {
		found = svgvalue_rgb(s, &rgb);
	} else {
		for (i = 0; i < G_N_ELEMENTS(svgvalue_colours); i++)
			if (!strcmp(s, svgvalue_colours[i].name)) {
				rgb = svgvalue_colours[i].rgb;
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
	for (i = 0; i < G_N_ELEMENTS(svgvalue_colours); i++)
		if (svgvalue_colours[i].rgb == rgb &&
		    strlen(svgvalue_colours[i].name) < strlen(hex) &&
		    (!name || strlen(svgvalue_colours[i].name) < strlen(name)))
			name = svgvalue_colours[i].name;
	out = g_strdup(name ? name : hex);
	return out;
}

/* svgdata.c: SVG tables and CSS syntax for the minifier (see svgdata.h).
 *
 * Defaults come from the SVG 1.1 and CSS specifications.  A property is
 * only listed with a default when every renderer agrees on it: `color`
 * has none here (an inlined SVG takes the page's colour) and `overflow`
 * neither (its initial value differs between elements).
 */
#include "svgdata.h"

#include <stdlib.h>
#include <string.h>

#define O SVGDATA_OTHER
#define C SVGDATA_COLOUR
#define N SVGDATA_NUMBER

/* Sorted by name, for bsearch(). */
static const struct svgdata_prop svgdata_props[] = {
	{ "alignment-baseline", "auto", false, true, O },
	{ "baseline-shift", "baseline", false, true, O },
	{ "clip", NULL, false, true, O },
	{ "clip-path", "none", false, true, O },
	{ "clip-rule", "nonzero", true, true, O },
	{ "color", NULL, true, true, C },
	{ "color-interpolation", "srgb", true, true, O },
	{ "color-interpolation-filters", "linearrgb", true, true, O },
	{ "color-profile", NULL, true, true, O },
	{ "color-rendering", "auto", true, true, O },
	{ "cursor", NULL, true, true, O },
	{ "direction", "ltr", true, true, O },
	{ "display", "inline", false, true, O },
	{ "dominant-baseline", "auto", true, true, O },
	{ "fill", "#000", true, true, C },
	{ "fill-opacity", "1", true, true, N },
	{ "fill-rule", "nonzero", true, true, O },
	{ "filter", "none", false, true, O },
	{ "flood-color", "#000", false, true, C },
	{ "flood-opacity", "1", false, true, N },
	{ "font", NULL, true, false, O },
	{ "font-family", NULL, true, true, O },
	{ "font-feature-settings", "normal", true, false, O },
	{ "font-kerning", "auto", true, false, O },
	{ "font-size", NULL, true, true, N },
	{ "font-size-adjust", "none", true, true, O },
	{ "font-stretch", "normal", true, true, O },
	{ "font-style", "normal", true, true, O },
	{ "font-variant", "normal", true, true, O },
	{ "font-variant-caps", "normal", true, false, O },
	{ "font-variant-east-asian", "normal", true, false, O },
	{ "font-variant-ligatures", "normal", true, false, O },
	{ "font-variant-numeric", "normal", true, false, O },
	{ "font-variation-settings", "normal", true, false, O },
	{ "font-weight", "normal|400", true, true, O },
	{ "glyph-orientation-horizontal", NULL, true, true, O },
	{ "glyph-orientation-vertical", NULL, true, true, O },
	{ "image-rendering", "auto", true, true, O },
	{ "isolation", "auto", false, false, O },
	{ "kerning", "auto", true, true, O },
	{ "letter-spacing", "normal", true, true, N },
	{ "lighting-color", "#fff", false, true, C },
	{ "line-height", "normal", true, false, N },
	{ "marker", "none", true, false, O },
	{ "marker-end", "none", true, true, O },
	{ "marker-mid", "none", true, true, O },
	{ "marker-start", "none", true, true, O },
	{ "mask", "none", false, true, O },
	{ "mix-blend-mode", "normal", false, false, O },
	{ "opacity", "1", false, true, N },
	{ "overflow", NULL, false, true, O },
	{ "paint-order", "normal", true, false, O },
	{ "pointer-events", "visiblepainted", true, true, O },
	{ "shape-rendering", "auto", true, true, O },
	{ "stop-color", "#000", false, true, C },
	{ "stop-opacity", "1", false, true, N },
	{ "stroke", "none", true, true, C },
	{ "stroke-dasharray", "none", true, true, N },
	{ "stroke-dashoffset", "0", true, true, N },
	{ "stroke-linecap", "butt", true, true, O },
	{ "stroke-linejoin", "miter", true, true, O },
	{ "stroke-miterlimit", "4", true, true, N },
	{ "stroke-opacity", "1", true, true, N },
	{ "stroke-width", "1", true, true, N },
	{ "text-align", "start", true, false, O },
	{ "text-anchor", "start", true, true, O },
	{ "text-decoration", NULL, false, true, O },
	{ "text-indent", "0", true, false, N },
	{ "text-rendering", "auto", true, true, O },
	{ "text-transform", "none", true, false, O },
	{ "unicode-bidi", "normal", false, true, O },
	{ "vector-effect", "none", false, false, O },
	{ "visibility", "visible", true, true, O },
	{ "white-space", "normal", true, false, O },
	{ "word-spacing", "normal", true, true, N },
	{ "writing-mode", "lr-tb|horizontal-tb", true, true, O },
	{ "solid-color", NULL, false, false, C },
};

#undef O
#undef C
#undef N

G_STATIC_ASSERT(G_N_ELEMENTS(svgdata_props) == SVGDATA_NPROPS);

static int
svgdata_cmp_prop(const void *key, const void *item)
{
	return strcmp(key, ((const struct svgdata_prop *)item)->name);
}

const struct svgdata_prop *
svgdata_prop(const char *name, int *index)
{
	const struct svgdata_prop *p;

	/* The last entry is out of order: it is only looked up here. */
	if (!strcmp(name, "solid-color"))
		p = &svgdata_props[SVGDATA_NPROPS - 1];
	else
		p = bsearch(name, svgdata_props, SVGDATA_NPROPS - 1,
			    sizeof(svgdata_props[0]), svgdata_cmp_prop);
	if (p && index)
		*index = (int)(p - svgdata_props);
	return p;
}

const struct svgdata_prop *
svgdata_prop_at(int index)
{
	g_assert(index >= 0 && index < SVGDATA_NPROPS);
	return &svgdata_props[index];
}

static int
svgdata_cmp_name(const void *key, const void *item)
{
	return strcmp(key, *(const char *const *)item);
}

static bool
svgdata_in(const char *name, const char *const *sorted, size_t n)
{
	return bsearch(name, sorted, n, sizeof(*sorted), svgdata_cmp_name);
}

bool
svgdata_known_element(const char *name)
{
	/* Sorted (ASCII: capitals first within a prefix). */
	static const char *const names[] = {
		"a", "altGlyph", "altGlyphDef", "altGlyphItem", "animate",
		"animateColor", "animateMotion", "animateTransform", "circle",
		"clipPath", "color-profile", "cursor", "defs", "desc",
		"discard", "ellipse", "feBlend", "feColorMatrix",
		"feComponentTransfer", "feComposite", "feConvolveMatrix",
		"feDiffuseLighting", "feDisplacementMap", "feDistantLight",
		"feDropShadow", "feFlood", "feFuncA", "feFuncB", "feFuncG",
		"feFuncR", "feGaussianBlur", "feImage", "feMerge",
		"feMergeNode", "feMorphology", "feOffset", "fePointLight",
		"feSpecularLighting", "feSpotLight", "feTile", "feTurbulence",
		"filter", "font", "font-face", "font-face-format",
		"font-face-name", "font-face-src", "font-face-uri",
		"foreignObject", "g", "glyph", "glyphRef", "hatch",
		"hatchpath", "hkern", "image", "line", "linearGradient",
		"marker", "mask", "mesh", "meshgradient", "meshpatch",
		"meshrow", "metadata", "missing-glyph", "mpath", "path",
		"pattern", "polygon", "polyline", "radialGradient", "rect",
		"script", "set", "solidcolor", "stop", "style", "svg",
		"switch", "symbol", "text", "textPath", "title", "tref",
		"tspan", "use", "view", "vkern",
	};

	return svgdata_in(name, names, G_N_ELEMENTS(names));
}

bool
svgdata_numeric_attr(const char *name)
{
	/* Not baseFrequency: rounding it rescales the noise visibly. */
	static const char *const names[] = {
		"amplitude", "azimuth", "bias", "cx", "cy", "diffuseConstant",
		"divisor", "dx", "dy", "elevation", "exponent", "fr", "fx",
		"fy", "height", "intercept", "k", "k1", "k2", "k3", "k4",
		"kernelMatrix", "kernelUnitLength", "limitingConeAngle",
		"markerHeight", "markerWidth", "offset", "pathLength",
		"points", "pointsAtX", "pointsAtY", "pointsAtZ", "r",
		"radius", "refX", "refY", "rotate", "rx", "ry", "scale",
		"slope", "specularConstant", "specularExponent",
		"startOffset", "stdDeviation", "surfaceScale",
		"tableValues", "textLength", "viewBox", "width", "x", "x1",
		"x2", "y", "y1", "y2", "z",
	};

	return svgdata_in(name, names, G_N_ELEMENTS(names));
}

bool
svgdata_attr_default(const char *el, const char *attr, const char *value,
		     bool has_href)
{
	/* el "*": any element; value "*": always dropped; templ: only
	 * without href (the template could set it otherwise).
	 */
	static const struct {
		const char *el, *attr, *value;
		bool templ;
	} defaults[] = {
		{ "svg", "version", "*", false },
		{ "svg", "baseProfile", "*", false },
		{ "svg", "contentScriptType", "*", false },
		{ "svg", "contentStyleType", "*", false },
		{ "svg", "zoomAndPan", "magnify", false },
		{ "svg", "x", "0", false },
		{ "svg", "y", "0", false },
		{ "*", "preserveAspectRatio", "xMidYMid", false },
		{ "*", "preserveAspectRatio", "xMidYMid meet", false },
		{ "rect", "x", "0", false },
		{ "rect", "y", "0", false },
		{ "image", "x", "0", false },
		{ "image", "y", "0", false },
		{ "use", "x", "0", false },
		{ "use", "y", "0", false },
		{ "foreignObject", "x", "0", false },
		{ "foreignObject", "y", "0", false },
		{ "text", "x", "0", false },
		{ "text", "y", "0", false },
		{ "circle", "cx", "0", false },
		{ "circle", "cy", "0", false },
		{ "ellipse", "cx", "0", false },
		{ "ellipse", "cy", "0", false },
		{ "line", "x1", "0", false },
		{ "line", "y1", "0", false },
		{ "line", "x2", "0", false },
		{ "line", "y2", "0", false },
		{ "linearGradient", "x1", "0", true },
		{ "linearGradient", "x1", "0%", true },
		{ "linearGradient", "y1", "0", true },
		{ "linearGradient", "y1", "0%", true },
		{ "linearGradient", "x2", "100%", true },
		{ "linearGradient", "y2", "0", true },
		{ "linearGradient", "y2", "0%", true },
		{ "linearGradient", "gradientUnits", "objectBoundingBox",
		  true },
		{ "linearGradient", "spreadMethod", "pad", true },
		{ "radialGradient", "cx", "50%", true },
		{ "radialGradient", "cy", "50%", true },
		{ "radialGradient", "r", "50%", true },
		{ "radialGradient", "gradientUnits", "objectBoundingBox",
		  true },
		{ "radialGradient", "spreadMethod", "pad", true },
		{ "clipPath", "clipPathUnits", "userSpaceOnUse", false },
		{ "mask", "maskUnits", "objectBoundingBox", false },
		{ "mask", "maskContentUnits", "userSpaceOnUse", false },
		{ "mask", "x", "-10%", false },
		{ "mask", "y", "-10%", false },
		{ "mask", "width", "120%", false },
		{ "mask", "height", "120%", false },
		{ "filter", "filterUnits", "objectBoundingBox", true },
		{ "filter", "primitiveUnits", "userSpaceOnUse", true },
		{ "filter", "x", "-10%", true },
		{ "filter", "y", "-10%", true },
		{ "filter", "width", "120%", true },
		{ "filter", "height", "120%", true },
		{ "marker", "markerUnits", "strokeWidth", false },
		{ "marker", "refX", "0", false },
		{ "marker", "refY", "0", false },
		{ "marker", "markerWidth", "3", false },
		{ "marker", "markerHeight", "3", false },
		{ "marker", "orient", "0", false },
		{ "feComposite", "operator", "over", false },
		{ "feBlend", "mode", "normal", false },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(defaults); i++) {
		if (strcmp(attr, defaults[i].attr) != 0 ||
		    (strcmp(defaults[i].el, "*") != 0 &&
		     strcmp(el, defaults[i].el) != 0) ||
		    (defaults[i].templ && has_href))
			continue;
		if (!strcmp(defaults[i].value, "*") ||
		    !strcmp(defaults[i].value, value))
			return true;
	}
	return false;
}

/* ---- style="" -------------------------------------------------------- */

static void
svgdata_decl_free(gpointer p)
{
	struct svgdata_decl *d = p;

	g_free(d->name);
	g_free(d->value);
	g_free(d);
}

/* Take "!important" off the end of a value. */
static bool
svgdata_important(char *v)
{
	char *bang = strrchr(v, '!');
	char *w;

	if (!bang)
		return false;
	w = bang + 1;
	while (g_ascii_isspace(*w))
		w++;
	if (g_ascii_strcasecmp(w, "important") != 0)
		return false;
	*bang = '\0';
	g_strchomp(v);
	return true;
}

GPtrArray *
svgdata_style_parse(const char *style)
{
	GPtrArray *decls = g_ptr_array_new_with_free_func(svgdata_decl_free);
	const char *p = style;

	while (*p) {
		const char *start = p, *colon = NULL, *n;
		struct svgdata_decl *d;
		char quote = 0;
		int paren = 0;

		for (; *p; p++) {
			if (quote) {
				if (*p == '\\' && p[1])
					p++;
				else if (*p == quote)
					quote = 0;
			} else if (*p == '"' || *p == '\'') {
				quote = *p;
			} else if (*p == '(') {
				paren++;
			} else if (*p == ')') {
				paren--;
			} else if (*p == ':' && !colon) {
				colon = p;
			} else if ((*p == ';' && paren == 0) ||
				   (*p == '/' && p[1] == '*') || *p == '\\' ||
				   *p == '{' || *p == '}') {
				break;
			}
		}
		if (quote || paren != 0 || (*p && *p != ';'))
			goto fail;
		if (!colon) {
			for (n = start; n < p; n++)
				if (!g_ascii_isspace(*n))
					goto fail;
			if (*p)
				p++;
			continue;
		}
		d = g_new0(struct svgdata_decl, 1);
		d->name = g_strstrip(g_ascii_strdown(start, colon - start));
		d->value = g_strstrip(g_strndup(colon + 1, p - colon - 1));
		d->important = svgdata_important(d->value);
		g_ptr_array_add(decls, d);
		if (*p)
			p++;
		if (!d->name[0] || !d->value[0] ||
		    strspn(d->name, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
			    strlen(d->name))
			goto fail;
	}
	return decls;
fail:
	g_ptr_array_unref(decls);
	return NULL;
}

char *
svgdata_style_join(const GPtrArray *decls)
{
	GString *s = g_string_new(NULL);
	guint i;

	for (i = 0; i < decls->len; i++) {
		const struct svgdata_decl *d = g_ptr_array_index(decls, i);

		g_string_append_printf(s, "%s%s:%s%s", i ? ";" : "", d->name,
				       d->value, d->important ? "!important" :
								"");
	}
	return g_string_free(s, FALSE);
}

size_t
svgdata_style_len(const GPtrArray *decls)
{
	char *s;
	size_t n;

	if (decls->len == 0)
		return 0;
	s = svgdata_style_join(decls);
	n = strlen(s) + 9; /* ' style=""' */
	g_free(s);
	return n;
}

/* ---- <style> --------------------------------------------------------- */

char *
svgdata_css_minify(const char *css)
{
	GString *out = g_string_new(NULL);
	const char *p = css;
	bool space = false;

	while (*p) {
		char last = out->len ? out->str[out->len - 1] : '{';

		/* Comments and whitespace are one separator. */
		if (p[0] == '/' && p[1] == '*') {
			const char *end = strstr(p + 2, "*/");

			p = end ? end + 2 : p + strlen(p);
			space = true;
			continue;
		}
		if (g_ascii_isspace(*p)) {
			p++;
			space = true;
			continue;
		}
		/* It matters between words ("g path"), not next to
		 * punctuation.
		 */
		if (space && !strchr("{};,>:(", last) && !strchr("{};,>)!", *p))
			g_string_append_c(out, ' ');
		space = false;
		if (*p == '"' || *p == '\'') {
			char q = *p;

			g_string_append_c(out, *p++);
			while (*p && *p != q) {
				if (*p == '\\' && p[1])
					g_string_append_c(out, *p++);
				g_string_append_c(out, *p++);
			}
			if (*p)
				g_string_append_c(out, *p++);
			continue;
		}
		if (*p == ';' && (last == ';' || last == '{')) {
			p++;
			continue;
		}
		if (*p == '}' && last == ';')
			g_string_truncate(out, out->len - 1);
		g_string_append_c(out, *p++);
	}
	return g_string_free(out, FALSE);
}

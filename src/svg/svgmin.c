/* svgmin.c: the element pass of the SVG minifier (see svgmin.h).
 *
 * Inheritance decides what can go: a property equal to its default only
 * says something when an ancestor set another value, so it is dropped
 * when none did and the element cannot be drawn from a <use> (which would
 * give it other ancestors).  Properties a style sheet mentions are never
 * touched: a rule may depend on them.
 */
#include "svgmin.h"

#include <math.h>
#include <string.h>

#include "svgdata.h"
#include "svgpath.h"
#include "svgvalue.h"

/* What an element inherits. */
struct svgmin_ctx {
	/* Inheritable properties an ancestor set (to something else than
	 * their default, or to "inherit").
	 */
	unsigned char set[SVGDATA_NPROPS];
	bool unknown; /* may be used elsewhere (<use>): inheritance unknown */
	bool text;    /* text content: text nodes are kept as they are */
	int decimals; /* for coordinates in this user space */
};

/* Decimals to add where content is drawn `stretch` times larger, so the
 * rounding error stays the same in output pixels.
 */
static int
svgmin_extra(double stretch)
{
	return stretch > 3.17 ? (int)ceil(log10(stretch) - 0.5) : 0;
}

/* A length in px, 0 when relative (%, em) or not a length. */
static double
svgmin_px(const char *v)
{
	static const struct {
		const char *unit;
		double px;
	} units[] = {
		{ "", 1 }, { "px", 1 }, { "pt", 4.0 / 3 }, { "pc", 16 },
		{ "mm", 96 / 25.4 }, { "cm", 96 / 2.54 }, { "in", 96 },
	};
	double x;
	size_t i;

	if (!v)
		return 0;
	while (g_ascii_isspace(*v))
		v++;
	if (!svgvalue_parse_number(&v, &x))
		return 0;
	for (i = 0; i < G_N_ELEMENTS(units); i++)
		if (!strcmp(v, units[i].unit))
			return x * units[i].px;
	return 0;
}

/* How much the outermost viewport enlarges its viewBox. */
static double
svgmin_viewport_stretch(const xmlNode *root)
{
	const char *vb = svgtree_attr_value(root, "viewBox");
	double b[4], w, h, s;
	int i;

	for (i = 0; vb && i < 4; i++) {
		while (g_ascii_isspace(*vb) || *vb == ',')
			vb++;
		if (!svgvalue_parse_number(&vb, &b[i]))
			return 1;
	}
	if (!vb || b[2] <= 0 || b[3] <= 0)
		return 1;
	w = svgmin_px(svgtree_attr_value(root, "width")) / b[2];
	h = svgmin_px(svgtree_attr_value(root, "height")) / b[3];
	s = w > h ? w : h;
	return s > 0 ? s : 1;
}

/* The value of an attribute or style property in its shortest form;
 * NULL when it stays as it is.
 */
static char *
svgmin_rewrite(const struct svgtree *o, const char *name, const char *v,
	       int decimals, bool attr, bool fill_only)
{
	const struct svgdata_prop *p = svgdata_prop(name, NULL);
	unsigned flags = (o->markers ? SVGPATH_MARKERS : 0) |
			 (fill_only ? SVGPATH_FILL_ONLY : 0) |
			 (o->decimals >= 8 ? SVGPATH_EXACT : 0);
	char *r = NULL;

	if (p && p->kind == SVGDATA_COLOUR)
		r = svgvalue_colour(v);
	else if ((p && p->kind == SVGDATA_NUMBER) ||
		 (attr && svgdata_numeric_attr(name)))
		r = svgvalue_numbers(v, decimals, attr);
	else if (attr && !strcmp(name, "d"))
		r = svgpath_rewrite(v, decimals, flags);
	if (!r && (g_ascii_isspace(v[0]) ||
		   (v[0] && g_ascii_isspace(v[strlen(v) - 1]))))
		r = g_strstrip(g_strdup(v));
	return r;
}

static bool
svgmin_is_default(const struct svgdata_prop *p, const char *v)
{
	const char *d = p->dflt;

	while (d) {
		const char *bar = strchr(d, '|');
		size_t n = bar ? (size_t)(bar - d) : strlen(d);

		if (strlen(v) == n && !g_ascii_strncasecmp(d, v, n))
			return true;
		d = bar ? bar + 1 : NULL;
	}
	return false;
}

/* Whether a property set to v on an element can go. */
static bool
svgmin_droppable(const struct svgtree *o, const struct svgmin_ctx *parent,
		 const struct svgmin_ctx *ctx, const struct svgdata_prop *p,
		 int idx, const char *v)
{
	if (!svgmin_is_default(p, v) ||
	    g_hash_table_contains(o->css_props, p->name))
		return false;
	return !p->inherited || (!ctx->unknown && !parent->set[idx]);
}

static void
svgmin_drop_defaults(struct svgtree *o, xmlNode *el, GPtrArray *decls,
		     const struct svgmin_ctx *parent,
		     const struct svgmin_ctx *ctx)
{
	const struct svgdata_prop *p;
	xmlAttr *a, *next;
	int idx;
	guint i;

	for (i = decls ? decls->len : 0; i-- > 0;) {
		struct svgdata_decl *d = g_ptr_array_index(decls, i);
		bool later = false;
		guint j;

		/* A property given twice: the last one counts. */
		for (j = i + 1; j < decls->len && !d->important; j++)
			if (!strcmp(((struct svgdata_decl *)
					     g_ptr_array_index(decls, j))->name,
				    d->name))
				later = true;
		p = svgdata_prop(d->name, &idx);
		if (later ||
		    (p && !d->important && !svgtree_attr(el, d->name) &&
		     svgmin_droppable(o, parent, ctx, p, idx, d->value)))
			g_ptr_array_remove_index(decls, i);
	}
	for (a = el->properties; a; a = next) {
		const char *name = (const char *)a->name;

		next = a->next;
		if (a->ns)
			continue;
		p = svgdata_prop(name, &idx);
		if (!p) {
			if (svgdata_attr_default((const char *)el->name, name,
						 svgtree_value(a),
						 svgtree_has_href(el)))
				xmlRemoveProp(a);
		} else if (svgtree_decl(decls, name) ||
			   !strcmp(name, "enable-background") ||
			   svgmin_droppable(o, parent, ctx, p, idx,
					    svgtree_value(a))) {
			/* style="" wins over the attribute. */
			xmlRemoveProp(a);
		}
	}
}

/* Attributes for the declarations that can be, when that is shorter. */
static void
svgmin_style_to_attrs(struct svgtree *o, xmlNode *el, GPtrArray *decls)
{
	GPtrArray *rest = g_ptr_array_new();
	size_t as_attrs = 0;
	guint i, moved = 0;

	for (i = 0; i < decls->len; i++) {
		struct svgdata_decl *d = g_ptr_array_index(decls, i);
		const struct svgdata_prop *p = svgdata_prop(d->name, NULL);

		if (p && p->attr && !d->important &&
		    !g_hash_table_contains(o->css_props, d->name) &&
		    !strstr(d->value, "var(") && !strstr(d->value, "calc(")) {
			as_attrs += strlen(d->name) + strlen(d->value) + 4;
			moved++;
		} else {
			g_ptr_array_add(rest, d);
		}
	}
	if (moved > 0 && svgdata_style_len(rest) + as_attrs <
				 svgdata_style_len(decls)) {
		for (i = decls->len; i-- > 0;) {
			struct svgdata_decl *d = g_ptr_array_index(decls, i);

			if (g_ptr_array_find(rest, d, NULL))
				continue;
			xmlNewProp(el, (const xmlChar *)d->name,
				   (const xmlChar *)d->value);
			g_ptr_array_remove_index(decls, i);
		}
	}
	g_ptr_array_free(rest, TRUE);
}

/* Note what the children inherit from this element. */
static void
svgmin_inherit(struct svgmin_ctx *ctx, const char *name, const char *v)
{
	const struct svgdata_prop *p;
	int idx, i;

	p = svgdata_prop(name, &idx);
	if (!p || !p->inherited || svgmin_is_default(p, v))
		return;
	ctx->set[idx] = 1;
	/* Shorthands reset their longhands, and the other way round. */
	for (i = 0; i < SVGDATA_NPROPS; i++) {
		const char *n = svgdata_prop_at(i)->name;

		if ((g_str_has_prefix(name, "marker") &&
		     g_str_has_prefix(n, "marker")) ||
		    (!strcmp(name, "font") && (g_str_has_prefix(n, "font") ||
					       !strcmp(n, "line-height"))))
			ctx->set[i] = 1;
	}
}

static bool
svgmin_hidden(const xmlNode *el, GPtrArray *decls)
{
	static const char *const drawn[] = {
		"svg", "g", "switch", "a", "foreignObject", "path", "rect",
		"circle", "ellipse", "line", "polyline", "polygon", "text",
		"use", "image", "tspan", "textPath", "tref",
	};
	struct svgdata_decl *d = svgtree_decl(decls, "display");
	const char *v = d ? d->value : svgtree_attr_value(el, "display");
	size_t i;

	if (!v || strcmp(v, "none") != 0)
		return false;
	/* display does not hide gradients, stops, clip paths, ... */
	for (i = 0; i < G_N_ELEMENTS(drawn); i++)
		if (!strcmp((const char *)el->name, drawn[i]))
			return true;
	return false;
}

static void
svgmin_rewrite_transform(xmlAttr *a, int decimals, double *stretch)
{
	char *t = svgvalue_transform(svgtree_value(a), decimals, stretch);

	if (!t)
		return;
	if (*t)
		svgtree_set_value(a, t);
	else
		xmlRemoveProp(a);
	g_free(t);
}

static double
svgmin_rounding_error(double v, int d)
{
	double p = pow(10, d);

	return fabs(round(v * p) / p - v);
}

/* Decimals for a gradient's geometry: its vector (or radius) keeps its
 * length to 1/10000, however short it is (a repeating gradient a
 * millionth of the box long must not become a zero-length one).
 */
static int
svgmin_gradient_decimals(const struct svgtree *o, const xmlNode *el, int d)
{
	double x1, y1, x2, y2, r;

	if (svgtree_el(o, el, "linearGradient") &&
	    svgtree_number_attr(el, "x1", &x1) &&
	    svgtree_number_attr(el, "y1", &y1) &&
	    svgtree_number_attr(el, "x2", &x2) &&
	    svgtree_number_attr(el, "y2", &y2)) {
		double len = hypot(x2 - x1, y2 - y1);

		while (d < SVGVALUE_MAX_DECIMALS &&
		       svgmin_rounding_error(x1, d) +
				       svgmin_rounding_error(x2, d) +
				       svgmin_rounding_error(y1, d) +
				       svgmin_rounding_error(y2, d) >
			       len * 1e-4)
			d++;
	} else if (svgtree_el(o, el, "radialGradient") &&
		   svgtree_number_attr(el, "r", &r)) {
		while (d < SVGVALUE_MAX_DECIMALS &&
		       svgmin_rounding_error(r, d) > fabs(r) * 1e-4)
			d++;
	}
	return d;
}

/* Whether an element is certainly not stroked: nothing it inherits or
 * sets, and no sheet, can give it a stroke.
 */
static bool
svgmin_fill_only(const struct svgtree *o, const xmlNode *el, GPtrArray *decls,
		 const struct svgmin_ctx *parent, const struct svgmin_ctx *ctx)
{
	struct svgdata_decl *d = svgtree_decl(decls, "stroke");
	const char *v = d ? d->value : svgtree_attr_value(el, "stroke");
	int idx;

	svgdata_prop("stroke", &idx);
	if (g_hash_table_contains(o->css_props, "stroke") ||
	    (svgtree_attr(el, "style") && !decls))
		return false;
	if (v)
		return !strcmp(v, "none");
	return !ctx->unknown && !parent->set[idx];
}

/* The decimals for an element's content. */
static int
svgmin_content_decimals(struct svgtree *o, xmlNode *el, int decimals)
{
	const char *units = NULL;
	double stretch = 1;
	xmlAttr *a;

	if ((a = svgtree_attr(el, "transform")))
		svgmin_rewrite_transform(a, decimals, &stretch);
	if ((a = svgtree_attr(el, "patternTransform")))
		svgmin_rewrite_transform(a, decimals, &stretch);
	if ((a = svgtree_attr(el, "gradientTransform")))
		svgmin_rewrite_transform(a, decimals, NULL);
	/* Nested viewports too: <svg> only, a <symbol>'s size comes from
	 * the <use> that draws it.
	 */
	if (svgtree_el(o, el, "svg"))
		stretch *= svgmin_viewport_stretch(el);
	decimals += svgmin_extra(stretch);

	/* Fractions of a bounding box: a 1000-unit box shows 3 more. */
	if (svgtree_el(o, el, "clipPath"))
		units = svgtree_attr_value(el, "clipPathUnits");
	else if (svgtree_el(o, el, "mask"))
		units = svgtree_attr_value(el, "maskContentUnits");
	else if (svgtree_el(o, el, "pattern") && !svgtree_attr(el, "viewBox"))
		units = svgtree_attr_value(el, "patternContentUnits");
	if (units && !strcmp(units, "objectBoundingBox"))
		decimals += 3;
	return decimals < SVGVALUE_MAX_DECIMALS ? decimals :
						 SVGVALUE_MAX_DECIMALS;
}

static void
svgmin_element(struct svgtree *o, xmlNode *el, const struct svgmin_ctx *parent)
{
	struct svgmin_ctx ctx = *parent;
	xmlAttr *style = svgtree_attr(el, "style"), *a;
	GPtrArray *decls = style ? svgdata_style_parse(svgtree_value(style)) :
				   NULL;
	xmlNode *c, *next;
	bool fill_only;
	int gradient;
	guint i;

	if (el != o->root && !o->has_style && svgmin_hidden(el, decls) &&
	    !svgtree_has_id_below(el)) {
		if (decls)
			g_ptr_array_unref(decls);
		svgtree_drop(el);
		return;
	}
	ctx.unknown = parent->unknown || svgtree_attr(el, "id");
	ctx.decimals = svgmin_content_decimals(o, el, parent->decimals);

	gradient = svgmin_gradient_decimals(o, el, ctx.decimals);
	fill_only = svgmin_fill_only(o, el, decls, parent, &ctx);
	for (a = el->properties; a; a = a->next) {
		const char *name = (const char *)a->name;
		char *r;

		if (a->ns || !strcmp(name, "style") || strstr(name, "ransform"))
			continue;
		/* A shape's own numbers are in its transformed space. */
		r = svgmin_rewrite(o, name, svgtree_value(a), gradient, true,
				   fill_only);
		if (r) {
			svgtree_set_value(a, r);
			g_free(r);
		}
	}
	for (i = decls ? decls->len : 0; i-- > 0;) {
		struct svgdata_decl *d = g_ptr_array_index(decls, i);
		char *r;

		if (g_str_has_prefix(d->name, "-inkscape-") ||
		    !strcmp(d->name, "enable-background")) {
			g_ptr_array_remove_index(decls, i);
			continue;
		}
		if ((r = svgmin_rewrite(o, d->name, d->value, ctx.decimals,
				     false, false))) {
			g_free(d->value);
			d->value = r;
		}
	}

	svgmin_drop_defaults(o, el, decls, parent, &ctx);
	if (decls) {
		char *s;

		svgmin_style_to_attrs(o, el, decls);
		s = svgdata_style_join(decls);
		if (*s)
			svgtree_set_value(style, s);
		else
			xmlRemoveProp(style);
		g_free(s);
	}

	for (a = el->properties; a; a = a->next)
		if (!a->ns)
			svgmin_inherit(&ctx, (const char *)a->name,
				       svgtree_value(a));
	for (i = 0; decls && i < decls->len; i++) {
		struct svgdata_decl *d = g_ptr_array_index(decls, i);

		svgmin_inherit(&ctx, d->name, d->value);
	}
	if (decls)
		g_ptr_array_unref(decls);

	if (svgtree_el(o, el, "foreignObject"))
		return;
	ctx.text = parent->text || svgtree_el(o, el, "text") ||
		   svgtree_el(o, el, "title") || svgtree_el(o, el, "desc") ||
		   svgtree_el(o, el, "style");
	for (c = el->children; c; c = next) {
		next = c->next;
		if (c->type == XML_ELEMENT_NODE)
			svgmin_element(o, c, &ctx);
		else if (!ctx.text && svgtree_blank((const char *)c->content))
			svgtree_drop(c); /* whitespace between elements */
	}
	if (svgtree_el(o, el, "style")) {
		char *css = (char *)xmlNodeGetContent(el);
		char *min = svgdata_css_minify(css ? css : "");

		xmlNodeSetContent(el, NULL);
		xmlNodeAddContent(el, (const xmlChar *)min);
		g_free(min);
		xmlFree(css);
	}
}

void
svgmin_run(struct svgtree *o)
{
	struct svgmin_ctx ctx = { .decimals = o->decimals };

	svgmin_element(o, o->root, &ctx);
}

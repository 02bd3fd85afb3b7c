/* svgtidy.c: the structural pass of the SVG minifier (see svgtidy.h). */
#include "svgtidy.h"

#include <math.h>
#include <string.h>

#include "svgdata.h"
#include "svgpath.h"

static bool
svgtidy_empty(const xmlNode *el)
{
	const xmlNode *c;

	for (c = el->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE ||
		    !svgtree_blank((const char *)c->content))
			return false;
	return true;
}

/* Nothing can refer to it and it draws nothing. */
static bool
svgtidy_useless(const struct svgtree *o, const xmlNode *parent, xmlNode *c)
{
	static const char *const resources[] = {
		"linearGradient", "radialGradient", "pattern", "clipPath",
		"mask", "marker", "filter", "symbol", "solidcolor", NULL,
	};
	static const char *const containers[] = {
		"g", "defs", "switch", "a", "text", "title", "desc", NULL,
	};

	if (svgtree_attr(c, "id"))
		return false;
	if ((svgtree_el(o, parent, "defs") && !svgtree_el(o, c, "style")) ||
	    svgtree_one_of(o, c, resources))
		return !svgtree_has_id_below(c);
	return svgtree_one_of(o, c, containers) && svgtidy_empty(c) &&
	       !svgtree_attr(c, "filter");
}

/* A group's attributes can move to its only child: inherited properties
 * the child does not override, and a transform when nothing on the child
 * depends on where its user space starts.
 */
static bool
svgtidy_can_merge(const struct svgtree *o, xmlNode *g, xmlNode *child)
{
	static const char *const takes_transform[] = {
		"g", "path", "rect", "circle", "ellipse", "line", "polyline",
		"polygon", "use", "text", "image", "a", "switch", NULL,
	};
	xmlAttr *a;

	if (!svgtree_is_svg(o, child) || svgtree_attr(child, "id"))
		return false;
	for (a = g->properties; a; a = a->next) {
		const char *name = (const char *)a->name;
		const struct svgdata_prop *p = svgdata_prop(name, NULL);

		if (a->ns)
			return false;
		if (!strcmp(name, "transform")) {
			if (!svgtree_one_of(o, child, takes_transform) ||
			    svgtree_sets(child, "clip-path") ||
			    svgtree_sets(child, "mask") ||
			    svgtree_sets(child, "filter"))
				return false;
		} else if (!p || !p->inherited || !p->attr ||
			   svgtree_sets(child, name) < 0) {
			return false;
		}
	}
	return true;
}

static void
svgtidy_merge(xmlNode *g, xmlNode *child)
{
	xmlAttr *a, *t;

	for (a = g->properties; a; a = a->next) {
		const char *name = (const char *)a->name;

		if (!strcmp(name, "transform") &&
		    (t = svgtree_attr(child, "transform"))) {
			char *both = g_strconcat(svgtree_value(a), " ",
						 svgtree_value(t), NULL);

			svgtree_set_value(t, both);
			g_free(both);
		} else if (!svgtree_sets(child, name)) {
			xmlNewProp(child, a->name,
				   (const xmlChar *)svgtree_value(a));
		}
	}
}

/* Replace a group by its children when nothing is lost. */
static void
svgtidy_collapse(const struct svgtree *o, xmlNode *g)
{
	xmlNode *c, *next, *only = NULL;
	int n = 0;

	for (c = g->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE) {
			only = c;
			n++;
		} else if (!svgtree_blank((const char *)c->content)) {
			return;
		}
	}
	if (g->properties) {
		if (n != 1 || !svgtidy_can_merge(o, g, only))
			return;
		svgtidy_merge(g, only);
	}
	for (c = g->children; c; c = next) {
		next = c->next;
		xmlUnlinkNode(c);
		xmlAddPrevSibling(g, c);
	}
	svgtree_drop(g);
}

/* A <switch> with one unconditional child is a group. */
static void
svgtidy_switch_to_g(const struct svgtree *o, xmlNode *sw)
{
	static const char *const conditions[] = {
		"requiredFeatures", "requiredExtensions", "systemLanguage",
	};
	xmlNode *c, *only = NULL;
	size_t i;

	for (c = sw->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (only)
			return;
		only = c;
	}
	for (i = 0; only && i < G_N_ELEMENTS(conditions); i++)
		if (svgtree_attr(only, conditions[i]))
			return;
	if (only && svgtree_is_svg(o, only))
		xmlNodeSetName(sw, (const xmlChar *)"g");
}

/* Drawn children: what inherited properties reach. */
static bool
svgtidy_inert(const struct svgtree *o, const xmlNode *c)
{
	return c->type != XML_ELEMENT_NODE || svgtree_el(o, c, "title") ||
	       svgtree_el(o, c, "desc");
}

/* Inherited presentation attributes that every child of el sets to the
 * same value move to el: one copy instead of one per child.  Not when a
 * child has an id: a <use> of it would lose them.
 */
static void
svgtidy_hoist(const struct svgtree *o, xmlNode *el)
{
	xmlNode *c, *first = NULL;
	xmlAttr *a, *next;
	int n = 0;

	for (c = el->children; c; c = c->next) {
		if (svgtidy_inert(o, c))
			continue;
		if (!svgtree_is_svg(o, c) || svgtree_attr(c, "id"))
			return;
		first = first ? first : c;
		n++;
	}
	if (n < 2)
		return;
	for (a = first->properties; a; a = next) {
		const char *name = (const char *)a->name;
		const struct svgdata_prop *p = svgdata_prop(name, NULL);
		bool all = true;
		char *v;

		next = a->next;
		if (a->ns || !p || !p->inherited || !p->attr ||
		    !strcmp(svgtree_value(a), "inherit") ||
		    svgtree_style_has(el, name))
			continue;
		for (c = first->next; c && all; c = c->next) {
			const char *w = svgtree_attr_value(c, name);

			if (!svgtidy_inert(o, c) &&
			    (!w || strcmp(w, svgtree_value(a))))
				all = false;
		}
		if (!all)
			continue;
		v = g_strdup(svgtree_value(a));
		xmlSetProp(el, a->name, (const xmlChar *)v);
		for (c = el->children; c; c = c->next)
			if (!svgtidy_inert(o, c))
				xmlRemoveProp(svgtree_attr(c, name));
		g_free(v);
	}
}

/* A path that can be merged with a neighbour drawn the same way, and how
 * far its stroke may reach beyond its outline.
 */
static bool
svgtidy_mergeable(const struct svgtree *o, const xmlNode *p, bool stroked,
		  double *reach)
{
	static const char *const blockers[] = {
		"id", "style", "clip-path", "mask", "filter", "pathLength",
		"stroke-dasharray", "marker-start", "marker-mid", "marker-end",
	};
	const char *stroke = svgtree_attr_value(p, "stroke");
	const char *fill = svgtree_attr_value(p, "fill");
	double width, limit = 10;
	size_t i;

	if (!svgtree_el(o, p, "path") || !svgtree_attr(p, "d") || o->markers)
		return false;
	for (i = 0; i < G_N_ELEMENTS(blockers); i++)
		if (svgtree_attr(p, blockers[i]))
			return false;
	/* Paint in bounding-box units would stretch over both. */
	if ((fill && strstr(fill, "url(")) ||
	    (stroke && strstr(stroke, "url(")))
		return false;
	*reach = 0;
	if (stroke ? !strcmp(stroke, "none") : !stroked)
		return true;
	if (!svgtree_number_attr(p, "stroke-width", &width))
		return false;
	svgtree_number_attr(p, "stroke-miterlimit", &limit);
	*reach = width / 2 * (limit > 1.5 ? limit : 1.5);
	return true;
}

static bool
svgtidy_same_attrs(const xmlNode *a, const xmlNode *b)
{
	const xmlAttr *x, *y;
	int na = 0, nb = 0;

	for (y = b->properties; y; y = y->next)
		nb++;
	for (x = a->properties; x; x = x->next, na++) {
		if (!strcmp((const char *)x->name, "d") && !x->ns)
			continue;
		for (y = b->properties; y; y = y->next)
			if (x->ns == y->ns && xmlStrEqual(x->name, y->name))
				break;
		if (!y || strcmp(svgtree_value(x), svgtree_value(y)))
			return false;
	}
	return na == nb;
}

static xmlNode *
svgtidy_next_element(xmlNode *c)
{
	for (c = c->next; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE)
			return c;
		if (!svgtree_blank((const char *)c->content))
			return NULL;
	}
	return NULL;
}

/* Consecutive paths drawn the same way become one path when they are at
 * least one unit apart, strokes included: nothing overlaps, so neither
 * the fill rule nor opacity can tell, and no antialiased edges meet.
 */
static void
svgtidy_merge_paths(const struct svgtree *o, xmlNode *el, bool stroked)
{
	xmlNode *c, *n;

	for (c = el->children; c; c = c->next) {
		double ra, rb, ba[4], bb[4];

		if (!svgtidy_mergeable(o, c, stroked, &ra) ||
		    !svgpath_bbox(svgtree_attr_value(c, "d"), ba))
			continue;
		while ((n = svgtidy_next_element(c)) &&
		       svgtidy_mergeable(o, n, stroked, &rb) &&
		       svgtidy_same_attrs(c, n) &&
		       svgpath_bbox(svgtree_attr_value(n, "d"), bb)) {
			double gap = ra + rb + 1;
			char *d;

			if (!(ba[2] + gap < bb[0] || bb[2] + gap < ba[0] ||
			      ba[3] + gap < bb[1] || bb[3] + gap < ba[1]))
				break;
			d = svgpath_join(svgtree_attr_value(c, "d"),
					 svgtree_attr_value(n, "d"));
			if (!d)
				break;
			svgtree_set_value(svgtree_attr(c, "d"), d);
			g_free(d);
			ba[0] = fmin(ba[0], bb[0]);
			ba[1] = fmin(ba[1], bb[1]);
			ba[2] = fmax(ba[2], bb[2]);
			ba[3] = fmax(ba[3], bb[3]);
			svgtree_drop(n);
		}
	}
}

/* stroked: an ancestor may give the children a stroke. */
static void
svgtidy_tidy(struct svgtree *o, xmlNode *el, bool stroked)
{
	const char *stroke = svgtree_attr_value(el, "stroke");
	xmlNode *c, *next;

	if (svgtree_el(o, el, "foreignObject"))
		return;
	stroked = stroked || svgtree_attr(el, "id") ||
		  svgtree_style_has(el, "stroke") ||
		  (stroke && strcmp(stroke, "none") != 0);
	for (c = el->children; c; c = next) {
		next = c->next;
		if (!svgtree_is_svg(o, c))
			continue;
		svgtidy_tidy(o, c, stroked);
		if (o->has_style)
			continue;
		if (svgtree_el(o, c, "switch"))
			svgtidy_switch_to_g(o, c);
		if (svgtidy_useless(o, el, c))
			svgtree_drop(c);
		else if (svgtree_el(o, c, "g") &&
			 !svgtree_el(o, el, "switch") &&
			 !svgtree_el(o, el, "clipPath"))
			svgtidy_collapse(o, c);
	}
	if (o->has_style)
		return;
	svgtidy_merge_paths(o, el, stroked);
	if (svgtree_el(o, el, "g") || el == o->root)
		svgtidy_hoist(o, el);
}

void
svgtidy_run(struct svgtree *o)
{
	svgtidy_tidy(o, o->root, false);
}

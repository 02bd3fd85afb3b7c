/* svgtree.c: the SVG minifier's shared state and libxml2 helpers, and
 * what refers to what (see svgtree.h).
 */
#include "svgtree.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "svgdata.h"
#include "svgvalue.h"

int
svgtree_fail(struct svgtree *o, const char *fmt, ...)
{
	va_list ap;

	if (!o->failed) {
		va_start(ap, fmt);
		vsnprintf(o->err, o->err_size, fmt, ap);
		va_end(ap);
		o->failed = true;
	}
	return -1;
}

bool
svgtree_is_svg(const struct svgtree *o, const xmlNode *n)
{
	if (n->type != XML_ELEMENT_NODE)
		return false;
	if (!n->ns || !n->ns->href)
		return !o->ns;
	return o->ns && !strcmp((const char *)n->ns->href, o->ns);
}

/* An element of the SVG namespace with this name. */
bool
svgtree_el(const struct svgtree *o, const xmlNode *n, const char *name)
{
	return svgtree_is_svg(o, n) && !strcmp((const char *)n->name, name);
}

bool
svgtree_ns_is(const xmlNs *ns, const char *href)
{
	return ns && ns->href && !strcmp((const char *)ns->href, href);
}

void
svgtree_drop(xmlNode *n)
{
	xmlUnlinkNode(n);
	xmlFreeNode(n);
}

/* Attribute values are single text nodes once entities are expanded. */
const char *
svgtree_value(const xmlAttr *a)
{
	const xmlNode *t = a->children;

	return t && t->content ? (const char *)t->content : "";
}

void
svgtree_set_value(xmlAttr *a, const char *value)
{
	xmlNode *t = xmlNewDocText(a->doc, (const xmlChar *)value);

	xmlFreeNodeList(a->children);
	a->children = a->last = t;
	t->parent = (xmlNode *)a;
}

/* The attribute without namespace called name. */
xmlAttr *
svgtree_attr(const xmlNode *el, const char *name)
{
	xmlAttr *a;

	for (a = el->properties; a; a = a->next)
		if (!a->ns && !strcmp((const char *)a->name, name))
			return a;
	return NULL;
}

const char *
svgtree_attr_value(const xmlNode *el, const char *name)
{
	xmlAttr *a = svgtree_attr(el, name);

	return a ? svgtree_value(a) : NULL;
}

bool
svgtree_has_href(const xmlNode *el)
{
	xmlAttr *a;

	for (a = el->properties; a; a = a->next)
		if (!strcmp((const char *)a->name, "href") &&
		    (!a->ns || svgtree_ns_is(a->ns, SVGDATA_XLINK_NS)))
			return true;
	return false;
}

bool
svgtree_blank(const char *s)
{
	for (; *s; s++)
		if (!g_ascii_isspace(*s))
			return false;
	return true;
}

bool
svgtree_has_id_below(const xmlNode *n)
{
	const xmlNode *c;

	if (n->type != XML_ELEMENT_NODE)
		return false;
	if (svgtree_attr(n, "id"))
		return true;
	for (c = n->children; c; c = c->next)
		if (svgtree_has_id_below(c))
			return true;
	return false;
}

/* A plain number attribute; false when absent, with a unit, or not a
 * number.
 */
bool
svgtree_number_attr(const xmlNode *el, const char *name, double *v)
{
	const char *s = svgtree_attr_value(el, name);

	return s && svgvalue_parse_number(&s, v) && !*s;
}

struct svgdata_decl *
svgtree_decl(GPtrArray *decls, const char *name)
{
	guint i;

	for (i = 0; decls && i < decls->len; i++) {
		struct svgdata_decl *d = g_ptr_array_index(decls, i);

		if (!strcmp(d->name, name))
			return d;
	}
	return NULL;
}

/* Whether el's style="" sets a property (or might: unread style). */
bool
svgtree_style_has(const xmlNode *el, const char *name)
{
	xmlAttr *style = svgtree_attr(el, "style");
	GPtrArray *decls;
	bool has;

	if (!style)
		return false;
	if (!(decls = svgdata_style_parse(svgtree_value(style))))
		return strstr(svgtree_value(style), name) != NULL;
	has = svgtree_decl(decls, name) != NULL;
	g_ptr_array_unref(decls);
	return has;
}

/* How an element sets a property: 0 not at all, 1 to a value of its own,
 * -1 to "inherit" or in a style="" this code does not read.
 */
int
svgtree_sets(const xmlNode *el, const char *name)
{
	xmlAttr *style = svgtree_attr(el, "style");
	const char *v = svgtree_attr_value(el, name);
	GPtrArray *decls;
	struct svgdata_decl *d;
	int r;

	if (style && !(decls = svgdata_style_parse(svgtree_value(style))))
		return strstr(svgtree_value(style), name) ? -1 : v ? 1 : 0;
	if (style && (d = svgtree_decl(decls, name))) {
		r = strcmp(d->value, "inherit") ? 1 : -1;
		g_ptr_array_unref(decls);
		return r;
	}
	if (style)
		g_ptr_array_unref(decls);
	return !v ? 0 : strcmp(v, "inherit") ? 1 : -1;
}

bool
svgtree_one_of(const struct svgtree *o, const xmlNode *n,
	       const char *const *names)
{
	for (; *names; names++)
		if (svgtree_el(o, n, *names))
			return true;
	return false;
}

static void
svgtree_add_ref(struct svgtree *o, const char *s, size_t n)
{
	if (n > 0)
		g_hash_table_add(o->refs, g_strndup(s, n));
}

/* Every "#name" in a value: url(#a), href="#a", CSS selectors. */
static void
svgtree_scan_hash_refs(struct svgtree *o, const char *v)
{
	const char *p = v;

	while ((p = strchr(p, '#'))) {
		size_t n = strcspn(++p, " \t\r\n)'\",;{}");

		svgtree_add_ref(o, p, n);
		p += n;
	}
}

/* Lists of ids without '#': begin="a.end", aria-labelledby="t1 t2". */
static void
svgtree_scan_name_refs(struct svgtree *o, const char *name, const char *v)
{
	bool timing = !strcmp(name, "begin") || !strcmp(name, "end");
	char **parts;
	int i;

	if (!timing && !g_str_has_prefix(name, "aria-"))
		return;
	parts = g_strsplit_set(v, timing ? ";" : " \t\r\n", -1);
	for (i = 0; parts[i]; i++) {
		char *s = g_strstrip(parts[i]);
		const char *dot = strchr(s, '.');

		if (timing && !dot)
			continue;
		svgtree_add_ref(o, s, dot && timing ? (size_t)(dot - s) :
				strlen(s));
	}
	g_strfreev(parts);
}

/* Property names a sheet may set: every identifier before a ':'. */
static void
svgtree_scan_css_props(struct svgtree *o, const char *css)
{
	const char *p = css;

	while (*p) {
		const char *s;

		if (!(g_ascii_isalpha(*p) || *p == '-')) {
			p++;
			continue;
		}
		s = p;
		while (g_ascii_isalnum(*p) || *p == '-')
			p++;
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p == ':')
			g_hash_table_add(o->css_props,
					 g_ascii_strdown(s, p - s));
	}
}

void
svgtree_references(struct svgtree *o, xmlNode *el)
{
	xmlAttr *a;
	xmlNode *c;

	for (a = el->properties; a; a = a->next) {
		const char *v = svgtree_value(a), *name = (const char *)a->name;

		svgtree_scan_hash_refs(o, v);
		svgtree_scan_name_refs(o, name, v);
		if (g_str_has_prefix(name, "marker") ||
		    (!strcmp(name, "style") && strstr(v, "marker")))
			o->markers = true;
	}
	if (svgtree_el(o, el, "style")) {
		char *css = (char *)xmlNodeGetContent(el);

		if (css && !svgtree_blank(css)) {
			o->has_style = true;
			svgtree_scan_hash_refs(o, css);
			svgtree_scan_css_props(o, css);
			if (strstr(css, "marker"))
				o->markers = true;
		}
		xmlFree(css);
	}
	for (c = el->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			svgtree_references(o, c);
}

/* A sprite sheet: nothing drawn at the top level, only things to use
 * from outside (icons.svg#name).  Its ids are its interface.
 */
bool
svgtree_is_sprite(const struct svgtree *o)
{
	static const char *const inert[] = {
		"defs", "symbol", "style", "title", "desc", "linearGradient",
		"radialGradient", "pattern", "clipPath", "mask", "marker",
		"filter", "view",
	};
	xmlNode *c;
	size_t i;
	bool any = false;

	for (c = o->root->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		for (i = 0; i < G_N_ELEMENTS(inert); i++)
			if (svgtree_el(o, c, inert[i]))
				break;
		if (i == G_N_ELEMENTS(inert))
			return false;
		any = true;
	}
	return any;
}

void
svgtree_drop_ids(struct svgtree *o, xmlNode *el)
{
	xmlAttr *id = svgtree_attr(el, "id");
	xmlNode *c;

	/* <symbol> and <view> ids are for use from outside the file. */
	if (id && !g_hash_table_contains(o->refs, svgtree_value(id)) &&
	    !svgtree_el(o, el, "symbol") && !svgtree_el(o, el, "view"))
		xmlRemoveProp(id);
	if (svgtree_el(o, el, "foreignObject"))
		return;
	for (c = el->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			svgtree_drop_ids(o, c);
}

/* svg.c: SVG minification (rules in svg.h).
 *
 * One libxml2 tree, a few passes over it, and a writer of our own:
 *   1. entities: each reference becomes text, or the SVG is refused;
 *   2. clean: junk, editor data and whatever runs script or points at a
 *      local file go;
 *   3. references: which ids are used, which properties a <style> sheet
 *      sets (svgtree.c); ids nothing uses go;
 *   4. elements, top-down with what they inherit (svgmin.c);
 *   5. structure, bottom-up (svgtidy.c);
 *   6. write.
 * libxml2's own serialiser is not used: it would keep every namespace
 * declaration and write entities back.
 */
#include "svg.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "svgdata.h"
#include "svgmin.h"
#include "svgtidy.h"
#include "svgtree.h"

/* Text that internal entities may add, all references together. */
#define SVG_MAX_ENTITY_BYTES (1u << 20)

int
svg_decimals(int quality)
{
	return quality >= 95 ? 8 : quality >= 85 ? 3 : quality >= 70 ? 2 :
	       quality >= 40 ? 1 : 0;
}

/* The text an entity reference stands for; NULL (and the error) when it
 * is external, holds markup or other references, or passes the budget.
 */
static const char *
svg_entity_text(struct svgtree *o, const xmlNode *ref)
{
	xmlEntity *ent = xmlGetDocEntity(o->doc, ref->name);

	if (!ent) {
		svgtree_fail(o, "SVG uses an undefined entity ('%s')",
			     ref->name);
		return NULL;
	}
	if (ent->etype == XML_INTERNAL_PREDEFINED_ENTITY)
		return (const char *)ent->content;
	if (ent->etype != XML_INTERNAL_GENERAL_ENTITY) {
		svgtree_fail(o, "SVG uses an external entity ('%s'), which is "
			     "never read", ref->name);
		return NULL;
	}
	if (!ent->content || strpbrk((const char *)ent->content, "&<%")) {
		svgtree_fail(o, "SVG entity '%s' holds markup or other "
			     "entities (not expanded)", ref->name);
		return NULL;
	}
	o->entity_bytes += strlen((const char *)ent->content);
	if (o->entity_bytes > SVG_MAX_ENTITY_BYTES) {
		svgtree_fail(o, "SVG entities expand past the 1 MiB limit");
		return NULL;
	}
	return (const char *)ent->content;
}

/* Make every attribute one text node, expanding references. */
static int
svg_expand_attrs(struct svgtree *o, xmlNode *el)
{
	xmlAttr *a;

	for (a = el->properties; a; a = a->next) {
		GString *v;
		xmlNode *c;

		if (!a->children || (a->children == a->last &&
				     a->children->type == XML_TEXT_NODE))
			continue;
		v = g_string_new(NULL);
		for (c = a->children; c; c = c->next) {
			const char *t = c->type == XML_ENTITY_REF_NODE ?
						svg_entity_text(o, c) :
						(const char *)c->content;

			if (c->type == XML_ENTITY_REF_NODE && !t) {
				g_string_free(v, TRUE);
				return -1;
			}
			g_string_append(v, t ? t : "");
		}
		svgtree_set_value(a, v->str);
		g_string_free(v, TRUE);
	}
	return 0;
}

/* Pass 1, iterative: the tree may be as deep as libxml2 allows. */
static int
svg_expand(struct svgtree *o)
{
	xmlNode *cur = o->root;

	while (cur) {
		if (cur->type == XML_ELEMENT_NODE) {
			if (svg_expand_attrs(o, cur))
				return -1;
			if (cur->children) {
				cur = cur->children;
				continue;
			}
		} else if (cur->type == XML_ENTITY_REF_NODE) {
			const char *t = svg_entity_text(o, cur);
			xmlNode *text;

			if (!t)
				return -1;
			/* The reference's children belong to the entity. */
			text = xmlNewDocText(o->doc, (const xmlChar *)t);
			xmlReplaceNode(cur, text);
			xmlFreeNode(cur);
			cur = text;
		}
		while (cur != o->root && !cur->next)
			cur = cur->parent;
		if (cur == o->root)
			break;
		cur = cur->next;
	}
	return 0;
}

/* Lowercase, without whitespace and control characters: how browsers
 * read a URL scheme ("java\tscript:" is "javascript:").
 */
static char *
svg_squeeze(const char *v)
{
	char *s = g_malloc(strlen(v) + 1), *d = s;

	for (; *v; v++)
		if ((unsigned char)*v > ' ')
			*d++ = g_ascii_tolower(*v);
	*d = '\0';
	return s;
}

/* A value that runs script or names a local file, read as browsers read
 * URLs: at its start, after a ';' (animation value lists) or inside
 * url(...).
 */
static bool
svg_dangerous(const char *v)
{
	static const char *const schemes[] = {
		"javascript:", "vbscript:", "file:",
	};
	char *s = svg_squeeze(v);
	bool bad = false;
	size_t k;

	for (char *p = s; *p && !bad; p++) {
		if (p > s && p[-1] != ';' && p[-1] != '(' &&
		    !(p > s + 1 && strchr("'\"", p[-1]) && p[-2] == '('))
			continue;
		for (k = 0; k < G_N_ELEMENTS(schemes); k++)
			if (g_str_has_prefix(p, schemes[k]))
				bad = true;
	}
	g_free(s);
	return bad;
}

static void
svg_clean_attrs(struct svgtree *o, xmlNode *el, bool foreign)
{
	xmlAttr *a, *next;

	for (a = el->properties; a; a = next) {
		const char *name = (const char *)a->name;
		bool keep_ns = !a->ns ||
			       svgtree_ns_is(a->ns, SVGDATA_XLINK_NS) ||
			       (svgtree_ns_is(a->ns, SVGDATA_XML_NS) &&
				strcmp(name, "base") != 0);

		next = a->next;
		if (g_ascii_strncasecmp(name, "on", 2) == 0 ||
		    svg_dangerous(svgtree_value(a))) {
			o->sanitized = true;
			xmlRemoveProp(a);
		} else if (!keep_ns && (!foreign ||
					svgtree_ns_is(a->ns, SVGDATA_XML_NS))) {
			/* Editor data, or xml:base (it would redirect
			 * relative URLs).
			 */
			xmlRemoveProp(a);
		} else if (!foreign && !a->ns && strchr(name, ':')) {
			xmlRemoveProp(a); /* prefix never declared */
		}
	}
}

/* An animation that sets an event handler or a script URL. */
static bool
svg_bad_animation(const xmlNode *el)
{
	const char *an = svgtree_attr_value(el, "attributeName");
	const char *colon;

	if (!an)
		return false;
	colon = strchr(an, ':');
	if (colon)
		an = colon + 1;
	while (*an == ' ')
		an++;
	return g_ascii_strncasecmp(an, "on", 2) == 0;
}

/* <style>: @import would fetch another sheet; url(file:...) a file. */
static bool
svg_clean_style(struct svgtree *o, xmlNode *el)
{
	char *css = (char *)xmlNodeGetContent(el);
	char *lower = g_ascii_strdown(css ? css : "", -1);
	GString *out;
	const char *p;
	bool keep = true;

	if (!strstr(lower, "@import")) {
		if (svg_dangerous(lower))
			keep = false;
		goto out;
	}
	/* Drop each @import rule, up to its ';'. */
	out = g_string_new(NULL);
	for (p = css; *p;) {
		if (g_ascii_strncasecmp(p, "@import", 7) == 0) {
			const char *end = strchr(p, ';');

			p = end ? end + 1 : p + strlen(p);
			continue;
		}
		g_string_append_c(out, *p++);
	}
	keep = !svg_dangerous(out->str);
	xmlNodeSetContent(el, NULL);
	xmlNodeAddContent(el, (const xmlChar *)out->str);
	g_string_free(out, TRUE);
	o->sanitized = true;
out:
	if (!keep)
		o->sanitized = true;
	g_free(lower);
	xmlFree(css);
	return keep;
}

/* Replace an <xi:include> by its <xi:fallback>'s children. */
static void
svg_xinclude_fallback(xmlNode *inc)
{
	xmlNode *f, *c, *next;

	for (f = inc->children; f; f = f->next)
		if (f->type == XML_ELEMENT_NODE &&
		    svgtree_ns_is(f->ns, SVGDATA_XINCLUDE_NS) &&
		    !strcmp((const char *)f->name, "fallback"))
			break;
	for (c = f ? f->children : NULL; c; c = next) {
		next = c->next;
		xmlUnlinkNode(c);
		xmlAddPrevSibling(inc, c);
	}
}

static int
svg_clean(struct svgtree *o, xmlNode *el, bool foreign, int depth)
{
	xmlNode *c, *next;

	if (depth > SVGTREE_MAX_DEPTH)
		return svgtree_fail(o, "SVG nests elements deeper than the %d-"
				    "level limit", SVGTREE_MAX_DEPTH);
	svg_clean_attrs(o, el, foreign);
	for (c = el->children; c; c = next) {
		const char *name = (const char *)c->name;

		next = c->next;
		if (c->type == XML_PI_NODE) {
			if (!strcmp(name, "xml-stylesheet"))
				o->sanitized = true;
			svgtree_drop(c);
			continue;
		}
		if (c->type != XML_ELEMENT_NODE) {
			if (c->type != XML_TEXT_NODE &&
			    c->type != XML_CDATA_SECTION_NODE)
				svgtree_drop(c);
			continue;
		}
		if (svgtree_ns_is(c->ns, SVGDATA_XINCLUDE_NS)) {
			if (!strcmp(name, "include")) {
				svg_xinclude_fallback(c);
				next = c->next;
				o->sanitized = true;
			}
			svgtree_drop(c);
			continue;
		}
		if (!strcmp(name, "script") ||
		    (!svgtree_is_svg(o, c) && !foreign) ||
		    (svgtree_is_svg(o, c) && !svgdata_known_element(name)) ||
		    (svgtree_el(o, c, "metadata") && !o->keep_metadata)) {
			if (!strcmp(name, "script"))
				o->sanitized = true;
			svgtree_drop(c);
			continue;
		}
		/* Illustrator's private copy of the drawing: no renderer
		 * supports the extension, so <switch> skips it anyway.
		 */
		if (svgtree_el(o, c, "foreignObject") &&
		    svgtree_attr_value(c, "requiredExtensions") &&
		    strstr(svgtree_attr_value(c, "requiredExtensions"),
			   "adobe.com")) {
			svgtree_drop(c);
			continue;
		}
		if (svgtree_is_svg(o, c) && svg_bad_animation(c)) {
			o->sanitized = true;
			svgtree_drop(c);
			continue;
		}
		if (svgtree_el(o, c, "style") && !svg_clean_style(o, c)) {
			svgtree_drop(c);
			continue;
		}
		/* Inside <foreignObject> and kept <metadata>, other
		 * namespaces are content.
		 */
		if (svg_clean(o, c,
			      foreign || svgtree_el(o, c, "foreignObject") ||
				      svgtree_el(o, c, "metadata"),
			      depth + 1))
			return -1;
	}
	return 0;
}

static void
svg_escape(GString *out, const char *s, char quote)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			g_string_append(out, "&amp;");
			break;
		case '<':
			g_string_append(out, "&lt;");
			break;
		case '>':
			/* Only "]]>" must be escaped. */
			if (out->len >= 2 && out->str[out->len - 1] == ']' &&
			    out->str[out->len - 2] == ']')
				g_string_append(out, "&gt;");
			else
				g_string_append_c(out, '>');
			break;
		case '"': case '\'':
			if (*s == quote)
				g_string_append(out, *s == '"' ? "&quot;" :
								 "&apos;");
			else
				g_string_append_c(out, *s);
			break;
		case '\r':
			g_string_append(out, "&#13;");
			break;
		case '\n': case '\t':
			/* Parsers turn them into spaces in attributes. */
			if (quote)
				g_string_append(out, *s == '\n' ? "&#10;" :
								  "&#9;");
			else
				g_string_append_c(out, *s);
			break;
		default:
			g_string_append_c(out, *s);
		}
	}
}

static void
svg_write_attr(GString *out, const char *prefix, const char *name,
	       const char *v)
{
	char quote = strchr(v, '"') && !strchr(v, '\'') ? '\'' : '"';

	g_string_append_c(out, ' ');
	if (prefix)
		g_string_append_printf(out, "%s:", prefix);
	g_string_append_printf(out, "%s=%c", name, quote);
	svg_escape(out, v, quote);
	g_string_append_c(out, quote);
}

static bool
svg_uses_xlink(const xmlNode *el)
{
	const xmlAttr *a;
	const xmlNode *c;

	for (a = el->properties; a; a = a->next)
		if (svgtree_ns_is(a->ns, SVGDATA_XLINK_NS))
			return true;
	for (c = el->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && svg_uses_xlink(c))
			return true;
	return false;
}

static void
svg_write(const struct svgtree *o, GString *out, const xmlNode *n,
	  const char *dflt_ns, bool xlink)
{
	const char *ns = n->ns ? (const char *)n->ns->href : NULL;
	const xmlAttr *a;
	const xmlNode *c;

	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
		const char *t = (const char *)n->content;

		/* CSS reads better as CDATA than with &lt; and &amp;. */
		if (n->parent && svgtree_el(o, n->parent, "style") &&
		    strpbrk(t, "<&") && !strstr(t, "]]>"))
			g_string_append_printf(out, "<![CDATA[%s]]>", t);
		else
			svg_escape(out, t, 0);
		return;
	}
	if (n->type != XML_ELEMENT_NODE)
		return;
	g_string_append_printf(out, "<%s", (const char *)n->name);
	/* The root is written with dflt_ns NULL. */
	if (g_strcmp0(ns, dflt_ns) != 0)
		svg_write_attr(out, NULL, "xmlns", ns ? ns : "");
	if (xlink)
		svg_write_attr(out, "xmlns", "xlink", SVGDATA_XLINK_NS);
	for (a = n->properties; a; a = a->next) {
		const char *prefix = NULL;

		if (svgtree_ns_is(a->ns, SVGDATA_XLINK_NS)) {
			prefix = "xlink";
		} else if (svgtree_ns_is(a->ns, SVGDATA_XML_NS)) {
			prefix = "xml";
		} else if (a->ns) {
			/* Inside <foreignObject> only. */
			const xmlAttr *b;

			prefix = a->ns->prefix ? (const char *)a->ns->prefix :
						 "ns";
			/* Declared where used, once per element. */
			for (b = n->properties; b != a && b->ns != a->ns;)
				b = b->next;
			if (b == a)
				svg_write_attr(out, "xmlns", prefix,
					       (const char *)a->ns->href);
		}
		svg_write_attr(out, prefix, (const char *)a->name,
			       svgtree_value(a));
	}
	if (!n->children) {
		g_string_append(out, "/>");
		return;
	}
	g_string_append_c(out, '>');
	for (c = n->children; c; c = c->next)
		svg_write(o, out, c, ns, false);
	g_string_append_printf(out, "</%s>", (const char *)n->name);
}

/* No external entity or DTD is ever loaded, whatever libxml2 decides. */
static xmlParserInputPtr
svg_no_entity(void *ctx, const xmlChar *public_id, const xmlChar *system_id)
{
	(void)ctx;
	(void)public_id;
	(void)system_id;
	return NULL;
}

static void
svg_no_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
	      const xmlChar *system_id)
{
	(void)ctx;
	(void)name;
	(void)external_id;
	(void)system_id;
}

/* Workers never print. */
static void
svg_silent(void *ctx, xmlErrorPtr error)
{
	(void)ctx;
	(void)error;
}

static void
svg_parse_error(struct svgtree *o, xmlParserCtxt *ctxt)
{
	const xmlError *e = &ctxt->lastError;
	char msg[256];
	size_t n;

	if (e->code == XML_ERR_ENTITY_LOOP) {
		svgtree_fail(o, "SVG entities expand too much (refused as an "
			     "entity bomb)");
		return;
	}
	if (e->message && strstr(e->message, "Excessive depth")) {
		svgtree_fail(o, "SVG nests elements deeper than libxml2's "
			     "256-level limit");
		return;
	}
	if (e->code == XML_ERR_DOCUMENT_EMPTY) {
		svgtree_fail(o, "invalid SVG (no root element)");
		return;
	}
	g_strlcpy(msg, e->message ? e->message : "not well-formed",
		  sizeof(msg));
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '.' ||
			 msg[n - 1] == ' '))
		msg[--n] = '\0';
	for (char *p = msg; *p; p++)
		if (*p == '\n')
			*p = ' ';
	if (n > 1 && g_ascii_isupper(msg[0]) && !g_ascii_isupper(msg[1]))
		msg[0] = g_ascii_tolower(msg[0]);
	svgtree_fail(o, "invalid SVG (line %d: %s)", e->line, msg);
}

static xmlDoc *
svg_parse(struct svgtree *o, const char *in, size_t len)
{
	xmlParserCtxt *ctxt = xmlNewParserCtxt();
	xmlDoc *doc;

	if (!ctxt) {
		svgtree_fail(o, "out of memory");
		return NULL;
	}
	ctxt->sax->resolveEntity = svg_no_entity;
	ctxt->sax->externalSubset = svg_no_subset;
	ctxt->sax->serror = svg_silent;
	/* No XML_PARSE_NOENT (entities stay references, checked above), no
	 * DTDLOAD, no XINCLUDE, no HUGE: libxml2's limits stay on.  No base
	 * URL: nothing relative can be resolved.
	 */
	doc = xmlCtxtReadMemory(ctxt, in, (int)len, NULL, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR |
					XML_PARSE_NOWARNING |
					XML_PARSE_NOCDATA);
	if (!doc)
		svg_parse_error(o, ctxt);
	xmlFreeParserCtxt(ctxt);
	return doc;
}

int
svg_optimize(const char *in, size_t len, int quality, bool keep_metadata,
	     struct svg_result *res, char *err, size_t err_size)
{
	struct svgtree o = {
		.decimals = svg_decimals(quality),
		.keep_metadata = keep_metadata,
		.err = err,
		.err_size = err_size,
	};
	GString *out;

	memset(res, 0, sizeof(*res));
	err[0] = '\0';
	if (len > SVG_MAX_BYTES || len > INT_MAX)
		return svgtree_fail(&o, "SVG file is %.1f MiB, over the %u MiB "
				    "limit for SVG",
				    (double)len / (1 << 20),
				    SVG_MAX_BYTES >> 20);
	xmlSetStructuredErrorFunc(NULL, svg_silent);
	if (!(o.doc = svg_parse(&o, in, len)))
		return -1;
	o.root = xmlDocGetRootElement(o.doc);
	if (!o.root || strcmp((const char *)o.root->name, "svg") != 0 ||
	    (o.root->ns && !svgtree_ns_is(o.root->ns, SVGDATA_NS))) {
		svgtree_fail(&o, "not an SVG document (root element <%s>)",
			     o.root ? (const char *)o.root->name : "");
		xmlFreeDoc(o.doc);
		return -1;
	}
	o.ns = o.root->ns ? SVGDATA_NS : NULL;
	o.refs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	o.css_props = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					    NULL);

	if (svg_expand(&o) || svg_clean(&o, o.root, false, 0))
		goto fail;
	svgtree_references(&o, o.root);
	o.sprite = svgtree_is_sprite(&o);
	if (!o.has_style && !o.sprite)
		svgtree_drop_ids(&o, o.root);
	svgmin_run(&o);
	svgtidy_run(&o);

	out = g_string_sized_new(len / 2 + 64);
	svg_write(&o, out, o.root, NULL, svg_uses_xlink(o.root));
	res->sanitized = o.sanitized;
	res->len = out->len;
	res->data = g_string_free(out, FALSE);
	g_hash_table_unref(o.refs);
	g_hash_table_unref(o.css_props);
	xmlFreeDoc(o.doc);
	return 0;
fail:
	g_hash_table_unref(o.refs);
	g_hash_table_unref(o.css_props);
	xmlFreeDoc(o.doc);
	return -1;
}

/* svgtree.h: one SVG minification's state and the libxml2 helpers its
 * passes share (svg.c parses, cleans and writes; svgmin.c rewrites
 * elements; svgtidy.c changes the structure).
 *
 * Once svg.c has expanded entities, every attribute is one text node, so
 * svgtree_value() is the whole value.  "SVG element" means an element in
 * the root's namespace (the SVG one, or none for an SVG without xmlns).
 */
#ifndef IMGOPT_SVGTREE_H
#define IMGOPT_SVGTREE_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>
#include <libxml/tree.h>

/* libxml2 stops at 256 levels already; this only guards our recursion. */
#define SVGTREE_MAX_DEPTH 512

/* One run of svg_optimize(). */
struct svgtree {
	xmlDoc *doc;
	xmlNode *root;
	const char *ns;	       /* the root's namespace href, or NULL */
	int decimals;	       /* for coordinates at scale 1 */
	GHashTable *refs;      /* ids something refers to */
	GHashTable *css_props; /* properties a <style> sheet may set */
	bool has_style;	       /* a <style> sheet: structure stays */
	bool sprite;	       /* nothing drawn at the top: keep ids */
	bool markers;	       /* markers in use: keep lone movetos */
	bool sanitized;	       /* something unsafe was removed */
	bool keep_metadata;    /* keep <metadata> (RDF and all) */
	size_t entity_bytes;   /* text entities added so far */
	char *err;	       /* the first error, err_size bytes */
	size_t err_size;
	bool failed;
};

/* Note the first error (later ones are dropped).  Returns -1. */
int svgtree_fail(struct svgtree *o, const char *fmt, ...)
	G_GNUC_PRINTF(2, 3);

/* An SVG element; one called name. */
bool svgtree_is_svg(const struct svgtree *o, const xmlNode *n);
bool svgtree_el(const struct svgtree *o, const xmlNode *n, const char *name);
/* An SVG element with one of the names (a NULL-terminated list). */
bool svgtree_one_of(const struct svgtree *o, const xmlNode *n,
		    const char *const *names);
bool svgtree_ns_is(const xmlNs *ns, const char *href);

/* Unlink and free a node and everything below it. */
void svgtree_drop(xmlNode *n);

/* An attribute's value ("" when empty), replaced. */
const char *svgtree_value(const xmlAttr *a);
void svgtree_set_value(xmlAttr *a, const char *value);
/* The attribute without namespace called name, or NULL; its value. */
xmlAttr *svgtree_attr(const xmlNode *el, const char *name);
const char *svgtree_attr_value(const xmlNode *el, const char *name);
/* An attribute that is a plain number (no unit). */
bool svgtree_number_attr(const xmlNode *el, const char *name, double *v);
/* href or xlink:href. */
bool svgtree_has_href(const xmlNode *el);
/* Only whitespace. */
bool svgtree_blank(const char *s);
/* The element or one below it has an id. */
bool svgtree_has_id_below(const xmlNode *n);

/* The declaration called name in a parsed style="" (GPtrArray of struct
 * svgdata_decl), or NULL.
 */
struct svgdata_decl *svgtree_decl(GPtrArray *decls, const char *name);
/* el's style="" sets the property (or might: a style this code does not
 * read counts when it mentions the name).
 */
bool svgtree_style_has(const xmlNode *el, const char *name);
/* How el sets a property: 0 not at all, 1 to a value of its own, -1 to
 * "inherit" or in a style="" this code does not read.
 */
int svgtree_sets(const xmlNode *el, const char *name);

/* Fill o->refs (every id something refers to), o->css_props, o->has_style
 * and o->markers from the tree below el.
 */
void svgtree_references(struct svgtree *o, xmlNode *el);
/* A sprite sheet: nothing drawn at the top level, only things to use
 * from outside (icons.svg#name), so its ids are its interface.
 */
bool svgtree_is_sprite(const struct svgtree *o);
/* Drop the ids nothing refers to (not those of <symbol> and <view>). */
void svgtree_drop_ids(struct svgtree *o, xmlNode *el);

#endif

/* svgdata.h: what the SVG minifier knows about SVG.
 *
 * Tables (presentation properties with their defaults and inheritance,
 * the elements renderers draw, attribute defaults, which attributes hold
 * numbers) and the two CSS syntaxes the minifier touches: style=""
 * declarations and <style> sheets.  Strings returned are allocated with
 * GLib: free them with g_free().
 */
#ifndef IMGOPT_SVGDATA_H
#define IMGOPT_SVGDATA_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#define SVGDATA_NS "http://www.w3.org/2000/svg"
#define SVGDATA_XLINK_NS "http://www.w3.org/1999/xlink"
#define SVGDATA_XML_NS "http://www.w3.org/XML/1998/namespace"
#define SVGDATA_XINCLUDE_NS "http://www.w3.org/2001/XInclude"

/* Number of entries in the property table. */
#define SVGDATA_NPROPS 77

enum svgdata_kind {
	SVGDATA_OTHER = 0,
	SVGDATA_COLOUR, /* rewritten by svgpath_colour() */
	SVGDATA_NUMBER, /* rewritten by svgpath_numbers() */
};

/* A CSS property that SVG renders with. */
struct svgdata_prop {
	const char *name;
	/* Its initial value as the minifier writes it, alternatives
	 * separated by '|'; NULL when it is never dropped.
	 */
	const char *dflt;
	bool inherited;
	bool attr; /* also a presentation attribute (SVG 1.1) */
	enum svgdata_kind kind;
};

/* The property called name (lowercase), or NULL; *index (may be NULL) is
 * set to its place in the table, 0 to SVGDATA_NPROPS - 1.
 */
const struct svgdata_prop *svgdata_prop(const char *name, int *index);
const struct svgdata_prop *svgdata_prop_at(int index);

/* An element in the SVG namespace that some renderer draws or uses
 * (SVG 1.1 and 2); others, such as Inkscape's flowRoot, draw nothing.
 */
bool svgdata_known_element(const char *name);

/* Whether value is the default of attribute attr on element el, so the
 * attribute can go.  Attributes an href'd template could supply
 * (gradients, filters) are only dropped when has_href is false.
 * Some attributes are always dropped (version on <svg>).
 */
bool svgdata_attr_default(const char *el, const char *attr,
			  const char *value, bool has_href);

/* An attribute whose value is a number or a list of numbers with units. */
bool svgdata_numeric_attr(const char *name);

/* One declaration of a style="" attribute. */
struct svgdata_decl {
	char *name; /* lowercase */
	char *value;
	bool important;
};

/* style="" split into declarations (a GPtrArray of struct svgdata_decl,
 * freed with g_ptr_array_unref()); NULL when it has anything this code
 * does not read (comments, unbalanced quotes, a declaration without ':').
 */
GPtrArray *svgdata_style_parse(const char *style);

/* The declarations as style="" text ("" for none), and its length as an
 * attribute including ' style=""' (0 for none).
 */
char *svgdata_style_join(const GPtrArray *decls);
size_t svgdata_style_len(const GPtrArray *decls);

/* A <style> sheet without comments and needless whitespace. */
char *svgdata_css_minify(const char *css);

#endif

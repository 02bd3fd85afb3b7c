/* svg.h: SVG minification, a pure function from bytes to bytes.
 *
 * svg_optimize() parses an SVG held in memory with libxml2 and writes it
 * back smaller, drawing the same picture.  It never reads a file or the
 * network: no path is ever given to libxml2, network access and external
 * entities and DTDs are off, XInclude is never run, libxml2's size and
 * depth limits stay on (no XML_PARSE_HUGE).  An SVG that would need any of
 * them fails with a clear message, or has the reference neutralised.
 *
 * What changes:
 *   - dropped: comments, processing instructions, the XML declaration and
 *     doctype, <metadata>, editor data (Inkscape, Sodipodi, Illustrator,
 *     Sketch, ...: every element and attribute outside the SVG, XLink and
 *     XML namespaces, outside <foreignObject>), SVG elements no renderer
 *     draws (flowRoot, ...), ids nothing refers to, unused <defs> content
 *     and paint servers, hidden (display:none) elements, empty groups,
 *     attributes and style properties equal to their default (inherited
 *     ones only when no ancestor sets them), whitespace between elements;
 *   - security: <script>, on* event attributes, javascript: and file:
 *     URLs, XInclude (its fallback is kept), CSS @import, animations that
 *     set event handlers or script URLs;
 *   - rewritten: numbers rounded (decimals from the quality, more where
 *     the content is scaled up), path data in its shortest form,
 *     transforms, colours, style="" to attributes when shorter, groups
 *     without attributes unwrapped and single-child groups merged into
 *     their child.
 * When the SVG has a <style> sheet, nothing structural is changed and
 * ids are kept, since selectors may depend on them.
 *
 * libxml2 reports nothing on stderr: its error handlers are silenced for
 * the calling thread.
 */
#ifndef IMGOPT_SVG_H
#define IMGOPT_SVG_H

#include <stdbool.h>
#include <stddef.h>

/* Larger SVGs are refused before parsing. */
#define SVG_MAX_BYTES (64u << 20)

struct svg_result {
	char *data;	 /* the minified SVG; free with g_free() */
	size_t len;
	bool sanitized;	 /* script, handlers or external references were
			  * removed: the input is no substitute for it */
};

/* Decimals kept for coordinates at a quality: 95-100 -> 8, 85-94 -> 3,
 * 70-84 -> 2, 40-69 -> 1, below -> 0.
 */
int svg_decimals(int quality);

/* Minify the SVG in (len bytes) at quality 1-100; keep_metadata keeps
 * <metadata> elements as they are.  Returns 0 with *res filled, or -1
 * with a one-line message in err (lowercase, no full stop, e.g. "invalid
 * SVG (line 3: opening and ending tag mismatch: g and svg)") and
 * res->data NULL.
 */
int svg_optimize(const char *in, size_t len, int quality, bool keep_metadata,
		 struct svg_result *res, char *err, size_t err_size);

#endif

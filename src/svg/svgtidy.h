/* svgtidy.h: the structural pass of the SVG minifier.
 *
 * Bottom-up: resources and <defs> content nothing refers to, and empty
 * containers, go; a <switch> with one unconditional child becomes a group;
 * groups without attributes are replaced by their children and a group
 * with one child moves its inherited attributes (and transform) onto it;
 * attributes every child of a group repeats move to the group; consecutive
 * paths drawn the same way and far enough apart become one path.  Nothing
 * changes when the SVG has a style sheet (selectors may depend on the
 * structure).
 */
#ifndef IMGOPT_SVGTIDY_H
#define IMGOPT_SVGTIDY_H

#include "svgtree.h"

/* Run the pass over o->root (after svgmin_run()). */
void svgtidy_run(struct svgtree *o);

#endif

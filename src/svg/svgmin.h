/* svgmin.h: the element pass of the SVG minifier.
 *
 * Top-down, knowing what each element inherits: numbers, colours, path
 * data and transforms rewritten (svgvalue.c, svgpath.c) with the decimals
 * the content's scale needs; properties equal to their default dropped
 * (inherited ones only when nothing above sets them and the element cannot
 * be drawn elsewhere by a <use>); style="" split into presentation
 * attributes when that is shorter and no style sheet could tell;
 * display:none elements nothing refers to, and whitespace between
 * elements, removed.
 */
#ifndef IMGOPT_SVGMIN_H
#define IMGOPT_SVGMIN_H

#include "svgtree.h"

/* Run the pass over o->root (after svgtree_references() and
 * svgtree_drop_ids()).
 */
void svgmin_run(struct svgtree *o);

#endif

/* test_svg.c: the SVG minifier (svg.c and the svg*.c modules it uses) and
 * the SVG path of codec_run().
 *
 * Every case is written here.  Rendering is compared with libvips'
 * svgload (librsvg) in this process only: workers keep it blocked.
 * test_svg never calls codec_init(), which would block it here too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vips/vips.h>

#include "base/fsutil.h"
#include "base/clock.h"
#include "codec/codec.h"
#include "svg/svg.h"
#include "svg/svgdata.h"
#include "svg/svgpath.h"
#include "svg/svgvalue.h"

static char test_dir[] = "/tmp/test-svg-XXXXXX";

#define SVG_OPEN                                                               \
	"<svg xmlns=\"http://www.w3.org/2000/svg\" "                          \
	"xmlns:xlink=\"http://www.w3.org/1999/xlink\" "

/* ---- helpers ---------------------------------------------------------- */

/* svg_optimize() that must succeed; the result is g_free()d by the
 * caller.
 */
static char *
minify(const char *in, int quality, bool *sanitized)
{
	struct svg_result res;
	char err[512];

	if (svg_optimize(in, strlen(in), quality, false, &res, err,
			 sizeof(err)))
		fail_msg("svg_optimize failed: %s\n%s", err, in);
	assert_int_equal(strlen(res.data), res.len);
	if (sanitized)
		*sanitized = res.sanitized;
	return res.data;
}

/* svg_optimize() that must fail with want in the message. */
static void
refuse(const char *in, const char *want)
{
	struct svg_result res;
	char err[512];
	size_t n;

	if (!svg_optimize(in, strlen(in), 90, false, &res, err,
			  sizeof(err))) {
		fail_msg("want error \"%s\", got output %s", want, res.data);
	}
	assert_null(res.data);
	n = strlen(err);
	assert_true(n > 0 && err[n - 1] != '.' && !strchr(err, '\n'));
	if (!strstr(err, want))
		fail_msg("want error \"%s\", got \"%s\"", want, err);
}

static void
assert_has(const char *s, const char *want)
{
	if (!s || !strstr(s, want))
		fail_msg("want \"%s\" in\n%s", want, s ? s : "(null)");
}

static void
assert_lacks(const char *s, const char *bad)
{
	if (!s || strcasestr(s, bad))
		fail_msg("want no \"%s\" in\n%s", bad, s ? s : "(null)");
}

/* Rendered by librsvg at the SVG's own size, premultiplied 8-bit RGBA. */
static VipsImage *
render(const char *svg)
{
	VipsImage *im = NULL, *pre = NULL, *out = NULL;

	if (vips_svgload_buffer((void *)svg, strlen(svg), &im, NULL))
		fail_msg("cannot render: %s\n%s", vips_error_buffer(), svg);
	assert_int_equal(vips_premultiply(im, &pre, NULL), 0);
	assert_int_equal(vips_cast(pre, &out, VIPS_FORMAT_UCHAR, NULL), 0);
	g_object_unref(im);
	g_object_unref(pre);
	return out;
}

/* Largest difference of any band of any pixel, 0-255. */
static double
render_diff(const char *a, const char *b)
{
	VipsImage *ra = render(a), *rb = render(b), *d = NULL, *ad = NULL;
	double max;

	assert_int_equal(ra->Xsize, rb->Xsize);
	assert_int_equal(ra->Ysize, rb->Ysize);
	assert_int_equal(vips_subtract(ra, rb, &d, NULL), 0);
	assert_int_equal(vips_abs(d, &ad, NULL), 0);
	assert_int_equal(vips_max(ad, &max, NULL), 0);
	g_object_unref(ra);
	g_object_unref(rb);
	g_object_unref(d);
	g_object_unref(ad);
	return max;
}

/* Minify at q and check the picture: at most tol levels apart. */
static char *
same_picture(const char *in, int q, double tol)
{
	char *out = minify(in, q, NULL);
	double d = render_diff(in, out);

	if (d > tol)
		fail_msg("q%d renders %.0f levels apart (max %.0f)\nin:  %s\n"
			 "out: %s", q, d, tol, in, out);
	assert_true(strlen(out) < strlen(in));
	return out;
}

/* ---- values ----------------------------------------------------------- */

static void
check_path(const char *d, int decimals, unsigned flags, const char *want)
{
	char *got = svgpath_rewrite(d, decimals, flags);

	if (!got || strcmp(got, want))
		fail_msg("path \"%s\": want \"%s\", got \"%s\"", d, want,
			 got ? got : "(null)");
	g_free(got);
}

static void
test_paths(void **state)
{
	(void)state;
	/* Relative or absolute, H/V, implicit repeats, no separators. */
	check_path("M 10,10 L 20,10 L 20,20 L 10,20 Z", 3, 0,
		   "M10 10H20V20H10z");
	check_path("M 0.5 0.5 L 1.5 -0.25 L 2.5 0.75", 3, 0,
		   "M.5.5l1-.75 1 1");
	/* Errors never accumulate: points are rounded in absolute terms. */
	check_path("m 0 0 l 0.3 0 l 0.3 0 l 0.3 0 l 0.3 1", 0, 0,
		   "M0 0H0 1 1V1");
	/* S where the control point is the reflection, T likewise. */
	check_path("M0 0C10 0 20 10 20 20C20 30 10 40 0 40", 3, 0,
		   "M0 0C10 0 20 10 20 20S10 40 0 40");
	check_path("M0 0Q10 10 20 0Q30 -10 40 0", 3, 0, "M0 0Q10 10 20 0T40 0");
	/* A cubic that is a straight line, a raised quadratic. */
	check_path("M0 0C1 1 2 2 3 3", 3, 0, "M0 0 3 3");
	check_path("M0 0C2 4 4 4 6 0", 3, 0, "M0 0Q3 6 6 0");
	/* Arcs keep their flags; numbers lose leading zeros. */
	check_path("M10 10 A 5 5 0 1 0 20 10", 3, 0, "M10 10a5 5 0 1 0 10 0");
	/* A trailing moveto draws nothing, unless markers are placed. */
	check_path("M0 0L5 5M9 9", 3, 0, "M0 0 5 5");
	check_path("M0 0L5 5M9 9", 3, SVGPATH_MARKERS, "M0 0 5 5M9 9");
	/* A fill closes subpaths itself; a line back to the start goes. */
	check_path("M0 0H9V9H0Z M20 0H29V9Z", 3, SVGPATH_FILL_ONLY,
		   "M0 0H9V9H0M20 0h9V9");
	check_path("M0 0H9V9H0Z", 3, 0, "M0 0H9V9H0z");
	check_path("M0 0H9V9L0 0Z", 3, 0, "M0 0H9V9z");
	/* Invalid data stays as it is (renderers draw up to the error). */
	assert_null(svgpath_rewrite("M0 0L5", 3, 0));
	assert_null(svgpath_rewrite("L0 0", 3, 0));
	assert_null(svgpath_rewrite("M0 0 L1 1,L2 2", 3, 0));
}

static void
test_arcs_keep_their_centre(void **state)
{
	char *got;

	(void)state;
	/* Two half circles whose radius is a hair over half the chord:
	 * rounding the radius like a coordinate would move the centre by
	 * half a unit.  The radius gets the decimals it needs.
	 */
	got = svgpath_rewrite("M676.596436 393.040558A296.550781 296.550781 0 "
			      "1 0 83.494873 393.040558", 3, 0);
	assert_non_null(got);
	assert_has(got, "a296.55 296.55 0 1 0");
	g_free(got);
}

static void
check_transform(const char *t, const char *want)
{
	char *got = svgvalue_transform(t, 3, NULL);

	if (!got || strcmp(got, want))
		fail_msg("transform \"%s\": want \"%s\", got \"%s\"", t, want,
			 got ? got : "(null)");
	g_free(got);
}

static void
test_values(void **state)
{
	char *s;
	double stretch;

	(void)state;
	check_transform("translate(10,0)", "translate(10)");
	check_transform("matrix(1,0,0,1,5,6)", "translate(5 6)");
	check_transform("matrix(2 0 0 2 0 0)", "scale(2)");
	check_transform("scale(1) rotate(0)", "");
	check_transform("translate(10 20) translate(-10 -20)", "");
	check_transform("rotate(45, 10, 10)", "rotate(45 10 10)");
	s = svgvalue_transform("scale(100)", 3, &stretch);
	assert_float_equal(stretch, 100, 1e-9);
	g_free(s);
	assert_null(svgvalue_transform("translate(1", 3, NULL));
	assert_null(svgvalue_transform("spin(3)", 3, NULL));

	s = svgvalue_numbers("10px 20.5000,0.333333", 3, true);
	assert_string_equal(s, "10 20.5 .333");
	g_free(s);
	s = svgvalue_numbers("12px", 3, false);
	assert_string_equal(s, "12px");
	g_free(s);
	assert_null(svgvalue_numbers("auto", 3, true));

	s = svgvalue_colour("#FF0000");
	assert_string_equal(s, "red");
	g_free(s);
	s = svgvalue_colour("white");
	assert_string_equal(s, "#fff");
	g_free(s);
	s = svgvalue_colour("rgb(0, 0, 128)");
	assert_string_equal(s, "navy");
	g_free(s);
	s = svgvalue_colour("#aabbcc");
	assert_string_equal(s, "#abc");
	g_free(s);
	assert_null(svgvalue_colour("currentColor"));
	assert_null(svgvalue_colour("rgb(10.5, 0, 0)"));

	assert_int_equal(svg_decimals(100), 8);
	assert_int_equal(svg_decimals(95), 8);
	assert_int_equal(svg_decimals(90), 3);
	assert_int_equal(svg_decimals(85), 3);
	assert_int_equal(svg_decimals(84), 2);
	assert_int_equal(svg_decimals(70), 2);
	assert_int_equal(svg_decimals(69), 1);
	assert_int_equal(svg_decimals(40), 1);
	assert_int_equal(svg_decimals(39), 0);
}

static void
test_style_syntax(void **state)
{
	GPtrArray *d;
	char *s;

	(void)state;
	d = svgdata_style_parse(" fill : red ; stroke:url(#a);font-family:"
				"'A;B'; opacity:1 !important;");
	assert_non_null(d);
	assert_int_equal(d->len, 4);
	s = svgdata_style_join(d);
	assert_string_equal(s, "fill:red;stroke:url(#a);font-family:'A;B';"
			       "opacity:1!important");
	g_free(s);
	g_ptr_array_unref(d);
	assert_null(svgdata_style_parse("fill:red;/* x */"));
	assert_null(svgdata_style_parse("fill"));

	/* A space before ':' stays: "a :hover" is not "a:hover". */
	s = svgdata_css_minify(" g  path , .a > b { fill: red ; } /* c */ "
			       "@media screen and (min-width: 1px) { a{b:c} }");
	assert_string_equal(s, "g path,.a>b{fill:red}@media screen and "
			       "(min-width:1px){a{b:c}}");
	g_free(s);
}

/* ---- documents -------------------------------------------------------- */

static void
test_junk(void **state)
{
	const char *in =
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
		"\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n"
		"<!-- Created with Inkscape -->\n" SVG_OPEN
		"xmlns:inkscape="
		"\"http://www.inkscape.org/namespaces/inkscape\" "
		""
		"xmlns:sodipodi=\"http://sodipodi.sourceforge.net/DTD/sodipodi-"
		"0.dtd\" "
		"xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
		""
		"width=\"100\" height=\"100\" version=\"1.1\" "
		"inkscape:version=\"1.0\">\n"
		"  <metadata><rdf:RDF><rdf:Description/></rdf:RDF></metadata>\n"
		"  <sodipodi:namedview pagecolor=\"#ffffff\"/>\n"
		"  <defs id=\"defs2\"/>\n"
		"  <g id=\"layer1\" inkscape:label=\"Layer 1\" "
		"inkscape:groupmode=\"layer\">\n"
		"    <rect id=\"rect1\" x=\"10\" y=\"10\" width=\"80\" "
		"height=\"80\" style=\"fill:#ff0000;fill-opacity:1;stroke:none;"
		"-inkscape-font-specification:Sans\"/>\n"
		"  </g>\n</svg>\n";
	char *out;

	(void)state;
	out = minify(in, 90, NULL);

	assert_string_equal(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
				 "width=\"100\" height=\"100\"><rect x=\"10\" "
				 "y=\"10\" width=\"80\" height=\"80\" "
				 "fill=\"red\"/></svg>");
	g_free(out);
}

static void
test_security(void **state)
{
	bool sanitized;
	char *out;

	(void)state;
	out = minify(SVG_OPEN "width=\"10\" height=\"10\" onload=\"alert(1)\">"
		     "<script>alert(document.cookie)</script>"
		     "<a xlink:href=\"javascript:alert(1)\"><rect width=\"5\" "
		     "height=\"5\" onclick=\"x()\"/></a>"
		     "<image width=\"5\" height=\"5\" "
		     "href=\"file:///etc/passwd\"/>"
		     "<image width=\"5\" height=\"5\" "
		     "xlink:href=\" JaVa&#9;Script:alert(1)\"/>"
		     "<animate attributeName=\"onclick\" to=\"alert(1)\"/>"
		     "<style>@import url(\"file:///etc/passwd\");"
		     "rect{fill:red}</style></svg>",
		     90, &sanitized);
	assert_true(sanitized);
	assert_lacks(out, "script");
	assert_lacks(out, "onload");
	assert_lacks(out, "onclick");
	assert_lacks(out, "file:");
	assert_lacks(out, "@import");
	assert_lacks(out, "<animate");
	assert_has(out, "rect{fill:red}");
	g_free(out);

	/* XInclude is never run; its fallback stands in for it. */
	out = minify(SVG_OPEN "xmlns:xi=\"http://www.w3.org/2001/XInclude\" "
		     "width=\"10\" height=\"10\"><text><xi:include "
		     "href=\".?../../../../etc/passwd\" parse=\"text\">"
		     "<xi:fallback>fallback</xi:fallback></xi:include></text>"
		     "</svg>",
		     90, &sanitized);
	assert_true(sanitized);
	assert_lacks(out, "include");
	assert_has(out, "<text>fallback</text>");
	g_free(out);

	out = minify(SVG_OPEN "width=\"10\" height=\"10\"/>", 90, &sanitized);
	assert_false(sanitized);
	g_free(out);
}

static void
test_entities(void **state)
{
	GString *deep = g_string_new(SVG_OPEN "width=\"9\" height=\"9\">");
	uint64_t t0;
	char *out;
	int i;

	(void)state;
	refuse("<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "
	       "\"file:///etc/passwd\">]>" SVG_OPEN "><text>&xxe;</text>"
	       "</svg>",
	       "external entity ('xxe')");
	/* An external parameter entity is never loaded. */
	out = minify("<!DOCTYPE svg [<!ENTITY % pe SYSTEM "
		     "\"file:///etc/passwd\"> %pe;]>" SVG_OPEN "/>",
		     90, NULL);
	assert_lacks(out, "root:");
	g_free(out);
	t0 = clock_now_ns();
	refuse("<!DOCTYPE svg [<!ENTITY a \"lol\"><!ENTITY b \"&a;&a;&a;&a;"
	       "&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;"
	       "&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e "
	       "\"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\"><!ENTITY f \"&e;&e;&e;&e;"
	       "&e;&e;&e;&e;&e;&e;\"><!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;"
	       "&f;\"><!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\">]>"
	       SVG_OPEN "><text>&h;</text></svg>",
	       "entit");
	assert_true(clock_now_ns() - t0 < 1000000000u);
	/* A plain internal entity is only text. */
	out = minify("<!DOCTYPE svg [<!ENTITY c \"#ff0000\">]>" SVG_OPEN
		     "width=\"9\" height=\"9\"><rect width=\"9\" height=\"9\" "
		     "fill=\"&c;\"/><text>&c;&amp;</text></svg>",
		     90, NULL);
	assert_has(out, "fill=\"red\"");
	assert_has(out, "<text>#ff0000&amp;</text>");
	assert_lacks(out, "DOCTYPE");
	g_free(out);

	refuse("<svg", "invalid SVG (line 1");
	refuse("<html xmlns=\"http://www.w3.org/1999/xhtml\"/>",
	       "not an SVG document (root element <html>)");
	for (i = 0; i < 300; i++)
		g_string_append(deep, "<g>");
	g_string_append(deep, "<rect width=\"9\" height=\"9\"/>");
	for (i = 0; i < 300; i++)
		g_string_append(deep, "</g>");
	g_string_append(deep, "</svg>");
	refuse(deep->str, "deeper than");
	g_string_free(deep, TRUE);
}

static void
test_structure(void **state)
{
	char *out;

	(void)state;
	/* Groups without attributes go, a single child takes its group's
	 * inherited attributes, unused ids and resources go, used ones stay.
	 */
	out = minify(SVG_OPEN "width=\"20\" height=\"20\"><defs>"
		     "<linearGradient id=\"used\"><stop offset=\"0\"/>"
		     "</linearGradient><linearGradient id=\"unused\">"
		     "<stop offset=\"0\"/></linearGradient></defs>"
		     "<g><g fill=\"url(#used)\"><rect id=\"r\" width=\"9\" "
		     "height=\"9\"/></g></g><g/><g display=\"none\">"
		     "<rect width=\"1\" height=\"1\"/></g></svg>",
		     90, NULL);
	assert_string_equal(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
				 "width=\"20\" height=\"20\"><defs>"
				 "<linearGradient id=\"used\"><stop "
				 "offset=\"0\"/></linearGradient></defs>"
				 "<rect width=\"9\" height=\"9\" "
				 "fill=\"url(#used)\"/></svg>");
	g_free(out);

	/* A style sheet may select by id or structure: both are kept. */
	out = minify(SVG_OPEN "width=\"20\" height=\"20\"><style>#r{fill:red}"
		     "g>rect{stroke:blue}</style><g><rect id=\"r\" "
		     "width=\"9\" height=\"9\" style=\"fill-opacity:1\"/></g>"
		     "</svg>",
		     90, NULL);
	assert_has(out, "<g><rect id=\"r\"");
	g_free(out);

	/* A sprite sheet's ids are for use from outside. */
	out = minify(SVG_OPEN "><defs><g id=\"icon-a\"><path d=\"M0 0h9\"/>"
		     "</g></defs><symbol id=\"icon-b\"/></svg>",
		     90, NULL);
	assert_has(out, "id=\"icon-a\"");
	assert_has(out, "id=\"icon-b\"");
	g_free(out);

	/* Text is never touched, xml:space or not. */
	out = minify(SVG_OPEN "width=\"20\" height=\"20\"><text x=\"1\" "
		     "y=\"9\">  a  <tspan>b</tspan>\n c </text></svg>",
		     90, NULL);
	assert_has(out, "<text x=\"1\" y=\"9\">  a  <tspan>b</tspan>\n c "
			"</text>");
	g_free(out);
}

static void
test_keep_metadata(void **state)
{
	const char *in = SVG_OPEN
		"xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
		"<metadata><dc:title>T</dc:title></metadata></svg>";
	struct svg_result res;
	char err[256];

	(void)state;
	assert_int_equal(svg_optimize(in, strlen(in), 90, true, &res, err,
				      sizeof(err)),
			 0);
	assert_has(res.data, "<metadata><title xmlns=\"http://purl.org/dc/"
			     "elements/1.1/\">T</title></metadata>");
	g_free(res.data);
}

/* ---- rendering -------------------------------------------------------- */

/* Hand-written drawings with what minifiers get wrong. */
static const char *const drawings[] = {
	/* Text and fonts. */
	SVG_OPEN "width=\"120\" height=\"40\"><text x=\"5.25\" y=\"25.5\" "
	"style=\"font-family:sans-serif;font-size:14.0px;fill:#000000;"
	"font-weight:normal\">Hello <tspan style=\"fill:#FF0000\">world"
	"</tspan></text></svg>",
	/* Gradients: templates by href, bounding-box units, spread. */
	SVG_OPEN "width=\"100\" height=\"60\"><defs><linearGradient "
	"id=\"base\"><stop offset=\"0\" style=\"stop-color:#ff0000\"/><stop "
	"offset=\"1.0000\" stop-color=\"rgb(0,0,255)\"/></linearGradient>"
	"<linearGradient id=\"g2\" xlink:href=\"#base\" "
	"x1=\"0.25\" x2=\"0.35\" "
	"spreadMethod=\"reflect\" gradientUnits=\"objectBoundingBox\"/>"
	"<radialGradient id=\"g3\" xlink:href=\"#base\" cx=\"30.0000\" "
	"cy=\"30\" r=\"20.123456\" fx=\"25\" fy=\"25\" "
	"gradientUnits=\"userSpaceOnUse\"/></defs><rect x=\"0\" y=\"0\" "
	"width=\"50\" height=\"60\" fill=\"url(#g2)\"/><circle cx=\"75\" "
	"cy=\"30\" r=\"20\" style=\"fill:url(#g3)\" "
	"transform=\"translate(-0.5 0.25)\"/></svg>",
	/* Clip paths, masks, bounding-box content units. */
	SVG_OPEN "width=\"80\" height=\"80\"><defs><clipPath id=\"c\" "
	"clipPathUnits=\"objectBoundingBox\"><path d=\"M 0.1234 0.1 L "
	"0.9111 0.5 L 0.1 0.8888 z\"/></clipPath><mask id=\"m\"><rect "
	"width=\"80\" height=\"80\" fill=\"white\"/><circle "
	"cx=\"40\" cy=\"40\" "
	"r=\"10\" fill=\"black\"/></mask></defs><g clip-path=\"url(#c)\"><rect "
	"width=\"80\" height=\"80\" fill=\"#008000\" mask=\"url(#m)\"/></g>"
	"</svg>",
	/* use, symbol and inheritance through them. */
	SVG_OPEN "width=\"90\" height=\"40\"><defs><g id=\"shape\"><rect "
	"width=\"20\" height=\"20\" fill=\"#000000\" stroke-width=\"1\"/>"
	"<circle cx=\"30\" cy=\"10\" r=\"8\"/></g><symbol id=\"s\" "
	"viewBox=\"0 0 10 10\"><path d=\"M0 0 L 10 10 L 0 10 Z\"/></symbol>"
	"</defs><use xlink:href=\"#shape\" x=\"0\" y=\"0\" fill=\"red\"/>"
	"<use xlink:href=\"#shape\" x=\"45\" y=\"10\" fill=\"blue\" "
	"stroke=\"black\"/><use href=\"#s\" x=\"60\" width=\"30\" "
	"height=\"30\" fill=\"green\"/></svg>",
	/* Transforms: nested, rotated, skewed, scaled up. */
	SVG_OPEN "width=\"100\" height=\"100\" viewBox=\"0 0 10 10\"><g "
	"transform=\"translate(5,5) rotate(30) scale(1.5, 0.75)\"><g "
	"transform=\"skewX(20)\"><path d=\"M -2.12345 -2.5 L 2.98765 -2.25 "
	"L 2.5 2.66666 C 1 3.5 -1 3.5 -2.5 2.5 Z\" fill=\"#336699\"/></g>"
	"</g><rect x=\"0.5\" y=\"0.5\" width=\"2.3333\" height=\"1.6667\" "
	"transform=\"matrix(0.866025,0.5,-0.5,0.866025,1,1)\"/></svg>",
	/* A style sheet, classes, selectors on structure. */
	SVG_OPEN "width=\"60\" height=\"60\"><style type=\"text/css\">\n"
	"  .a { fill : #00ff00 ; }\n  g > rect "
	"{ stroke: #000; stroke-width: 2 }"
	"\n  #b { fill: blue }\n</style><g><rect class=\"a\" x=\"5\" y=\"5\" "
	"width=\"20\" height=\"20\" style=\"fill-opacity:1\"/></g><rect "
	"id=\"b\" "
	"x=\"30\" y=\"30\" width=\"20\" height=\"20\" fill=\"#000000\"/></svg>",
	/* Strokes: dashes, joins, markers, closed paths. */
	SVG_OPEN "width=\"100\" height=\"60\"><defs><marker id=\"arrow\" "
	"markerWidth=\"6\" markerHeight=\"6\" refX=\"3\" refY=\"3\" "
	"orient=\"auto\"><path d=\"M0,0 L6,3 L0,6 z\"/></marker></defs><path "
	"d=\"M 10 10 L 50 10 L 50 40 L 10 10 Z\" fill=\"none\" stroke=\"#000\" "
	"stroke-width=\"3\" stroke-linejoin=\"miter\" "
	"stroke-dasharray=\"5, 2.5\"/><path d=\"M 60 50 L 70 20 L 90 50\" "
	"fill=\"none\" stroke=\"red\" marker-mid=\"url(#arrow)\" "
	"marker-end=\"url(#arrow)\"/></svg>",
	/* Arcs and circles drawn with curves (Inkscape, Adwaita). */
	SVG_OPEN "width=\"64\" height=\"64\" viewBox=\"0 0 16 16\"><path "
	"d=\"m 8 1.992188 c -2.617188 0 -5.238281 0.933593 -7.195312 2.808593 "
	"l -0.496094 0.480469 c -0.398438 0.378906 -0.410156 1.011719 "
	"-0.03125 1.410156 c 0.382812 0.398438 1.015625 0.410156 1.414062 "
	"0.03125 l 0.5 -0.476562 z m 0.03125 8.007812 c -0.511719 0 -1.023438 "
	"0.195312 -1.414062 0.585938 c -0.78125 0.78125 -0.78125 2.046874 0 "
	"2.828124 s 2.046874 0.78125 2.828124 0 s 0.78125 -2.046874 0 "
	"-2.828124 c -0.390624 -0.390626 -0.902343 -0.585938 -1.414062 "
	"-0.585938 z m 0 0\" fill=\"#2e3436\"/><path d=\"M 12 12 A 3 3 0 1 1 "
	"12.0001 12.0001\" fill=\"none\" stroke=\"#000\"/></svg>",
	/* Opacity, groups and many same-looking paths. */
	SVG_OPEN "width=\"80\" height=\"40\"><g opacity=\"0.5\"><path "
	"d=\"M0 0h10v10H0z\" fill=\"#000000\" fill-rule=\"evenodd\" "
	"clip-rule=\"evenodd\"/><path d=\"M20 0h10v10H20z\" fill=\"#000000\" "
	"fill-rule=\"evenodd\" clip-rule=\"evenodd\"/><path "
	"d=\"M5 5h10v10H5z\" "
	"fill=\"#000000\" fill-rule=\"evenodd\" clip-rule=\"evenodd\"/></g>"
	"<g style=\"opacity:0.5;fill:blue\"><rect x=\"40\" width=\"20\" "
	"height=\"20\"/><rect x=\"50\" y=\"10\" width=\"20\" height=\"20\"/>"
	"</g></svg>",
	/* Patterns, nested svg, switch. */
	SVG_OPEN "width=\"60\" height=\"60\"><defs><pattern id=\"p\" "
	"width=\"10\" height=\"10\" patternUnits=\"userSpaceOnUse\"><circle "
	"cx=\"5\" cy=\"5\" r=\"3.3333\" fill=\"purple\"/></pattern></defs>"
	"<rect width=\"60\" height=\"30\" fill=\"url(#p)\"/><svg x=\"0\" "
	"y=\"30\" width=\"30\" height=\"30\" viewBox=\"0 0 3 3\"><circle "
	"cx=\"1.5\" cy=\"1.5\" r=\"1.2345\"/></svg><switch><rect x=\"35\" "
	"y=\"35\" width=\"20\" height=\"20\" fill=\"orange\"/></switch></svg>",
};

static void
test_rendering(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < G_N_ELEMENTS(drawings); i++) {
		g_free(same_picture(drawings[i], 100, 1));
		g_free(same_picture(drawings[i], 90, 3));
	}
}

/* ---- codec_run() ------------------------------------------------------ */

static char *
tpath(const char *name)
{
	return g_build_filename(test_dir, name, NULL);
}

static void
write_text(const char *name, const char *text)
{
	char *p = tpath(name);

	assert_true(g_file_set_contents(p, text, -1, NULL));
	g_free(p);
}

/* codec_run() on test_dir/name into test_dir/out. */
static char *
run(struct codec_request *req, const char *name, struct codec_reply *reply)
{
	char *in = tpath(name), *out = tpath("out");
	int fd = open(out, O_CREAT | O_WRONLY | O_TRUNC, 0644);

	assert_true(fd >= 0);
	close(fd);
	req->input_path = in;
	req->output_path = out;
	(void)codec_run(req, reply);
	g_free(in);
	return out;
}

static struct codec_request
base_request(void)
{
	struct codec_request req;

	memset(&req, 0, sizeof(req));
	imgopt_settings_init(&req.settings);
	req.max_pixels = 268402689;
	req.max_file_size = 1ULL << 30;
	req.fail_on = IMGOPT_FAIL_ON_WARNING;
	return req;
}

static void
expect_fail(struct codec_request *req, const char *name, const char *want)
{
	struct codec_reply reply;
	char *out = run(req, name, &reply);

	if (reply.ok || !strstr(reply.error, want))
		fail_msg("%s: want \"%s\", got %s \"%s\"", name, want,
			 reply.ok ? "success" : "error", reply.error);
	g_free(out);
}

static void
test_codec(void **state)
{
	struct codec_request req = base_request();
	struct codec_reply reply;
	char *out, *data;
	gsize len;

	(void)state;
	write_text("d.svg", drawings[1]);
	out = run(&req, "d.svg", &reply);
	assert_true(reply.ok);
	assert_int_equal(reply.input_format, IMGOPT_FORMAT_SVG);
	assert_int_equal(reply.output_format, IMGOPT_FORMAT_SVG);
	assert_int_equal(reply.original_size, 0 + strlen(drawings[1]));
	assert_false(reply.kept_original);
	assert_true(g_file_get_contents(out, &data, &len, NULL));
	assert_int_equal(len, reply.optimized_size);
	assert_true(len < strlen(drawings[1]));
	g_free(data);
	g_free(out);

	/* Never worse: nothing to gain keeps the input's bytes... */
	write_text("tiny.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
	out = run(&req, "tiny.svg", &reply);
	assert_true(reply.ok);
	assert_true(reply.kept_original);
	g_free(out);
	/* ... unless the input runs script: it is no substitute. */
	write_text("s.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" "
			    "onload=\"x()\"/>");
	out = run(&req, "s.svg", &reply);
	assert_true(reply.ok);
	assert_false(reply.kept_original);
	assert_true(g_file_get_contents(out, &data, &len, NULL));
	assert_lacks(data, "onload");
	g_free(data);
	g_free(out);

	/* Raster settings are refused, not ignored. */
	req.settings.output_format = IMGOPT_FORMAT_WEBP;
	expect_fail(&req, "d.svg", "cannot convert SVG to webp (SVG files "
				   "are minified, not rasterised)");
	req.settings.output_format = IMGOPT_FORMAT_ORIGINAL;
	req.settings.resize_mode = IMGOPT_RESIZE_WIDTH;
	req.settings.resize_size = 10;
	expect_fail(&req, "d.svg", "resize does not apply to SVG (SVG files "
				   "are minified, not rasterised)");
	req.settings.resize_mode = IMGOPT_RESIZE_NONE;

	write_text("d.png", drawings[0]);
	expect_fail(&req, "d.png", "unsupported format (SVG in a file named "
				   ".png");
	write_text("bad.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\">");
	expect_fail(&req, "bad.svg", "invalid SVG (line 1");
}

static int
setup(void **state)
{
	(void)state;
	if (!mkdtemp(test_dir))
		return -1;
	return VIPS_INIT("test_svg");
}

static int
teardown(void **state)
{
	(void)state;
	fsutil_remove_tree(test_dir);
	vips_shutdown();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_arcs_keep_their_centre),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_style_syntax),
		cmocka_unit_test(test_junk),
		cmocka_unit_test(test_security),
		cmocka_unit_test(test_entities),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_keep_metadata),
		cmocka_unit_test(test_rendering),
		cmocka_unit_test(test_codec),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

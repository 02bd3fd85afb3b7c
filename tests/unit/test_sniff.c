/* test_sniff.c: formats from magic bytes, never names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "codec/sniff.h"

static void
expect_format(const char *bytes, size_t len, enum imgopt_format fmt)
{
	const char *what = "unset";

	assert_int_equal(sniff_format((const unsigned char *)bytes, len,
				      &what),
			 fmt);
	assert_null(what);
}

static void
expect_unsupported(const char *bytes, size_t len, const char *name)
{
	const char *what = NULL;

	assert_int_equal(sniff_format((const unsigned char *)bytes, len,
				      &what),
			 IMGOPT_FORMAT_ORIGINAL);
	assert_non_null(what);
	assert_string_equal(what, name);
}

static void
expect_not_image(const char *bytes, size_t len)
{
	const char *what = "unset";

	assert_int_equal(sniff_format((const unsigned char *)bytes, len,
				      &what),
			 IMGOPT_FORMAT_ORIGINAL);
	assert_null(what);
}

/* Byte string literals: sizeof counts the NUL, which is not data. */
#define FORMAT(lit, fmt) expect_format((lit), sizeof(lit) - 1, (fmt))
#define UNSUPPORTED(lit, name) \
	expect_unsupported((lit), sizeof(lit) - 1, (name))
#define NOT_IMAGE(lit) expect_not_image((lit), sizeof(lit) - 1)

static void
test_jpeg(void **state)
{
	(void)state;
	FORMAT("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00", IMGOPT_FORMAT_JPEG);
	FORMAT("\xFF\xD8\xFF\xE1\x00\x10" "Exif\x00", IMGOPT_FORMAT_JPEG);
	FORMAT("\xFF\xD8\xFF", IMGOPT_FORMAT_JPEG);
	/* Too short to tell. */
	NOT_IMAGE("\xFF\xD8");
	NOT_IMAGE("\xFF");
}

static void
test_png(void **state)
{
	(void)state;
	FORMAT("\x89PNG\r\n\x1A\n\x00\x00\x00\x0DIHDR", IMGOPT_FORMAT_PNG);
	FORMAT("\x89PNG\r\n\x1A\n", IMGOPT_FORMAT_PNG);
	/* A signature mangled by a text-mode transfer is not PNG. */
	NOT_IMAGE("\x89PNG\n\x1A\n\x00");
	NOT_IMAGE("\x89PNG\r\n\x1A");
}

static void
test_webp(void **state)
{
	(void)state;
	FORMAT("RIFF\x24\x00\x00\x00WEBPVP8 ", IMGOPT_FORMAT_WEBP);
	FORMAT("RIFF\xF0\xFF\xFF\xFFWEBP", IMGOPT_FORMAT_WEBP);
	NOT_IMAGE("RIFF\x24\x00\x00\x00WAVEfmt ");
	NOT_IMAGE("RIFF\x24\x00\x00\x00WEB");
}

static void
test_isobmff(void **state)
{
	(void)state;
	/* AVIF by major brand, by compatible brand, and sequences. */
	FORMAT("\x00\x00\x00\x1C"
	       "ftypavif\x00\x00\x00\x00"
	       "avifmif1miaf",
	       IMGOPT_FORMAT_AVIF);
	FORMAT("\x00\x00\x00\x18"
	       "ftypmif1\x00\x00\x00\x00"
	       "mif1avif",
	       IMGOPT_FORMAT_AVIF);
	FORMAT("\x00\x00\x00\x14"
	       "ftypavis\x00\x00\x00\x00"
	       "msf1",
	       IMGOPT_FORMAT_AVIF);
	/* HEIC, and plain HEIF brands without avif. */
	UNSUPPORTED("\x00\x00\x00\x1C"
		    "ftypheic\x00\x00\x00\x00"
		    "mif1heicmiaf",
		    "HEIC");
	UNSUPPORTED("\x00\x00\x00\x18"
		    "ftypmif1\x00\x00\x00\x00"
		    "mif1miaf",
		    "HEIC");
	UNSUPPORTED("\x00\x00\x00\x14"
		    "ftypmsf1\x00\x00\x00\x00"
		    "msf1",
		    "HEIC");
	/* "avif" as the minor version is not a brand. */
	UNSUPPORTED("\x00\x00\x00\x14"
		    "ftypheicavif"
		    "heic",
		    "HEIC");
	/* A brand beyond the box's own size does not count. */
	UNSUPPORTED("\x00\x00\x00\x10"
		    "ftypheic\x00\x00\x00\x00"
		    "avif",
		    "HEIC");
	/* Video is not an image. */
	NOT_IMAGE("\x00\x00\x00\x18"
		  "ftypisom\x00\x00\x02\x00"
		  "isomiso2");
	NOT_IMAGE("\x00\x00\x00\x18"
		  "ftyp");
}

static void
test_svg(void **state)
{
	(void)state;
	FORMAT("<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
	       IMGOPT_FORMAT_SVG);
	FORMAT("<svg>", IMGOPT_FORMAT_SVG);
	FORMAT("<?xml version=\"1.0\"?>\n<svg>", IMGOPT_FORMAT_SVG);
	FORMAT("\xEF\xBB\xBF<?xml version=\"1.0\"?>", IMGOPT_FORMAT_SVG);
	FORMAT("\xEF\xBB\xBF  \r\n\t<svg width=\"10\">", IMGOPT_FORMAT_SVG);
	FORMAT("\n\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\"",
	       IMGOPT_FORMAT_SVG);
	FORMAT("<!-- made by hand --><svg>", IMGOPT_FORMAT_SVG);
	FORMAT("<!-- a --> <!-- b -->\n<svg\n", IMGOPT_FORMAT_SVG);
	/* A comment whose end is not in view, or an element that only
	 * starts with "svg".
	 */
	NOT_IMAGE("<!-- a very long comment that does not end here");
	NOT_IMAGE("<svgfoo>");
}

static void
test_unsupported(void **state)
{
	(void)state;
	UNSUPPORTED("GIF89a\x40\x00\x20\x00", "GIF");
	UNSUPPORTED("GIF87a", "GIF");
	UNSUPPORTED("II*\x00\x08\x00\x00\x00", "TIFF");
	UNSUPPORTED("MM\x00*\x00\x00\x00\x08", "TIFF");
	UNSUPPORTED("II+\x00\x08\x00\x00\x00", "TIFF");
	UNSUPPORTED("%PDF-1.7\n%\xE2\xE3\xCF\xD3", "PDF");
	UNSUPPORTED("BM\x36\x00\x0C\x00\x00\x00\x00\x00\x36\x00\x00\x00"
		    "\x28\x00\x00\x00\x40\x00",
		    "BMP");
	UNSUPPORTED("P1\n4 4\n", "PBM");
	UNSUPPORTED("P2 4 4 255\n", "PGM");
	UNSUPPORTED("P3\r\n", "PPM");
	UNSUPPORTED("P4\n", "PBM");
	UNSUPPORTED("P5\n", "PGM");
	UNSUPPORTED("P6\n320 240\n255\n", "PPM");
	UNSUPPORTED("P7\nWIDTH 4\n", "PAM");
	UNSUPPORTED("\x00\x00\x00\x0CjP  \r\n\x87\n\x00\x00\x00\x14"
		    "ftypjp2 ",
		    "JPEG 2000");
	UNSUPPORTED("\xFF\x4F\xFF\x51\x00\x2F", "JPEG 2000");
	UNSUPPORTED("\x00\x00\x00\x14"
		    "ftypjp2 \x00\x00\x00\x00"
		    "jp2 ",
		    "JPEG 2000");
	UNSUPPORTED("\xFF\x0A\xFA\x7F", "JPEG XL");
	UNSUPPORTED("\x00\x00\x00\x0CJXL \r\n\x87\n", "JPEG XL");
	UNSUPPORTED("\x00\x00\x01\x00\x01\x00\x10\x10\x00\x00\x01\x00"
		    "\x20\x00\x68\x04\x00\x00\x16\x00\x00\x00",
		    "ICO");
	UNSUPPORTED("8BPS\x00\x01\x00\x00\x00\x00", "PSD");
}

static void
test_not_images(void **state)
{
	const char *what = "unset";

	(void)state;
	/* Empty and NULL buffers. */
	assert_int_equal(sniff_format((const unsigned char *)"", 0, &what),
			 IMGOPT_FORMAT_ORIGINAL);
	assert_null(what);
	what = "unset";
	assert_int_equal(sniff_format(NULL, 0, &what),
			 IMGOPT_FORMAT_ORIGINAL);
	assert_null(what);

	NOT_IMAGE("hello, world\n");
	NOT_IMAGE("<!DOCTYPE html>\n<html><head><title>404 Not Found");
	NOT_IMAGE("<html><body>Not Found</body></html>");
	NOT_IMAGE("{\"quality\": {\"global\": 90}}");
	NOT_IMAGE("name\tkind\texpect\tnote\n");
	/* Text that starts like a BMP or a Netpbm file. */
	NOT_IMAGE("BM is the start of this sentence.");
	NOT_IMAGE("P9 is not a Netpbm type");
	NOT_IMAGE("Pizza");
	NOT_IMAGE("root:x:0:0:root:/root:/bin/bash\n");
	/* Four zero bytes are not an icon. */
	NOT_IMAGE("\x00\x00\x01\x00\x00\x00");
	NOT_IMAGE("\x1F\x8B\x08\x00");
	/* The 8BPS signature needs a known version. */
	NOT_IMAGE("8BPS\x00\x07");
}

/* Whatever comes after the first bytes does not change the answer, and a
 * short read of a long file still answers.
 */
static void
test_prefixes(void **state)
{
	static const char png[] = "\x89PNG\r\n\x1A\n\x00\x00\x00\x0DIHDR"
				  "\x00\x00\x01\x40\x00\x00\x00\xF0";
	unsigned char buf[SNIFF_BYTES];
	const char *what;
	size_t i;

	(void)state;
	memset(buf, 0xAA, sizeof(buf));
	memcpy(buf, png, sizeof(png) - 1);
	assert_int_equal(sniff_format(buf, sizeof(buf), &what),
			 IMGOPT_FORMAT_PNG);
	for (i = 0; i < 8; i++) {
		what = "unset";
		assert_int_equal(sniff_format(buf, i, &what),
				 IMGOPT_FORMAT_ORIGINAL);
		assert_null(what);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jpeg),
		cmocka_unit_test(test_png),
		cmocka_unit_test(test_webp),
		cmocka_unit_test(test_isobmff),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_not_images),
		cmocka_unit_test(test_prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

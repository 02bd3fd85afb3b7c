/* test_walk.c: the lazy folder walk and its documented rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "optimizer/walk.h"

static char root[] = "/tmp/imgopt-walk-XXXXXX";

static void
touch(const char *rel)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("x", f);
	fclose(f);
}

static void
mkd(const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static int
setup(void **state)
{
	char p[512], q[512];

	(void)state;
	if (!mkdtemp(root))
		return -1;
	mkd("sub");
	mkd("sub/deeper");
	mkd("optimized");
	mkd(".git");
	mkd("dir-named.jpg");
	touch("a.jpg");
	touch("B.PNG");
	touch("notes.txt");
	touch(".hidden.jpg");
	touch("sub/c.webp");
	touch("sub/deeper/d.avif");
	touch("optimized/a.jpg");
	touch(".git/x.jpg");
	snprintf(p, sizeof(p), "%s/loop-a.jpg", root);
	snprintf(q, sizeof(q), "%s/loop-b.jpg", root);
	if (symlink(q, p) || symlink(p, q))
		return -1;
	snprintf(p, sizeof(p), "%s/dangling.jpg", root);
	if (symlink("does-not-exist.jpg", p))
		return -1;
	snprintf(p, sizeof(p), "%s/link.jpg", root);
	if (symlink("a.jpg", p))
		return -1;
	snprintf(p, sizeof(p), "%s/linkdir", root);
	if (symlink("sub", p))
		return -1;
	snprintf(p, sizeof(p), "%s/fifo.jpg", root);
	if (mkfifo(p, 0644))
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

/* Find the entry whose path ends in rel; returns its kind or -1. */
struct seen {
	char path[512];
	char rel[512];
	int kind;
	char reason[160];
};

static int
walk_all(struct walk *w, struct seen *out, int max)
{
	const struct walk_entry *e;
	int n = 0;

	while ((e = walk_next(w)) != NULL) {
		assert_true(n < max);
		snprintf(out[n].path, sizeof(out[n].path), "%s", e->path);
		snprintf(out[n].rel, sizeof(out[n].rel), "%s", e->rel);
		snprintf(out[n].reason, sizeof(out[n].reason), "%s", e->reason);
		out[n].kind = e->kind;
		n++;
	}
	return n;
}

static const struct seen *
find(const struct seen *s, int n, const char *rel)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(s[i].rel, rel))
			return &s[i];
	static const struct seen none = {.kind = -1};

	fail_msg("no entry %s", rel);
	return &none; /* not reached: fail_msg jumps out */
}

static void
test_folder_rules(void **state)
{
	struct walk *w = walk_new(0, 0);
	struct seen s[64];
	int n;

	(void)state;
	walk_add(w, root);
	n = walk_all(w, s, 64);
	assert_int_equal(find(s, n, "a.jpg")->kind, WALK_FILE);
	assert_int_equal(find(s, n, "B.PNG")->kind, WALK_FILE);
	assert_int_equal(find(s, n, "sub/c.webp")->kind, WALK_FILE);
	assert_int_equal(find(s, n, "sub/deeper/d.avif")->kind, WALK_FILE);
	assert_int_equal(find(s, n, "link.jpg")->kind, WALK_FILE);
	assert_int_equal(find(s, n, "notes.txt")->kind, WALK_SKIPPED);
	assert_int_equal(find(s, n, ".hidden.jpg")->kind, WALK_SKIPPED);
	assert_int_equal(find(s, n, ".git")->kind, WALK_SKIPPED);
	assert_int_equal(find(s, n, "optimized")->kind, WALK_SKIPPED);
	assert_int_equal(find(s, n, "dir-named.jpg")->kind, WALK_SKIPPED);
	assert_int_equal(find(s, n, "linkdir")->kind, WALK_SKIPPED);
	assert_int_equal(find(s, n, "loop-a.jpg")->kind, WALK_ERROR);
	assert_non_null(strstr(find(s, n, "loop-a.jpg")->reason,
			       "too many levels of symbolic links"));
	assert_string_equal(find(s, n, "dangling.jpg")->reason,
			    "broken symlink");
	assert_int_equal(find(s, n, "fifo.jpg")->kind, WALK_ERROR);
	assert_string_equal(find(s, n, "fifo.jpg")->reason,
			    "not a regular file (fifo)");
	/* Every entry once, nothing from inside skipped folders. */
	assert_int_equal(n, 15);
	walk_free(w);
}

static void
test_arguments(void **state)
{
	struct walk *w = walk_new(0, 0);
	struct seen s[8];
	char p[512];
	int n;

	(void)state;
	snprintf(p, sizeof(p), "%s/notes.txt", root);
	walk_add(w, p); /* named explicitly: taken whatever its name */
	snprintf(p, sizeof(p), "%s/missing.jpg", root);
	walk_add(w, p);
	snprintf(p, sizeof(p), "%s/sub/", root);
	walk_add(w, p);
	snprintf(p, sizeof(p), "%s/dir-named.jpg", root);
	walk_add(w, p); /* an empty folder named explicitly is reported */
	n = walk_all(w, s, 8);
	assert_int_equal(n, 5);
	assert_int_equal(s[4].kind, WALK_SKIPPED);
	assert_string_equal(s[4].reason, "empty folder");
	assert_int_equal(s[0].kind, WALK_FILE);
	assert_string_equal(s[0].rel, "notes.txt");
	assert_int_equal(s[1].kind, WALK_ERROR);
	assert_string_equal(s[1].reason, "no such file or directory");
	assert_int_equal(find(s, n, "c.webp")->kind, WALK_FILE);
	assert_non_null(strstr(find(s, n, "c.webp")->path, "/sub/c.webp"));
	assert_null(strstr(find(s, n, "c.webp")->path, "//"));
	assert_int_equal(find(s, n, "deeper/d.avif")->kind, WALK_FILE);
	walk_free(w);
}

static void
test_exclude_output_dir(void **state)
{
	struct walk *w;
	struct seen s[64];
	struct stat st;
	char p[512];
	int n;

	(void)state;
	snprintf(p, sizeof(p), "%s/sub/deeper", root);
	assert_int_equal(stat(p, &st), 0);
	w = walk_new(st.st_dev, st.st_ino);
	snprintf(p, sizeof(p), "%s/sub", root);
	walk_add(w, p);
	n = walk_all(w, s, 64);
	assert_int_equal(n, 2);
	assert_int_equal(find(s, n, "deeper")->kind, WALK_SKIPPED);
	walk_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folder_rules),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_exclude_output_dir),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/* cmd_bench.c: `imgopt bench`: the same images at several process counts,
 * into a temporary folder, with a scaling table.  Filled in by the pool
 * issue's benchmark work.
 */
#include <stdio.h>

#include "commands.h"

int
cmd_bench(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "imgopt bench: not available in this build\n");
	return EXIT_USAGE;
}

/* main.c: imgopt's entry point: pick the command, run it.
 *
 * The first argument may name a command; anything else is the default
 * optimize command (so `imgopt photos/` just works).  `__worker` is the
 * hidden mode the process pool spawns: the same binary, so parent and
 * workers always agree on the wire format.
 */
#include <stdio.h>
#include <string.h>

#include "commands/commands.h"
#include "worker/worker.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
	{"bench", cmd_bench},
	{"compare", cmd_compare},
	{"serve", cmd_serve},
	{"__worker", worker_main},
};

int
main(int argc, char **argv)
{
	if (argc > 1)
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]);
		     i++)
			if (!strcmp(argv[1], commands[i].name))
				return commands[i].fn(argc - 1, argv + 1);
	return cmd_optimize(argc, argv);
}

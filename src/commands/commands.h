/* commands.h: the command layer: argv in, text or JSON out, exit codes.
 *
 * Exit codes are chosen here and only here: 0 every image succeeded,
 * 1 some image failed, 2 usage or settings error, 130 interrupted.
 */
#ifndef IMGOPT_COMMANDS_H
#define IMGOPT_COMMANDS_H

#define EXIT_ALL_OK 0
#define EXIT_SOME_FAILED 1
#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130

/* `imgopt [options] PATH...` */
int cmd_optimize(int argc, char **argv);

/* `imgopt bench [--jobs 1,2,4] [--repeat N] PATH...` */
int cmd_bench(int argc, char **argv);

#endif

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

/* `imgopt compare [--json] [--resize-reference] A B`: the SSIM of B
 * against A; 1 when an image cannot be read or the sizes differ, 2 on a
 * usage error.
 */
int cmd_compare(int argc, char **argv);

/* `imgopt serve [--host 127.0.0.1] [--port 8080] [--jobs N]`: the page
 * and the JSON command API; runs until SIGINT/SIGTERM (exit 130), 1 when
 * it cannot start, 2 on a usage error.
 */
int cmd_serve(int argc, char **argv);

#endif

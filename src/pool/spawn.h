/* spawn.h: start one worker process with posix_spawn.
 *
 * The child gets the caller's socket end as fd 3 and nothing else beyond
 * stdin, stdout and stderr: every other descriptor is closed in the child
 * whether or not it was opened close-on-exec.  Its signal mask is empty and
 * SIGINT, SIGTERM, SIGCHLD and SIGPIPE are back at their defaults, whatever
 * the parent blocked or ignored.  The child stays in the parent's process
 * group, so a terminal's ^C reaches the workers as well as the parent.
 */
#ifndef IMGOPT_SPAWN_H
#define IMGOPT_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

/* The descriptor the worker finds its socket on. */
#define SPAWN_CHILD_FD 3

/* Run argv (NULL-terminated, argv[0] a path, or a name looked up in PATH)
 * with "--parent-pid" and getpid() appended and child_fd as fd 3.
 * child_fd stays open in the parent (the caller closes it).  Returns the
 * pid, or -1 with a message in err ("cannot start worker '...': ...")
 * when the program cannot be run: glibc reports exec failures from
 * posix_spawn itself.
 */
pid_t spawn_worker(char *const *argv, int child_fd, char *err,
		   size_t err_size);

#endif

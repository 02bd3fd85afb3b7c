/* spawn.c: posix_spawn of a worker with its socket mapped to fd 3 (h2o's
 * serverutil.c fd map).
 *
 * posix_spawn rather than fork: the parent may be large, and glibc's
 * posix_spawn (clone with CLONE_VFORK) neither copies the address space
 * nor leaves a window where a half-made child runs parent code.  Since
 * glibc 2.24 an exec failure comes back as posix_spawn's return value, so
 * a missing binary is an error here, not a mysterious early death.
 */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* posix_spawn argv + "--parent-pid N" with child_fd on fd 3. */
pid_t
spawn_worker(char *const *argv, int child_fd, char *err, size_t err_size)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, defaults;
	char pidbuf[24];
	char **av;
	size_t n = 0;
	int tmp_fd = -1;
	int src_fd = child_fd;
	pid_t pid = -1;
	int rc;

	if (!argv || !argv[0] || child_fd < 0) {
		snprintf(err, err_size, "cannot start worker: no command");
		return -1;
	}
	while (argv[n])
		n++;
	av = calloc(n + 3, sizeof(*av));
	if (!av) {
		snprintf(err, err_size, "cannot start worker: out of memory");
		return -1;
	}
	memcpy(av, argv, n * sizeof(*av));
	snprintf(pidbuf, sizeof(pidbuf), "%ld", (long)getpid());
	av[n] = "--parent-pid";
	av[n + 1] = pidbuf;
	av[n + 2] = NULL;

	/* dup2(3, 3) would leave close-on-exec set on older libcs: move the
	 * end out of the way first.
	 */
	if (child_fd == SPAWN_CHILD_FD) {
		tmp_fd = fcntl(child_fd, F_DUPFD_CLOEXEC, SPAWN_CHILD_FD + 1);
		if (tmp_fd < 0) {
			snprintf(err, err_size, "cannot start worker '%s': %s",
				 argv[0], strerror(errno));
			free(av);
			return -1;
		}
		src_fd = tmp_fd;
	}

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGINT);
	sigaddset(&defaults, SIGTERM);
	sigaddset(&defaults, SIGCHLD);
	sigaddset(&defaults, SIGPIPE);
	rc = posix_spawn_file_actions_adddup2(&fa, src_fd, SPAWN_CHILD_FD);
#if defined(__GLIBC__) && \
	(__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	/* Close-on-exec is the rule for the parent's fds, but one fd opened
	 * elsewhere without it (another layer, a library) must not leak
	 * into every worker and keep files or sockets alive.
	 */
	if (!rc)
		rc = posix_spawn_file_actions_addclosefrom_np(
			&fa, SPAWN_CHILD_FD + 1);
#endif
	if (!rc)
		rc = posix_spawnattr_setsigmask(&attr, &none);
	if (!rc)
		rc = posix_spawnattr_setsigdefault(&attr, &defaults);
	if (!rc)
		rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
						      POSIX_SPAWN_SETSIGDEF);
	if (!rc)
		rc = posix_spawnp(&pid, av[0], &fa, &attr, av, environ);
	if (rc) {
		snprintf(err, err_size, "cannot start worker '%s': %s",
			 argv[0], strerror(rc));
		pid = -1;
	}
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (tmp_fd >= 0)
		close(tmp_fd);
	free(av);
	return pid;
}

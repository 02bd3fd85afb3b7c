/* worker.h: the far end of the pool, the only caller of codec/.
 *
 * `imgopt __worker --threads N --memory MB --parent-pid PID` is spawned by
 * the pool with its socket on fd 3.  It dies with its parent
 * (PR_SET_PDEATHSIG, then a getppid() check against PID, because the death
 * signal follows the thread that spawned it), bounds its heap with
 * RLIMIT_DATA, starts libvips once, sends READY and then answers TASK
 * frames one by one until QUIT or EOF.  Workers never print: errors travel
 * in the reply.
 */
#ifndef IMGOPT_WORKER_H
#define IMGOPT_WORKER_H

/* The worker's socket, as the pool maps it. */
#define WORKER_FD 3

/* argv[0] is "__worker".  Returns the process exit status. */
int worker_main(int argc, char **argv);

#endif

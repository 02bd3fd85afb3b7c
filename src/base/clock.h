/* clock.h: monotonic time in nanoseconds. */
#ifndef IMGOPT_CLOCK_H
#define IMGOPT_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC, ns.  Only differences are meaningful. */
uint64_t clock_now_ns(void);

#endif

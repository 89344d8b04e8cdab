#define _GNU_SOURCE
#include "csystem.h"
#include <string.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/syscall.h>

void gk_openlog(const char *ident, int facility) {
  static char *kept = NULL;
  free(kept);
  kept = strdup(ident);
  openlog(kept ? kept : "gatekeeper", LOG_PID | LOG_NDELAY, facility);
}

void gk_syslog(int priority, const char *message) { syslog(priority, "%s", message); }

int gk_ioprio_set(int ioclass, int level) {
  /* IOPRIO_WHO_PROCESS = 1; class in the top bits (shift 13). */
  return (int)syscall(SYS_ioprio_set, 1, 0, (ioclass << 13) | level);
}

void gk_close_from(int first) {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, (unsigned)first, ~0U, 0U) == 0) return;
#endif
  long max = sysconf(_SC_OPEN_MAX);
  if (max < 0 || max > 65536) max = 65536;
  for (int fd = first; fd < max; fd++) close(fd);
}

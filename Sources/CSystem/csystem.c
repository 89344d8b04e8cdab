#define _GNU_SOURCE
#include "csystem.h"
#include <string.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
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

void gk_close_from_except(int first, int keep) {
  if (keep < first) {
    gk_close_from(first);
    return;
  }
  for (int fd = first; fd < keep; fd++) close(fd);
  gk_close_from(keep + 1);
}

static volatile sig_atomic_t caught = 0;
static const int watched[] = {SIGHUP, SIGINT, SIGPIPE, SIGTERM};
#define WATCHED (sizeof watched / sizeof watched[0])
static struct sigaction saved[WATCHED];

static void on_signal(int sig) { caught = sig; }

void gk_catch_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (unsigned i = 0; i < WATCHED; i++) sigaction(watched[i], &sa, &saved[i]);
}

int gk_caught_signal(void) { return caught; }

void gk_release_signals(void) {
  for (unsigned i = 0; i < WATCHED; i++) sigaction(watched[i], &saved[i], NULL);
}

int gk_wait_readable(int fd, int ms) {
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, ms);
}

int gk_execveat(int fd, char *const argv[], char *const envp[]) {
  return (int)syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
}

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

struct gk_ruleset_attr {
  unsigned long long handled_access_fs;
  unsigned long long handled_access_net; /* ABI 4 */
  unsigned long long scoped;             /* ABI 6 */
};

struct gk_path_beneath_attr {
  unsigned long long allowed_access;
  int parent_fd;
} __attribute__((packed));

int gk_landlock_abi(void) {
  return (int)syscall(SYS_landlock_create_ruleset, NULL, 0UL, 1U /* VERSION */);
}

int gk_landlock_create_ruleset(unsigned long long handled_fs, unsigned long long handled_net,
                               unsigned long long scoped, int abi) {
  struct gk_ruleset_attr attr = {handled_fs, handled_net, scoped};
  size_t size = abi >= 6 ? 24 : abi >= 4 ? 16 : 8;
  return (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0U);
}

int gk_landlock_add_path(int ruleset_fd, unsigned long long allowed, int parent_fd) {
  struct gk_path_beneath_attr attr = {allowed, parent_fd};
  return (int)syscall(SYS_landlock_add_rule, ruleset_fd, 1 /* PATH_BENEATH */, &attr, 0U);
}

int gk_landlock_restrict(int ruleset_fd) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return (int)syscall(SYS_landlock_restrict_self, ruleset_fd, 0U);
}

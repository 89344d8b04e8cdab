// Thin C shims for the few system calls Swift cannot reach directly:
// variadic functions (syslog, syscall) are not imported into Swift.
#ifndef GATEKEEPER_CSYSTEM_H
#define GATEKEEPER_CSYSTEM_H

/// openlog(3) with a copy of ident kept alive for the process lifetime.
void gk_openlog(const char *ident, int facility);
/// syslog(3) of one preformatted message, always with a constant "%s" format.
void gk_syslog(int priority, const char *message);
/// ioprio_set(2) for the calling process; returns 0 or -1 with errno set.
int gk_ioprio_set(int ioclass, int level);
/// close_range(2) from `first` upward; falls back to a close(2) loop.
void gk_close_from(int first);
/// gk_close_from(first), except descriptor `keep`.
void gk_close_from_except(int first, int keep);
/// Catches SIGHUP, SIGINT, SIGPIPE and SIGTERM (no SA_RESTART, so a blocked
/// read or poll returns EINTR) until gk_release_signals(); the last one
/// caught is returned by gk_caught_signal() (0: none).
void gk_catch_signals(void);
int gk_caught_signal(void);
/// Restores the default action of the signals gk_catch_signals() caught.
void gk_release_signals(void);
/// poll(2) for input on `fd` for at most `ms` milliseconds: 1 readable (or
/// hung up), 0 timed out, -1 with errno set (EINTR: a signal).
int gk_wait_readable(int fd, int ms);
/// execveat(fd, "", argv, envp, AT_EMPTY_PATH): runs the file open at `fd`
/// (O_PATH is enough). Returns only on failure, -1 with errno set.
int gk_execveat(int fd, char *const argv[], char *const envp[]);


// Landlock (linux/landlock.h), declared here so the build does not depend on
// the installed kernel headers' version. Each returns what the system call
// returns (-1 with errno set on failure).

/// open(2)'s O_PATH (Linux, the same value on every architecture Swift
/// supports), which Swift's Glibc module does not export.
#define GK_O_PATH 010000000

/// landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION): the
/// kernel's Landlock ABI, or -1 (ENOSYS: not built in; EOPNOTSUPP: disabled).
int gk_landlock_abi(void);
/// landlock_create_ruleset with the attribute size that matches `abi`
/// (8 bytes up to ABI 3, 16 with network rights, 24 with scopes).
int gk_landlock_create_ruleset(unsigned long long handled_fs, unsigned long long handled_net,
                               unsigned long long scoped, int abi);
/// landlock_add_rule(LANDLOCK_RULE_PATH_BENEATH) for the file or directory
/// open at `parent_fd` (O_PATH).
int gk_landlock_add_path(int ruleset_fd, unsigned long long allowed, int parent_fd);
/// prctl(PR_SET_NO_NEW_PRIVS, 1) then landlock_restrict_self(ruleset_fd).
int gk_landlock_restrict(int ruleset_fd);

#endif

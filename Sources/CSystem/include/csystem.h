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

#endif

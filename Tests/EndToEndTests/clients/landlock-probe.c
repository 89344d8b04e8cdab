/* A stand-in for rsync or tar that tries what a wrong option-table row
 * could make the real tool do, and prints one line per attempt:
 * "NAME ok" or "NAME ERRNO-TEXT". Run as a policy's exec= program by the
 * confinement tests, with the argv gatekeeper rebuilt: the root R is the
 * last absolute argument (rsync) or the value of --directory= (tar). The
 * test prepares R/f-* files, R/port (a TCP port it listens on),
 * R/../outside/secret and R/link, a symbolic link to R/../outside. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[4096];

static const char *in(const char *name) {
  static char buf[8][4200];
  static int next;
  char *b = buf[next++ % 8];
  snprintf(b, sizeof buf[0], "%s/%s", root, name);
  return b;
}

static void report(const char *name, int rc) {
  printf("%s %s\n", name, rc == 0 ? "ok" : strerror(errno));
  fflush(stdout);
}

static int opened(int fd) {
  if (fd < 0) return -1;
  close(fd);
  return 0;
}

/* Runs argv in a child; 0 when it exited 0, else -1 with errno set to the
 * exec error (EACCES...) or to EPERM for any other failure. */
static int run(char *const argv[]) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    dup2(2, 1);
    execv(argv[0], argv);
    _exit(100 + errno);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return 0;
  errno = WIFEXITED(st) && WEXITSTATUS(st) > 100 ? WEXITSTATUS(st) - 100 : EPERM;
  return -1;
}

static int tcp(int connecting) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) return -1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (connecting) {
    FILE *f = fopen(in("port"), "r");
    int port = 0;
    if (!f || fscanf(f, "%d", &port) != 1) {
      if (f) fclose(f);
      close(s);
      errno = ENOENT;
      return -1;
    }
    fclose(f);
    a.sin_port = htons((unsigned short)port);
  }
  int rc = connecting ? connect(s, (struct sockaddr *)&a, sizeof a) : bind(s, (struct sockaddr *)&a, sizeof a);
  int e = errno;
  close(s);
  errno = e;
  return rc;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--directory=", 12) == 0) snprintf(root, sizeof root, "%s", argv[i] + 12);
    else if (argv[i][0] == '/') snprintf(root, sizeof root, "%s", argv[i]);
  }
  size_t n = strlen(root);
  while (n > 1 && root[n - 1] == '/') root[--n] = 0;
  if (!n) {
    fprintf(stderr, "probe: no root in argv\n");
    return 2;
  }
  char secret[4200], outside[4200];
  snprintf(secret, sizeof secret, "%s/../outside/secret", root);
  snprintf(outside, sizeof outside, "%s/../outside/new", root);

  report("read-inside", opened(open(in("f-read"), O_RDONLY)));
  report("read-outside", opened(open(secret, O_RDONLY)));
  report("read-via-link", opened(open(in("link/secret"), O_RDONLY)));
  report("create", opened(open(in("new"), O_CREAT | O_EXCL | O_WRONLY, 0644)));
  report("create-outside", opened(open(outside, O_CREAT | O_EXCL | O_WRONLY, 0644)));
  report("write", opened(open(in("f-write"), O_WRONLY | O_APPEND)));
  report("truncate", truncate(in("f-trunc"), 0));
  report("unlink", unlink(in("f-unlink")));
  report("rename", rename(in("f-rename"), in("renamed")));
  report("mkdir", mkdir(in("newdir"), 0755));
  report("symlink", symlink("/etc/shadow", in("newlink")));
  report("mkfifo", mkfifo(in("fifo"), 0644));
  char *id[] = {"/usr/bin/id", NULL};
  report("exec", run(id));
  char *sh[] = {"/bin/sh", "-c", "/usr/bin/id", NULL};
  report("exec-sh", run(sh));
  report("connect", tcp(1));
  report("bind", tcp(0));
  return 0;
}

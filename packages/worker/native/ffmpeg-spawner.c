/*
 * ffmpeg-spawner: starts the worker's ffmpeg processes so that the worker
 * never fork()s itself (docs/adr/0040).
 *
 * Why: Node starts a child with fork() + exec(). A fork copies the page
 * tables of the whole worker (100+ MB of V8 heap), the event loop waits until
 * the child has exec()d, and the child then tears its copy down again; with
 * setpriv in front (PR_SET_PDEATHSIG) there is a second exec. Measured here:
 * 5-7 ms of CPU per ffmpeg, against 0.7 ms for a vfork-style spawn from a
 * small process, which is what this one does (clone(CLONE_VM|CLONE_VFORK):
 * nothing is copied, and the parent sleeps only until the exec).
 *
 * Protocol, on stdin and stdout (ids are the worker's, unique while running):
 *   start   -> "ready ffmpeg-spawner 1\n"
 *   request <- "spawn <id> <length>\n" + <length> bytes of NUL-terminated
 *              fields: the worker's descriptors for the child's fd 3, 4, ...
 *              (comma-separated, maybe empty), the program, its arguments.
 *           <- "kill <id> <signal number>\n": to the child's process group.
 *   answer  -> "spawned <id> <pid>\n", or "failed <id> <errno name>\n" when
 *              the descriptors could not be taken or the exec failed;
 *              "out <id> <length>\n" / "err <id> <length>\n" + bytes: what
 *              the child wrote to stdout / stderr;
 *              "exit <id> <status> <signal>\n" once it is reaped and both
 *              pipes are closed (one of the two numbers is -1).
 *
 * The child gets /dev/null as stdin, pipes as stdout and stderr, leads a
 * process group of its own, dies with this process (PR_SET_PDEATHSIG), and
 * its fd 3, 4, ... are the worker's descriptors, reopened through
 * /proc/<worker>/fd/<n> as O_PATH: ffmpeg opens them by path anyway
 * (file:/dev/fd/3, docs/adr/0020), which reopens the very file.
 *
 * This process dies with the worker (PR_SET_PDEATHSIG), so every child does
 * too; when the worker closes stdin, the children are killed and it exits.
 *
 * Usage: ffmpeg-spawner <worker pid>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CHILDREN 256 /* MAX_CONCURRENT_JOBS is at most 64; room for ffmpeg still stopping */
#define MAX_FDS 8
#define MAX_ARGS 4096
#define MAX_REQUEST (4 * 1024 * 1024)
#define CHUNK 65536
#define CHILD_STACK (256 * 1024)

typedef struct {
  int used;
  long id;
  pid_t pid;
  int out, err; /* read ends; -1 once at EOF */
  int reaped, status;
} child_t;

static child_t children[MAX_CHILDREN];
static pid_t worker;
static int devnull;

/* What the clone()d child needs; it shares this process's memory until exec. */
typedef struct {
  char **argv;
  int fds[MAX_FDS];
  int nfds;
  int out, err;
  pid_t parent;
  sigset_t mask;
  volatile int exec_errno;
} launch_t;

static void write_all(const char *data, size_t length) {
  while (length > 0) {
    ssize_t n = write(1, data, length);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(0); /* the worker is gone; PR_SET_PDEATHSIG takes the children */
    data += n;
    length -= (size_t)n;
  }
}

static void say(const char *format, ...) {
  char line[256];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(line, sizeof line, format, args);
  va_end(args);
  if (n < 0) return;
  write_all(line, n < (int)sizeof line ? (size_t)n : sizeof line - 1);
}

static const char *errno_name(int error) {
  switch (error) {
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case ENOEXEC: return "ENOEXEC";
    case ENOTDIR: return "ENOTDIR";
    case EBADF: return "EBADF";
    case E2BIG: return "E2BIG";
    case ENOMEM: return "ENOMEM";
    case EAGAIN: return "EAGAIN";
    case EMFILE: return "EMFILE";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    default: return "EIO";
  }
}

/* Runs in the child, on its own stack, sharing memory with the parent until exec. */
static int launch(void *arg) {
  launch_t *l = arg;
  int high[MAX_FDS];
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != l->parent) _exit(127); /* this process died before the line above */
  /* Dispositions this process set (ignored) and its mask survive exec: undo them. */
  signal(SIGPIPE, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGHUP, SIG_DFL);
  sigprocmask(SIG_SETMASK, &l->mask, NULL);
  /* Above every target first, so that no dup2 below overwrites a source. */
  for (int i = 0; i < l->nfds; i++) {
    high[i] = fcntl(l->fds[i], F_DUPFD, 3 + MAX_FDS);
    if (high[i] < 0) goto failed;
  }
  if (dup2(devnull, 0) < 0 || dup2(l->out, 1) < 0 || dup2(l->err, 2) < 0) goto failed;
  for (int i = 0; i < l->nfds; i++) {
    if (dup2(high[i], 3 + i) < 0) goto failed;
  }
  /* Everything else this process holds is O_CLOEXEC; these copies are not. */
  for (int i = 0; i < l->nfds; i++) close(high[i]);
  execvp(l->argv[0], l->argv);
failed:
  l->exec_errno = errno ? errno : EIO;
  _exit(127);
}

static child_t *find(long id) {
  for (int i = 0; i < MAX_CHILDREN; i++) {
    if (children[i].used && children[i].id == id) return &children[i];
  }
  return NULL;
}

/* The payload's NUL-terminated fields: descriptor list, program, arguments. */
static void spawn_child(long id, char *payload, size_t length) {
  static char stack[CHILD_STACK] __attribute__((aligned(16)));
  static char *argv[MAX_ARGS + 1];
  launch_t l = {.argv = argv, .nfds = 0, .exec_errno = 0};
  int pipes[2][2] = {{-1, -1}, {-1, -1}};
  int error = 0, argc = 0;
  child_t *slot = NULL;

  if (length == 0 || payload[length - 1] != '\0') {
    say("failed %ld EINVAL\n", id);
    return;
  }
  for (int i = 0; i < MAX_CHILDREN && !slot; i++) {
    if (!children[i].used) slot = &children[i];
  }
  if (!slot || find(id)) {
    say("failed %ld %s\n", id, slot ? "EINVAL" : "EAGAIN");
    return;
  }
  char *field = payload, *end = payload + length;
  char *fd_list = field;
  field += strlen(field) + 1;
  while (field < end && argc < MAX_ARGS) {
    argv[argc++] = field;
    field += strlen(field) + 1;
  }
  argv[argc] = NULL;
  if (argc == 0 || field < end) {
    say("failed %ld %s\n", id, argc == 0 ? "EINVAL" : "E2BIG");
    return;
  }
  for (char *item = strtok(fd_list, ","); item; item = strtok(NULL, ",")) {
    char path[64];
    if (l.nfds == MAX_FDS) {
      error = EMFILE;
      goto done;
    }
    snprintf(path, sizeof path, "/proc/%d/fd/%ld", (int)worker, strtol(item, NULL, 10));
    l.fds[l.nfds] = open(path, O_PATH | O_CLOEXEC);
    if (l.fds[l.nfds] < 0) {
      error = errno;
      goto done;
    }
    l.nfds++;
  }
  if (pipe2(pipes[0], O_CLOEXEC) < 0 || pipe2(pipes[1], O_CLOEXEC) < 0) {
    error = errno;
    goto done;
  }
  l.out = pipes[0][1];
  l.err = pipes[1][1];
  sigemptyset(&l.mask);
  l.parent = getpid();
  pid_t pid = clone(launch, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &l);
  if (pid < 0) {
    error = errno;
    goto done;
  }
  if (l.exec_errno) {
    error = l.exec_errno;
    waitpid(pid, NULL, 0);
    goto done;
  }
  fcntl(pipes[0][0], F_SETFL, O_NONBLOCK);
  fcntl(pipes[1][0], F_SETFL, O_NONBLOCK);
  *slot = (child_t){.used = 1, .id = id, .pid = pid, .out = pipes[0][0], .err = pipes[1][0]};
  pipes[0][0] = pipes[1][0] = -1;
  say("spawned %ld %d\n", id, (int)pid);
done:
  for (int i = 0; i < 2; i++) {
    for (int j = 0; j < 2; j++) {
      if (pipes[i][j] >= 0) close(pipes[i][j]);
    }
  }
  for (int i = 0; i < l.nfds; i++) close(l.fds[i]);
  if (error) say("failed %ld %s\n", id, errno_name(error));
}

/*
 * To the group, which outlives its leader while anything in it runs (and
 * while it does, no new process can get its number). The leader alone only
 * before it is reaped: after that its pid may be someone else's.
 */
static void kill_child(long id, int signal_number) {
  child_t *child = find(id);
  if (!child) return;
  if (kill(-child->pid, signal_number) < 0 && !child->reaped) kill(child->pid, signal_number);
}

static void reap(void) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (int i = 0; i < MAX_CHILDREN; i++) {
      if (children[i].used && children[i].pid == pid) {
        children[i].reaped = 1;
        children[i].status = status;
      }
    }
  }
}

/* One chunk of a child's output as a frame; -1 at EOF. */
static int forward(const char *kind, child_t *child, int fd) {
  static char chunk[CHUNK];
  ssize_t n = read(fd, chunk, sizeof chunk);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return fd;
  if (n <= 0) {
    close(fd);
    return -1;
  }
  say("%s %ld %zd\n", kind, child->id, n);
  write_all(chunk, (size_t)n);
  return fd;
}

static void report_finished(void) {
  for (int i = 0; i < MAX_CHILDREN; i++) {
    child_t *child = &children[i];
    if (!child->used || !child->reaped || child->out >= 0 || child->err >= 0) continue;
    int status = child->status;
    say("exit %ld %d %d\n", child->id, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
        WIFSIGNALED(status) ? WTERMSIG(status) : -1);
    child->used = 0;
  }
}

/* A complete request at the start of buffer: its length, 0 if incomplete, -1 if malformed. */
static long handle_request(char *buffer, size_t length) {
  char *newline = memchr(buffer, '\n', length);
  if (!newline) return length > 256 ? -1 : 0;
  *newline = '\0';
  long id, number;
  if (sscanf(buffer, "kill %ld %ld", &id, &number) == 2) {
    kill_child(id, (int)number);
  } else if (sscanf(buffer, "spawn %ld %ld", &id, &number) == 2 && number > 0 && number <= MAX_REQUEST) {
    size_t header = (size_t)(newline - buffer) + 1;
    if (length - header < (size_t)number) {
      *newline = '\n';
      return 0;
    }
    spawn_child(id, newline + 1, (size_t)number);
    return (long)(header + (size_t)number);
  } else {
    return -1;
  }
  return newline - buffer + 1;
}

static void kill_all_and_exit(int code) {
  for (int i = 0; i < MAX_CHILDREN; i++) {
    if (children[i].used && !children[i].reaped) kill(-children[i].pid, SIGKILL);
  }
  while (wait(NULL) > 0 || errno == EINTR) {
  }
  exit(code);
}

int main(int argc, char **argv) {
  if (argc != 2 || (worker = (pid_t)strtol(argv[1], NULL, 10)) <= 1) {
    fprintf(stderr, "usage: ffmpeg-spawner <worker pid>\n");
    return 2;
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != worker) return 1; /* the worker died before the line above */
  /* The worker stops its ffmpeg processes itself; a signal to the whole group must not. */
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sigchld = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (sigchld < 0 || devnull < 0 || fcntl(0, F_SETFD, FD_CLOEXEC) < 0 || fcntl(1, F_SETFD, FD_CLOEXEC) < 0) {
    return 1;
  }
  say("ready ffmpeg-spawner 1\n");

  size_t capacity = 65536, used = 0;
  char *buffer = malloc(capacity);
  int input_open = 1;
  struct pollfd fds[2 + 2 * MAX_CHILDREN];
  while (input_open) {
    int n = 0;
    fds[n++] = (struct pollfd){.fd = 0, .events = POLLIN};
    fds[n++] = (struct pollfd){.fd = sigchld, .events = POLLIN};
    for (int i = 0; i < MAX_CHILDREN; i++) {
      fds[n++] = (struct pollfd){.fd = children[i].used ? children[i].out : -1, .events = POLLIN};
      fds[n++] = (struct pollfd){.fd = children[i].used ? children[i].err : -1, .events = POLLIN};
    }
    if (poll(fds, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      kill_all_and_exit(1);
    }
    if (fds[1].revents) {
      struct signalfd_siginfo info;
      while (read(sigchld, &info, sizeof info) > 0) {
      }
      reap();
    }
    for (int i = 0; i < MAX_CHILDREN; i++) {
      if (fds[2 + 2 * i].revents) children[i].out = forward("out", &children[i], children[i].out);
      if (fds[3 + 2 * i].revents) children[i].err = forward("err", &children[i], children[i].err);
    }
    if (fds[0].revents) {
      if (used == capacity) {
        if (capacity >= MAX_REQUEST + 256) kill_all_and_exit(1);
        capacity *= 2;
        buffer = realloc(buffer, capacity);
        if (!buffer) kill_all_and_exit(1);
      }
      ssize_t got = read(0, buffer + used, capacity - used);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        input_open = 0;
      } else {
        used += (size_t)got;
        long taken = 0;
        while (used > 0 && (taken = handle_request(buffer, used)) > 0) {
          memmove(buffer, buffer + taken, used - (size_t)taken);
          used -= (size_t)taken;
        }
        if (used > 0 && taken < 0) kill_all_and_exit(1); /* the worker would never send that */
      }
    }
    report_finished();
  }
  kill_all_and_exit(0);
}

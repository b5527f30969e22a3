/*
 * dnslab timeshift: shifts CLOCK_REALTIME (clock_gettime, gettimeofday, time)
 * by a whole number of seconds read from the file named by
 * $DNSLAB_TIMESHIFT_FILE ("+86400", "-120"), re-read on every call, so the lab
 * can jump a real resolver's wall clock in step with its own RealClock.
 *
 * Why not libfaketime here: BIND 9.18 (named) and Knot Resolver 5.6 (kresd)
 * on Debian 12 link jemalloc, whose initialisation calls clock_gettime before
 * libfaketime 0.9.10 has resolved its real clock_gettime; libfaketime then
 * aborts with "Unexpected recursive calls to clock_gettime()". This shim never
 * allocates and never calls dlsym: it asks the kernel directly (syscall), so
 * it cannot recurse. Monotonic clocks are left alone (timers keep real pace).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int shift_fd = -2;
static long long last_offset = 0;

static long long offset_seconds(void) {
  if (shift_fd == -2) {
    const char *f = getenv("DNSLAB_TIMESHIFT_FILE");
    shift_fd = f ? open(f, O_RDONLY | O_CLOEXEC) : -1;
  }
  if (shift_fd < 0) return 0;
  char buf[32];
  ssize_t n = pread(shift_fd, buf, sizeof buf - 1, 0);
  /* A read while the lab rewrites the file may see it empty: keep the last value. */
  if (n <= 0) return last_offset;
  buf[n] = 0;
  last_offset = strtoll(buf, NULL, 10);
  return last_offset;
}

static int real_clock(clockid_t id, struct timespec *ts) {
  return (int)syscall(SYS_clock_gettime, id, ts);
}

int clock_gettime(clockid_t id, struct timespec *ts) {
  int r = real_clock(id, ts);
  if (r == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) ts->tv_sec += offset_seconds();
  return r;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
  (void)tz;
  struct timespec ts;
  int r = real_clock(CLOCK_REALTIME, &ts);
  if (r != 0) return r;
  if (tv) {
    tv->tv_sec = ts.tv_sec + offset_seconds();
    tv->tv_usec = ts.tv_nsec / 1000;
  }
  return 0;
}

time_t time(time_t *t) {
  struct timespec ts;
  if (real_clock(CLOCK_REALTIME, &ts) != 0) return (time_t)-1;
  time_t now = ts.tv_sec + offset_seconds();
  if (t) *t = now;
  return now;
}

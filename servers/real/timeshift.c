/*
 * dnslab timeshift: moves a real resolver's clocks with the lab's RealClock.
 *
 * The file named by $DNSLAB_TIMESHIFT_FILE holds "+OFFSET" (whole seconds,
 * e.g. "+86400", "-120"), optionally followed by " xRATE aANCHOR mMONO jJUMPED"
 * (an integer rate; the host's CLOCK_REALTIME in ms and its CLOCK_MONOTONIC in
 * ns when that rate began; the whole seconds the lab has jumped forward
 * since). It is re-read on every
 * call, so the lab can jump the product's clocks in step with its own
 * RealClock (net/clock.ts computes the same function):
 *
 *   realtime  = host realtime + OFFSET + (host realtime - ANCHOR) * (RATE - 1)
 *   monotonic = host monotonic + (host monotonic - MONO) * (RATE - 1) + JUMPED
 *
 * With RATE 1 (or no rate) only CLOCK_REALTIME moves, by OFFSET, and
 * everything else is the kernel's. With RATE > 1 the product lives RATE times
 * faster, and a lab jump moves its monotonic clock too, as libfaketime does by
 * default (so a retransmission timer pending across a jump fires at once, as
 * it would have during the skipped time): both clocks run RATE times faster
 * and every timed wait it asks the
 * kernel for (epoll_wait, poll, select, nanosleep, usleep, sleep,
 * clock_nanosleep, pthread_cond_timedwait, timerfd_settime) lasts 1/RATE as
 * long, so its retransmission timers (which run on the monotonic clock, or on
 * poll/epoll timeouts computed from gettimeofday) keep their length in lab time
 * while taking 1/RATE of the real time. Used for scenarios whose claims are
 * about minutes and hours but whose every sample waits for retry timers
 * (auth-unreachable, facebook-query-storm).
 *
 * Why not libfaketime here: BIND 9.18 (named) and Knot Resolver 5.6 (kresd)
 * on Debian 12 link jemalloc, whose initialisation calls clock_gettime before
 * libfaketime 0.9.10 has resolved its real clock_gettime; libfaketime then
 * aborts with "Unexpected recursive calls to clock_gettime()". And its speed
 * factor ("x10") counts from the moment it initialised in each process, which
 * the lab cannot know, while this anchor is written by the lab. This shim never
 * allocates and never calls dlsym: it asks the kernel directly (syscall) or
 * calls glibc functions it does not replace (pthread_cond_clockwait), so it
 * cannot recurse.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000LL

static int shift_fd = -2;
static long long last_offset = 0, last_rate = 1, last_anchor_ms = 0, last_mono_anchor = 0, last_jumped = 0;

/* Reads "+OFFSET [xRATE aANCHOR mMONOANCHOR jJUMPED]"; keeps the last good values when the file is being rewritten. */
static void read_shift(void) {
  if (shift_fd == -2) {
    const char *f = getenv("DNSLAB_TIMESHIFT_FILE");
    shift_fd = f ? open(f, O_RDONLY | O_CLOEXEC) : -1;
  }
  if (shift_fd < 0) return;
  char buf[96];
  ssize_t n = pread(shift_fd, buf, sizeof buf - 1, 0);
  /* A read while the lab rewrites the file may see it empty: keep the last value. */
  if (n <= 0) return;
  buf[n] = 0;
  char *p = buf;
  long long offset = strtoll(p, &p, 10), rate = 1, anchor = 0, mono_anchor = 0, jumped = 0;
  for (;;) {
    while (*p == ' ') p++;
    if (*p == 'x') rate = strtoll(p + 1, &p, 10);
    else if (*p == 'a') anchor = strtoll(p + 1, &p, 10);
    else if (*p == 'm') mono_anchor = strtoll(p + 1, &p, 10);
    else if (*p == 'j') jumped = strtoll(p + 1, &p, 10);
    else break;
  }
  if (rate < 1) rate = 1;
  if (jumped < 0) jumped = 0;
  last_offset = offset;
  last_rate = rate;
  last_anchor_ms = anchor;
  last_mono_anchor = mono_anchor;
  last_jumped = jumped;
}

static long long rate_now(void) {
  read_shift();
  return last_rate;
}

static int real_clock(clockid_t id, struct timespec *ts) {
  return (int)syscall(SYS_clock_gettime, id, ts);
}

static long long to_ns(const struct timespec *ts) { return (long long)ts->tv_sec * NS + ts->tv_nsec; }
static void from_ns(long long v, struct timespec *ts) {
  ts->tv_sec = v / NS;
  ts->tv_nsec = v % NS;
  if (ts->tv_nsec < 0) {
    ts->tv_nsec += NS;
    ts->tv_sec -= 1;
  }
}

static int is_realtime(clockid_t id) { return id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE || id == CLOCK_TAI; }
static int is_monotonic(clockid_t id) {
  return id == CLOCK_MONOTONIC || id == CLOCK_MONOTONIC_COARSE || id == CLOCK_MONOTONIC_RAW || id == CLOCK_BOOTTIME;
}

/* The product's view of a host clock reading. */
static long long fake_ns(clockid_t id, long long real) {
  read_shift();
  if (is_realtime(id)) return real + last_offset * NS + (real - last_anchor_ms * 1000000LL) * (last_rate - 1);
  if (is_monotonic(id)) return real + (real - last_mono_anchor) * (last_rate - 1) + last_jumped * NS;
  return real;
}

/* The host clock reading at which the product's clock `id` shows `fake`. */
static long long real_ns_for(clockid_t id, long long fake) {
  struct timespec now;
  real_clock(id, &now);
  long long r = to_ns(&now);
  long long f = fake_ns(id, r);
  return r + (fake - f) / last_rate;
}

int clock_gettime(clockid_t id, struct timespec *ts) {
  int r = real_clock(id, ts);
  if (r == 0) from_ns(fake_ns(id, to_ns(ts)), ts);
  return r;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
  (void)tz;
  struct timespec ts;
  int r = real_clock(CLOCK_REALTIME, &ts);
  if (r != 0) return r;
  from_ns(fake_ns(CLOCK_REALTIME, to_ns(&ts)), &ts);
  if (tv) {
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
  }
  return 0;
}

time_t time(time_t *t) {
  struct timespec ts;
  if (real_clock(CLOCK_REALTIME, &ts) != 0) return (time_t)-1;
  from_ns(fake_ns(CLOCK_REALTIME, to_ns(&ts)), &ts);
  if (t) *t = ts.tv_sec;
  return ts.tv_sec;
}

/* --- timed waits: 1/RATE of the asked length (only when RATE > 1) ---------------- */

/* A timeout in ms (negative: forever, 0: poll) scaled down, never to 0 when it was positive. */
static int scale_ms(int ms) {
  long long k = rate_now();
  if (ms <= 0 || k == 1) return ms;
  long long r = (ms + k - 1) / k;
  return (int)r;
}

static void scale_ts(const struct timespec *in, struct timespec *out) {
  long long k = rate_now();
  long long v = to_ns(in);
  from_ns(k == 1 ? v : (v + k - 1) / k, out);
}

int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout) {
  return (int)syscall(SYS_epoll_pwait, epfd, events, maxevents, scale_ms(timeout), NULL, _NSIG / 8);
}

int epoll_pwait(int epfd, struct epoll_event *events, int maxevents, int timeout, const sigset_t *sigmask) {
  return (int)syscall(SYS_epoll_pwait, epfd, events, maxevents, scale_ms(timeout), sigmask, _NSIG / 8);
}

int poll(struct pollfd *fds, nfds_t nfds, int timeout) {
  if (timeout < 0) return (int)syscall(SYS_ppoll, fds, nfds, NULL, NULL, _NSIG / 8);
  struct timespec ts;
  from_ns((long long)scale_ms(timeout) * 1000000LL, &ts);
  return (int)syscall(SYS_ppoll, fds, nfds, &ts, NULL, _NSIG / 8);
}

int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo, const sigset_t *sigmask) {
  struct timespec ts;
  if (tmo) scale_ts(tmo, &ts);
  return (int)syscall(SYS_ppoll, fds, nfds, tmo ? &ts : NULL, sigmask, _NSIG / 8);
}

int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv) {
  if (!tv || rate_now() == 1) return (int)syscall(SYS_select, nfds, r, w, e, tv);

  struct timespec in = {tv->tv_sec, tv->tv_usec * 1000}, out;
  scale_ts(&in, &out);
  struct timeval scaled = {out.tv_sec, out.tv_nsec / 1000};
  if (scaled.tv_sec == 0 && scaled.tv_usec == 0 && (tv->tv_sec || tv->tv_usec)) scaled.tv_usec = 1;
  int n = (int)syscall(SYS_select, nfds, r, w, e, &scaled);
  tv->tv_sec = 0;
  tv->tv_usec = 0;
  return n;
}

int nanosleep(const struct timespec *req, struct timespec *rem) {
  struct timespec ts;
  scale_ts(req, &ts);
  int r = (int)syscall(SYS_nanosleep, &ts, rem);
  if (r != 0 && rem) {
    struct timespec back;
    from_ns(to_ns(rem) * rate_now(), &back);
    *rem = back;
  }
  return r;
}

int clock_nanosleep(clockid_t id, int flags, const struct timespec *req, struct timespec *rem) {
  struct timespec ts;
  if (rate_now() == 1) ts = *req;
  else if (flags & TIMER_ABSTIME) from_ns(real_ns_for(id, to_ns(req)), &ts);
  else scale_ts(req, &ts);
  int r = (int)syscall(SYS_clock_nanosleep, id, flags, &ts, rem);
  return r == 0 ? 0 : errno; /* clock_nanosleep returns the error number */
}

int usleep(useconds_t us) {
  struct timespec ts = {us / 1000000, (long)(us % 1000000) * 1000};
  return nanosleep(&ts, NULL);
}

unsigned int sleep(unsigned int s) {
  struct timespec ts = {s, 0}, rem = {0, 0};
  if (nanosleep(&ts, &rem) != 0) return (unsigned int)rem.tv_sec;
  return 0;
}

/*
 * The deadline is on the condition variable's clock: glibc keeps it in bit 1 of __wrefs
 * (nptl/pthread_cond_wait.c: __PTHREAD_COND_CLOCK_MONOTONIC_MASK). pthread_cond_clockwait (glibc 2.30)
 * waits on a clock we name, with the deadline moved to the host's clock.
 */
int pthread_cond_timedwait(pthread_cond_t *restrict cond, pthread_mutex_t *restrict mutex, const struct timespec *restrict abstime) {
  clockid_t id = (cond->__data.__wrefs & 2) ? CLOCK_MONOTONIC : CLOCK_REALTIME;
  if (rate_now() == 1) return pthread_cond_clockwait(cond, mutex, id, abstime);
  struct timespec ts;
  from_ns(real_ns_for(id, to_ns(abstime)), &ts);
  return pthread_cond_clockwait(cond, mutex, id, &ts);
}

int timerfd_settime(int fd, int flags, const struct itimerspec *new_value, struct itimerspec *old_value) {
  if (rate_now() == 1) return (int)syscall(SYS_timerfd_settime, fd, flags, new_value, old_value);
  struct itimerspec v = *new_value;
  scale_ts(&new_value->it_interval, &v.it_interval);
  if (flags & TFD_TIMER_ABSTIME) {
    /* timerfd clocks are chosen at timerfd_create; libevent and libuv use CLOCK_MONOTONIC. */
    from_ns(real_ns_for(CLOCK_MONOTONIC, to_ns(&new_value->it_value)), &v.it_value);
  } else if (new_value->it_value.tv_sec || new_value->it_value.tv_nsec) {
    scale_ts(&new_value->it_value, &v.it_value);
  }
  return (int)syscall(SYS_timerfd_settime, fd, flags, &v, old_value);
}

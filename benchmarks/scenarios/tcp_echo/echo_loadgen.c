/*
 * The native load generator of tcp_echo: one thread, one epoll set, many connections.
 *
 * It speaks the same command line and the same stdin/stdout line protocol as the
 * Python generator (loadgen.py; the protocol is documented in driver.py), so the
 * suite drives either.  It exists because a Python client costs about as much CPU
 * per round trip as the fastest Python servers, and on a 2-core machine it then
 * sets the number.  Per reply it does a memcmp against the expected message, a
 * histogram increment and, in a closed loop, the next write: everything else
 * (JSON, percentiles) happens between runs.
 *
 * Closed loop: each connection keeps `depth` requests in flight; latency is
 * measured from the moment a request was written.  Open loop (`--rate R`): the
 * request j = i * C + c (trip i of connection c) is due at t0 + j / R whatever
 * the server does, and its latency is measured from that intended time, so a
 * stalled server is charged for every request it delayed (no coordinated
 * omission); how late the generator itself sent is recorded apart.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MODULUS ((1ULL << 61) - 1) /* benchmarks.core.work.MODULUS */
#define NBUCKETS (64 << 10)
#define READ_SIZE (1 << 18)
#define MAX_IOV 64
/* Open loop: a send due within this many ns is waited for by polling, not by sleeping: a
 * timer wake-up costs several microseconds here, more than the gap between requests at high
 * rates, and would make the generator late (its lateness is recorded: lag_buckets). */
#define SPIN_NS 200000

typedef struct {
    int fd, index, out; /* out: EPOLLOUT is armed */
    char *msg[2];        /* the even and odd trip's message (driver.message) */
    uint64_t crc[2], digest;
    long trips, queued, done, wtrip; /* requests this run, made sendable, echoed, being written */
    size_t woff, roff;
    int64_t *stamp; /* closed loop: ring of `depth` write times */
} Conn;

static const char *host = "127.0.0.1", *port = NULL;
static long nconn = 1, first = 0, total = 0, size = 100, trips = 100, warmup = 0, depth = 1;
static double rate = 0, timeout_s = 30;
static int reconnect = 0, ep, tfd, connected = 0;
static Conn *conns;
static uint64_t hist[NBUCKETS], lag[NBUCKETS];
static char rbuf[READ_SIZE], err[512];

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* HdrHistogram's layout at 3 significant digits: exact below 2048, then 1024 steps per octave. */
static int bucket(int64_t v) {
    if (v < 2048) return v < 0 ? 0 : (int)v;
    int shift = 63 - __builtin_clzll((uint64_t)v) - 10;
    return (shift << 10) + (int)((uint64_t)v >> shift);
}
static int64_t bucket_value(int i) { /* the middle of a bucket's range */
    if (i < 2048) return i;
    int shift = (i >> 10) - 1;
    return ((int64_t)(i - (shift << 10)) << shift) + ((1LL << shift) >> 1);
}

static uint32_t crc32(const char *p, size_t n) { /* zlib.crc32 */
    uint32_t c = 0xFFFFFFFFu;
    while (n--) {
        c ^= (unsigned char)*p++;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & -(c & 1));
    }
    return ~c;
}

static void fail(const char *fmt, long a, long b, long c) {
    if (!err[0]) snprintf(err, sizeof err, fmt, a, b, c);
}

static int open_conn(Conn *c) {
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc) { snprintf(err, sizeof err, "OSError: cannot resolve %s: %s", host, gai_strerror(rc)); return -1; }
    c->fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || connect(c->fd, res->ai_addr, res->ai_addrlen)) {
        snprintf(err, sizeof err, "ConnectionRefusedError: connect to %s port %s: %s", host, port, strerror(errno));
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(c->fd, F_SETFL, O_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    c->out = 0;
    return epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static void close_all(void) {
    for (long i = 0; i < nconn; i++)
        if (conns[i].fd >= 0) { close(conns[i].fd); conns[i].fd = -1; }
    connected = 0;
}

static void flush(Conn *c) { /* write what is sendable; EPOLLOUT while the socket is full */
    while (c->wtrip < c->queued) {
        struct iovec iov[MAX_IOV];
        int n = 0;
        for (long t = c->wtrip; t < c->queued && n < MAX_IOV; t++, n++) {
            size_t off = t == c->wtrip ? c->woff : 0;
            iov[n].iov_base = c->msg[t & 1] + off;
            iov[n].iov_len = size - off;
        }
        ssize_t w = writev(c->fd, iov, n);
        if (w < 0) {
            if (errno != EAGAIN) fail("ConnectionError: connection %ld: write failed (errno %ld)", c->index, errno, 0);
            break;
        }
        c->woff += w;
        c->wtrip += c->woff / size;
        c->woff %= size;
    }
    int want = c->wtrip < c->queued;
    if (want != c->out) {
        struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        c->out = want;
    }
}

static int64_t t0, interval_ns;
static int64_t intended(const Conn *c, long trip) { return t0 + (trip * total + c->index) * interval_ns; }

/* One read's bytes: check them against what was sent, count finished echoes. */
static long on_read(Conn *c, ssize_t got, int record, int64_t now) {
    long finished = 0;
    if (c->done * size + c->roff + got > c->wtrip * size + c->woff) {
        fail("ConnectionError: connection %ld: the server sent more than it was sent (trip %ld)",
             c->index, c->done, 0);
        return 0;
    }
    for (const char *p = rbuf; got > 0;) {
        size_t n = size - c->roff < (size_t)got ? size - c->roff : (size_t)got;
        if (memcmp(p, c->msg[c->done & 1] + c->roff, n)) {
            fail("ConnectionError: connection %ld: echo of trip %ld differs", c->index, c->done, 0);
            return finished;
        }
        p += n, got -= n, c->roff += n;
        if (c->roff < (size_t)size) continue;
        c->roff = 0;
        int64_t from = rate > 0 ? intended(c, c->done) : c->stamp[c->done % depth];
        if (record) hist[bucket(now - from)]++;
        c->digest = (c->digest + c->crc[c->done & 1]) % MODULUS;
        if (++c->done == c->trips) finished++;
        else if (rate == 0 && c->queued < c->trips) c->stamp[c->queued++ % depth] = now;
    }
    return finished;
}

static double cpu_s(int user) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    struct timeval t = user ? u.ru_utime : u.ru_stime;
    return t.tv_sec + t.tv_usec / 1e6;
}

static double runq_wait_s(void) { /* time this process waited for a CPU (schedstat, ns) */
    unsigned long long run = 0, wait = 0;
    FILE *f = fopen("/proc/self/schedstat", "r");
    if (f) { if (fscanf(f, "%llu %llu", &run, &wait) != 2) wait = 0; fclose(f); }
    return wait / 1e9;
}

static void arm(int64_t at) {
    struct itimerspec it = {.it_value = {at / 1000000000, at % 1000000000}};
    if (at <= 0) it.it_value.tv_nsec = 1; /* now */
    timerfd_settime(tfd, TFD_TIMER_ABSTIME, &it, NULL);
}

/* One run: every connection does `n` trips; 0 on success, else err says why. */
static int run(long n, int record) {
    double user = cpu_s(1), sys = cpu_s(0), wait = runq_wait_s();
    long left = n > 0 ? nconn : 0, next_trip = 0, next_conn = 0;
    err[0] = 0;
    if (reconnect || !connected) {
        close_all();
        for (long i = 0; i < nconn; i++) if (open_conn(&conns[i])) { close_all(); return -1; }
        connected = 1;
    }
    int64_t start = now_ns(), deadline = start + (int64_t)(timeout_s * 1e9);
    t0 = start;
    for (long i = 0; i < nconn; i++) {
        Conn *c = &conns[i];
        c->trips = n, c->done = c->wtrip = 0, c->woff = c->roff = 0, c->digest = 0;
        c->queued = rate > 0 ? 0 : (n < depth ? n : depth);
        for (long k = 0; k < c->queued; k++) c->stamp[k] = start;
        flush(c);
    }
    struct epoll_event events[256];
    int64_t due = rate > 0 && n > 0 ? t0 : INT64_MAX; /* the next scheduled send */
    while (left > 0 && !err[0]) {
        int64_t now = now_ns();
        if (now > deadline) { fail("TimeoutError: run not finished after %ld s", (long)timeout_s, 0, 0); break; }
        int wait_ms = (int)((deadline - now) / 1000000) + 1;
        if (due - now <= SPIN_NS) wait_ms = 0;
        else if (due != INT64_MAX) arm(due);
        int k = epoll_wait(ep, events, 256, wait_ms);
        if (k < 0 && errno != EINTR) { fail("OSError: epoll_wait (errno %ld)", errno, 0, 0); break; }
        now = now_ns();
        for (int e = 0; e < k; e++) {
            if (events[e].data.ptr == NULL) { uint64_t x; (void)!read(tfd, &x, sizeof x); continue; }
            Conn *c = events[e].data.ptr;
            if (events[e].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
                ssize_t got = read(c->fd, rbuf, sizeof rbuf);
                if (got == 0 || (got < 0 && errno != EAGAIN)) {
                    fail("ConnectionError: connection %ld closed by the server after %ld of %ld trips",
                         c->index, c->done, c->trips);
                    break;
                }
                if (got > 0) left -= on_read(c, got, record, now);
                if (reconnect && c->done == c->trips) { close(c->fd); c->fd = -1; continue; }
            }
            if (c->fd >= 0) flush(c);
        }
        if (rate > 0 && next_trip < n) { /* send everything due; the loop then waits for the next */
            for (now = now_ns(); next_trip < n;) {
                Conn *c = &conns[next_conn];
                if ((due = intended(c, next_trip)) > now) break;
                if (record) lag[bucket(now - due)]++;
                c->queued++;
                flush(c);
                if (++next_conn == nconn) next_conn = 0, next_trip++;
            }
            if (next_trip == n) due = INT64_MAX;
        }
    }
    double seconds = (now_ns() - start) / 1e9;
    if (err[0]) { close_all(); return -1; }
    if (reconnect) close_all();
    if (!record) return 0; /* set-up and warm-up answer with one line of their own */
    printf("{\"digests\": [");
    for (long i = 0; i < nconn; i++) printf("%s%llu", i ? ", " : "", (unsigned long long)conns[i].digest);
    printf("], \"client_seconds\": %.9f, \"cpu_user_s\": %.6f, \"cpu_sys_s\": %.6f, \"wait_s\": %.6f, "
           "\"t0_ns\": %lld}\n", seconds, cpu_s(1) - user, cpu_s(0) - sys, runq_wait_s() - wait, (long long)t0);
    return 0;
}

static void print_buckets(const char *name, uint64_t *h) {
    printf("\"%s\": [", name);
    for (int i = 0, sep = 0; i < NBUCKETS; i++)
        if (h[i]) { printf("%s[%lld, %llu]", sep++ ? ", " : "", (long long)bucket_value(i), (unsigned long long)h[i]); h[i] = 0; }
    printf("]");
}

static long arg_long(const char *s, const char *name, long min) {
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < min) { fprintf(stderr, "echo_loadgen: invalid %s %s\n", name, s); exit(2); }
    return v;
}

int main(int argc, char **argv) {
    prctl(PR_SET_PDEATHSIG, SIGTERM); /* a master killed outright takes this process along */
    if (getppid() == 1) return 1;
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(k, "--reconnect")) { reconnect = 1; continue; }
        if (!v) { fprintf(stderr, "echo_loadgen: %s needs a value\n", k); return 2; }
        i++;
        if (!strcmp(k, "--host")) host = v;
        else if (!strcmp(k, "--port")) port = v;
        else if (!strcmp(k, "--connections")) nconn = arg_long(v, k, 1);
        else if (!strcmp(k, "--first-connection")) first = arg_long(v, k, 0);
        else if (!strcmp(k, "--total-connections")) total = arg_long(v, k, 1);
        else if (!strcmp(k, "--size")) size = arg_long(v, k, 2);
        else if (!strcmp(k, "--round-trips")) trips = arg_long(v, k, 1);
        else if (!strcmp(k, "--warmup")) warmup = arg_long(v, k, 0);
        else if (!strcmp(k, "--depth")) depth = arg_long(v, k, 1);
        else if (!strcmp(k, "--rate")) rate = atof(v);
        else if (!strcmp(k, "--timeout")) timeout_s = atof(v);
        else { fprintf(stderr, "echo_loadgen: unknown option %s\n", k); return 2; }
    }
    if (!port) { fprintf(stderr, "echo_loadgen: --port is required\n"); return 2; }
    if (!total) total = first + nconn;
    interval_ns = rate > 0 ? (int64_t)(1e9 / rate) : 0;
    signal(SIGPIPE, SIG_IGN);
    ep = epoll_create1(EPOLL_CLOEXEC);
    tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    struct epoll_event tev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &tev);
    conns = calloc(nconn, sizeof *conns);
    for (long i = 0; i < nconn; i++) { /* driver.message: 11 + (2c + trip % 2) % 240, then a newline */
        Conn *c = &conns[i];
        c->fd = -1, c->index = first + i;
        c->stamp = calloc(depth, sizeof *c->stamp);
        for (int odd = 0; odd < 2; odd++) {
            c->msg[odd] = malloc(size);
            memset(c->msg[odd], 11 + (2 * c->index + odd) % 240, size - 1);
            c->msg[odd][size - 1] = '\n';
            c->crc[odd] = crc32(c->msg[odd], size);
        }
    }
    printf("{\"ready\": true}\n");
    fflush(stdout);
    char line[256];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0]) break;
        int failed = 0;
        if (!strcmp(line, "go")) failed = run(trips, 1);
        else if (!strcmp(line, "connect") || !strcmp(line, "warmup")) {
            /* persistent connections open before the clock; then `warmup` trips each, not recorded */
            failed = (!reconnect && run(0, 0)) || (line[0] == 'w' && warmup && run(warmup, 0));
            if (!failed) printf("{\"%s\": %ld}\n", line[0] == 'w' ? "warmed" : "connected", nconn);
        } else if (!strcmp(line, "stats")) {
            printf("{");
            print_buckets("latency_buckets", hist);
            printf(", ");
            print_buckets("lag_buckets", lag);
            printf("}\n");
        } else snprintf(err, sizeof err, "unknown command '%.100s'", line), failed = 1;
        if (failed) {
            for (char *q = err; *q; q++) if (*q == '"' || *q == '\\' || (unsigned char)*q < 32) *q = '?';
            printf("{\"error\": \"%s\"}\n", err);
        }
        fflush(stdout);
    }
    close_all();
    return 0;
}

/*
 * A trivial epoll echo peer, used only to measure the load generator's own
 * capacity: it does almost no work per message, so the rate the generator
 * reaches against it is the most the generator can drive.  Not a model.
 *
 * Usage: echo_peer            (binds 127.0.0.1 on an ephemeral port)
 * Prints the port on stdout once listening; exits when stdin closes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static void nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

int main(void) {
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {0};
    socklen_t len = sizeof addr;
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) || listen(lfd, 4096)) return 1;
    getsockname(lfd, (struct sockaddr *)&addr, &len);
    printf("%d\n", ntohs(addr.sin_port));
    fflush(stdout);
    nonblocking(lfd);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd}, events[256];
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    ev.data.fd = 0;
    epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);
    static char buf[1 << 16];
    for (;;) {
        int n = epoll_wait(ep, events, 256, 30000);
        if (n <= 0) return n == 0 ? 0 : 1;  /* idle for 30 s, or an error: stop */
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == 0) return 0;  /* stdin readable means closed: our parent is done */
            if (fd == lfd) {
                int c;
                while ((c = accept(lfd, NULL, NULL)) >= 0) {
                    int one = 1;
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct epoll_event cev = {.events = EPOLLIN, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
                }
                continue;
            }
            ssize_t got = read(fd, buf, sizeof buf);
            if (got <= 0) { close(fd); continue; }
            for (ssize_t off = 0; off < got;) {  /* blocking-ish: loopback buffers are ample */
                ssize_t w = write(fd, buf + off, got - off);
                if (w < 0 && errno != EAGAIN) { close(fd); break; }
                if (w > 0) off += w;
            }
        }
    }
}

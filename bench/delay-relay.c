/* delay-relay: a WAN link on one machine (netem is not available here). Accepts connections
 * on a unix socket or a TCP port of 127.0.0.1, connects each to the target, and forwards every
 * chunk it reads in either direction D ms after it was read. Chunks overlap in flight as on a
 * real link: the delay is latency, not a bandwidth limit.
 *
 *   delay-relay -d MS -l unix:PATH|tcp:PORT -t unix:PATH|tcp:PORT [-p PORTFILE]
 *
 * tcp:0 listens on a free port; -p writes the port (or "unix") to PORTFILE once listening.
 * Runs until killed. For make bench and the end-to-end tests; not part of kvmhist. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_PIPES 256
#define CHUNK 65536
/* a side whose queue holds this much is not read until it drains (as a TCP window would) */
#define MAX_QUEUED (8 << 20)

struct chunk {
	struct chunk *next;
	long long due;  /* ms, monotonic */
	size_t len, off;
	char data[];
};

/* One direction of one connection: read from `from`, queued, written to `to`. */
struct dir {
	int from, to;
	struct chunk *head, *tail;
	size_t queued;
	int eof;        /* `from` said EOF: shut `to` down once the queue is written */
	int done;
	int blocked;    /* `to` was full: wait for it to take more */
};

struct pipe {
	int used;
	struct dir d[2];
};

static struct pipe pipes[MAX_PIPES];
static long long delay_ms;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void die(const char *what)
{
	fprintf(stderr, "delay-relay: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* "unix:PATH" or "tcp:PORT" (on 127.0.0.1) into a socket address. */
static socklen_t parse_addr(const char *spec, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (strncmp(spec, "unix:", 5) == 0) {
		struct sockaddr_un *un = (struct sockaddr_un *)ss;

		if (strlen(spec + 5) >= sizeof un->sun_path)
			return 0;
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, spec + 5);
		return sizeof *un;
	}
	if (strncmp(spec, "tcp:", 4) == 0) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((unsigned short)atoi(spec + 4));
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof *in;
	}
	return 0;
}

static void nodelay(int fd, const struct sockaddr_storage *ss)
{
	int one = 1;

	if (ss->ss_family == AF_INET)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void close_pipe(struct pipe *p)
{
	for (int k = 0; k < 2; k++) {
		struct chunk *c = p->d[k].head;

		while (c) {
			struct chunk *n = c->next;

			free(c);
			c = n;
		}
	}
	close(p->d[0].from);
	close(p->d[0].to);
	memset(p, 0, sizeof *p);
}

/* Reads what `from` has into a chunk due in delay_ms. -1: the connection is broken. */
static int dir_read(struct dir *d)
{
	struct chunk *c = malloc(sizeof *c + CHUNK);
	ssize_t n;

	if (c == NULL)
		return -1;
	n = read(d->from, c->data, CHUNK);
	if (n <= 0) {
		free(c);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n < 0)
			return -1;
		d->eof = 1;
		return 0;
	}
	c->next = NULL;
	c->len = (size_t)n;
	c->off = 0;
	c->due = now_ms() + delay_ms;
	if (d->tail)
		d->tail->next = c;
	else
		d->head = c;
	d->tail = c;
	d->queued += (size_t)n;
	return 0;
}

/* Writes the chunks that are due. -1: broken. */
static int dir_write(struct dir *d, long long now)
{
	while (d->head && d->head->due <= now) {
		struct chunk *c = d->head;
		ssize_t n = write(d->to, c->data + c->off, c->len - c->off);

		if (n < 0 && errno == EAGAIN)
			d->blocked = 1;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->off += (size_t)n;
		d->queued -= (size_t)n;
		if (c->off < c->len)
			return 0;
		d->head = c->next;
		if (d->head == NULL)
			d->tail = NULL;
		free(c);
	}
	if (d->head == NULL && d->eof && !d->done) {
		shutdown(d->to, SHUT_WR);
		d->done = 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *listen_spec = NULL, *target_spec = NULL, *port_file = NULL;
	struct sockaddr_storage lss, tss;
	socklen_t llen, tlen;
	int opt, lfd, one = 1;

	while ((opt = getopt(argc, argv, "d:l:t:p:")) != -1) {
		switch (opt) {
		case 'd': delay_ms = atoll(optarg); break;
		case 'l': listen_spec = optarg; break;
		case 't': target_spec = optarg; break;
		case 'p': port_file = optarg; break;
		default: goto usage;
		}
	}
	if (listen_spec == NULL || target_spec == NULL || delay_ms < 0 ||
	    (llen = parse_addr(listen_spec, &lss)) == 0 || (tlen = parse_addr(target_spec, &tss)) == 0)
		goto usage;
	signal(SIGPIPE, SIG_IGN);
	if ((lfd = socket(lss.ss_family, SOCK_STREAM, 0)) < 0)
		die("socket");
	(void)setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (lss.ss_family == AF_UNIX)
		unlink(((struct sockaddr_un *)&lss)->sun_path);
	if (bind(lfd, (struct sockaddr *)&lss, llen) < 0)
		die(listen_spec);
	if (listen(lfd, 64) < 0)
		die("listen");
	if (port_file) {
		FILE *f = fopen(port_file, "w");

		if (f == NULL)
			die(port_file);
		if (lss.ss_family == AF_INET) {
			struct sockaddr_in got;
			socklen_t gl = sizeof got;

			if (getsockname(lfd, (struct sockaddr *)&got, &gl) < 0)
				die("getsockname");
			fprintf(f, "%d\n", ntohs(got.sin_port));
		} else {
			fprintf(f, "unix\n");
		}
		if (fclose(f) != 0)
			die(port_file);
	}

	for (;;) {
		struct pollfd pfd[1 + 4 * MAX_PIPES];
		int who[1 + 4 * MAX_PIPES], nfd = 0, wait = -1;
		long long now = now_ms();

		pfd[nfd].fd = lfd;
		pfd[nfd].events = POLLIN;
		who[nfd++] = -1;
		for (int i = 0; i < MAX_PIPES; i++) {
			if (!pipes[i].used)
				continue;
			for (int k = 0; k < 2; k++) {
				struct dir *d = &pipes[i].d[k];

				if (!d->eof && d->queued < MAX_QUEUED) {
					pfd[nfd].fd = d->from;
					pfd[nfd].events = POLLIN;
					who[nfd++] = i * 2 + k;
				}
				if (d->head == NULL)
					continue;
				if (d->blocked) {
					pfd[nfd].fd = d->to;
					pfd[nfd].events = POLLOUT;
					who[nfd++] = -2 - (i * 2 + k);
				} else {
					long long left = d->head->due - now;

					if (left < 0)
						left = 0;
					if (wait < 0 || left < wait)
						wait = (int)left;
				}
			}
		}
		if (poll(pfd, (nfds_t)nfd, wait) < 0 && errno != EINTR)
			die("poll");
		if (pfd[0].revents & POLLIN) {
			int cfd = accept(lfd, NULL, NULL), tfd, slot = -1;

			for (int i = 0; i < MAX_PIPES && cfd >= 0; i++)
				if (!pipes[i].used) {
					slot = i;
					break;
				}
			if (cfd >= 0 && slot >= 0 && (tfd = socket(tss.ss_family, SOCK_STREAM, 0)) >= 0) {
				/* a blocking connect: the target is on this machine */
				if (connect(tfd, (struct sockaddr *)&tss, tlen) == 0) {
					struct pipe *p = &pipes[slot];

					nodelay(cfd, &lss);
					nodelay(tfd, &tss);
					p->used = 1;
					p->d[0].from = cfd;
					p->d[0].to = tfd;
					p->d[1].from = tfd;
					p->d[1].to = cfd;
				} else {
					fprintf(stderr, "delay-relay: connect %s: %s\n", target_spec,
						strerror(errno));
					close(tfd);
					close(cfd);
				}
			} else if (cfd >= 0) {
				close(cfd);
			}
		}
		for (int f = 1; f < nfd; f++) {
			int w = who[f] >= 0 ? who[f] : -2 - who[f];
			struct pipe *p = &pipes[w / 2];

			if (!p->used || pfd[f].revents == 0)
				continue;
			if (who[f] < 0)
				p->d[w % 2].blocked = 0; /* writable (or broken: the write says) */
			else if (dir_read(&p->d[w % 2]) < 0)
				close_pipe(p);
		}
		now = now_ms();
		for (int i = 0; i < MAX_PIPES; i++) {
			struct pipe *p = &pipes[i];

			if (!p->used)
				continue;
			if (dir_write(&p->d[0], now) < 0 || dir_write(&p->d[1], now) < 0 ||
			    (p->d[0].done && p->d[1].done))
				close_pipe(p);
		}
	}
usage:
	fprintf(stderr, "usage: delay-relay -d MS -l unix:PATH|tcp:PORT -t unix:PATH|tcp:PORT "
			"[-p PORTFILE]\n");
	return 2;
}

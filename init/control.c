/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control channel: the host's way to ask PID 1 for ps, logs, restart,
 * stop, poweroff and the network counters (net). One command line, answered in text.
 *
 * Only the host reaches it. In the VM it is the serial line QEMU joins to
 * DIR/ctl.sock (bulkhead.ctl=ttyS1), and nothing else; without that option
 * (the init run on a host by the tests) a pathname socket in a 0700
 * directory of the init's own /run, which no container mounts. No abstract
 * socket: a container with network: host shares our network namespace and
 * would reach it.
 *
 * PID 1 never blocks on a peer: every fd is non-blocking, a command line is
 * at most CONTROL_LINE_MAX bytes, an answer is streamed through a small
 * buffer as the peer drains it (a 2 MiB log is read from its file as it
 * goes), a peer that makes no progress for CONTROL_IDLE_MS is dropped, and
 * at most CONTROL_PEERS_MAX sockets are served at once (a new one pushes out
 * the one idle longest). The serial line is a peer that is never closed: a
 * stalled answer there is discarded and the line serves the next command. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

#define CONTROL_OUT_BYTES 4096 /* one peer's answer buffer; the rest waits in the file */
#define CONTROL_IDLE_MS 5000L  /* a peer that makes no progress this long is dropped */
#define CONTROL_QUIET_MS 1000L /* the serial line's rest after a hang-up or an error */
#define EOT '\x04'             /* ends an answer on the serial line, which has no EOF */

/* ---- peers ---- */

struct peer {
	int fd;            /* -1: a free slot */
	bool tty;          /* the serial line: never closed; answers end with EOT */
	bool answering;    /* the command was read; now the answer goes out */
	bool skip_line;    /* the serial line: the rest of an over-long line is dropped */
	char in[CONTROL_LINE_MAX];
	size_t in_len;
	char out[CONTROL_OUT_BYTES];
	size_t out_len, out_off;
	size_t ps_next;    /* ps: the next line to write; 0 when not answering ps */
	int files[2];      /* logs: NAME.log.1 then NAME.log, streamed; net: [1]; -1 when done */
	bool ended;        /* the answer is complete in out (EOT included) */
	long idle_until;   /* dropped when no progress by then */
	long quiet_until;  /* the serial line: hung up or failing; not polled until then */
};

struct control {
	int listen_fd;
	struct peer tty;
	struct peer peers[CONTROL_PEERS_MAX];
};

static long clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void peer_reset(struct peer *p)
{
	for (int i = 0; i < 2; i++)
		if (p->files[i] >= 0)
			close(p->files[i]);
	p->files[0] = p->files[1] = -1;
	p->answering = p->ended = p->skip_line = false;
	p->in_len = p->out_len = p->out_off = p->ps_next = 0;
	p->idle_until = clock_ms() + CONTROL_IDLE_MS;
}

static void peer_close(struct peer *p)
{
	peer_reset(p);
	if (p->fd >= 0 && !p->tty)
		close(p->fd);
	if (!p->tty)
		p->fd = -1;
}

static void peer_drop(struct peer *p, const char *why)
{
	log_warn("control: dropped a peer that %s%s", why, p->tty ? " (serial line)" : "");
	/* The serial line's host stopped reading: what the kernel still holds
	 * for it goes too, so that the next host reads only its own answer. */
	if (p->tty && p->answering)
		tcflush(p->fd, TCOFLUSH);
	peer_close(p);
}

static void say(struct peer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct peer *p, const char *fmt, ...)
{
	va_list ap;
	size_t room = sizeof(p->out) - p->out_len;

	va_start(ap, fmt);
	int n = vsnprintf(p->out + p->out_len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		p->out_len += (size_t)n < room ? (size_t)n : room - 1;
}

static void open_logs(struct peer *p, const char *name)
{
	char path[PATH_MAX];

	/* The older file first: the output reads in order. NAME is the
	 * spec's own (validated at load), never the client's text. */
	snprintf(path, sizeof(path), "%s/%s.log.1", CONTAINER_LOG_DIR, name);
	p->files[0] = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	snprintf(path, sizeof(path), "%s/%s.log", CONTAINER_LOG_DIR, name);
	p->files[1] = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
}

static void reply_result(struct peer *p, int r, const char *what, const char *name)
{
	if (r == 0)
		say(p, "ok: %s %s\n", what, name);
	else if (r == -ENOENT)
		say(p, "error: no service named \"%s\"\n", name);
	else if (r == -ESRCH)
		say(p, "error: %s is not running\n", name);
	else if (r == -EAGAIN)
		say(p, "error: %s is waiting for its depends_on to start; it starts once they have\n", name);
	else
		say(p, "error: %s %s: %s\n", what, name, strerror(-r));
}

/* The command line is complete: start its answer. */
static void start_answer(const struct control_ops *ops, struct peer *p, const char *line, size_t len, bool too_long)
{
	struct control_request req;
	int r = too_long ? -E2BIG : control_parse(line, len, &req);

	p->answering = true;
	if (r == -E2BIG)
		say(p, "error: a command line is at most %d bytes\n", CONTROL_LINE_MAX - 1);
	else if (r == -ENAMETOOLONG || (r == 0 && req.name[0] && !ops->lookup(ops->ctx, req.name)))
		say(p, "error: no service named \"%.*s\"\n", 63, r == 0 ? req.name : "(a name too long)");
	else if (r < 0)
		say(p, "error: unknown command (ps, logs NAME, restart NAME, stop NAME, poweroff, net)\n");
	else if (req.verb == CONTROL_PS)
		p->ps_next = 1;
	else if (req.verb == CONTROL_LOGS)
		open_logs(p, ops->lookup(ops->ctx, req.name));
	else if (req.verb == CONTROL_RESTART)
		reply_result(p, ops->restart(ops->ctx, req.name), "restart", req.name);
	else if (req.verb == CONTROL_STOP)
		reply_result(p, ops->stop(ops->ctx, req.name), "stop", req.name);
	else if (req.verb == CONTROL_NET) {
		struct bh_err err = { 0 };
		/* Streamed like a log: the counters were read once, now. */
		if ((p->files[1] = ops->net_report(ops->ctx, &err)) < 0)
			say(p, "error: %s\n", err.msg);
	} else if (req.verb == CONTROL_POWEROFF) {
		say(p, "ok: powering off\n");
		ops->request_shutdown(ops->ctx, "bulkhead ctl poweroff");
	}
}

/* Tops up the answer buffer from its source: ps lines, then log files. */
static void fill(const struct control_ops *ops, struct peer *p)
{
	memmove(p->out, p->out + p->out_off, p->out_len - p->out_off);
	p->out_len -= p->out_off;
	p->out_off = 0;
	while (p->ps_next) {
		char line[256];
		size_t n = ops->ps_line(ops->ctx, p->ps_next - 1, line, sizeof(line));
		if (n == 0) {
			p->ps_next = 0;
			break;
		}
		if (n > sizeof(p->out) - p->out_len)
			return;
		memcpy(p->out + p->out_len, line, n);
		p->out_len += n;
		p->ps_next++;
	}
	for (int i = 0; i < 2; i++) {
		while (p->files[i] >= 0 && p->out_len < sizeof(p->out)) {
			ssize_t n = read(p->files[i], p->out + p->out_len, sizeof(p->out) - p->out_len);
			if (n <= 0) {
				close(p->files[i]);
				p->files[i] = -1;
			} else
				p->out_len += (size_t)n;
		}
		if (p->files[i] >= 0)
			return;
	}
	if (!p->ended && p->out_len < sizeof(p->out)) {
		if (p->tty)
			p->out[p->out_len++] = EOT;
		p->ended = true;
	}
}

/* Writes what the peer takes now; ends the exchange once all went out. */
static void send_answer(const struct control_ops *ops, struct peer *p)
{
	fill(ops, p);
	while (p->out_off < p->out_len) {
		ssize_t n = write(p->fd, p->out + p->out_off, p->out_len - p->out_off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			return peer_close(p); /* the peer went away */
		p->out_off += (size_t)n;
		p->idle_until = clock_ms() + CONTROL_IDLE_MS;
		fill(ops, p);
	}
	if (p->ended) {
		/* The serial line: ready for the next command, once the rest of
		 * an over-long line it answered went by. */
		bool skip = p->skip_line;
		peer_close(p);
		p->skip_line = skip && p->tty;
	}
}

/* Reads what came; a complete line starts its answer. */
static void read_command(const struct control_ops *ops, struct peer *p)
{
	ssize_t n = read(p->fd, p->in + p->in_len, sizeof(p->in) - p->in_len);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0 && p->tty) {
		/* End of file or an error on a line that stays open: poll would
		 * report it again at once, and PID 1 would spin. Rest a while. */
		p->quiet_until = clock_ms() + CONTROL_QUIET_MS;
		return;
	}
	if (n == 0 && p->in_len)
		return start_answer(ops, p, p->in, p->in_len, false); /* a last line without its newline */
	if (n <= 0)
		return peer_close(p);
	p->idle_until = clock_ms() + CONTROL_IDLE_MS;
	size_t start = p->in_len;
	p->in_len += (size_t)n;
	char *newline = memchr(p->in + start, '\n', p->in_len - start);
	if (p->skip_line) {
		/* The rest of an over-long line, already answered: skip it. */
		if (newline) {
			size_t rest = p->in_len - (size_t)(newline + 1 - p->in);
			memmove(p->in, newline + 1, rest);
			p->in_len = rest;
			p->skip_line = false;
		} else
			p->in_len = 0;
		return;
	}
	if (newline) {
		/* The serial line reads one command at a time: what follows the
		 * newline waits in the kernel's buffer, which we do not read
		 * while answering. Bytes already read past it are dropped. */
		start_answer(ops, p, p->in, (size_t)(newline - p->in), false);
	} else if (p->in_len == sizeof(p->in)) {
		start_answer(ops, p, p->in, p->in_len, true);
		p->skip_line = p->tty;
	}
}

static void serve_peer(const struct control_ops *ops, struct peer *p, short revents)
{
	if (!p->answering && (revents & (POLLIN | POLLHUP | POLLERR)))
		read_command(ops, p);
	else if (p->answering && (revents & (POLLHUP | POLLERR)) && !p->tty)
		return peer_close(p);
	if (p->fd >= 0 && p->answering)
		send_answer(ops, p);
}

/* ---- the listening socket and the serial line ---- */

static int listen_socket(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	/* 0700 and root's: only root of the init's mount namespace (the host
	 * through /proc/PID/root) gets to the socket at all. */
	if (mkdir(CONTROL_DIR, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (chmod(CONTROL_DIR, 0700) < 0)
		return -errno;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", CONTROL_SOCKET);
	unlink(CONTROL_SOCKET);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, CONTROL_PEERS_MAX) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static int tty_open(const char *tty)
{
	char path[64];
	struct termios raw;

	snprintf(path, sizeof(path), "/dev/%s", tty);
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (tcgetattr(fd, &raw) == 0) {
		cfmakeraw(&raw);
		raw.c_cflag |= CLOCAL; /* no modem lines: never wait for a carrier */
		tcsetattr(fd, TCSANOW, &raw);
	}
	return fd;
}

struct control *control_new(const struct boot_options *o)
{
	struct control *c = calloc(1, sizeof(*c));

	if (!c) {
		log_warn("control: out of memory (bulkhead ctl will not reach us)");
		return NULL;
	}
	c->listen_fd = c->tty.fd = -1;
	c->tty.tty = true;
	c->tty.files[0] = c->tty.files[1] = -1;
	for (size_t i = 0; i < CONTROL_PEERS_MAX; i++) {
		c->peers[i].fd = -1;
		c->peers[i].files[0] = c->peers[i].files[1] = -1;
	}
	/* In the VM the serial line is the host's only way in; the socket is
	 * for an init that runs on a host, where no line was given. */
	if (o->ctl_tty[0]) {
		if ((c->tty.fd = tty_open(o->ctl_tty)) < 0)
			log_warn("control on %s: %s (bulkhead ctl will not reach us)", o->ctl_tty, strerror(-c->tty.fd));
		peer_reset(&c->tty);
	} else if ((c->listen_fd = listen_socket()) < 0) {
		log_warn("control socket %s: %s (bulkhead ctl will not reach us)", CONTROL_SOCKET,
			 strerror(-c->listen_fd));
	}
	return c;
}

/* A slot for a new peer: a free one, or the one idle longest, dropped. */
static struct peer *free_slot(struct control *c)
{
	struct peer *oldest = &c->peers[0];

	for (size_t i = 0; i < CONTROL_PEERS_MAX; i++) {
		if (c->peers[i].fd < 0)
			return &c->peers[i];
		if (c->peers[i].idle_until < oldest->idle_until)
			oldest = &c->peers[i];
	}
	peer_drop(oldest, "was idle longest when more connections came");
	return oldest;
}

static void accept_peers(struct control *c)
{
	/* A bounded batch per turn: a flood cannot keep the loop here. */
	for (int i = 0; i < CONTROL_PEERS_MAX; i++) {
		int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		struct peer *p = free_slot(c);
		p->fd = fd;
		peer_reset(p);
	}
}

static short wanted_events(const struct peer *p)
{
	return p->answering ? (short)POLLOUT : (short)POLLIN;
}

size_t control_poll_fds(struct control *c, struct pollfd *fds)
{
	size_t n = 0;

	if (!c)
		return 0;
	fds[n++] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
	bool resting = c->tty.quiet_until > clock_ms();
	fds[n++] = (struct pollfd){ .fd = resting ? -1 : c->tty.fd, .events = wanted_events(&c->tty) };
	for (size_t i = 0; i < CONTROL_PEERS_MAX; i++)
		fds[n++] = (struct pollfd){ .fd = c->peers[i].fd, .events = wanted_events(&c->peers[i]) };
	return n;
}

static bool busy(const struct peer *p)
{
	/* The serial line waiting for a command is idle, not stalled: only a
	 * started line or an answer has a deadline there. */
	return p->fd >= 0 && (!p->tty || p->answering || p->in_len || p->skip_line);
}

long control_deadline(const struct control *c)
{
	long next = LONG_MAX;

	if (!c)
		return next;
	if (busy(&c->tty))
		next = c->tty.idle_until;
	if (c->tty.quiet_until > clock_ms() && c->tty.quiet_until < next)
		next = c->tty.quiet_until;
	for (size_t i = 0; i < CONTROL_PEERS_MAX; i++)
		if (busy(&c->peers[i]) && c->peers[i].idle_until < next)
			next = c->peers[i].idle_until;
	return next;
}

static void check_deadline(struct peer *p, long now)
{
	if (!busy(p) || now < p->idle_until)
		return;
	peer_drop(p, p->answering ? "stopped reading its answer" : "sent no complete command line in time");
}

void control_handle(struct control *c, const struct control_ops *ops, const struct pollfd *fds, size_t n)
{
	if (!c || n < 2 + CONTROL_PEERS_MAX)
		return;
	for (size_t i = 0; i < CONTROL_PEERS_MAX; i++)
		if (fds[2 + i].fd >= 0 && fds[2 + i].revents)
			serve_peer(ops, &c->peers[i], fds[2 + i].revents);
	if (fds[1].fd >= 0 && fds[1].revents)
		serve_peer(ops, &c->tty, fds[1].revents);
	if (fds[0].fd >= 0 && (fds[0].revents & POLLIN))
		accept_peers(c);
	long now = clock_ms();
	check_deadline(&c->tty, now);
	for (size_t i = 0; i < CONTROL_PEERS_MAX; i++)
		check_deadline(&c->peers[i], now);
}

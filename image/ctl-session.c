/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead ctl exec and logs -f: the host's end of a control session
 * (init/session.c has the other). The host sends lines, its stdin as
 * base64 in them, and a ping every CTL_PING_MS (the serial line has no
 * hang-up: the init knows its host is gone by the silence); the init sends
 * frames (contract.h) for exec, text for logs -f. SIGINT, SIGTERM or
 * SIGHUP send "end": the command is killed, its status still comes back.
 *
 * Nothing here waits on one side while the other fills: the lines to send
 * queue in a buffer written as the connection takes them, and stdin is
 * read only while that buffer has room, so a command that neither reads
 * its stdin nor stops writing still has its output read. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "image.h"

#define LINE_DATA CTL_DATA_MAX /* the bytes one line carries */
#define END_WAIT_MS 15000 /* after "end": the command's status, or we give up */

struct link {
	int fd;
	bool serial;
	char pending[16384]; /* lines not yet taken by the connection */
	size_t pending_len;
	long next_ping;
};

static long clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static bool queue(struct link *l, const char *text, size_t len)
{
	if (len > sizeof(l->pending) - l->pending_len)
		return false;
	memcpy(l->pending + l->pending_len, text, len);
	l->pending_len += len;
	return true;
}

static bool queue_line(struct link *l, const char *verb, const unsigned char *data, size_t len)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char line[300];
	size_t n = (size_t)snprintf(line, sizeof(line), "%s%s", verb, len ? " " : "");

	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)data[i] << 16 | (i + 1 < len ? (unsigned)data[i + 1] << 8 : 0) |
			     (i + 2 < len ? data[i + 2] : 0);
		line[n++] = alphabet[v >> 18 & 63];
		line[n++] = alphabet[v >> 12 & 63];
		line[n++] = i + 1 < len ? alphabet[v >> 6 & 63] : '=';
		line[n++] = i + 2 < len ? alphabet[v & 63] : '=';
	}
	line[n++] = '\n';
	return queue(l, line, n);
}

/* Writes what the connection takes now. */
static int flush_some(struct link *l)
{
	while (l->pending_len) {
		ssize_t n = write(l->fd, l->pending, l->pending_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -1;
		memmove(l->pending, l->pending + n, l->pending_len - (size_t)n);
		l->pending_len -= (size_t)n;
	}
	return 0;
}

static void ping_if_due(struct link *l)
{
	long now = clock_ms();

	if (now < l->next_ping)
		return;
	queue(l, "ping\n", 5); /* no room: the init is not reading, and knows it */
	l->next_ping = now + CTL_PING_MS;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* SIGINT, SIGTERM, SIGHUP (and SIGWINCH) as a descriptor to poll. */
static int signals_open(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, old);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void queue_size(struct link *l)
{
	struct winsize ws;
	char line[32];

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		int n = snprintf(line, sizeof(line), "winch %u %u\n", ws.ws_row > 9999 ? 9999 : ws.ws_row,
				 ws.ws_col > 9999 ? 9999 : ws.ws_col);
		queue(l, line, (size_t)n);
	}
}

/* exec's answer: frames, parsed as they come in pieces. */
struct frames {
	unsigned char header[CTL_FRAME_HEADER];
	size_t header_len, left;
	char status[16];      /* the exit frame's, or a credit frame's, text */
	size_t status_len;
	size_t credit;        /* stdin bytes the init has room for (credit frames) */
	bool done;
};

static int take_frames(struct frames *f, const char *buf, size_t len)
{
	while (len && !f->done) {
		if (f->header_len < CTL_FRAME_HEADER) {
			f->header[f->header_len++] = (unsigned char)*buf++;
			len--;
			if (f->header_len == CTL_FRAME_HEADER)
				f->left = (size_t)f->header[1] << 8 | f->header[2];
		} else {
			size_t n = len < f->left ? len : f->left;
			char kind = (char)f->header[0];
			if (kind == CTL_FRAME_STDOUT && write_all(STDOUT_FILENO, buf, n) < 0)
				return -1;
			if (kind == CTL_FRAME_STDERR)
				(void)!write(STDERR_FILENO, buf, n);
			if (kind == CTL_FRAME_EXIT || kind == CTL_FRAME_CREDIT)
				for (size_t i = 0; i < n && f->status_len < sizeof(f->status) - 1; i++)
					f->status[f->status_len++] = buf[i];
			buf += n;
			len -= n;
			f->left -= n;
		}
		if (f->header_len == CTL_FRAME_HEADER && f->left == 0) {
			f->done = f->header[0] == CTL_FRAME_EXIT;
			f->header_len = 0;
			if (f->header[0] == CTL_FRAME_CREDIT) {
				f->status[f->status_len] = '\0';
				f->credit += strtoul(f->status, NULL, 10);
				f->status_len = 0;
			}
		}
	}
	return 0;
}

/* The loop both sessions share: until the answer is complete (exec: the
 * exit frame; logs -f: EOT or the end of the connection). */
static int session_loop(struct link *l, int sig_fd, bool forward_stdin, bool framed, int *status, struct diag *d)
{
	char buf[65536];
	struct frames f = { 0 };
	bool stdin_open = forward_stdin, ended = false, first = true, failed = false;
	long give_up = 0;
	int r = -1;

	fcntl(l->fd, F_SETFL, fcntl(l->fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		ping_if_due(l);
		if (flush_some(l) < 0) {
			diag_fail(d, "the appliance closed the connection");
			break;
		}
		/* stdin only within the init's credit: the init reads every
		 * line we send, so we never send more than it has room for. */
		size_t may_read = f.credit < 4 * LINE_DATA ? f.credit : 4 * LINE_DATA;
		struct pollfd p[3] = {
			{ .fd = l->fd, .events = POLLIN | (l->pending_len ? POLLOUT : 0) },
			{ .fd = sig_fd, .events = POLLIN },
			{ .fd = stdin_open && may_read && sizeof(l->pending) - l->pending_len > 4 * LINE_DATA ? STDIN_FILENO : -1,
			  .events = POLLIN },
		};
		long wait = l->next_ping - clock_ms();
		if (poll(p, 3, wait < 0 ? 0 : (int)wait) < 0 && errno != EINTR) {
			diag_errno(d, errno, "poll");
			break;
		}
		if (give_up && clock_ms() > give_up) {
			diag_fail(d, "the appliance did not end the session");
			break;
		}
		if (p[1].revents) {
			struct signalfd_siginfo si;
			while (read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGWINCH)
					queue_size(l);
				else if (!ended) {
					queue(l, "end\n", 4);
					ended = true;
					give_up = clock_ms() + END_WAIT_MS;
				}
			}
		}
		if (p[2].revents) {
			unsigned char in[LINE_DATA * 4];
			ssize_t n = read(STDIN_FILENO, in, may_read);
			if (n > 0)
				f.credit -= (size_t)n;
			for (ssize_t i = 0; i < n; i += LINE_DATA)
				queue_line(l, "in", in + i, (size_t)(n - i < LINE_DATA ? n - i : LINE_DATA));
			if (n <= 0 && !(n < 0 && errno == EINTR)) {
				queue(l, "eof\n", 4);
				stdin_open = false;
			}
		}
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		ssize_t n = read(l->fd, buf, sizeof(buf));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0 && framed) {
			diag_fail(d, "the appliance closed the session before the command's status");
			break;
		}
		if (n <= 0) {
			r = failed ? 1 : 0;
			break;
		}
		if (framed) {
			if (take_frames(&f, buf, (size_t)n) < 0) {
				diag_errno(d, errno, "stdout");
				break;
			}
			if (f.done) {
				f.status[f.status_len] = '\0';
				*status = atoi(f.status);
				r = 0;
				break;
			}
			continue;
		}
		char *eot = l->serial ? memchr(buf, '\x04', (size_t)n) : NULL;
		size_t len = eot ? (size_t)(eot - buf) : (size_t)n;
		failed |= first && len >= 6 && strncmp(buf, "error:", 6) == 0;
		first = false;
		if (write_all(STDOUT_FILENO, buf, len) < 0) {
			diag_errno(d, errno, "stdout");
			break;
		}
		if (eot) {
			r = failed ? 1 : 0;
			break;
		}
	}
	return r;
}

/* A session's host end: the link, the lock of the serial line, and the
 * signals it waits on, held from the start so that a ^C while connecting
 * still ends the session. */
struct host_end {
	struct link *l;
	int sig_fd, lock_fd;
	sigset_t old;
};

/* Opens H (for host_end_close whatever it returns): 0, or -1 with D set. */
static int host_end_open(struct host_end *h, const char *where, bool serial, struct diag *d)
{
	h->lock_fd = -1;
	h->sig_fd = signals_open(&h->old);
	if (!(h->l = calloc(1, sizeof(*h->l))))
		return diag_fail(d, "out of memory");
	h->l->serial = serial;
	return (h->l->fd = ctl_connect(where, serial, &h->lock_fd, d)) < 0 ? -1 : 0;
}

static void host_end_close(struct host_end *h)
{
	if (h->l && h->l->fd >= 0)
		close(h->l->fd);
	if (h->lock_fd >= 0)
		close(h->lock_fd);
	free(h->l);
	close(h->sig_fd);
	sigprocmask(SIG_SETMASK, &h->old, NULL);
}

int ctl_exec(const char *where, bool serial, const char *name, bool interactive, bool terminal, char *const *argv,
	     struct diag *d)
{
	struct host_end h;
	int status = CTL_EXEC_REFUSED;
	struct termios saved;
	bool raw = false;

	if (host_end_open(&h, where, serial, d) < 0) {
		host_end_close(&h);
		return -1;
	}
	struct link *l = h.l;
	char line[128];
	int n = snprintf(line, sizeof(line), "exec %s%s%s%s\n", name, interactive || terminal ? " " : "",
			 interactive ? "i" : "", terminal ? "t" : "");
	queue(l, line, (size_t)n);
	for (size_t a = 0; argv[a]; a++) {
		const unsigned char *arg = (const unsigned char *)argv[a];
		size_t len = strlen(argv[a]), off = 0;
		do {
			size_t chunk = len - off < LINE_DATA ? len - off : LINE_DATA;
			if (!queue_line(l, off ? "arg+" : "arg", arg + off, chunk)) {
				status = diag_fail(d, "the command's arguments are too long to send");
				goto out;
			}
			off += chunk;
		} while (off < len);
	}
	if (terminal)
		queue_size(l);
	queue(l, "run\n", 4);
	if (terminal && interactive && tcgetattr(STDIN_FILENO, &saved) == 0) {
		/* The command's terminal does the editing and the signals: ^C
		 * reaches it as a byte, and its pty makes it SIGINT. */
		struct termios rawmode = saved;
		cfmakeraw(&rawmode);
		raw = tcsetattr(STDIN_FILENO, TCSANOW, &rawmode) == 0;
	}
	if (session_loop(l, h.sig_fd, interactive, true, &status, d) < 0)
		status = -1;
out:
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	host_end_close(&h);
	return status;
}

int ctl_follow(const char *where, bool serial, const char *name, struct diag *d)
{
	struct host_end h;
	int status = 0, r = -1;

	if (host_end_open(&h, where, serial, d) == 0) {
		char line[128];
		int n = snprintf(line, sizeof(line), "follow %s\n", name);
		queue(h.l, line, (size_t)n);
		r = session_loop(h.l, h.sig_fd, false, false, &status, d);
	}
	host_end_close(&h);
	return r;
}

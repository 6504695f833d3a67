/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead ctl exec and logs -f: the host's end of a control session
 * (init/session.c has the other). The host sends lines, its stdin as
 * base64 in them, and a ping every CTL_PING_MS (the serial line has no
 * hang-up: the init knows its host is gone by the silence); the init sends
 * frames (contract.h) for exec, text for logs -f. SIGINT, SIGTERM or
 * SIGHUP send "end": the command is killed, its status still comes back.
 *
 * Nothing here waits on one side while the other fills: the lines to send
 * queue in a buffer written as the connection takes them; stdin is read
 * only within the init's credit and only as much as makes lines that fit,
 * so no line is ever dropped; the command's output waits in a buffer
 * written to stdout and stderr as they take it, and the connection is not
 * read while that is full, so a pager that pauses stops the command (its
 * pipe fills in the init), not the pings. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

/* The lines that carry no stdin, queued once there is room: stdin reads
 * leave CONTROL_RESERVE of the queue to them, so none is ever dropped. */
struct wants {
	bool end, eof, size, ping;
};

#define CONTROL_RESERVE 512 /* of the line queue, kept for end, eof, winch and ping */

static bool queue_size(struct link *l)
{
	struct winsize ws;
	char line[32];

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 || !ws.ws_row || !ws.ws_col)
		return true; /* no size to tell */
	int n = snprintf(line, sizeof(line), "winch %u %u\n", ws.ws_row > 9999 ? 9999 : ws.ws_row,
			 ws.ws_col > 9999 ? 9999 : ws.ws_col);
	return queue(l, line, (size_t)n);
}

static void queue_wants(struct link *l, struct wants *w)
{
	long now = clock_ms();

	if (now >= l->next_ping)
		w->ping = true;
	if (w->size && queue_size(l))
		w->size = false;
	if (w->eof && queue(l, "eof\n", 4))
		w->eof = false;
	if (w->end && queue(l, "end\n", 4))
		w->end = false;
	if (w->ping && queue(l, "ping\n", 5)) {
		w->ping = false;
		l->next_ping = now + CTL_PING_MS;
	}
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

/* The command's output on its way to ctl's stdout or stderr, written as
 * they take it: a pager that pauses holds the session back (the
 * connection is not read while this is full), never its pings. The
 * descriptors stay blocking (their file description is the shell's too):
 * each write after POLLOUT is at most PIPE_BUF, which a pipe that polled
 * writable takes at once. */
struct outbuf {
	int fd;
	bool broken; /* stdout gone: the session fails; stderr gone: dropped */
	char data[65536];
	size_t len;
};

static size_t outbuf_room(const struct outbuf *o)
{
	return sizeof(o->data) - o->len;
}

static void outbuf_put(struct outbuf *o, const char *buf, size_t len)
{
	if (o->broken)
		return;
	memcpy(o->data + o->len, buf, len); /* the caller read no more than there is room for */
	o->len += len;
}

static void outbuf_write(struct outbuf *o)
{
	ssize_t n = write(o->fd, o->data, o->len < PIPE_BUF ? o->len : PIPE_BUF);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		o->broken = true;
		o->len = 0;
		return;
	}
	memmove(o->data, o->data + n, o->len - (size_t)n);
	o->len -= (size_t)n;
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

static void take_frames(struct frames *f, const char *buf, size_t len, struct outbuf *out, struct outbuf *err)
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
			if (kind == CTL_FRAME_STDOUT)
				outbuf_put(out, buf, n);
			if (kind == CTL_FRAME_STDERR)
				outbuf_put(err, buf, n);
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
}

/* How many stdin bytes to read now: within the init's credit (it reads
 * every line we send, and has room for no more), and no more than the
 * lines they make fit in the queue beside CONTROL_RESERVE. */
static size_t stdin_allowance(const struct link *l, size_t credit)
{
	size_t free_bytes = sizeof(l->pending) - l->pending_len;
	size_t lines = free_bytes > CONTROL_RESERVE ? (free_bytes - CONTROL_RESERVE) / CTL_LINE_MAX : 0;
	size_t n = lines * LINE_DATA;

	if (n > credit)
		n = credit;
	return n > 4 * LINE_DATA ? 4 * LINE_DATA : n;
}

/* The loop both sessions share: until the answer is complete (exec: the
 * exit frame; logs -f: EOT or the end of the connection). */
static int session_loop(struct link *l, int sig_fd, bool forward_stdin, bool framed, int *status, struct diag *d)
{
	static struct outbuf out = { .fd = STDOUT_FILENO }, err = { .fd = STDERR_FILENO };
	char buf[sizeof(out.data)];
	struct frames f = { 0 };
	struct wants w = { 0 };
	bool stdin_open = forward_stdin, ended = false, first = true, failed = false, over = false;
	long give_up = 0;
	int r = -1;

	fcntl(l->fd, F_SETFL, fcntl(l->fd, F_GETFL) | O_NONBLOCK);
	while (!over) {
		queue_wants(l, &w);
		if (flush_some(l) < 0) {
			diag_fail(d, "the appliance closed the connection");
			break;
		}
		if (out.broken) {
			diag_fail(d, "stdout: %s", strerror(EPIPE));
			break;
		}
		size_t may_read = stdin_open ? stdin_allowance(l, f.credit) : 0;
		size_t room = outbuf_room(&out) < outbuf_room(&err) ? outbuf_room(&out) : outbuf_room(&err);
		bool read_link = room >= PIPE_BUF; /* else the output drains first: the init waits */
		struct pollfd p[5] = {
			{ .fd = read_link || l->pending_len ? l->fd : -1,
			  .events = (short)((read_link ? POLLIN : 0) | (l->pending_len ? POLLOUT : 0)) },
			{ .fd = sig_fd, .events = POLLIN },
			{ .fd = may_read ? STDIN_FILENO : -1, .events = POLLIN },
			{ .fd = out.len ? out.fd : -1, .events = POLLOUT },
			{ .fd = err.len ? err.fd : -1, .events = POLLOUT },
		};
		long wait = l->next_ping - clock_ms();
		if (poll(p, 5, wait < 0 ? 0 : (int)wait) < 0 && errno != EINTR) {
			diag_errno(d, errno, "poll");
			break;
		}
		if (give_up && clock_ms() > give_up) {
			diag_fail(d, "the appliance did not end the session");
			break;
		}
		if (p[3].revents)
			outbuf_write(&out);
		if (p[4].revents)
			outbuf_write(&err);
		if (p[1].revents) {
			struct signalfd_siginfo si;
			while (read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGWINCH)
					w.size = true;
				else if (!ended) {
					w.end = ended = true;
					give_up = clock_ms() + END_WAIT_MS;
				}
			}
		}
		if (p[2].revents) {
			unsigned char in[LINE_DATA * 4];
			ssize_t n = read(STDIN_FILENO, in, may_read);
			for (ssize_t i = 0; i < n; i += LINE_DATA) /* they fit: stdin_allowance */
				(void)queue_line(l, "in", in + i, (size_t)(n - i < LINE_DATA ? n - i : LINE_DATA));
			if (n > 0)
				f.credit -= (size_t)n;
			if (n <= 0 && !(n < 0 && errno == EINTR)) {
				w.eof = true;
				stdin_open = false;
			}
		}
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)) || !read_link)
			continue;
		ssize_t n = read(l->fd, buf, room);
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
			take_frames(&f, buf, (size_t)n, &out, &err);
			if (f.done) {
				f.status[f.status_len] = '\0';
				*status = atoi(f.status);
				r = 0;
				over = true;
			}
			continue;
		}
		char *eot = l->serial ? memchr(buf, '\x04', (size_t)n) : NULL;
		size_t len = eot ? (size_t)(eot - buf) : (size_t)n;
		failed |= first && len >= 6 && strncmp(buf, "error:", 6) == 0;
		first = false;
		outbuf_put(&out, buf, len);
		if (eot) {
			r = failed ? 1 : 0;
			over = true;
		}
	}
	/* The session is over: what is left of its output goes out now. */
	if ((out.len && write_all(out.fd, out.data, out.len) < 0) || (r == 0 && out.broken)) {
		diag_errno(d, EPIPE, "stdout");
		r = -1;
	}
	if (err.len)
		(void)!write_all(err.fd, err.data, err.len);
	out.len = err.len = 0;
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
		(void)queue_size(l); /* the queue holds only the arguments yet */
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

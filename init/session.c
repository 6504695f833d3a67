/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One `bulkhead ctl exec` as the control channel (control.c) carries it: the
 * request as the host's lines build it (exec NAME, arg..., run), then the
 * command's stdout and stderr as frames (contract.h) and its status last,
 * while the host's stdin (in, eof) and terminal size (winch) come the other
 * way. The command itself is exec.c's (exec_session_start): this file only
 * moves bytes, and never blocks.
 *
 * Backpressure both ways, in bounded buffers: the command's pipes are read
 * only when the peer's answer buffer has room for a frame (a command that
 * writes faster than the host reads waits on its full pipe); stdin flows by
 * credit: a credit frame tells the host how many more bytes it may send, and
 * credit is granted only for room in the stdin buffer, so that the host's
 * lines (end, ping, sync) are always read, whatever the command reads. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "session.h"
#include "supervise.h"

#define SESSION_STDIN_BYTES 4096
#define SESSION_ARGV_BYTES 4096
#define SESSION_ARGS_MAX 64
#define SESSION_CREDIT_STEP 1024 /* stdin credit is granted in steps of at least this */

struct session {
	char name[64];
	bool interactive, terminal;
	pid_t pid;            /* the session process once started; 0 before, and once reaped */
	bool started, ended;  /* ended: reaped, STATUS is its status */
	int status;
	int out_fd, err_fd;   /* the command's stdout and stderr (terminal: out_fd is the pty's master) */
	int in_fd;            /* its stdin (a pipe's write end; terminal: the master again); -1: none */
	int console_fd;       /* terminal: where the master comes from, until it came */
	bool in_eof;          /* the host's stdin ended: close the pipe once the buffer went */
	unsigned short rows, cols;
	char stdin_buf[SESSION_STDIN_BYTES];
	size_t stdin_len;
	size_t credit;        /* stdin bytes the host may still send: stdin_len + credit <= the buffer */
	char argv_bytes[SESSION_ARGV_BYTES];
	size_t argv_len;
	int argc;
	char failure[256];    /* refused: the message for the stderr frame */
	bool exit_sent;
};

struct session *session_new(const char *name, bool interactive, bool terminal)
{
	struct session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->interactive = interactive;
	s->terminal = terminal;
	s->out_fd = s->err_fd = s->in_fd = s->console_fd = -1;
	return s;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void session_free(struct session *s, const struct control_ops *ops)
{
	if (!s)
		return;
	/* The host went away, or ended it: the command goes too. */
	if (s->pid > 0 && !s->ended)
		ops->exec_cancel(ops->ctx, s->pid);
	close_fd(&s->out_fd);
	close_fd(&s->err_fd);
	if (!s->terminal)
		close_fd(&s->in_fd);
	close_fd(&s->console_fd);
	free(s);
}

pid_t session_pid(const struct session *s)
{
	return s->pid;
}

bool session_started(const struct session *s)
{
	return s->started;
}

void session_ended(struct session *s, int status)
{
	s->ended = true;
	s->status = status;
	s->pid = 0;
}

static void fail(struct session *s, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(struct session *s, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->failure, sizeof(s->failure), fmt, ap);
	va_end(ap);
	s->started = s->ended = true;
	s->status = status;
}

static void apply_size(struct session *s)
{
	struct winsize ws = { .ws_row = s->rows, .ws_col = s->cols };

	if (s->terminal && s->out_fd >= 0 && s->rows)
		ioctl(s->out_fd, TIOCSWINSZ, &ws);
}

static int add_arg_bytes(struct session *s, const unsigned char *data, size_t len, bool new_arg)
{
	if (memchr(data, '\0', len))
		return -EINVAL; /* an argument is a C string */
	if (new_arg && s->argc == SESSION_ARGS_MAX)
		return -E2BIG;
	if (!new_arg && s->argc == 0)
		return -EINVAL;
	if (!new_arg)
		s->argv_len--; /* the last argument's NUL: it goes on */
	if (s->argv_len + len + 1 > sizeof(s->argv_bytes))
		return -E2BIG;
	memcpy(s->argv_bytes + s->argv_len, data, len);
	s->argv_len += len;
	s->argv_bytes[s->argv_len++] = '\0';
	s->argc += new_arg;
	return 0;
}

static void set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags >= 0)
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static void start(struct session *s, const struct control_ops *ops, void (*ended)(void *, pid_t, int), void *ctx)
{
	char *argv[SESSION_ARGS_MAX + 1];
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, in[2] = { -1, -1 }, console[2] = { -1, -1 };
	struct bh_err e = { 0 };

	if (s->argc == 0)
		return fail(s, CTL_EXEC_REFUSED, "error: exec needs a command\n");
	char *p = s->argv_bytes;
	for (int i = 0; i < s->argc; i++, p += strlen(p) + 1)
		argv[i] = p;
	argv[s->argc] = NULL;
	bool ok = s->terminal ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) == 0
			      : pipe2(out, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0 &&
					(!s->interactive || pipe2(in, O_CLOEXEC) == 0);
	if (!ok) {
		int errnum = errno;
		for (int i = 0; i < 2; i++) {
			close_fd(&out[i]);
			close_fd(&err[i]);
			close_fd(&in[i]);
			close_fd(&console[i]);
		}
		return fail(s, CTL_EXEC_REFUSED, "error: exec %s: %s\n", s->name, strerror(errnum));
	}
	struct exec_request req = {
		.argv = argv,
		.terminal = s->terminal,
		.console_socket = console[1],
		.rows = s->rows, /* a winch before run: the command's first look sees it */
		.cols = s->cols,
		.stdin_fd = in[0],
		.stdout_fd = out[1],
		.stderr_fd = err[1],
		.ended = ended,
		.ctx = ctx,
	};
	pid_t pid = ops->exec_start(ops->ctx, s->name, &req, &e);
	/* The session process holds its ends now; we keep ours. */
	close_fd(&out[1]);
	close_fd(&err[1]);
	close_fd(&in[0]);
	close_fd(&console[1]);
	s->out_fd = out[0];
	s->err_fd = err[0];
	s->in_fd = in[1];
	s->console_fd = console[0];
	s->started = true;
	if (pid < 0) {
		close_fd(&s->out_fd);
		close_fd(&s->err_fd);
		close_fd(&s->in_fd);
		close_fd(&s->console_fd);
		if (pid == -ENOENT)
			return fail(s, CTL_EXEC_REFUSED, "error: no service named \"%s\"\n", s->name);
		if (pid == -ESRCH)
			return fail(s, CTL_EXEC_REFUSED, "error: %s is not running\n", s->name);
		return fail(s, CTL_EXEC_REFUSED, "error: exec %s: %s\n", s->name, e.msg[0] ? e.msg : strerror((int)-pid));
	}
	s->pid = pid;
	int *ours[] = { &s->out_fd, &s->err_fd, &s->in_fd, &s->console_fd };
	for (size_t i = 0; i < ARRAY_SIZE(ours); i++)
		if (*ours[i] >= 0)
			set_nonblocking(*ours[i]);
}

int session_line(struct session *s, const struct control_ops *ops, const struct control_request *req,
		 void (*ended)(void *, pid_t, int), void *ctx)
{
	switch (req->verb) {
	case CONTROL_ARG:
	case CONTROL_ARG_MORE:
		if (s->started)
			return -EINVAL;
		int r = add_arg_bytes(s, req->data, req->data_len, req->verb == CONTROL_ARG);
		if (r == -E2BIG)
			fail(s, CTL_EXEC_REFUSED, "error: exec takes %d arguments, %d bytes in all, at most\n",
			     SESSION_ARGS_MAX, SESSION_ARGV_BYTES);
		else if (r < 0)
			fail(s, CTL_EXEC_REFUSED, "error: an argument holds a NUL byte\n");
		return 0;
	case CONTROL_RUN:
		if (s->started)
			return -EINVAL;
		start(s, ops, ended, ctx);
		return 0;
	case CONTROL_IN:
		if (!s->started || !s->interactive || s->in_eof)
			return -EINVAL;
		if (req->data_len > s->credit)
			return -EPROTO; /* beyond its credit: the host does not keep the protocol */
		s->credit -= req->data_len;
		if (s->in_fd < 0 && s->console_fd < 0)
			return 0; /* the command closed its stdin (or is over): nowhere to go */
		memcpy(s->stdin_buf + s->stdin_len, req->data, req->data_len);
		s->stdin_len += req->data_len;
		return 0;
	case CONTROL_EOF:
		if (!s->started)
			return -EINVAL;
		s->in_eof = true;
		return 0;
	case CONTROL_WINCH:
		s->rows = req->rows;
		s->cols = req->cols;
		apply_size(s);
		return 0;
	default:
		return -EINVAL;
	}
}

void session_poll_fds(const struct session *s, struct pollfd *fds, bool room_for_output)
{
	short out_events = room_for_output ? POLLIN : 0;

	fds[0] = (struct pollfd){ .fd = out_events ? s->out_fd : -1, .events = out_events };
	fds[1] = (struct pollfd){ .fd = s->terminal ? s->console_fd : out_events ? s->err_fd : -1, .events = POLLIN };
	/* The terminal's input is its master: polled twice, for each way. */
	fds[2] = (struct pollfd){ .fd = s->stdin_len ? s->in_fd : -1, .events = POLLOUT };
}

/* The terminal's master, from the session through the console socket. */
static void receive_master(struct session *s)
{
	int master = bh_fd_receive(s->console_fd, MSG_DONTWAIT);

	if (master == -EAGAIN || master == -EINTR)
		return;
	if (master >= 0) {
		s->out_fd = s->in_fd = master;
		set_nonblocking(master);
		apply_size(s);
	}
	close_fd(&s->console_fd); /* one master, or none: either way the socket is done */
}

static void feed_stdin(struct session *s)
{
	while (s->in_fd >= 0 && s->stdin_len) {
		ssize_t n = write(s->in_fd, s->stdin_buf, s->stdin_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* The command closed its stdin: what the host sends goes nowhere. */
			s->stdin_len = 0;
			if (!s->terminal)
				close_fd(&s->in_fd);
			return;
		}
		memmove(s->stdin_buf, s->stdin_buf + n, s->stdin_len - (size_t)n);
		s->stdin_len -= (size_t)n;
	}
	if (s->in_eof && s->stdin_len == 0 && !s->terminal)
		close_fd(&s->in_fd);
}

static size_t frame(char *out, char kind, const char *data, size_t len)
{
	out[0] = kind;
	out[1] = (char)(len >> 8);
	out[2] = (char)(len & 0xff);
	memmove(out + CTL_FRAME_HEADER, data, len);
	return CTL_FRAME_HEADER + len;
}

/* More stdin credit for the host, as its bytes leave the buffer: a credit
 * frame once a step's worth of room is not yet granted. */
static size_t grant_credit(struct session *s, char *out, size_t room)
{
	size_t free_room = sizeof(s->stdin_buf) - s->stdin_len - s->credit;
	char count[12];

	if (!s->started || s->ended || !s->interactive || s->in_eof || (s->in_fd < 0 && s->console_fd < 0) ||
	    free_room < SESSION_CREDIT_STEP || room < CTL_FRAME_HEADER + sizeof(count))
		return 0;
	s->credit += free_room;
	return frame(out, CTL_FRAME_CREDIT, count, (size_t)snprintf(count, sizeof(count), "%zu", free_room));
}

/* One read from FD into a frame of KIND; at end of file (or the master's
 * EIO once the command is gone) FD is closed. */
static size_t read_frame(int *fd, char kind, char *out, size_t room, bool ended)
{
	if (*fd < 0 || room <= CTL_FRAME_HEADER)
		return 0;
	size_t want = room - CTL_FRAME_HEADER > 0xffff ? 0xffff : room - CTL_FRAME_HEADER;
	ssize_t n = read(*fd, out + CTL_FRAME_HEADER, want);
	if (n > 0)
		return frame(out, kind, out + CTL_FRAME_HEADER, (size_t)n);
	/* Once reaped, what the command wrote is all in the pipe: its end
	 * is where the pipe is empty, even if a stray child still holds it. */
	if (n == 0 || (errno != EAGAIN && errno != EINTR) || ended)
		close_fd(fd);
	return 0;
}

size_t session_pump(struct session *s, char *out, size_t room, bool *done)
{
	size_t len = 0;

	*done = false;
	if (s->console_fd >= 0)
		receive_master(s);
	feed_stdin(s);
	len += grant_credit(s, out, room);
	if (s->failure[0] && room - len > CTL_FRAME_HEADER + strlen(s->failure)) {
		len += frame(out + len, CTL_FRAME_STDERR, s->failure, strlen(s->failure));
		s->failure[0] = '\0';
	}
	len += read_frame(&s->out_fd, CTL_FRAME_STDOUT, out + len, room - len, s->ended);
	if (!s->terminal)
		len += read_frame(&s->err_fd, CTL_FRAME_STDERR, out + len, room - len, s->ended);
	if (s->terminal && s->out_fd < 0)
		s->in_fd = -1; /* the master: closed as out_fd */
	bool drained = s->out_fd < 0 && s->err_fd < 0 && !s->failure[0];
	if (s->ended && drained && !s->exit_sent && room - len > CTL_FRAME_HEADER + 12) {
		char status[12];
		int n = snprintf(status, sizeof(status), "%d", s->status);
		len += frame(out + len, CTL_FRAME_EXIT, status, (size_t)n);
		s->exit_sent = true;
	}
	*done = s->exit_sent;
	return len;
}

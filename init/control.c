/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control channel: the host's way to ask PID 1 for ps, logs, restart,
 * stop, poweroff and the network counters (net), one command line answered
 * in text; and to run a command in a container (exec) or follow a log.
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
 * stalled answer there is discarded and the line serves the next command.
 *
 * Sessions (ctl exec, logs -f; docs/ctl.md) keep a peer both ways: the
 * host's lines go on coming (stdin, pings, end) while the answer goes out
 * (frames for exec, session.c's). A session hears a ping every second from
 * a live host; after CTL_SESSION_IDLE_MS of silence (the serial line has no
 * hang-up) it ends and its command is killed. "sync TOKEN" from a new host
 * ends whatever the line was doing. */
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
#include "session.h"

#define CONTROL_OUT_BYTES 4096 /* one peer's answer buffer; the rest waits in the file */
#define CONTROL_IDLE_MS 5000L  /* a peer that makes no progress this long is dropped */
#define CONTROL_QUIET_MS 1000L /* the serial line's rest after a hang-up or an error */
#define EOT '\x04'             /* ends an answer on the serial line, which has no EOF */

/* ---- peers ---- */

struct peer {
	int fd;            /* -1: a free slot */
	bool tty;          /* the serial line: never closed; answers end with EOT */
	bool answering;    /* the command was read; now the answer goes out */
	bool live;         /* a session (exec, logs -f): the host's lines keep coming meanwhile */
	bool framed;       /* the answer is frames (exec) or sync's: no EOT after it */
	bool keep_open;    /* sync: the next command follows on the same peer */
	bool skip_line;    /* the rest of an over-long line is dropped */
	bool warned;       /* a session's bad line was logged: one warning a session */
	char in[CONTROL_LINE_MAX];
	size_t in_len;
	char out[CONTROL_OUT_BYTES];
	size_t out_len, out_off;
	size_t ps_next;    /* ps: the next line to write; 0 when not answering ps */
	int files[2];      /* logs: NAME.log.1 then NAME.log, streamed; net: [1]; -1 when done */
	const char *follow; /* logs -f: the container whose NAME.log is followed past its end */
	struct session *session; /* exec */
	bool ended;        /* the answer is complete in out (EOT included) */
	long idle_until;   /* dropped when no progress by then */
	long quiet_until;  /* the serial line: hung up or failing; not polled until then */
};

struct control {
	int listen_fd;
	const struct control_ops *ops; /* control_handle's, for what ends a session */
	struct peer tty;
	struct peer peers[CONTROL_PEERS_MAX];
};

static long clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The answer (and a session with it: its command is killed) is over; what
 * the host sent after it stays. */
static void answer_reset(struct control *c, struct peer *p)
{
	for (int i = 0; i < 2; i++)
		if (p->files[i] >= 0)
			close(p->files[i]);
	p->files[0] = p->files[1] = -1;
	session_free(p->session, c->ops);
	p->session = NULL;
	p->follow = NULL;
	p->answering = p->ended = p->live = p->framed = p->keep_open = p->warned = false;
	p->out_len = p->out_off = p->ps_next = 0;
}

static void peer_reset(struct control *c, struct peer *p)
{
	answer_reset(c, p);
	p->skip_line = false;
	p->in_len = 0;
	p->idle_until = clock_ms() + CONTROL_IDLE_MS;
}

static void peer_close(struct control *c, struct peer *p)
{
	/* The serial line keeps what it read past the answered line: a new
	 * host's "sync" may have come in the same read as an old host's
	 * half-line, whose error answer ends here. */
	size_t keep = p->tty ? p->in_len : 0;

	peer_reset(c, p);
	p->in_len = keep;
	if (p->fd >= 0 && !p->tty)
		close(p->fd);
	if (!p->tty)
		p->fd = -1;
}

static void peer_drop(struct control *c, struct peer *p, const char *why)
{
	log_warn("control: dropped a peer that %s%s", why, p->tty ? " (serial line)" : "");
	/* The serial line's host stopped reading: what the kernel still holds
	 * for it goes too, so that the next host reads only its own answer. */
	if (p->tty && p->answering)
		tcflush(p->fd, TCOFLUSH);
	peer_close(c, p);
	p->in_len = 0; /* a line that did not end in time goes; the next host ends its own */
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

/* exec refused before a session began: its answer is frames all the same. */
static void refuse_exec(struct peer *p, const char *why)
{
	char status[8];
	size_t n = strlen(why) < 200 ? strlen(why) : 200;
	int m = snprintf(status, sizeof(status), "%d", CTL_EXEC_REFUSED);

	p->out[p->out_len++] = CTL_FRAME_STDERR;
	p->out[p->out_len++] = 0;
	p->out[p->out_len++] = (char)n;
	memcpy(p->out + p->out_len, why, n);
	p->out_len += n;
	p->out[p->out_len++] = CTL_FRAME_EXIT;
	p->out[p->out_len++] = 0;
	p->out[p->out_len++] = (char)m;
	memcpy(p->out + p->out_len, status, (size_t)m);
	p->out_len += (size_t)m;
	p->framed = p->ended = true;
}

static int open_log(const char *name, const char *suffix)
{
	char path[PATH_MAX];

	/* NAME is the spec's own (validated at load), never the client's text. */
	snprintf(path, sizeof(path), "%s/%s.log%s", CONTAINER_LOG_DIR, name, suffix);
	return open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
}

static void open_logs(struct peer *p, const char *name)
{
	/* The older file first: the output reads in order. */
	p->files[0] = open_log(name, ".1");
	p->files[1] = open_log(name, "");
}

/* logs -f read NAME.log to its end: was it rotated (renamed NAME.log.1,
 * a new NAME.log begun)? Then what is left of it is read, and the new one. */
static bool log_rotated(const struct peer *p)
{
	char path[PATH_MAX];
	struct stat now, ours;

	snprintf(path, sizeof(path), "%s/%s.log", CONTAINER_LOG_DIR, p->follow);
	return stat(path, &now) == 0 && fstat(p->files[1], &ours) == 0 &&
	       (now.st_ino != ours.st_ino || now.st_dev != ours.st_dev);
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

static bool session_verb(enum control_verb v)
{
	return v >= CONTROL_ARG && v <= CONTROL_END;
}

/* The command line is complete: start its answer. */
static void start_answer(struct control *c, struct peer *p, const char *line, size_t len, bool too_long)
{
	const struct control_ops *ops = c->ops;
	struct control_request req;
	int r = too_long ? -E2BIG : control_parse(line, len, &req);

	/* A session's lines after it ended (a ping, an end on its way), and
	 * the empty line a host sends first to end one an earlier host left
	 * half-written: no command, no answer. */
	if ((r == 0 && session_verb(req.verb)) || (!too_long && (len == 0 || (len == 1 && line[0] == '\r'))))
		return;
	p->answering = true;
	if (r == -E2BIG)
		say(p, "error: a command line is at most %d bytes\n", CONTROL_LINE_MAX - 1);
	else if (r < 0 && req.verb == CONTROL_EXEC && r != -ENAMETOOLONG)
		refuse_exec(p, "error: exec NAME [i|t|it], then the command's arguments\n");
	else if (r == -ENAMETOOLONG || (r == 0 && req.name[0] && req.verb != CONTROL_SYNC &&
					   !ops->lookup(ops->ctx, req.name))) {
		char why[128];
		snprintf(why, sizeof(why), "error: no service named \"%.*s\"\n", 63,
			 r == 0 ? req.name : "(a name too long)");
		if (req.verb == CONTROL_EXEC)
			refuse_exec(p, why);
		else
			say(p, "%s", why);
	} else if (r < 0)
		say(p, "error: unknown command (ps, logs NAME, restart NAME, stop NAME, poweroff, net)\n");
	else if (req.verb == CONTROL_PS)
		p->ps_next = 1;
	else if (req.verb == CONTROL_LOGS)
		open_logs(p, ops->lookup(ops->ctx, req.name));
	else if (req.verb == CONTROL_FOLLOW) {
		p->follow = ops->lookup(ops->ctx, req.name);
		p->live = true;
		open_logs(p, p->follow);
	} else if (req.verb == CONTROL_EXEC) {
		if (!(p->session = session_new(req.name, req.interactive, req.terminal)))
			return refuse_exec(p, "error: out of memory\n");
		p->live = p->framed = true;
	} else if (req.verb == CONTROL_SYNC) {
		say(p, "synced %s\n", req.name);
		p->framed = p->keep_open = true;
	} else if (req.verb == CONTROL_RESTART)
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
	if (p->live)
		p->idle_until = clock_ms() + CTL_SESSION_IDLE_MS;
}

/* The reaper's word on an exec session, through exec.c. */
static void session_over(void *ctx, pid_t pid, int status)
{
	struct control *c = ctx;

	if (c->tty.session && session_pid(c->tty.session) == pid)
		session_ended(c->tty.session, status);
	for (size_t i = 0; i < CONTROL_PEERS_MAX; i++)
		if (c->peers[i].session && session_pid(c->peers[i].session) == pid)
			session_ended(c->peers[i].session, status);
}

/* A session's host broke the protocol: said once a session, so that a
 * host cannot flood the console. */
static void warn_once(struct peer *p, const char *what)
{
	if (p->warned)
		return;
	p->warned = true;
	log_warn("control: a session's host sent %s; ignored (further ones this session unlogged)", what);
}

/* A line from the host while its session runs. */
static void session_input(struct control *c, struct peer *p, const char *line, size_t len)
{
	struct control_request req;

	if (control_parse(line, len, &req) < 0) {
		warn_once(p, "a line that is not the protocol's");
		return;
	}
	if (req.verb == CONTROL_PING)
		return;
	if (req.verb == CONTROL_SYNC) {
		/* A new host on the serial line: the last one is gone. */
		if (p->tty)
			tcflush(p->fd, TCOFLUSH);
		answer_reset(c, p);
		return start_answer(c, p, line, len, false);
	}
	if (req.verb == CONTROL_END) {
		/* logs -f: done once what was read went out. exec: the command is
		 * killed, and its status ends the answer as usual. */
		if (p->follow) {
			for (int i = 0; i < 2; i++)
				if (p->files[i] >= 0)
					close(p->files[i]);
			p->files[0] = p->files[1] = -1;
			p->follow = NULL;
			p->live = false;
		} else if (p->session && session_pid(p->session) > 0)
			c->ops->exec_cancel(c->ops->ctx, session_pid(p->session));
		else if (p->session && !session_started(p->session)) {
			/* Nothing was answered yet: no frame is cut. */
			answer_reset(c, p);
			refuse_exec(p, "error: ended before it ran\n");
		}
		/* Else the command was reaped (or refused) and its output
		 * drains: the answer goes on to its status, frame by frame. */
		return;
	}
	int r = p->session ? session_line(p->session, c->ops, &req, session_over, c) : -EINVAL;
	if (r == -EPROTO)
		peer_drop(c, p, "sent stdin beyond its credit: its session ends");
	else if (r < 0)
		warn_once(p, "a line out of place");
}

/* Tops up the answer buffer from its source: ps lines, log files, a session. */
static void fill(struct control *c, struct peer *p)
{
	const struct control_ops *ops = c->ops;

	memmove(p->out, p->out + p->out_off, p->out_len - p->out_off);
	p->out_len -= p->out_off;
	p->out_off = 0;
	if (p->session) {
		bool done;
		p->out_len += session_pump(p->session, p->out + p->out_len, sizeof(p->out) - p->out_len, &done);
		p->ended = done;
		return;
	}
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
		if (i == 1 && p->follow && p->files[1] < 0 && (p->files[1] = open_log(p->follow, "")) < 0)
			return; /* no log yet: it comes with the container's first line */
		while (p->files[i] >= 0 && p->out_len < sizeof(p->out)) {
			ssize_t n = read(p->files[i], p->out + p->out_len, sizeof(p->out) - p->out_len);
			if (n > 0) {
				p->out_len += (size_t)n;
				continue;
			}
			if (i == 1 && p->follow && n == 0 && !log_rotated(p))
				return; /* all of it read: more comes as the container writes */
			close(p->files[i]);
			p->files[i] = -1;
			if (i == 1 && p->follow)
				p->files[1] = open_log(p->follow, "");
		}
		if (p->files[i] >= 0)
			return;
	}
	if (!p->ended && !p->follow && p->out_len < sizeof(p->out)) {
		if (p->tty && !p->framed)
			p->out[p->out_len++] = EOT;
		p->ended = true;
	}
}

static void take_lines(struct control *c, struct peer *p);

/* Writes what the peer takes now; ends the exchange once all went out. */
static void send_answer(struct control *c, struct peer *p)
{
	fill(c, p);
	while (p->out_off < p->out_len) {
		ssize_t n = write(p->fd, p->out + p->out_off, p->out_len - p->out_off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			return peer_close(c, p); /* the peer went away */
		p->out_off += (size_t)n;
		if (!p->live) /* a session's host shows it is there by its pings */
			p->idle_until = clock_ms() + CONTROL_IDLE_MS;
		fill(c, p);
	}
	if (p->ended && p->keep_open) {
		answer_reset(c, p);
		p->idle_until = clock_ms() + CONTROL_IDLE_MS;
		take_lines(c, p);
	} else if (p->ended) {
		/* The serial line: ready for the next command, once the rest of
		 * an over-long line it answered went by. */
		bool skip = p->skip_line;
		peer_close(c, p);
		p->skip_line = skip && p->tty;
		if (p->tty)
			take_lines(c, p); /* the lines read past this one: the next command */
	}
}

/* Takes the complete lines read: a command, or a session's lines. */
static void take_lines(struct control *c, struct peer *p)
{
	while (p->fd >= 0 && (!p->answering || p->live)) {
		char *newline = memchr(p->in, '\n', p->in_len);
		if (!newline) {
			if (p->in_len < sizeof(p->in))
				return;
			p->in_len = 0;
			if (p->skip_line || p->live) {
				p->skip_line = true;
				return;
			}
			start_answer(c, p, p->in, sizeof(p->in), true);
			p->skip_line = p->tty;
			return;
		}
		char line[CONTROL_LINE_MAX];
		size_t len = (size_t)(newline - p->in);
		memcpy(line, p->in, len);
		p->in_len -= len + 1;
		memmove(p->in, newline + 1, p->in_len);
		if (p->skip_line)
			p->skip_line = false;
		else if (p->live)
			session_input(c, p, line, len);
		else
			start_answer(c, p, line, len, false);
	}
}

/* Reads what came. The serial line reads one command at a time: what
 * follows its newline waits in the kernel's buffer, which we do not read
 * while answering; lines already read past it are taken once the answer
 * went out. */
static void read_input(struct control *c, struct peer *p)
{
	if (p->in_len == sizeof(p->in))
		return take_lines(c, p);
	ssize_t n = read(p->fd, p->in + p->in_len, sizeof(p->in) - p->in_len);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0 && p->tty) {
		/* End of file or an error on a line that stays open: poll would
		 * report it again at once, and PID 1 would spin. Rest a while. */
		p->quiet_until = clock_ms() + CONTROL_QUIET_MS;
		return;
	}
	if (n == 0 && p->in_len && !p->live && !p->skip_line) {
		size_t len = p->in_len;
		p->in_len = 0;
		return start_answer(c, p, p->in, len, false); /* a last line without its newline */
	}
	if (n <= 0)
		return peer_close(c, p); /* a session's host gone: its command goes */
	p->idle_until = clock_ms() + (p->live ? CTL_SESSION_IDLE_MS : CONTROL_IDLE_MS);
	p->in_len += (size_t)n;
	take_lines(c, p);
}

static void serve_peer(struct control *c, struct peer *p, short revents)
{
	if (p->live && !p->tty && (revents & (POLLHUP | POLLERR)))
		return peer_close(c, p); /* the host is gone: its command goes */
	if ((!p->answering || p->live) && (revents & (POLLIN | POLLHUP | POLLERR)))
		read_input(c, p);
	else if (p->answering && (revents & (POLLHUP | POLLERR)) && !p->tty)
		return peer_close(c, p);
	if (p->fd >= 0 && p->answering)
		send_answer(c, p);
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
		peer_reset(c, &c->tty);
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
	peer_drop(c, oldest, "was idle longest when more connections came");
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
		peer_reset(c, p);
	}
}

static short wanted_events(const struct peer *p)
{
	if (!p->live)
		return p->answering ? (short)POLLOUT : (short)POLLIN;
	/* A session's host lines are always read: stdin comes only within the
	 * credit its buffer has room for (session.c). */
	return (short)(POLLIN | (p->out_off < p->out_len ? POLLOUT : 0));
}

/* The serial line first, then the sockets' peers. */
static struct peer *peer_at(struct control *c, size_t i)
{
	return i == 0 ? &c->tty : &c->peers[i - 1];
}

size_t control_poll_fds(struct control *c, struct pollfd *fds)
{
	if (!c)
		return 0;
	fds[0] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
	for (size_t i = 0; i < 1 + CONTROL_PEERS_MAX; i++) {
		struct peer *p = peer_at(c, i);
		struct pollfd *slots = fds + 1 + i * CONTROL_FDS_PER_PEER;
		bool resting = p->tty && p->quiet_until > clock_ms();
		slots[0] = (struct pollfd){ .fd = resting ? -1 : p->fd, .events = wanted_events(p) };
		for (size_t k = 1; k < CONTROL_FDS_PER_PEER; k++)
			slots[k] = (struct pollfd){ .fd = -1 };
		if (p->session)
			session_poll_fds(p->session, slots + 1, sizeof(p->out) - p->out_len > CTL_FRAME_HEADER);
	}
	return CONTROL_POLL_MAX;
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

static void check_deadline(struct control *c, struct peer *p, long now)
{
	if (!busy(p) || now < p->idle_until)
		return;
	peer_drop(c, p, p->live ? "sent no ping in time: its session ends"
		  : p->answering ? "stopped reading its answer" : "sent no complete command line in time");
}

void control_handle(struct control *c, const struct control_ops *ops, const struct pollfd *fds, size_t n)
{
	if (!c || n < CONTROL_POLL_MAX)
		return;
	c->ops = ops;
	for (size_t i = 0; i < 1 + CONTROL_PEERS_MAX; i++) {
		struct peer *p = peer_at(c, i);
		const struct pollfd *slot = fds + 1 + i * CONTROL_FDS_PER_PEER;
		if (slot->fd >= 0 && slot->revents)
			serve_peer(c, p, slot->revents);
		/* A session moves on its own too: its command's output, its
		 * status from the reaper, lines waiting for stdin's room, a log
		 * that grew. Each turn, whatever woke the loop. */
		if (p->fd >= 0 && p->live) {
			take_lines(c, p);
			if (p->fd >= 0 && p->answering)
				send_answer(c, p);
		}
	}
	if (fds[0].fd >= 0 && (fds[0].revents & POLLIN))
		accept_peers(c);
	long now = clock_ms();
	for (size_t i = 0; i < 1 + CONTROL_PEERS_MAX; i++)
		check_deadline(c, peer_at(c, i), now);
}

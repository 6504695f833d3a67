/* SPDX-License-Identifier: GPL-2.0-or-later */
/* process.terminal: a pseudo-terminal for the container's process, whose
 * master goes to whoever listens on the console socket (podman's conmon),
 * as OCI's runtime.md and crun and runc do it.
 *
 * The pty is made by the container process itself, once it stands in the
 * container's mount namespace: /dev/ptmx there is the container's own
 * devpts instance, so the slave is /dev/pts/N inside the container (what
 * `tty` prints), and nothing of the caller's devpts is reachable. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <termios.h>

#include "internal.h"

/* The master, with the slave's path as the message (what runc sends, and
 * what a receiver may log); the receiver needs only the descriptor. */
static int send_master(int socket_fd, int master, const char *slave_path, struct bh_err *err)
{
	int r = bh_fd_send(socket_fd, master, slave_path, strlen(slave_path));

	return r < 0 ? bh_fail_errno(err, r, "sending the terminal to the console socket") : 0;
}

/* /dev/console in the container is the pty, as a console is for a
 * process that owns the machine (runc and crun bind it the same way). */
static int bind_dev_console(const char *slave_path, struct bh_err *err)
{
	int r = bh_make_mountpoint("/dev/console", false);
	if (r < 0)
		return bh_fail_errno(err, r, "making /dev/console");
	if (mount(slave_path, "/dev/console", NULL, MS_BIND, NULL) < 0)
		return bh_fail_errno(err, -errno, "binding %s to /dev/console", slave_path);
	return 0;
}

int bh_console_check(const struct bh_config *c, int socket_fd, struct bh_err *err)
{
	/* Both or neither: a pty nobody receives, or a socket that waits for
	 * one forever, is a caller's mistake to name before anything starts. */
	if (c->terminal && socket_fd < 0)
		return bh_fail(err, -EINVAL, "process.terminal is true but no console socket was given (--console-socket)");
	if (!c->terminal && socket_fd >= 0)
		return bh_fail(err, -EINVAL, "a console socket was given but process.terminal is false");
	return 0;
}

int bh_console_setup(const struct bh_config *c, int socket_fd, bool bind_console, struct bh_err *err)
{
	_cleanup_close_ int master = -1, slave = -1;
	char slave_path[32];
	int unlock = 0, number;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return bh_fail_errno(err, -errno, "terminal: opening the container's /dev/ptmx "
						  "(is a devpts with newinstance mounted at /dev/pts?)");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &number) < 0)
		return bh_fail_errno(err, -errno, "terminal: unlocking the pty");
	snprintf(slave_path, sizeof(slave_path), "/dev/pts/%d", number);
	/* Through the master, not by path: the slave of this very master,
	 * whatever is mounted at /dev/pts. */
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return bh_fail_errno(err, -errno, "terminal: opening the pty's slave");
	if (c->console_rows || c->console_columns) {
		struct winsize size = { .ws_row = c->console_rows, .ws_col = c->console_columns };
		if (ioctl(slave, TIOCSWINSZ, &size) < 0)
			return bh_fail_errno(err, -errno, "terminal: process.consoleSize");
	}
	/* The caller made us a session leader: the slave becomes the session's
	 * controlling terminal, so that ^C and job control reach the command. */
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return bh_fail_errno(err, -errno, "terminal: making it the controlling terminal");
	if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
		return bh_fail_errno(err, -errno, "terminal: wiring stdio to it");
	if (bind_console && bind_dev_console(slave_path, err) < 0)
		return err->code;
	if (send_master(socket_fd, master, slave_path, err) < 0)
		return err->code;
	/* The listener holds the master now; ours and the socket go. */
	close(socket_fd);
	return 0;
}

/* bulkhead ctl: the init's control protocol from a shell. One command a
 * connection; the answer is copied to stdout. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "image.h"

/* "@NAME" is an abstract socket (the init's own, when it runs on this
 * host); anything else a path (the VM's, through QEMU). */
static int connect_to(const char *where, struct diag *d)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return diag_fail(d, "socket: %s", strerror(errno));
	if (strlen(where) >= sizeof(addr.sun_path)) {
		close(fd);
		return diag_fail(d, "%s: name too long", where);
	}
	if (where[0] == '@') {
		memcpy(addr.sun_path + 1, where + 1, strlen(where + 1));
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(where));
	} else {
		memcpy(addr.sun_path, where, strlen(where));
		len = sizeof(addr);
	}
	if (connect(fd, (struct sockaddr *)&addr, len) < 0) {
		int e = errno;
		close(fd);
		return diag_fail(d, "%s: %s (is the appliance running?)", where, strerror(e));
	}
	return fd;
}

int ctl_command(const char *where, const char *command, const char *arg, struct diag *d)
{
	char line[512], buf[8192];
	ssize_t n;
	int fd = connect_to(where, d), failed = 0;

	if (fd < 0)
		return -1;
	snprintf(line, sizeof(line), "%s%s%s\n", command, arg ? " " : "", arg ? arg : "");
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line)) {
		close(fd);
		return diag_fail(d, "%s: %s", where, strerror(errno));
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		failed |= strncmp(buf, "error:", 6) == 0;
		fwrite(buf, 1, (size_t)n, stdout);
	}
	close(fd);
	return failed ? 1 : 0;
}

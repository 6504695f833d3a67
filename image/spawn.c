/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Other programs: QEMU for bulkhead run, and the tools from Debian's
 * packages that the builder calls (mkfs.ext4, objcopy, mtools, sfdisk,
 * qemu-img) rather than reimplementing file systems and partition tables. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image.h"

pid_t spawn(const char *const argv[], const char *const env[], int in, int out, int err)
{
	/* An exec failure travels on a close-on-exec pipe: every exit status
	 * of the program's own may mean something (QEMU's carry the
	 * appliance's), so none can be borrowed for "not found". */
	int report[2];
	if (pipe2(report, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(report[0]);
		close(report[1]);
		return -e;
	}
	if (pid == 0) {
		/* bulkhead run ignores SIGINT to outlive QEMU; the child must not. */
		signal(SIGINT, SIG_DFL);
		/* A tool outlives no bulkhead that started it: a killed run takes
		 * its QEMU along instead of leaving a VM nobody waits for. */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() == 1)
			_exit(127);
		close(report[0]);
		const int fds[3] = { in, out, err };
		for (int i = 0; i < 3; i++)
			if (fds[i] >= 0 && fds[i] != i)
				dup2(fds[i], i);
		for (size_t i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		execvp(argv[0], (char **)argv);
		int e = errno;
		(void)!write(report[1], &e, sizeof(e));
		_exit(127);
	}
	close(report[1]);
	int exec_errno = 0;
	ssize_t got;
	while ((got = read(report[0], &exec_errno, sizeof(exec_errno))) < 0 && errno == EINTR)
		;
	close(report[0]);
	if (got == (ssize_t)sizeof(exec_errno)) {
		waitpid(pid, NULL, 0);
		return -exec_errno;
	}
	return pid;
}

/* The last line the tool wrote to ERR (a temporary file), for the message. */
static void last_line(FILE *err, char *out, size_t size)
{
	char buf[256];
	long end;

	out[0] = '\0';
	if (fseek(err, 0, SEEK_END) < 0 || (end = ftell(err)) <= 0)
		return;
	long from = end > (long)sizeof(buf) - 1 ? end - (long)sizeof(buf) + 1 : 0;
	fseek(err, from, SEEK_SET);
	size_t n = fread(buf, 1, sizeof(buf) - 1, err);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	char *line = strrchr(buf, '\n');
	snprintf(out, size, ": %s", line ? line + 1 : buf);
}

int run_tool(const char *const argv[], const char *const env[], const char *input, const char *package,
	     struct diag *d)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	/* The input goes through a file rather than a pipe: no size limit,
	 * and no SIGPIPE when the tool exits without reading it. */
	FILE *in = input ? tmpfile() : NULL, *err = tmpfile();
	int r = 0, status;

	if (null < 0 || !err || fcntl(fileno(err), F_SETFD, FD_CLOEXEC) < 0 ||
	    (input && (!in || fcntl(fileno(in), F_SETFD, FD_CLOEXEC) < 0 || fputs(input, in) < 0 || fflush(in) != 0 ||
		       fseek(in, 0, SEEK_SET) < 0))) {
		r = diag_errno(d, errno, "%s: cannot set up its input and output", argv[0]);
		goto out;
	}
	pid_t pid = spawn(argv, env, in ? fileno(in) : null, null, fileno(err));
	if (pid == -ENOENT) {
		r = diag_fail(d, "%s: not found; make deps installs it (Debian package %s)", argv[0], package);
		goto out;
	}
	if (pid < 0) {
		r = diag_errno(d, (int)-pid, "%s", argv[0]);
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			r = diag_errno(d, errno, "%s: waitpid", argv[0]);
			goto out;
		}
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		char why[sizeof(d->msg) / 2];
		last_line(err, why, sizeof(why));
		if (WIFEXITED(status))
			r = diag_fail(d, "%s failed (exit status %d)%s", argv[0], WEXITSTATUS(status), why);
		else
			r = diag_fail(d, "%s was killed by signal %d%s", argv[0], WTERMSIG(status), why);
	}
out:
	if (null >= 0)
		close(null);
	if (in)
		fclose(in);
	if (err)
		fclose(err);
	return r;
}

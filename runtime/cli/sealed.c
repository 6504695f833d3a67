/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The verbs that make a container process run from a sealed copy of this
 * program in memory, never from its file.
 *
 * A container process is a clone of the runtime until it execs, so its
 * /proc/self/exe is the runtime's binary. A command the container controls
 * can name that as its interpreter (#!/proc/self/exe, an ELF's PT_INTERP,
 * a symlink): the host's binary then runs in the container, and its
 * processes can open it through /proc/PID/exe and, once the runtime has
 * exited (no more ETXTBSY), write to it, so that the next call of the
 * runtime on the host runs their code as root (CVE-2019-5736, runc's and
 * crun's fix alike). A memfd whose seals forbid writing, growing and
 * shrinking cannot be changed by anyone.
 *
 * The init needs none of this: PID 1 never exits, and the kernel refuses
 * writes to a file a live process executes (ETXTBSY). */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

int run_from_sealed_copy(char **argv)
{
	extern char **environ;
	_cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (self < 0)
		return cli_error_errno(errno, "opening /proc/self/exe to copy it into a sealed memfd");
	/* Already the copy (we re-executed ourselves): go on. */
	int seals = fcntl(self, F_GET_SEALS);
	if (seals >= 0 && (seals & SEALS) == SEALS)
		return 0;
	_cleanup_close_ int copy = memfd_create("bulkhead-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (copy < 0)
		return cli_error_errno(errno, "memfd_create (a sealed copy of the runtime is what keeps a container "
					      "from overwriting it)");
	if (fstat(self, &st) < 0)
		return cli_error_errno(errno, "/proc/self/exe");
	for (off_t done = 0; done < st.st_size;) {
		ssize_t n = sendfile(copy, self, &done, (size_t)(st.st_size - done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return cli_error_errno(n < 0 ? errno : EIO, "copying the runtime into a memfd");
	}
	if (fcntl(copy, F_ADD_SEALS, SEALS) < 0)
		return cli_error_errno(errno, "sealing the runtime's memfd");
	fexecve(copy, argv, environ);
	return cli_error_errno(errno, "executing the runtime's sealed copy");
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* This program, run from where no one can write it (CVE-2019-5736).
 *
 * A container process is a clone of the runtime until it execs, so its
 * /proc/self/exe is the runtime's program. A command the container
 * controls can name that as its interpreter (#!/proc/self/exe, an ELF's
 * PT_INTERP, a symlink): the host's program then runs in the container,
 * and its processes can open it through /proc/PID/exe and, once no one
 * runs it any more (no ETXTBSY), write to it, so that the next call of
 * the runtime on the host runs their code as root.
 *
 * So a process that is or becomes a container process first points its
 * /proc/self/exe at a view of the same file that cannot be written, in
 * place, without executing itself again: the kernel lets it
 * (PR_SET_MM_MAP) once none of its mappings is of the old file, and each
 * loaded segment is mapped again from the new one first
 * (bh_exe_run_in_place_from). The view, the cheapest that can be had:
 *   - the container process of create and run (bh_exe_seal): a read-only
 *     bind mount of the file in its own new mount namespace, made after
 *     the config's mounts (none copies it) and before its pivot. Its root
 *     is private or a slave (config.c refuses a shared one), so the bind
 *     never reaches the caller's namespace. The pivot's detaching of the
 *     host's tree takes the bind along, in the one RCU grace period that
 *     detaching costs anyway; the bind goes with the container process's
 *     exec. The caller opens the file for it: a user namespace's root may
 *     not;
 *   - the exec command (cli/sealed.c), whose process joins the
 *     container's namespace and has none of its own to make a bind in,
 *     and create and run where the CLI finds it cannot switch in place
 *     (bh_exe_in_place_possible): a clone of the file's mount that is
 *     mounted nowhere (open_tree), else a memfd, executed if need be. Its
 *     close waits for a grace period of its own, 35 us and, with what it
 *     leaves the next start, about 140 us of a `run` on this development
 *     machine: that is why create and run leave the work to their
 *     container process;
 *   - where no bind can be made or used (the file replaced since the
 *     start, below the container's root, where the pivot would leave the
 *     bind; a host mount that stays unbindable under a slave root; a
 *     path or a file a user namespace's root may not reach), a copy in a
 *     memfd sealed against writing, growing and shrinking (crun's way).
 * A program already on a read-only mount, or in a sealed memfd, needs
 * none. A write through the bind fails with EROFS, and no one can make it
 * writable: it is in no mount namespace once detached. Through the memfd
 * it fails with EPERM.
 *
 * The CLI of create and run itself runs from its installed file, and so
 * does its container process until the view is made. Before that nothing
 * of the container's runs (only the config's hooks, which the caller
 * trusts), and a /proc/PID/exe opens only for a process that may ptrace
 * its owner: one that sees its pid and holds every capability the owner
 * holds, or CAP_SYS_PTRACE, which could take the process over anyway. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/mount.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* linux/memfd.h, Linux 6.3 */
#endif
#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* The ELF header of the program, where the linker put it in memory (ld
 * defines the symbol when the header is loaded, as it is in the static
 * build); absent, the image is not one to map again. */
extern const Elf64_Ehdr __ehdr_start __attribute__((weak, visibility("hidden")));

/* The program headers of the image running, when it can be mapped again
 * segment by segment, else NULL: linked at fixed addresses (ET_EXEC, as the
 * static build is: a position-independent one's read-only segments may hold
 * what its loader relocated); each segment aligned, with pages of its own
 * (a page shared by two would lose one's writes); and no PT_GNU_RELRO,
 * which would say a libc may have made part of the writable one read-only
 * since (the copy would be writable again; the Makefile links without
 * one). Read from memory, where the kernel put them: they are the file's. */
static const Elf64_Phdr *image_headers(size_t *count, uintptr_t page)
{
	const Elf64_Ehdr *eh = &__ehdr_start;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
	size_t n = getauxval(AT_PHNUM);
	uintptr_t end = 0;

	if (!eh || !ph || !page || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_type != ET_EXEC || eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum != n ||
	    (const char *)eh + eh->e_phoff != (const char *)ph)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (ph[i].p_type == PT_GNU_RELRO)
			return NULL;
		if (ph[i].p_type != PT_LOAD)
			continue;
		if ((ph[i].p_vaddr - ph[i].p_offset) % page || (ph[i].p_vaddr & ~(page - 1)) < end)
			return NULL;
		end = (ph[i].p_vaddr + ph[i].p_memsz + page - 1) & ~(page - 1);
	}
	*count = n;
	return ph;
}

/* Whether PR_SET_MM_MAP can be asked at all: a kernel built with
 * CONFIG_CHECKPOINT_RESTORE answers its PR_SET_MM_MAP_SIZE, and it needs
 * CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE in our user namespace. */
static bool exe_file_settable(void)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	unsigned int size;

	if (prctl(PR_SET_MM, PR_SET_MM_MAP_SIZE, (unsigned long)&size, 0UL, 0UL) < 0 ||
	    size != sizeof(struct prctl_mm_map) || syscall(SYS_capget, &header, data) < 0)
		return false;
	return (data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective & CAP_TO_MASK(CAP_SYS_ADMIN)) ||
	       (data[CAP_TO_INDEX(CAP_CHECKPOINT_RESTORE)].effective & CAP_TO_MASK(CAP_CHECKPOINT_RESTORE));
}

bool bh_exe_in_place_possible(void)
{
	size_t n;

	return image_headers(&n, getauxval(AT_PAGESZ)) && exe_file_settable();
}

/* Maps the file part of the loaded segment P again from FILE, a file of
 * the same content, keeping what the program wrote there: 0, or -errno. A
 * refusal leaves the segment as it was; a failure half-way (no memory
 * left) may leave its range unmapped, and the process then dies of
 * SIGSEGV before it has made anything. */
static int map_segment_again(const Elf64_Phdr *p, int file, uintptr_t page)
{
	uintptr_t start = p->p_vaddr & ~(page - 1);
	size_t len = ((p->p_vaddr + p->p_filesz + page - 1) & ~(page - 1)) - start;
	int prot = (p->p_flags & PF_R ? PROT_READ : 0) | (p->p_flags & PF_W ? PROT_WRITE : 0) |
		   (p->p_flags & PF_X ? PROT_EXEC : 0);

	/* Never written (no relocations at fixed addresses): the file's own
	 * pages, mapped over themselves, code that runs this included. */
	if (!(p->p_flags & PF_W))
		return mmap((void *)start, len, prot, MAP_PRIVATE | MAP_FIXED, file, (off_t)(p->p_offset & ~(page - 1))) ==
				       MAP_FAILED ? -errno : 0;
	/* Written since the start (the data, the first page of the bss): an
	 * anonymous copy, moved over it in one step, so that nothing written
	 * in between could be lost (signals are blocked; nothing else runs). */
	void *copy = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (copy == MAP_FAILED)
		return -errno;
	memcpy(copy, (void *)start, len);
	if ((prot != (PROT_READ | PROT_WRITE) && mprotect(copy, len, prot) < 0) ||
	    mremap(copy, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)start) == MAP_FAILED) {
		int e = errno;
		munmap(copy, len);
		return -e;
	}
	return 0;
}

/* Points /proc/self/exe at FILE. PR_SET_MM_MAP rather than
 * PR_SET_MM_EXE_FILE: the latter needs CAP_SYS_RESOURCE, which a host may
 * withhold from its root (this development machine's does), the former
 * CAP_SYS_ADMIN (or CAP_CHECKPOINT_RESTORE), as making the container's
 * namespaces does. It sets the whole map, so each of its other fields is
 * given as it stands (/proc/self/stat, brk): 0, or -errno having changed
 * nothing. */
static int set_exe_file(int file)
{
	struct prctl_mm_map map = { .exe_fd = (uint32_t)file };
	unsigned long long field[52];
	char state;

	if (bh_proc_stat("/proc/self/stat", field, ARRAY_SIZE(field), &state) < 0)
		return -EIO;
	map.start_code = field[26];
	map.end_code = field[27];
	map.start_stack = field[28];
	map.start_data = field[45];
	map.end_data = field[46];
	map.start_brk = field[47];
	map.arg_start = field[48];
	map.arg_end = field[49];
	map.env_start = field[50];
	map.env_end = field[51];
	map.brk = (uint64_t)syscall(SYS_brk, 0);
	return prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long)&map, sizeof(map), 0UL) < 0 ? -errno : 0;
}

int bh_exe_run_in_place_from(int file)
{
	uintptr_t page = getauxval(AT_PAGESZ);
	size_t n;
	const Elf64_Phdr *ph = image_headers(&n, page);
	sigset_t all, was;

	if (!ph || !exe_file_settable())
		return -ENOTSUP;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &was);
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_filesz)
			r = map_segment_again(&ph[i], file, page);
	if (r == 0)
		r = set_exe_file(file);
	sigprocmask(SIG_SETMASK, &was, NULL);
	return r;
}

bool bh_exe_unwritable(int self)
{
	struct statvfs fs;
	int seals = fcntl(self, F_GET_SEALS);

	return (seals >= 0 && (seals & SEALS) == SEALS) || (fstatvfs(self, &fs) == 0 && (fs.f_flag & ST_RDONLY));
}

int bh_exe_sealed_copy(int self, struct bh_err *err)
{
	struct stat st;
	/* Executable even where vm.memfd_noexec makes memfds not so by
	 * default (6.3); before 6.3 the flag is unknown (EINVAL). */
	_cleanup_close_ int copy = memfd_create("bulkhead-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);

	if (copy < 0 && errno == EINVAL)
		copy = memfd_create("bulkhead-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (copy < 0)
		return bh_fail_errno(err, -errno, "memfd_create (a sealed copy of the runtime is what keeps a container "
						  "from overwriting it)");
	if (fstat(self, &st) < 0)
		return bh_fail_errno(err, -errno, "/proc/self/exe");
	for (off_t done = 0; done < st.st_size;) {
		ssize_t n = sendfile(copy, self, &done, (size_t)(st.st_size - done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return bh_fail_errno(err, n < 0 ? -errno : -EIO, "copying the runtime into a memfd");
	}
	if (fcntl(copy, F_ADD_SEALS, SEALS) < 0)
		return bh_fail_errno(err, -errno, "sealing the runtime's memfd");
	return steal_fd(&copy);
}

/* Whether FILE is the file SELF is. */
static bool same_file(int file, int self)
{
	struct stat a, b;

	return fstat(file, &a) == 0 && fstat(self, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Whether PATH is ROOT or below it, both absolute (a leading "//", which
 * musl's realpath keeps, is "/"). */
static bool below(const char *path, const char *root)
{
	while (path[0] == '/' && path[1] == '/')
		path++;
	while (root[0] == '/' && root[1] == '/')
		root++;
	size_t n = strlen(root);

	while (n > 1 && root[n - 1] == '/')
		n--;
	return strncmp(path, root, n) == 0 && (path[n] == '/' || path[n] == '\0' || n == 1);
}

/* SELF's file (an fd of /proc/self/exe) through a read-only bind mount of
 * it made at its own path in this mount namespace; or -errno where none
 * can be made or it would not serve: the path is gone (ENOENT) or holds
 * another file now (ESTALE: the program was replaced since it started), it
 * lies below the container's ROOT (EXDEV), or the kernel refuses (a host
 * mount that stays unbindable under a slave root; a directory or a file a
 * user namespace's root may not reach). A bind made and then found wanting
 * stays, unseen: it goes with the host's tree at the pivot. */
static int bound_read_only(int self, const char *root)
{
	char path[PATH_MAX];
	struct stat there, want;
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n <= 1 || n == (ssize_t)sizeof(path) - 1 || path[0] != '/')
		return n < 0 ? -errno : -ENOENT; /* gone, or not in our tree */
	path[n] = '\0';
	if (below(path, root))
		return -EXDEV;
	if (stat(path, &there) < 0 || fstat(self, &want) < 0)
		return -errno;
	if (there.st_dev != want.st_dev || there.st_ino != want.st_ino)
		return -ESTALE; /* another file at the path */
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
	if (mount(path, path, NULL, MS_BIND, NULL) < 0)
		return -errno;
	if (syscall(SYS_mount_setattr, AT_FDCWD, path, 0, &attr, sizeof(attr)) < 0 &&
	    (errno != ENOSYS || bh_bind_remount(path, MS_RDONLY | MS_NOSUID | MS_NODEV) < 0)) /* before 5.12 */
		return -errno;
	/* Looked up once more: what was bound must be what runs, and the
	 * view must be read-only. */
	int file = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (file < 0)
		return -errno;
	if (!same_file(file, self) || !bh_exe_unwritable(file)) {
		close(file);
		return -ESTALE;
	}
	return file;
}

/* Why bound_read_only's ERROR (-errno) left no bind to run from, said
 * for whoever reads why the start failed. */
static const char *no_bind_because(int error)
{
	switch (-error) {
	case EXDEV:
		return "the runtime lies inside the container's root";
	case ESTALE:
		return "the file at its path is no longer the one running: replaced since the start";
	case ENOENT:
		return "its path is gone: deleted since the start";
	default:
		return strerror(-error);
	}
}

int bh_exe_seal(int self, const char *root, struct bh_err *err)
{
	_cleanup_close_ int own = self;

	if (bh_exe_unwritable(own))
		return 0;
	/* The bind first; where it cannot be had or used (a user namespace's
	 * root may lack the right to execute it), the copy. */
	_cleanup_close_ int view = bound_read_only(own, root);
	int r = view >= 0 ? bh_exe_run_in_place_from(view) : view;
	if (r == 0)
		return 0;
	int bind_error = r;
	if (view >= 0)
		close(view);
	if ((view = bh_exe_sealed_copy(own, err)) < 0) {
		bh_err_prefix(err, "no read-only bind of the runtime serves (%s)", no_bind_because(bind_error));
		return view;
	}
	r = bh_exe_run_in_place_from(view);
	return r < 0 ? bh_fail_errno(err, r, "running the runtime from a sealed copy of its program (no read-only "
					      "bind of it serves: %s)", no_bind_because(bind_error))
		     : 0;
}

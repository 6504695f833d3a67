/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The verbs that make a container process run this program from where no
 * one can write it, never from its file as installed.
 *
 * A container process is a clone of the runtime until it execs, so its
 * /proc/self/exe is the runtime's binary. A command the container controls
 * can name that as its interpreter (#!/proc/self/exe, an ELF's PT_INTERP,
 * a symlink): the host's binary then runs in the container, and its
 * processes can open it through /proc/PID/exe and, once the runtime has
 * exited (no more ETXTBSY), write to it, so that the next call of the
 * runtime on the host runs their code as root (CVE-2019-5736). The
 * program first runs itself from a read-only bind mount of its file that
 * is mounted nowhere (open_tree's detached clone, made read-only with
 * mount_setattr: no copy, a write fails with EROFS, and once the fd that
 * held it is closed the mount is in no namespace, so no one can remount
 * it), and where that cannot be made (a kernel before 5.12,
 * no CAP_SYS_ADMIN), from a copy in a memfd sealed against writing,
 * growing and shrinking (crun's way; a write fails with EPERM). runc uses
 * an overlayfs for the first; a bind is as read-only and cheaper to make
 * (no superblock of its own). A program already on a read-only mount needs
 * neither.
 *
 * From the bind it runs without executing itself again where it can: the
 * kernel lets a process point its /proc/self/exe at another file of the
 * same content once none of its mappings is of the old path
 * (run_in_place_from); else it executes the bind. An exec and the
 * program's start once more cost about 90 µs of a `run`; the switch in
 * place, a fraction of that. On kernels before 5.15 the loader's own
 * mappings also kept the file from being written while it ran
 * (VM_DENYWRITE), which mappings made again do not: a host's write to the
 * installed file could then change the code of a running CLI, no more.
 *
 * The init needs none of this: PID 1 never exits, and the kernel refuses
 * writes to a file a live process executes (ETXTBSY). */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* An fd of the program SELF (an fd of it) through a read-only bind mount
 * of that file alone that is mounted nowhere, or -1. */
static int open_through_readonly_bind(int self)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID };
	int tree = (int)syscall(SYS_open_tree, self, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);

	if (tree >= 0 && syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		close(tree);
		return -1;
	}
	return tree;
}

/* Maps the file part of the loaded segment P again from FILE, a file of
 * the same content, keeping what the program wrote there: 0, or -1. A
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
				       MAP_FAILED ? -1 : 0;
	/* Written since the start (the data, the first page of the bss): an
	 * anonymous copy, moved over it in one step, so that nothing written
	 * in between could be lost (signals are blocked; nothing else runs). */
	void *copy = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (copy == MAP_FAILED)
		return -1;
	memcpy(copy, (void *)start, len);
	if ((prot != (PROT_READ | PROT_WRITE) && mprotect(copy, len, prot) < 0) ||
	    mremap(copy, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)start) == MAP_FAILED) {
		munmap(copy, len);
		return -1;
	}
	return 0;
}

/* Whether the image running is FILE's as read (EH, PH), and one that can
 * be mapped again segment by segment: its program headers are where the
 * kernel says it put them; each segment is aligned and has pages of its
 * own (a page shared by two would lose one's writes); and no PT_GNU_RELRO
 * says a libc may have made part of the writable one read-only since
 * (the copy would be writable again; the Makefile links without one). */
static bool image_is(const Elf64_Ehdr *eh, const Elf64_Phdr *ph, uintptr_t page)
{
	uintptr_t phdr_at = 0, end = 0;

	if (getauxval(AT_PHNUM) != eh->e_phnum)
		return false;
	for (size_t i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_GNU_RELRO)
			return false;
		if (ph[i].p_type != PT_LOAD)
			continue;
		if ((ph[i].p_vaddr - ph[i].p_offset) % page || (ph[i].p_vaddr & ~(page - 1)) < end)
			return false;
		end = (ph[i].p_vaddr + ph[i].p_memsz + page - 1) & ~(page - 1);
		if (eh->e_phoff >= ph[i].p_offset && eh->e_phoff - ph[i].p_offset < ph[i].p_filesz)
			phdr_at = ph[i].p_vaddr + (eh->e_phoff - ph[i].p_offset);
	}
	return phdr_at && phdr_at == getauxval(AT_PHDR);
}

/* Whether PR_SET_MM_MAP can be asked at all, before anything is mapped
 * again: a kernel built with CONFIG_CHECKPOINT_RESTORE answers its
 * PR_SET_MM_MAP_SIZE, and it needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE. */
static bool exe_file_settable(void)
{
	unsigned int size;
	cap_flag_value_t admin = CAP_CLEAR, restore = CAP_CLEAR;

	if (prctl(PR_SET_MM, PR_SET_MM_MAP_SIZE, (unsigned long)&size, 0UL, 0UL) < 0 ||
	    size != sizeof(struct prctl_mm_map))
		return false;
	cap_t caps = cap_get_proc();
	if (!caps)
		return false;
	cap_get_flag(caps, CAP_SYS_ADMIN, CAP_EFFECTIVE, &admin);
	cap_get_flag(caps, CAP_CHECKPOINT_RESTORE, CAP_EFFECTIVE, &restore);
	cap_free(caps);
	return admin == CAP_SET || restore == CAP_SET;
}

/* Points /proc/self/exe at FILE. PR_SET_MM_MAP rather than
 * PR_SET_MM_EXE_FILE: the latter needs CAP_SYS_RESOURCE, which a host may
 * withhold from its root (this development machine's does), the former
 * CAP_SYS_ADMIN (or CAP_CHECKPOINT_RESTORE), as making the container's
 * namespaces does. It sets the whole map, so each of its other fields is
 * given as it stands (/proc/self/stat, brk): 0, or -1 having changed
 * nothing. */
static int set_exe_file(int file)
{
	struct prctl_mm_map map = { .exe_fd = (uint32_t)file };
	unsigned long long field[52];
	char state;

	if (proc_stat("/proc/self/stat", field, ARRAY_SIZE(field), &state) < 0)
		return -1;
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
	return prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long)&map, sizeof(map), 0UL) < 0 ? -1 : 0;
}

/* Points this process's /proc/self/exe at FILE, its own program through
 * the read-only bind, without executing it: 0; or -1 when it cannot,
 * nothing lost (the caller executes FILE instead). The kernel allows that
 * (set_exe_file) once no mapping of the process is of the old path: each
 * loaded segment is mapped again from FILE first (map_segment_again).
 * Only for a program linked at fixed addresses (ET_EXEC, as the static
 * build is): a position-independent one's read-only segments may hold
 * what its loader relocated. */
static int run_in_place_from(int file)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[16];
	uintptr_t page = getauxval(AT_PAGESZ);
	sigset_t all, was;

	if (pread(file, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_type != ET_EXEC || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phnum == 0 || eh.e_phnum > ARRAY_SIZE(ph) || !page)
		return -1;
	size_t size = eh.e_phnum * sizeof(Elf64_Phdr);
	if (pread(file, ph, size, (off_t)eh.e_phoff) != (ssize_t)size || !image_is(&eh, ph, page) ||
	    !exe_file_settable())
		return -1;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &was);
	int r = 0;
	for (size_t i = 0; r == 0 && i < eh.e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_filesz)
			r = map_segment_again(&ph[i], file, page);
	if (r == 0)
		r = set_exe_file(file);
	sigprocmask(SIG_SETMASK, &was, NULL);
	return r;
}

/* FILE reopened for reading (a detached mount's fd is a path only), or -1. */
static int reopen(int fd)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* A sealed memfd copy of SELF, or -1 having said why. */
static int sealed_copy(int self)
{
	struct stat st;
	int copy = memfd_create("bulkhead-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (copy < 0) {
		cli_error_errno(errno, "memfd_create (a sealed copy of the runtime is what keeps a container from "
				       "overwriting it)");
		return -1;
	}
	if (fstat(self, &st) < 0) {
		cli_error_errno(errno, "/proc/self/exe");
		close(copy);
		return -1;
	}
	for (off_t done = 0; done < st.st_size;) {
		ssize_t n = sendfile(copy, self, &done, (size_t)(st.st_size - done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			cli_error_errno(n < 0 ? errno : EIO, "copying the runtime into a memfd");
			close(copy);
			return -1;
		}
	}
	if (fcntl(copy, F_ADD_SEALS, SEALS) < 0) {
		cli_error_errno(errno, "sealing the runtime's memfd");
		close(copy);
		return -1;
	}
	return copy;
}

int run_from_sealed_copy(char **argv)
{
	extern char **environ;
	_cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct statvfs fs;

	if (self < 0)
		return cli_error_errno(errno, "opening /proc/self/exe");
	/* Already where no one can write it (the bind is a read-only
	 * mount, as is a system's read-only /usr; the copy is sealed). */
	int seals = fcntl(self, F_GET_SEALS);
	if ((seals >= 0 && (seals & SEALS) == SEALS) || (fstatvfs(self, &fs) == 0 && (fs.f_flag & ST_RDONLY)))
		return 0;
	int exe = open_through_readonly_bind(self);
	if (exe >= 0) {
		int file = reopen(exe);
		int in_place = file >= 0 ? run_in_place_from(file) : -1;
		if (file >= 0)
			close(file);
		if (in_place == 0) {
			close(exe);
			return 0;
		}
	}
	if (exe < 0 && (exe = sealed_copy(self)) < 0)
		return EXIT_RUNTIME;
	fexecve(exe, argv, environ);
	int e = errno;
	close(exe);
	return cli_error_errno(e, "executing the runtime from its read-only or sealed copy");
}

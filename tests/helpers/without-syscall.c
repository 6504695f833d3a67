/* SPDX-License-Identifier: GPL-2.0-or-later */
/* without-syscall: runs a command as on a kernel that lacks some system
 * calls: a seccomp filter answers each one named with ENOSYS, as a kernel
 * without it would, and lets every other through. Tests use it to reach a
 * program's fallback (tests/runtime-sealed.t: the runtime's sealed memfd,
 * where no read-only bind of itself can be made; tests/runtime-cgroups.t:
 * a container moved into its cgroup where clone3 cannot bear it there).
 *
 * usage: without-syscall NAME[:EPERM][,NAME...] COMMAND [ARG...]
 * (NAME:EPERM answers EPERM instead, as container seccomp profiles do.)
 * A NAME may be one operation of a call: prctl_set_mm is prctl(PR_SET_MM,
 * ...) alone (tests/runtime-sealed.t: a host that refuses it).
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct {
	const char *name;
	unsigned nr;
	int arg0; /* the first argument it must have, or -1: any */
} known[] = {
	{ "open_tree", SYS_open_tree, -1 },
	{ "mount_setattr", SYS_mount_setattr, -1 },
	{ "memfd_create", SYS_memfd_create, -1 },
	{ "clone3", SYS_clone3, -1 },
	{ "prctl_set_mm", SYS_prctl, PR_SET_MM },
};

#define MAX_DENIED 8

int main(int argc, char **argv)
{
	struct sock_filter prog[4 + 5 * MAX_DENIED + 1];
	unsigned n = 0, denied = 0;
	char names[256];

	if (argc < 3 || strlen(argv[1]) >= sizeof(names)) {
		fputs("usage: without-syscall NAME[:EPERM][,NAME...] COMMAND [ARG...]\n", stderr);
		return 2;
	}
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	strcpy(names, argv[1]);
	for (char *save, *name = strtok_r(names, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		char *answer = strchr(name, ':');
		int error = ENOSYS;
		if (answer) {
			*answer++ = '\0';
			if (strcmp(answer, "EPERM") != 0) {
				fprintf(stderr, "without-syscall: %s: only EPERM may replace ENOSYS\n", answer);
				return 2;
			}
			error = EPERM;
		}
		size_t k = 0;
		while (k < sizeof(known) / sizeof(known[0]) && strcmp(known[k].name, name) != 0)
			k++;
		if (k == sizeof(known) / sizeof(known[0]) || denied == MAX_DENIED) {
			fprintf(stderr, "without-syscall: %s: not one this helper knows\n", name);
			return 2;
		}
		unsigned refusal = SECCOMP_RET_ERRNO | (unsigned)error;
		if (known[k].arg0 < 0) {
			prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, known[k].nr, 0, 1);
			prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, refusal);
		} else {
			/* The call, then its first argument (its low word on
			 * x86_64, the one architecture let through: the
			 * operations are small numbers), then the number again
			 * for the next entry. */
			prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, known[k].nr, 0, 4);
			prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
			prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)known[k].arg0, 0, 1);
			prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, refusal);
			prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
		}
		denied++;
	}
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog fprog = { .len = (unsigned short)n, .filter = prog };
	/* As root no no_new_privs is needed, and setuid programs keep working. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0 &&
	    (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0)) {
		perror("without-syscall: seccomp");
		return 1;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "without-syscall: %s: %s\n", argv[2], strerror(errno));
	return 127;
}

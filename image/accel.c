/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which accelerator QEMU boots with, and what this host's KVM is known to do.
 *
 * A /dev/kvm that opens is no proof that KVM can run our guest: a
 * paravirtual nested hypervisor (kvm_pvm), a cloud VM's partial nesting or a
 * module without guest support all make QEMU abort (an MSR it cannot set) or
 * the guest hang in silence. So `auto` tries KVM and watches the boot
 * (run.c); when KVM fails it falls back to TCG and remembers why, keyed by
 * the host's boot id, so that every later boot until the host reboots goes
 * straight to TCG instead of paying for the failure again. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"

#define KVM_DEVICE "/dev/kvm"
#define BOOT_ID "/proc/sys/kernel/random/boot_id"

const char *const accel_names[N_ACCELS] = { [ACCEL_AUTO] = "auto", [ACCEL_KVM] = "kvm", [ACCEL_TCG] = "tcg" };

int accel_named(const char *name)
{
	for (int i = 0; i < N_ACCELS; i++)
		if (strcmp(name, accel_names[i]) == 0)
			return i;
	return -1;
}

/* $XDG_CACHE_HOME/bulkhead/kvm-verdict, or ~/.cache/bulkhead/...: a verdict
 * about the host belongs to whoever runs QEMU. False when there is neither
 * (nothing is remembered then: no shared directory anyone could plant a
 * verdict in). */
static bool verdict_path(char *out, size_t size, bool make_dir)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char dir[PATH_MAX - 64];

	if (xdg && *xdg)
		snprintf(dir, sizeof(dir), "%s/bulkhead", xdg);
	else if (home && *home)
		snprintf(dir, sizeof(dir), "%s/.cache/bulkhead", home);
	else
		return false;
	if (make_dir) {
		char parent[PATH_MAX];
		snprintf(parent, sizeof(parent), "%s", dir);
		*strrchr(parent, '/') = '\0';
		mkdir(parent, 0755);
		mkdir(dir, 0755);
	}
	snprintf(out, size, "%.*s/kvm-verdict", PATH_MAX - 64, dir);
	return true;
}

/* The remembered reason KVM cannot run a guest on this boot of the host,
 * into WHY; false when there is none (or it is from an earlier boot). */
static bool remembered_unusable(char *why, size_t size)
{
	char path[PATH_MAX], boot_id[64], line[64 + 512];

	if (!verdict_path(path, sizeof(path), false) || read_first_line(BOOT_ID, boot_id, sizeof(boot_id)) < 0 ||
	    read_first_line(path, line, sizeof(line)) < 0)
		return false;
	size_t n = strlen(boot_id);
	if (strncmp(line, boot_id, n) != 0 || line[n] != ' ')
		return false;
	snprintf(why, size, "%s", line + n + 1);
	return true;
}

int accel_remember_unusable(const char *why)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16], boot_id[64];

	if (read_first_line(BOOT_ID, boot_id, sizeof(boot_id)) < 0)
		return -errno;
	if (!verdict_path(path, sizeof(path), true))
		return -ENOENT;
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	FILE *f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "%s %.*s\n", boot_id, (int)strcspn(why, "\n"), why);
	/* Whole or not at all: a concurrent run reads the old file or the new. */
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return -e;
	}
	return 0;
}

int accel_forget(void)
{
	char path[PATH_MAX];

	if (!verdict_path(path, sizeof(path), false) || unlink(path) == 0 || errno == ENOENT)
		return 0;
	return -errno;
}

int accel_choose(int wanted, char *why, size_t size, struct diag *d)
{
	why[0] = '\0';
	if (wanted == ACCEL_TCG)
		return ACCEL_TCG;
	if (access(KVM_DEVICE, R_OK | W_OK) < 0) {
		if (wanted == ACCEL_KVM)
			return diag_fail(d, "--accel kvm: %s: %s (use --accel tcg or auto)", KVM_DEVICE, strerror(errno));
		return ACCEL_TCG; /* no KVM here at all: nothing to say */
	}
	/* --accel kvm tries again whatever was remembered: it is the way to
	 * see the failure itself. */
	if (wanted == ACCEL_AUTO && remembered_unusable(why, size))
		return ACCEL_TCG;
	return ACCEL_KVM;
}

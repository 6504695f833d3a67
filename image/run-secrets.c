/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Secrets on their way in: the list of declared names bulkhead build
 * leaves in DIR, bulkhead run's --secret NAME=FILE checked against it and
 * turned into QEMU's fw_cfg files under systemd's credentials prefix, and
 * the labelled ext4 disk (bulkhead secrets-disk) for machines without
 * fw_cfg. Only secrets-disk touches a secret's bytes, and only to have
 * debugfs copy them from where they are into the disk it writes. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image.h"

int secrets_write_list(const struct manifest *m, const char *dir, struct diag *d)
{
	char path[PATH_MAX];
	FILE *f;

	if (!m->n_secrets)
		return 0;
	snprintf(path, sizeof(path), "%s/" SECRETS_LIST_FILE, dir);
	if (!(f = fopen(path, "w")))
		return diag_errno(d, errno, "%s", path);
	for (size_t i = 0; i < m->n_secrets; i++)
		fprintf(f, "%s %s\n", m->secrets[i].name, m->secrets[i].required ? "required" : "optional");
	if (fclose(f) != 0)
		return diag_errno(d, errno, "%s", path);
	return 0;
}

/* SPEC's name into NAME and its file into *FILE: a regular file of at most
 * SECRET_SIZE_MAX bytes. */
static int parse_spec(const char *spec, char *name, size_t size, const char **file, struct diag *d)
{
	const char *eq = strchr(spec, '=');
	struct stat st;

	if (!eq || eq == spec || !eq[1])
		return diag_fail(d, "--secret %s: expected NAME=FILE", spec);
	if (eq - spec > SECRET_NAME_MAX)
		return diag_fail(d, "--secret %s: the name is %d bytes; QEMU's fw_cfg takes names of at most 55, %d of "
				    "them for NAME after %s", spec, (int)(eq - spec), SECRET_NAME_MAX, SECRETS_FW_CFG_PREFIX);
	snprintf(name, size, "%.*s", (int)(eq - spec), spec);
	if (!secret_name_valid(name))
		return diag_fail(d, "--secret %s: \"%s\" is not a secret's name (1 to %d of a-z, 0-9 and -; QEMU's "
				    "fw_cfg keeps 55 bytes for %sNAME)", spec, name, SECRET_NAME_MAX,
				 SECRETS_FW_CFG_PREFIX);
	*file = eq + 1;
	if (stat(*file, &st) < 0)
		return diag_errno(d, errno, "--secret %s: %s", name, *file);
	if (!S_ISREG(st.st_mode))
		return diag_fail(d, "--secret %s: %s is not a regular file", name, *file);
	if (st.st_size > SECRET_SIZE_MAX)
		return diag_fail(d, "--secret %s: %s has %lld bytes; a secret has at most %d", name, *file,
				 (long long)st.st_size, SECRET_SIZE_MAX);
	if (access(*file, R_OK) < 0)
		return diag_errno(d, errno, "--secret %s: %s", name, *file);
	return 0;
}

/* DIR/secrets: each declared name and whether it is required. Returns how
 * many, or -1 with d set. */
static int read_list(const char *dir, char names[][SECRET_NAME_MAX + 1], bool *required, struct diag *d)
{
	char path[PATH_MAX], line[128], word[SECRET_NAME_MAX + 2], kind[16];
	int n = 0;

	snprintf(path, sizeof(path), "%s/" SECRETS_LIST_FILE, dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : diag_errno(d, errno, "%s", path);
	while (n < SECRETS_MAX && fgets(line, sizeof(line), f))
		if (sscanf(line, "%29s %15s", word, kind) == 2 && secret_name_valid(word)) {
			snprintf(names[n], SECRET_NAME_MAX + 1, "%s", word);
			required[n++] = strcmp(kind, "required") == 0;
		}
	fclose(f);
	return n;
}

/* QEMU reads a comma in an option's value as the next option: doubled, it
 * is a comma. */
static void qemu_escape(char *out, size_t size, const char *in)
{
	size_t o = 0;

	for (; *in && o + 2 < size; in++) {
		out[o++] = *in;
		if (*in == ',')
			out[o++] = ',';
	}
	out[o] = '\0';
}

int secrets_run_args(const char *dir, char *const *specs, size_t n, char ***args, struct diag *d)
{
	char names[SECRETS_MAX][SECRET_NAME_MAX + 1], given[SECRETS_MAX][SECRET_NAME_MAX + 1];
	bool required[SECRETS_MAX];
	char disk[PATH_MAX];
	int declared = read_list(dir, names, required, d);

	*args = NULL;
	if (declared < 0)
		return -1;
	if (n > SECRETS_MAX)
		return diag_fail(d, "more than %d --secret options", SECRETS_MAX);
	char **out = calloc(2 * n + 1, sizeof(char *));
	if (!out)
		return diag_fail(d, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *file;
		char escaped[2 * PATH_MAX];
		int k = 0;
		if (parse_spec(specs[i], given[i], sizeof(given[i]), &file, d) < 0)
			goto fail;
		while (k < declared && strcmp(names[k], given[i]) != 0)
			k++;
		if (k == declared) {
			diag_fail(d, "--secret %s: the appliance in %s declares no secret \"%s\"%s", given[i], dir, given[i],
				  declared ? "; its secrets are listed in DIR/" SECRETS_LIST_FILE : " (it declares none)");
			goto fail;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(given[j], given[i]) == 0) {
				diag_fail(d, "--secret %s is given twice", given[i]);
				goto fail;
			}
		qemu_escape(escaped, sizeof(escaped), file);
		out[2 * i] = strdup("-fw_cfg");
		if (asprintf(&out[2 * i + 1], "name=" SECRETS_FW_CFG_PREFIX "%s,file=%s", given[i], escaped) < 0)
			out[2 * i + 1] = NULL;
		if (!out[2 * i] || !out[2 * i + 1]) {
			diag_fail(d, "out of memory");
			goto fail;
		}
	}
	/* Said here rather than by a boot that stops: unless a secrets disk
	 * goes with the boot (bulkhead run attaches DIR/disks/ *.ext4). */
	snprintf(disk, sizeof(disk), "%s/disks/" SECRETS_DISK_LABEL ".ext4", dir);
	for (int k = 0; k < declared && access(disk, F_OK) < 0; k++) {
		bool found = !required[k];
		for (size_t i = 0; !found && i < n; i++)
			found = strcmp(given[i], names[k]) == 0;
		if (!found) {
			diag_fail(d, "the appliance in %s requires secret \"%s\"; give it with --secret %s=FILE", dir,
				  names[k], names[k]);
			goto fail;
		}
	}
	*args = out;
	return 0;
fail:
	free_strv(out);
	return -1;
}

/* Whether the disk at PATH holds each NAMES[i] as root's 0400 file of
 * SIZES[i] bytes: debugfs -f exits 0 even when a write in it failed, so
 * its word is not taken for it. Reads debugfs's listing, never the bytes. */
static int disk_check(const char *path, char names[][SECRET_NAME_MAX + 1], const long long *sizes, size_t n,
		      struct diag *d)
{
	const char *ls[] = { "debugfs", "-R", "ls -p /", path, NULL };
	bool found[SECRETS_MAX] = { false };
	char line[256], name[SECRET_NAME_MAX + 2];
	unsigned int mode, uid, gid;
	long long size;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), status, r = 0;
	FILE *out = tmpfile();

	if (null < 0 || !out) {
		r = diag_errno(d, errno, "debugfs: cannot set up its output");
		goto out;
	}
	pid_t pid = spawn(ls, NULL, null, fileno(out), null);
	if (pid < 0) {
		r = diag_errno(d, (int)-pid, "debugfs");
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			r = diag_errno(d, errno, "debugfs: waitpid");
			goto out;
		}
	rewind(out);
	/* Each entry: /INODE/MODE/UID/GID/NAME/SIZE/ */
	while (fgets(line, sizeof(line), out))
		if (sscanf(line, "/%*u/%o/%u/%u/%29[^/]/%lld/", &mode, &uid, &gid, name, &size) == 5)
			for (size_t i = 0; i < n; i++)
				if (strcmp(name, names[i]) == 0)
					found[i] = mode == 0100400 && uid == 0 && gid == 0 && size == sizes[i];
	for (size_t i = 0; i < n && r == 0; i++)
		if (!found[i])
			r = diag_fail(d, "--secret %s: debugfs did not write it into %s as root's 0400 file of %lld bytes "
					 "(is there room on the disk, and may debugfs read the file?)",
				      names[i], path, sizes[i]);
out:
	if (null >= 0)
		close(null);
	if (out)
		fclose(out);
	return r;
}

int secrets_disk_write(const char *out_path, char *const *specs, size_t n, struct diag *d)
{
	char names[SECRETS_MAX][SECRET_NAME_MAX + 1], size[32], path[PATH_MAX];
	const char *files[SECRETS_MAX];
	long long bytes = 0, sizes[SECRETS_MAX];
	struct stat st;

	if (n == 0 || n > SECRETS_MAX)
		return diag_fail(d, "give 1 to %d --secret NAME=FILE", SECRETS_MAX);
	/* mkfs.ext4 and debugfs would take OUT beginning with '-' for an option. */
	if (snprintf(path, sizeof(path), "%s%s", out_path[0] == '-' ? "./" : "", out_path) >= (int)sizeof(path))
		return diag_fail(d, "%s: the path is too long", out_path);
	for (size_t i = 0; i < n; i++) {
		if (parse_spec(specs[i], names[i], sizeof(names[i]), &files[i], d) < 0)
			return -1;
		/* debugfs reads its commands as words: a quote or a line break
		 * in a path would end one. */
		if (strpbrk(files[i], "\"\n\\"))
			return diag_fail(d, "--secret %s: the path %s holds a quote, a backslash or a line break; "
					    "copy it somewhere plainer", names[i], files[i]);
		for (size_t j = 0; j < i; j++)
			if (strcmp(names[j], names[i]) == 0)
				return diag_fail(d, "--secret %s is given twice", names[i]);
		sizes[i] = stat(files[i], &st) == 0 ? st.st_size : -1;
		bytes += sizes[i] > 0 ? sizes[i] : 0;
	}
	/* Made 0600 first: mkfs and debugfs keep the mode of a file they find. */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return diag_errno(d, errno, "%s", path);
	fchmod(fd, 0600);
	close(fd);
	/* 1 KiB blocks: the files and their inodes, with room to spare. */
	snprintf(size, sizeof(size), "%lldk", 1024 + 2 * (bytes / 1024 + (long long)n * 4));
	const char *mkfs[] = { "mkfs.ext4", "-q", "-F", "-L", SECRETS_DISK_LABEL, "-b", "1024", "-N", "128", "-O",
			       "^has_journal", "-E", "root_owner=0:0", path, size, NULL };
	if (run_tool(mkfs, NULL, NULL, "e2fsprogs", d) < 0)
		return -1;
	/* debugfs copies each file in from where it is: no copy on the way. */
	size_t cap = n * (PATH_MAX + 3 * SECRET_NAME_MAX + 96) + 1, used = 0;
	char *commands = malloc(cap);
	if (!commands)
		return diag_fail(d, "out of memory");
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(commands + used, cap - used,
					 "write \"%s\" %s\nsif %s mode 0100400\nsif %s uid 0\nsif %s gid 0\n", files[i],
					 names[i], names[i], names[i], names[i]);
	const char *debugfs[] = { "debugfs", "-w", "-f", "-", path, NULL };
	int r = run_tool(debugfs, NULL, commands, "e2fsprogs", d);
	free(commands);
	if (r == 0)
		r = disk_check(path, names, sizes, n, d);
	/* No disk that lacks a secret: one that boots is taken for whole. */
	if (r < 0)
		unlink(path);
	return r;
}

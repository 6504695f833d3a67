/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A volume directory's owners: the files a container writes are owned on
 * the disk by its user range (its root is the range's base there), never by
 * the VM's root, whatever machine mounts the disk later. The range a
 * directory was last shifted to is recorded on it (VOLUME_IDS_XATTR, a
 * trusted.* attribute no container may set); a directory with another
 * record, or none (a new one, or one from before user namespaces: the VM's
 * ids) is shifted once, file by file, and then recorded. We chose this
 * over an idmapped mount: with one, files would be owned by 0 on the disk.
 *
 * A shift cut short (power lost) leaves the record as it was, and the next
 * boot goes on: files already moved are outside the old range and left.
 * It runs at boot before any container starts (volumes_mount), so nothing
 * a container does can race it. */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "init.h"

struct id_range {
	unsigned base, size;
};

/* The deepest directory walked: each level holds a descriptor. */
#define SHIFT_DEPTH_MAX 256

/* The one shift under way (PID 1 is single-threaded). */
static struct {
	struct id_range from, to;
	dev_t dev;
	unsigned long files, failures;
	int first_error;
} shift;

static unsigned moved(unsigned id)
{
	if (id < shift.from.base || id - shift.from.base >= shift.from.size)
		return id; /* not the old range's: left as it is */
	unsigned offset = id - shift.from.base;
	return offset < shift.to.size ? shift.to.base + offset : 65534;
}

static void failed(int error)
{
	if (!shift.failures++)
		shift.first_error = error;
}

/* NAME in the directory DIR (ST: its lstat), never followed if a symlink.
 * chown clears setuid and setgid: given back after. */
static void shift_entry(int dir, const char *name, const struct stat *st)
{
	uid_t uid = moved(st->st_uid);
	gid_t gid = moved(st->st_gid);

	if (uid == st->st_uid && gid == st->st_gid)
		return;
	shift.files++;
	if (fchownat(dir, name, uid, gid, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) < 0 ||
	    (S_ISREG(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID)) &&
	     fchmodat(dir, name, st->st_mode & 07777, 0) < 0))
		failed(errno);
	if (shift.files % 100000 == 0)
		log_info("  ... %lu owners moved so far", shift.files);
}

/* Everything beneath the directory DIR, by descriptor: a path is never
 * walked again, so no component can be swapped for a symlink on the way
 * (none could anyway: no container runs yet), and depth is not bound by
 * PATH_MAX. Stays on the volume's filesystem. */
static void shift_tree(int dir, unsigned depth)
{
	int fd = dup(dir);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);

	if (!d) {
		failed(errno);
		if (fd >= 0)
			close(fd);
		return;
	}
	for (struct dirent *e; (e = readdir(d));) {
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			failed(errno);
			continue;
		}
		shift_entry(dir, e->d_name, &st);
		if (!S_ISDIR(st.st_mode) || st.st_dev != shift.dev)
			continue;
		if (depth >= SHIFT_DEPTH_MAX) {
			failed(ELOOP);
			continue;
		}
		int sub = openat(dir, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			failed(errno);
			continue;
		}
		shift_tree(sub, depth + 1);
		close(sub);
	}
	closedir(d);
}

static bool read_record(const char *dir, struct id_range *r)
{
	char text[32];
	ssize_t n = getxattr(dir, VOLUME_IDS_XATTR, text, sizeof(text) - 1);

	if (n <= 0)
		return false;
	text[n] = '\0';
	return sscanf(text, "%u %u", &r->base, &r->size) == 2 && r->size > 0;
}

void volume_ids_settle(const char *label, const char *dir, unsigned base, unsigned size)
{
	struct id_range was, want = { base, size };
	char text[32];

	if (!read_record(dir, &was))
		was = (struct id_range){ 0, size }; /* the VM's own ids */
	if (was.base == want.base && was.size == want.size)
		return;
	/* Overlapping ranges would make a file's range ambiguous midway. */
	if (was.base < want.base + want.size && want.base < was.base + was.size) {
		log_warn("disk %s: %s is recorded for ids %u..%u, which overlap %u..%u; its owners are left as they are",
			 label, dir, was.base, was.base + was.size - 1, want.base, want.base + want.size - 1);
		return;
	}
	log_info("disk %s: %s: moving its owners from ids %u.. to %u.. (once)", label, dir, was.base, want.base);
	int top = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (top < 0 || fstat(top, &st) < 0) {
		log_warn_errno(errno, "disk %s: %s", label, dir);
		if (top >= 0)
			close(top);
		return;
	}
	shift = (__typeof__(shift)){ .from = was, .to = want, .dev = st.st_dev };
	shift_entry(top, "", &st);
	shift_tree(top, 0);
	close(top);
	if (shift.failures) {
		log_warn_errno(shift.first_error,
			       "disk %s: %s: %lu of the %lu owners to move could not be moved (or a directory was deeper "
			       "than %d levels); it is tried again at the next boot, first failure",
			       label, dir, shift.failures, shift.files, SHIFT_DEPTH_MAX);
		return;
	}
	snprintf(text, sizeof(text), "%u %u", want.base, want.size);
	if (setxattr(dir, VOLUME_IDS_XATTR, text, strlen(text), 0) < 0)
		log_warn_errno(errno, "disk %s: %s: recording its owners' range", label, dir);
	else
		log_info("disk %s: %s: %lu owners moved", label, dir, shift.files);
}

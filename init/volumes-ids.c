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
 * boot goes on: files already moved are outside the old range and left. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "init.h"

struct id_range {
	unsigned base, size;
};

/* nftw passes no context: the one shift under way (PID 1 is single-threaded). */
static struct {
	struct id_range from, to;
	unsigned long files, failures;
} shift;

static unsigned moved(unsigned id)
{
	if (id < shift.from.base || id - shift.from.base >= shift.from.size)
		return id; /* not the old range's: left as it is */
	unsigned offset = id - shift.from.base;
	return offset < shift.to.size ? shift.to.base + offset : 65534;
}

static int shift_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)type, (void)ftw;
	uid_t uid = moved(st->st_uid);
	gid_t gid = moved(st->st_gid);

	if (uid == st->st_uid && gid == st->st_gid)
		return 0;
	/* chown clears setuid and setgid: given back after. */
	if (lchown(path, uid, gid) < 0 ||
	    (!S_ISLNK(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID)) && chmod(path, st->st_mode & 07777) < 0))
		shift.failures++;
	shift.files++;
	return 0;
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
	shift.from = was;
	shift.to = want;
	shift.files = shift.failures = 0;
	if (nftw(dir, shift_one, 16, FTW_PHYS | FTW_MOUNT) < 0 || shift.failures) {
		log_warn_errno(errno, "disk %s: %s: %lu of %lu owners could not be moved; it is tried again at the next "
				      "boot", label, dir, shift.failures, shift.files);
		return;
	}
	snprintf(text, sizeof(text), "%u %u", want.base, want.size);
	if (setxattr(dir, VOLUME_IDS_XATTR, text, strlen(text), 0) < 0)
		log_warn_errno(errno, "disk %s: %s: recording its owners' range", label, dir);
	else
		log_info("disk %s: %s: %lu owners moved", label, dir, shift.files);
}

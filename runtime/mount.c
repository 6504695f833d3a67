/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Mounts: the container's root, its declared mounts and device nodes, the
 * pivot, and the masked and read-only paths that must be applied after it. */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "internal.h"

#define BH_MS_NOSYMFOLLOW 256 /* MS_NOSYMFOLLOW, Linux 5.10; not in every libc's headers */

static const struct {
	const char *name;
	unsigned long flag;
	bool clear;
	bool propagation;
} options[] = {
	{ "ro", MS_RDONLY, false, false },         { "rw", MS_RDONLY, true, false },
	{ "nosuid", MS_NOSUID, false, false },     { "suid", MS_NOSUID, true, false },
	{ "nodev", MS_NODEV, false, false },       { "dev", MS_NODEV, true, false },
	{ "noexec", MS_NOEXEC, false, false },     { "exec", MS_NOEXEC, true, false },
	{ "sync", MS_SYNCHRONOUS, false, false },  { "async", MS_SYNCHRONOUS, true, false },
	{ "noatime", MS_NOATIME, false, false },   { "atime", MS_NOATIME, true, false },
	{ "nodiratime", MS_NODIRATIME, false, false }, { "diratime", MS_NODIRATIME, true, false },
	{ "relatime", MS_RELATIME, false, false }, { "norelatime", MS_RELATIME, true, false },
	{ "strictatime", MS_STRICTATIME, false, false },
	{ "bind", MS_BIND, false, false },         { "rbind", MS_BIND | MS_REC, false, false },
	{ "private", MS_PRIVATE, false, true },    { "rprivate", MS_PRIVATE | MS_REC, false, true },
	{ "shared", MS_SHARED, false, true },      { "rshared", MS_SHARED | MS_REC, false, true },
	{ "slave", MS_SLAVE, false, true },        { "rslave", MS_SLAVE | MS_REC, false, true },
	{ "unbindable", MS_UNBINDABLE, false, true }, { "runbindable", MS_UNBINDABLE | MS_REC, false, true },
	{ "dirsync", MS_DIRSYNC, false, false },   { "lazytime", MS_LAZYTIME, false, false },
	{ "nolazytime", MS_LAZYTIME, true, false }, { "silent", MS_SILENT, false, false },
	{ "loud", MS_SILENT, true, false },        { "nosymfollow", BH_MS_NOSYMFOLLOW, false, false },
	{ "symfollow", BH_MS_NOSYMFOLLOW, true, false }, { "defaults", 0, false, false },
};

/* The options that are the filesystem's own, passed to it as mount(2)'s
 * data: those of tmpfs, devpts, proc, cgroup2, overlay, and the SELinux
 * contexts podman may add. A name ending in '=' takes a value. Whatever is
 * in neither table is refused by name, never handed to the kernel. */
static const char *const data_options[] = {
	"size=", "nr_blocks=", "nr_inodes=", "mode=", "uid=", "gid=", "huge=", "mpol=", "inode32", "inode64",
	"noswap", "newinstance", "ptmxmode=", "max=", "hidepid=", "subset=", "nsdelegate",
	"memory_recursiveprot", "memory_localevents", "favordynmods", "lowerdir=", "upperdir=", "workdir=",
	"userxattr", "redirect_dir=", "index=", "metacopy=", "xino=", "volatile", "context=", "fscontext=",
	"defcontext=", "rootcontext=",
};

static bool is_data_option(const char *option)
{
	for (size_t i = 0; i < ARRAY_SIZE(data_options); i++) {
		const char *name = data_options[i];
		size_t len = strlen(name);
		if (name[len - 1] == '=' ? strncmp(option, name, len) == 0 : strcmp(option, name) == 0)
			return true;
	}
	return false;
}

int bh_mount_option(const char *option, struct bh_mount *m, char **data_out)
{
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		if (strcmp(option, options[i].name) != 0)
			continue;
		if (options[i].propagation)
			m->propagation = options[i].flag;
		else if (options[i].clear)
			m->flags &= ~options[i].flag;
		else
			m->flags |= options[i].flag;
		return 0;
	}
	/* podman's --read-only and --tmpfs: the tmpfs starts with what the
	 * image has at its mount point. */
	if (strcmp(option, "tmpcopyup") == 0 || strcmp(option, "notmpcopyup") == 0) {
		m->copy_up = option[0] == 't';
		return 0;
	}
	if (!is_data_option(option))
		return -EINVAL;
	size_t old = *data_out ? strlen(*data_out) : 0;
	char *data = realloc(*data_out, old + strlen(option) + 2);
	if (!data)
		return -ENOMEM;
	sprintf(data + old, "%s%s", old ? "," : "", option);
	*data_out = data;
	return 0;
}

int bh_mount_target(const char *destination, char *out, size_t size, struct bh_err *err)
{
	struct stat st;

	if (snprintf(out, size, "%s%s", BH_ROOT_HERE, destination) >= (int)size)
		return bh_fail(err, -ENAMETOOLONG, "mount %s: path too long", destination);
	for (char *p = out + strlen(BH_ROOT_HERE) + 1;; p++) {
		char saved = *p;
		if (saved != '/' && saved != '\0')
			continue;
		*p = '\0';
		int r = lstat(out, &st);
		*p = saved;
		if (r < 0 && errno == ENOENT)
			return 0;
		if (r < 0) /* a file where a directory is wanted, say */
			return bh_fail_errno(err, -errno, "mount %s", destination);
		if (S_ISLNK(st.st_mode))
			return bh_fail(err, -ELOOP, "mount %s: a component of the path is a symlink in the rootfs",
				       destination);
		if (saved == '\0')
			return 1;
	}
}

static unsigned long mounted_flags(const char *path)
{
	struct statvfs vfs;
	unsigned long flags = 0;

	if (statvfs(path, &vfs) < 0)
		return 0;
	/* The ST_* bits equal the MS_* ones on Linux; a bind remount in a user
	 * namespace must repeat the locked ones. */
	flags = vfs.f_flag & (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_NOATIME |
			      ST_NODIRATIME | ST_RELATIME);
	return flags;
}

int bh_bind_remount(const char *target, unsigned long flags)
{
	return mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | mounted_flags(target) | flags, NULL);
}

struct mount_attr_arg {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};
#define MOUNT_ATTR_RDONLY_BIT 0x00000001
#define MOUNT_ATTR_NOSUID_BIT 0x00000002
#define MOUNT_ATTR_NODEV_BIT 0x00000004
#define MOUNT_ATTR_NOEXEC_BIT 0x00000008
#define AT_RECURSIVE_FLAG 0x8000

static int set_below(const char *target, uint64_t attributes)
{
	struct mount_attr_arg attr = { .attr_set = attributes };

	return (int)syscall(SYS_mount_setattr, AT_FDCWD, target, AT_RECURSIVE_FLAG, &attr, sizeof(attr));
}

static int readonly_below(const char *target)
{
	return set_below(target, MOUNT_ATTR_RDONLY_BIT);
}

/* PREMADE: the caller's /dev for M (struct bh_dev_source), or -1. 0, 1 when
 * PREMADE is what was mounted, or -errno. */
static int mount_one(const struct bh_config *c, const struct bh_mount *m, int premade, struct bh_err *err)
{
	char target[4096], source[4096];
	struct stat st;
	bool bind = m->flags & MS_BIND;
	int r = bh_mount_target(m->destination, target, sizeof(target), err);
	bool exists = r == 1;

	if (r < 0)
		return r;
	if (bind) {
		if (m->source[0] == '/')
			snprintf(source, sizeof(source), "%s", m->source);
		else
			snprintf(source, sizeof(source), "%s/%s", c->bundle, m->source);
		if (stat(source, &st) < 0)
			return bh_fail_errno(err, -errno, "mount %s: source %s", m->destination, source);
	}
	/* What is there stays; what is missing is made, without looking
	 * again (a walk of the path each time, dear under TCG). */
	r = exists ? 0 : bh_make_missing_mountpoint(target, !bind || S_ISDIR(st.st_mode));
	if (r < 0)
		return bh_fail_errno(err, r, "mount %s: creating the mount point", m->destination);

	if (bind) {
		if (mount(source, target, NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0)
			return bh_fail_errno(err, -errno, "mount %s: binding %s", m->destination, source);
		/* Flags of a bind mount only take with a second, remounting call. */
		unsigned long extra = m->flags & ~(MS_BIND | MS_REC);
		if (extra && bh_bind_remount(target, extra) < 0)
			return bh_fail_errno(err, -errno, "mount %s: applying options", m->destination);
		/* That remount reaches the top mount only: an rbind's submounts
		 * need mount_setattr to be read-only too. */
		if ((m->flags & MS_REC) && (m->flags & MS_RDONLY) && readonly_below(target) < 0)
			return bh_fail_errno(err, -errno, "mount %s: making submounts read-only", m->destination);
	} else {
		/* We speak cgroup v2 only: OCI's "cgroup" means the unified hierarchy. */
		const char *type = strcmp(m->type, "cgroup") == 0 ? "cgroup2" : m->type;
		/* What the image has there, held open: the tmpfs covers it. */
		_cleanup_close_ int image_dir = -1;
		if (m->copy_up && (image_dir = open(target, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			return bh_fail_errno(err, -errno, "mount %s: tmpcopyup: opening the image's directory", m->destination);
		/* The caller's /dev moved here; should the kernel refuse the
		 * move (none is expected to), a tmpfs as ever.
		 * Made before the container's root, it comes first in
		 * mountinfo, which recent kernels list in the order mounts were
		 * made. A copy made now would come in its turn, but dropping
		 * the last hold of the first one then unmounts it (10 µs here),
		 * and runs back to back were slower by more than that. */
		bool moved = premade >= 0 &&
			     syscall(SYS_move_mount, premade, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) == 0;
		if (!moved && mount(m->source ? m->source : type, target, type, m->flags, m->data) < 0)
			return bh_fail_errno(err, -errno, "mount %s (%s)", m->destination, type);
		if (image_dir >= 0 && (r = bh_copy_tree(image_dir, target, err)) < 0) {
			bh_err_prefix(err, "mount %s: tmpcopyup", m->destination);
			return r;
		}
		if (moved)
			return 1; /* bh_mount_dev_index: no propagation */
	}
	if (m->propagation && mount(NULL, target, NULL, m->propagation, NULL) < 0)
		return bh_fail_errno(err, -errno, "mount %s: setting propagation", m->destination);
	return 0;
}

/* The config's mounts and devices, and the default nodes, from the rootfs
 * as our working directory (BH_ROOT_HERE): each path a step or two from
 * there, not a walk down from the caller's root, which the checks and the
 * mount points took several times for each mount. The /dev the parent
 * sends comes with its nodes and links, unless the config names one of
 * them. */
static int mount_inside_root(const struct bh_config *c, const struct bh_dev_source *dev, struct bh_err *err)
{
	ssize_t dev_at = dev->fd >= 0 || dev->socket >= 0 ? bh_mount_dev_index(c) : -1;
	_cleanup_close_ int received = -1;
	bool dev_premade = false;

	for (size_t i = 0; i < c->n_mounts; i++) {
		int premade = -1;
		if ((ssize_t)i == dev_at) {
			int r = dev->fd >= 0 ? 0 : bh_mount_dev_received(dev->socket, &received);
			if (r < 0)
				return bh_fail_errno(err, r, "receiving /dev from the runtime");
			premade = dev->fd >= 0 ? dev->fd : received;
		}
		int r = mount_one(c, &c->mounts[i], premade, err);
		if (r < 0)
			return r;
		dev_premade |= r == 1;
		/* A mount on the rootfs itself ("/", "/.") covers our working
		 * directory: onto the new top, where the next paths start. */
		const char *at = c->mounts[i].destination;
		if (strspn(at, "/.") == strlen(at) && chdir(c->root) < 0)
			return bh_fail_errno(err, -errno, "entering the rootfs %s", c->root);
	}
	return bh_mount_devices(c, dev_premade ? received : -1, err);
}

int bh_mount_rootfs(const struct bh_config *c, const struct bh_dev_source *dev, struct bh_err *err)
{
	/* Our mounts must not leak back into the caller's namespace. An
	 * unbindable root could not be bound below: it is private until
	 * bh_mount_finish, then unbindable. */
	unsigned long propagation = c->rootfs_propagation == MS_UNBINDABLE ? MS_PRIVATE : c->rootfs_propagation;
	if (mount(NULL, "/", NULL, MS_REC | propagation, NULL) < 0)
		return bh_fail_errno(err, -errno, "making / %s", propagation == MS_SLAVE ? "slave" : "private");
	/* pivot_root needs the new root to be a mount point. */
	if (mount(c->root, c->root, NULL, MS_BIND | MS_REC, NULL) < 0)
		return bh_fail_errno(err, -errno, "binding the rootfs %s", c->root);
	/* No device node of the rootfs counts, whatever slipped into it:
	 * devices come only from the mounts below (the /dev tmpfs and its
	 * nodes), each with flags of its own. Neither does a set-id bit or a
	 * file capability, unless the config lets the process gain privileges
	 * (noNewPrivileges false: a setuid or file-capability program is what
	 * it asks to run). Recursive, for whatever the caller has mounted
	 * inside the rootfs. */
	unsigned long root_flags = MS_NODEV | (c->no_new_privileges ? MS_NOSUID : 0);
	if (set_below(c->root, MOUNT_ATTR_NODEV_BIT | (c->no_new_privileges ? MOUNT_ATTR_NOSUID_BIT : 0)) < 0 &&
	    (errno != ENOSYS || bh_bind_remount(c->root, root_flags) < 0)) /* before 5.12: the top only */
		return bh_fail_errno(err, -errno, "making the rootfs %s nodev%s", c->root,
				     c->no_new_privileges ? " and nosuid" : "");
	/* Back to where we were after: the create hooks run from there. */
	_cleanup_close_ int was = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (was < 0 || chdir(c->root) < 0)
		return bh_fail_errno(err, -errno, "entering the rootfs %s", c->root);
	int r = mount_inside_root(c, dev, err);
	if (fchdir(was) < 0 && r == 0)
		r = bh_fail_errno(err, -errno, "leaving the rootfs %s", c->root);
	return r;
}

int bh_config_root_mount(struct bh_config *c, int fd)
{
	/* Attached by the helper that joins the user namespace, before it
	 * joins (bh_mount_attach_root): without one, nothing would lock the
	 * mount's flags in the container's namespace. */
	if (fd < 0 || !c->user_ns_path || !(c->clone_flags & CLONE_NEWNS))
		return -EINVAL;
	c->root_mount_fd = fd;
	return 0;
}

int bh_config_user_ns_root(struct bh_config *c, uid_t uid, gid_t gid)
{
	if (!c->user_ns_path)
		return -EINVAL;
	c->user_ns_root_uid = uid;
	c->user_ns_root_gid = gid;
	c->user_ns_root_known = true;
	return 0;
}

int bh_mount_attach_root(const struct bh_config *c)
{
	/* A copy of the caller's mount namespace, for this one mount: it is
	 * not to reach the caller's (slave: what the caller mounts later still
	 * reaches a container whose rootfsPropagation asks for it). */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0 ||
	    syscall(SYS_move_mount, c->root_mount_fd, "", AT_FDCWD, c->root, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

int bh_mount_pivot(const struct bh_config *c, struct bh_err *err)
{
	if (chdir(c->root) < 0)
		return bh_fail_errno(err, -errno, "entering the rootfs %s", c->root);
	/* pivot_root(".", ".") stacks the old root under the new one; detaching
	 * it leaves no path back to the host's tree. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return bh_fail(err, -errno,
			       "pivot_root into %s: %s (the caller's root must be a real mount, not initramfs)",
			       c->root, strerror(errno));
	if (umount2(".", MNT_DETACH) < 0)
		return bh_fail_errno(err, -errno, "detaching the old root");
	if (chdir("/") < 0)
		return bh_fail_errno(err, -errno, "chdir /");
	return 0;
}

/* A copy of the mount whose root FROM is (an O_PATH descriptor) on PATH,
 * with its flags. 0 or -errno: -ENOSYS before Linux 5.2. */
static int clone_mount_to(int from, const char *path)
{
	_cleanup_close_ int tree =
		(int)syscall(SYS_open_tree, from, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);

	if (tree < 0 || syscall(SYS_move_mount, tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

/* A directory is masked by an empty read-only tmpfs: one for all of them,
 * mounted on the first and copied onto the others (*EMPTY_DIR: its root,
 * -1 until then), since a new file system costs several times a copy of a
 * mount. By descriptor: a later mask may cover the first one's path. */
static int mask_path(const char *path, int *empty_dir, struct bh_err *err)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : bh_fail_errno(err, -errno, "masking %s", path);
	if (S_ISDIR(st.st_mode)) {
		int r = *empty_dir >= 0 ? clone_mount_to(*empty_dir, path) : -ENOSYS;
		if (r == -ENOSYS) {
			if (mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0") < 0)
				return bh_fail_errno(err, -errno, "masking %s", path);
			if (*empty_dir < 0) /* not kept (out of descriptors): a tmpfs each */
				*empty_dir = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		} else if (r < 0) {
			return bh_fail_errno(err, r, "masking %s", path);
		}
	} else if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0) {
		return bh_fail_errno(err, -errno, "masking %s", path);
	}
	return 0;
}

/* Read-only, whatever is mounted below it too, where the kernel has
 * mount_setattr (5.12); before, the top mount only. nosuid, nodev and
 * noexec on the top alone: a masked file below (/dev/null bound there)
 * must still open. */
static int readonly_path(const char *path, struct bh_err *err)
{
	struct mount_attr_arg top = { .attr_set = MOUNT_ATTR_RDONLY_BIT | MOUNT_ATTR_NOSUID_BIT | MOUNT_ATTR_NODEV_BIT |
						  MOUNT_ATTR_NOEXEC_BIT };

	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return errno == ENOENT ? 0 : bh_fail_errno(err, -errno, "read-only %s", path);
	int r = readonly_below(path) == 0 ? (int)syscall(SYS_mount_setattr, AT_FDCWD, path, 0, &top, sizeof(top)) : -1;
	if (r < 0 && errno == ENOSYS)
		r = bh_bind_remount(path, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
	return r < 0 ? bh_fail_errno(err, -errno, "read-only %s", path) : 0;
}

int bh_mount_finish(const struct bh_config *c, struct bh_err *err)
{
	_cleanup_close_ int empty_dir = -1;
	int r;

	for (char **p = c->masked_paths; p && *p; p++)
		if ((r = mask_path(*p, &empty_dir, err)) < 0)
			return r;
	for (char **p = c->readonly_paths; p && *p; p++)
		if ((r = readonly_path(*p, err)) < 0)
			return r;
	/* Last, so that the mount points above could still be created. */
	if (c->root_readonly && bh_bind_remount("/", MS_RDONLY) < 0)
		return bh_fail_errno(err, -errno, "making the root read-only");
	/* After every bind above: none could take an unbindable source. */
	if (c->rootfs_propagation == MS_UNBINDABLE && mount(NULL, "/", NULL, MS_REC | MS_UNBINDABLE, NULL) < 0)
		return bh_fail_errno(err, -errno, "making / unbindable");
	return 0;
}

const char *bh_mount_option_at(size_t i)
{
	static const char *const copy_up[] = { "tmpcopyup", "notmpcopyup" };

	if (i < ARRAY_SIZE(options))
		return options[i].name;
	i -= ARRAY_SIZE(options);
	return i < ARRAY_SIZE(copy_up) ? copy_up[i] : NULL;
}

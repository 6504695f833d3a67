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

/* The rootfs, as bh_mount_rootfs's working directory while it mounts. */
#define ROOT_HERE "."

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

/* The destination inside ROOT, refusing a path whose existing components
 * include a symlink: a rootfs must not redirect a mount onto the host.
 * Returns 1 when the whole path is there, 0 when a component is missing
 * (the caller makes it, and need not look again), or -errno. */
static int target_path(const char *root, const char *destination, char *out, size_t size,
		       struct bh_err *err)
{
	struct stat st;

	if (snprintf(out, size, "%s%s", root, destination) >= (int)size)
		return bh_fail(err, -ENAMETOOLONG, "mount %s: path too long", destination);
	for (char *p = out + strlen(root) + 1;; p++) {
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

static int bind_remount(const char *target, unsigned long flags)
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
	int r = target_path(ROOT_HERE, m->destination, target, sizeof(target), err);
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
		if (extra && bind_remount(target, extra) < 0)
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
			return 1; /* dev_mount_index: no propagation */
	}
	if (m->propagation && mount(NULL, target, NULL, m->propagation, NULL) < 0)
		return bh_fail_errno(err, -errno, "mount %s: setting propagation", m->destination);
	return 0;
}

static const struct {
	const char *target;
	const char *link;
} default_links[] = {
	{ "/proc/self/fd", "fd" },     { "/proc/self/fd/0", "stdin" }, { "/proc/self/fd/1", "stdout" },
	{ "/proc/self/fd/2", "stderr" }, { "pts/ptmx", "ptmx" },        { "/proc/kcore", "core" },
};

/* Default node I at NAME under DIR, mode 0666 whatever the umask (the
 * caller sets it to 0): 0, or -errno (EEXIST: something is there already). */
static int make_default_node(int dir, size_t i, const char *name)
{
	const struct bh_device_rule *d = &bh_default_device_rules[i];

	return mknodat(dir, name, S_IFCHR | 0666, makedev((unsigned)d->major, (unsigned)d->minor)) < 0 ? -errno : 0;
}

/* The default nodes (devices.c's list) and links, in the container's /dev,
 * our working directory: each name one step from there, where a path from
 * the root would be walked down the caller's tree for every call (half a
 * node's cost under emulation). A node is made with mknod, first, and
 * looked at only when something is there (the /dev tmpfs is empty); where
 * mknod is refused (a user namespace) or /dev allows no devices (not
 * MAY_MKNOD), it is bound from the caller's /dev. A node is cheaper than a
 * bind mount, and a chmod of it inside changes no node of the caller's. */
static int make_devices_here(bool may_mknod, struct bh_err *err)
{
	for (size_t i = 0; i < bh_n_default_nodes; i++) {
		const char *name = bh_default_node_names[i];
		char host[64];
		struct stat st;
		int r = may_mknod ? make_default_node(AT_FDCWD, i, name) : -EPERM;
		if (r == 0)
			continue;
		bool exists = lstat(name, &st) == 0;
		if (exists && S_ISCHR(st.st_mode))
			continue;
		/* A symlink here would be followed on the host's side of the
		 * pivot: the bind would land wherever the rootfs points it. */
		if (exists && !S_ISREG(st.st_mode))
			return bh_fail(err, -EEXIST, "device /dev/%s: the rootfs has something else there", name);
		/* Refused once (a user namespace): bound from then on. */
		if (r == -EPERM)
			may_mknod = false;
		snprintf(host, sizeof(host), "/dev/%s", name);
		int fd = exists ? -1 : open(name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (!exists && fd < 0)
			return bh_fail_errno(err, -errno, "device /dev/%s", name);
		if (fd >= 0)
			close(fd);
		/* Read-only: I/O to a device ignores it, but a chmod or chown
		 * through the bind would change the caller's own node. */
		if (mount(host, name, NULL, MS_BIND, NULL) < 0 || bind_remount(name, MS_RDONLY) < 0)
			return bh_fail_errno(err, -errno, "device /dev/%s: binding %s", name, host);
	}
	for (size_t i = 0; i < ARRAY_SIZE(default_links); i++)
		if (symlink(default_links[i].target, default_links[i].link) < 0 && errno != EEXIST)
			return bh_fail_errno(err, -errno, "device link /dev/%s", default_links[i].link);
	return 0;
}

/* From the rootfs (ROOT_HERE), into its dev (none, or a symlink: no
 * nodes) and back. */
static int make_devices(struct bh_err *err)
{
	struct statvfs dev_fs;
	_cleanup_close_ int dev = open("dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (dev < 0)
		return 0;
	bool may_mknod = fstatvfs(dev, &dev_fs) == 0 && !(dev_fs.f_flag & ST_NODEV);
	_cleanup_close_ int root = open(ROOT_HERE, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0 || fchdir(dev) < 0)
		return bh_fail_errno(err, -errno, "entering the rootfs's /dev");
	mode_t umask_before = umask(0); /* the nodes' 0666 as it is */
	int r = make_devices_here(may_mknod, err);
	umask(umask_before);
	if (fchdir(root) < 0 && r == 0)
		r = bh_fail_errno(err, -errno, "leaving the rootfs's /dev");
	return r;
}

/* What is at PATH already: 1 when it is the node D asks for, 0 when there
 * is nothing, -EEXIST when it is something else. */
static int existing_node(const char *path, const struct bh_device *d)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if ((st.st_mode & S_IFMT) == (d->mode & S_IFMT) &&
	    (S_ISFIFO(st.st_mode) || st.st_rdev == makedev(d->major, d->minor)))
		return 1;
	return -EEXIST;
}

/* linux.devices: mknod where we may; in a user namespace, where mknod is
 * refused, bind the node the caller has at the same path. Made before the
 * default nodes, so that the config's own take their place, as crun and
 * runc do. A node already there (podman --privileged lists /dev/null
 * too) is left as it is, as both do; anything else the rootfs put at the
 * path is replaced, and what cannot be (a mount point, a directory) is
 * refused by name. */
static int make_config_device(const struct bh_device *d, struct bh_err *err)
{
	char path[4096];
	struct stat st;
	int r = target_path(ROOT_HERE, d->path, path, sizeof(path), err);

	if (r < 0)
		return r;
	if ((r = existing_node(path, d)) == 1)
		return 0;
	if (r == -EEXIST && unlink(path) < 0)
		return bh_fail(err, -EEXIST, "device %s: something else is already there and cannot be replaced (%s)",
			       d->path, strerror(errno));
	if ((r = bh_make_mountpoint(path, false)) < 0 && r != -EEXIST)
		return bh_fail_errno(err, r, "device %s", d->path);
	unlink(path);
	if (mknod(path, d->mode, makedev(d->major, d->minor)) < 0) {
		int e = errno;
		if (e != EPERM || stat(d->path, &st) < 0 || (st.st_mode & S_IFMT) != (d->mode & S_IFMT) ||
		    st.st_rdev != makedev(d->major, d->minor))
			return bh_fail_errno(err, -e, "device %s: mknod", d->path);
		if ((r = bh_make_mountpoint(path, false)) < 0 || mount(d->path, path, NULL, MS_BIND, NULL) < 0)
			return bh_fail(err, r < 0 ? r : -errno, "device %s: binding the caller's node: %s", d->path,
				       strerror(r < 0 ? -r : errno));
		return 0;
	}
	if (chown(path, d->uid, d->gid) < 0 || chmod(path, d->mode & 07777) < 0)
		return bh_fail_errno(err, -errno, "device %s", d->path);
	return 0;
}

/* ---- /dev made by the caller ----
 *
 * Under run and create the caller only waits while the child sets up: it
 * makes the /dev tmpfs, its nodes and links meanwhile (container.c), the
 * dearest part of the child's mounts, and the child moves it onto /dev.
 * The init never waits for a child, and makes it only for a container
 * with a user namespace, before the clone, for this reason:
 *
 * In a user namespace mknod is refused (a device node needs CAP_MKNOD over
 * the machine), and a tmpfs mounted there takes no device nodes anyway: the
 * child binds each default node from the caller's /dev (make_devices_here),
 * a file and two mount calls each, three times what the /dev tmpfs itself
 * costs under emulation. So where the container has a user namespace whose
 * root the caller knows and the config's /dev is a plain tmpfs, the caller
 * makes that tmpfs, in its own user namespace, where nodes work, owned by
 * the container's root, and makes the nodes in it with mknod; the child
 * moves it onto /dev. What the container can do there is what it could:
 * it still makes no node (no CAP_MKNOD over the machine), the nodes
 * belong to none of its ids (nor did the bound ones), and its device cgroup
 * decides what opens. What the superblock's owner alone may do is refused
 * now, since that is the caller: a remount that changes the tmpfs's own
 * options (its size), and security.* attributes but file capabilities
 * (which the kernel writes as the container root's). */

/* The mount flags such a /dev may have, as fsmount's attributes. */
static const struct {
	unsigned long flag;
	uint64_t attribute;
} dev_attributes[] = {
	{ MS_NOSUID, MOUNT_ATTR_NOSUID },	  { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
	{ MS_NOATIME, MOUNT_ATTR_NOATIME },	  { MS_STRICTATIME, MOUNT_ATTR_STRICTATIME },
	{ MS_NODIRATIME, MOUNT_ATTR_NODIRATIME }, { MS_RELATIME, MOUNT_ATTR_RELATIME },
};

/* Whether a tmpfs option means the same made by the caller: not ids (the
 * container's namespace reads them) nor a security context. */
static bool same_from_caller(const char *option)
{
	static const char *const differ[] = { "uid=", "gid=", "context=", "fscontext=", "defcontext=", "rootcontext=" };

	for (size_t i = 0; i < ARRAY_SIZE(differ); i++)
		if (strncmp(option, differ[i], strlen(differ[i])) == 0)
			return false;
	return true;
}

/* The config's /dev mount when the caller can make it as the child would:
 * the one mount on /dev, a tmpfs, with no flag fsmount cannot give, no
 * option of the above, nothing copied up, no propagation of its own.
 * Decided alike on both sides of the clone. -1: none such. */
static ssize_t dev_mount_index(const struct bh_config *c)
{
	unsigned long allowed = 0;
	ssize_t found = -1;

	for (size_t i = 0; i < ARRAY_SIZE(dev_attributes); i++)
		allowed |= dev_attributes[i].flag;
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct bh_mount *m = &c->mounts[i];
		if (strcmp(m->destination, "/dev") != 0)
			continue;
		if (found >= 0 || strcmp(m->type, "tmpfs") != 0 || (m->flags & ~allowed) || m->copy_up || m->propagation)
			return -1;
		found = (ssize_t)i;
	}
	if (found < 0 || !c->mounts[found].data)
		return found;
	char copy[1024];
	if (snprintf(copy, sizeof(copy), "%s", c->mounts[found].data) >= (int)sizeof(copy))
		return -1;
	for (char *save = NULL, *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
		if (!same_from_caller(o))
			return -1;
	return found;
}

/* The host id MAPS (N of them) give the container's id 0, into *HOST. */
static bool host_id_of_root(const struct bh_id_map *maps, size_t n, uint32_t *host)
{
	for (size_t i = 0; i < n; i++)
		if (maps[i].container_id == 0 && maps[i].size > 0) {
			*host = maps[i].host_id;
			return true;
		}
	return false;
}

/* The host ids the container's root is: false when the caller did not say
 * (a user namespace joined by path) or the maps give id 0 no host id. */
static bool container_root_ids(const struct bh_config *c, uid_t *uid, gid_t *gid)
{
	uint32_t u, g;

	if (c->user_ns_path) {
		*uid = c->user_ns_root_uid;
		*gid = c->user_ns_root_gid;
		return c->user_ns_root_known;
	}
	if (!host_id_of_root(c->uid_maps, c->n_uid_maps, &u) || !host_id_of_root(c->gid_maps, c->n_gid_maps, &g))
		return false;
	*uid = u;
	*gid = g;
	return true;
}

/* The tmpfs context FS given M's options, its root owned by UID and GID.
 * 0 or -errno. */
static int configure_dev(int fs, const struct bh_mount *m, uid_t uid, gid_t gid)
{
	char copy[1024] = "", id[16];

	/* The source mountinfo shows, as mount(2) would have it. */
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", m->source ? m->source : "tmpfs", 0) < 0)
		return -errno;
	snprintf(copy, sizeof(copy), "%s", m->data ? m->data : "");
	for (char *save = NULL, *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		char *value = strchr(o, '=');
		if (value)
			*value++ = '\0';
		if (syscall(SYS_fsconfig, fs, value ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, o, value, 0) < 0)
			return -errno;
	}
	snprintf(id, sizeof(id), "%u", (unsigned)uid);
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "uid", id, 0) < 0)
		return -errno;
	snprintf(id, sizeof(id), "%u", (unsigned)gid);
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "gid", id, 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	return 0;
}

/* Whether PATH has NAME for one of its components. */
static bool has_component(const char *path, const char *name)
{
	size_t len = strlen(name);

	for (const char *at = path; (at = strstr(at, name)); at += len)
		if ((at == path || at[-1] == '/') && (at[len] == '/' || at[len] == '\0'))
			return true;
	return false;
}

/* Whether a path of the config's mounts or devices has NAME for one of
 * its components. */
static bool config_names(const struct bh_config *c, const char *name)
{
	for (size_t i = 0; i < c->n_mounts; i++)
		if (has_component(c->mounts[i].destination, name))
			return true;
	for (size_t i = 0; i < c->n_devices; i++)
		if (has_component(c->devices[i].path, name))
			return true;
	return false;
}

/* Whether the default nodes and links can come with the caller's /dev,
 * before the config's other mounts and devices: as the child makes them,
 * they come last, so that a device of the config's takes a node's place
 * with its own mode and owner, and a link's name is free for what the
 * config puts there (podman's --privileged lists the host's /dev/ptmx
 * among its devices; target_path follows no link). Not where the config
 * names one of them anywhere. */
static bool defaults_with_dev(const struct bh_config *c)
{
	for (size_t i = 0; i < bh_n_default_nodes; i++)
		if (config_names(c, bh_default_node_names[i]))
			return false;
	for (size_t i = 0; i < ARRAY_SIZE(default_links); i++)
		if (config_names(c, default_links[i].link))
			return false;
	return true;
}

/* The default nodes in the root of the mount DIR, 0666 as
 * make_devices_here makes them, and with LINKS the default links, owned
 * by the container's root UID and GID (who makes them there). 0 or
 * -errno. The umask is the process's: the runtime's callers (the init,
 * the CLI) run one thread. */
static int make_nodes_in(int dir, bool links, uid_t uid, gid_t gid)
{
	mode_t umask_before = umask(0);
	int r = 0;

	for (size_t i = 0; i < bh_n_default_nodes && r == 0; i++)
		r = make_default_node(dir, i, bh_default_node_names[i]);
	umask(umask_before);
	for (size_t i = 0; links && i < ARRAY_SIZE(default_links) && r == 0; i++)
		if (symlinkat(default_links[i].target, dir, default_links[i].link) < 0 ||
		    ((uid || gid) && fchownat(dir, default_links[i].link, uid, gid, AT_SYMLINK_NOFOLLOW) < 0))
			r = -errno;
	return r;
}

/* The host ids of the container's root, where the caller can tell them:
 * ours without a user namespace. */
static bool root_ids_known(const struct bh_config *c, uid_t *uid, gid_t *gid)
{
	if (c->namespaces & CLONE_NEWUSER)
		return container_root_ids(c, uid, gid);
	*uid = 0;
	*gid = 0;
	return true;
}

bool bh_mount_dev_by_caller(const struct bh_config *c)
{
	uid_t uid;
	gid_t gid;

	return (c->clone_flags & CLONE_NEWNS) && dev_mount_index(c) >= 0 && root_ids_known(c, &uid, &gid);
}

int bh_mount_dev_prepare(const struct bh_config *c, bool whole)
{
	uint64_t attributes = 0;
	uid_t uid = 0;
	gid_t gid = 0;

	if (!bh_mount_dev_by_caller(c) || !root_ids_known(c, &uid, &gid))
		return -1;
	const struct bh_mount *m = &c->mounts[dev_mount_index(c)];
	for (size_t i = 0; i < ARRAY_SIZE(dev_attributes); i++)
		if (m->flags & dev_attributes[i].flag)
			attributes |= dev_attributes[i].attribute;
	/* Refused where the caller may not mount (a rootless runtime), and
	 * the nodes where its user namespace is not the machine's: the child
	 * makes /dev then, as before. */
	_cleanup_close_ int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0 || configure_dev(fs, m, uid, gid) < 0)
		return -1;
	int dev = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, attributes);
	/* The nodes in a user namespace in any case: the child could only
	 * bind them, and cannot give a listed one its own mode anyway. */
	bool whole_here = whole && defaults_with_dev(c);
	bool nodes = whole_here || (c->namespaces & CLONE_NEWUSER);
	if (dev >= 0 && nodes && make_nodes_in(dev, whole_here, uid, gid) < 0) {
		close(dev);
		return -1;
	}
	return dev < 0 ? -1 : dev;
}

/* The /dev the parent makes while we mount what comes before it, from
 * SOCKET: *DEV the mount, or -1 when it sent none (it could not: we make
 * ours). 0 or -errno. */
static int dev_from_parent(int socket, int *dev)
{
	int fd;

	do
		fd = bh_fd_receive(socket, 0);
	while (fd == -EINTR);
	*dev = fd >= 0 ? fd : -1;
	return fd >= 0 || fd == -ENODATA ? 0 : fd;
}

/* Whether DEV, the caller's /dev mounted on dev, is what dev is still:
 * no later mount covered it. */
static bool still_mounted_on_dev(int dev)
{
	struct stat made, there;

	return fstat(dev, &made) == 0 && lstat("dev", &there) == 0 && made.st_dev == there.st_dev &&
	       made.st_ino == there.st_ino;
}

/* The config's mounts and devices, and the default nodes, from the rootfs
 * as our working directory (ROOT_HERE): each path a step or two from
 * there, not a walk down from the caller's root, which the checks and the
 * mount points took several times for each mount. The /dev the parent
 * sends comes with its nodes and links, unless the config names one of
 * them. */
static int mount_inside_root(const struct bh_config *c, const struct bh_dev_source *dev, struct bh_err *err)
{
	ssize_t dev_at = dev->fd >= 0 || dev->socket >= 0 ? dev_mount_index(c) : -1;
	_cleanup_close_ int received = -1;
	bool dev_premade = false;

	for (size_t i = 0; i < c->n_mounts; i++) {
		int premade = -1;
		if ((ssize_t)i == dev_at) {
			int r = dev->fd >= 0 ? 0 : dev_from_parent(dev->socket, &received);
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
	for (size_t i = 0; i < c->n_devices; i++) {
		int r = make_config_device(&c->devices[i], err);
		if (r < 0)
			return r;
	}
	/* The /dev sent after the clone is whole (bh_mount_dev_prepare). */
	if (dev_premade && received >= 0 && defaults_with_dev(c) && still_mounted_on_dev(received))
		return 0;
	return make_devices(err);
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
	    (errno != ENOSYS || bind_remount(c->root, root_flags) < 0)) /* before 5.12: the top only */
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
		r = bind_remount(path, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
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
	if (c->root_readonly && bind_remount("/", MS_RDONLY) < 0)
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

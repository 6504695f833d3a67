/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container's /dev: the default nodes and links, the devices its
 * config lists, and the /dev its caller makes (for the child of run and
 * create, and for a container with a user namespace). The other mounts
 * are mount.c's. */
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
#include <unistd.h>

#include "internal.h"

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
		if (mount(host, name, NULL, MS_BIND, NULL) < 0 || bh_bind_remount(name, MS_RDONLY) < 0)
			return bh_fail_errno(err, -errno, "device /dev/%s: binding %s", name, host);
	}
	for (size_t i = 0; i < ARRAY_SIZE(default_links); i++)
		if (symlink(default_links[i].target, default_links[i].link) < 0 && errno != EEXIST)
			return bh_fail_errno(err, -errno, "device link /dev/%s", default_links[i].link);
	return 0;
}

/* From the rootfs (BH_ROOT_HERE), into its dev (none, or a symlink: no
 * nodes) and back. */
static int make_devices(struct bh_err *err)
{
	struct statvfs dev_fs;
	_cleanup_close_ int dev = open("dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (dev < 0)
		return 0;
	bool may_mknod = fstatvfs(dev, &dev_fs) == 0 && !(dev_fs.f_flag & ST_NODEV);
	_cleanup_close_ int root = open(BH_ROOT_HERE, O_PATH | O_DIRECTORY | O_CLOEXEC);
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
	int r = bh_mount_target(d->path, path, sizeof(path), err);

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
ssize_t bh_mount_dev_index(const struct bh_config *c)
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

/* The config's /dev mount that the caller can make (bh_mount_dev_by_caller),
 * the host ids of the container's root in *UID and *GID: its index, or -1. */
static ssize_t dev_by_caller(const struct bh_config *c, uid_t *uid, gid_t *gid)
{
	ssize_t at = c->clone_flags & CLONE_NEWNS ? bh_mount_dev_index(c) : -1;

	return at >= 0 && root_ids_known(c, uid, gid) ? at : -1;
}

bool bh_mount_dev_by_caller(const struct bh_config *c)
{
	uid_t uid;
	gid_t gid;

	return dev_by_caller(c, &uid, &gid) >= 0;
}

int bh_mount_dev_prepare(const struct bh_config *c, bool whole)
{
	uint64_t attributes = 0;
	uid_t uid;
	gid_t gid;
	ssize_t at = dev_by_caller(c, &uid, &gid);

	if (at < 0)
		return -1;
	const struct bh_mount *m = &c->mounts[at];
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

int bh_mount_dev_received(int socket, int *dev)
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

int bh_mount_devices(const struct bh_config *c, int sent, struct bh_err *err)
{
	for (size_t i = 0; i < c->n_devices; i++) {
		int r = make_config_device(&c->devices[i], err);
		if (r < 0)
			return r;
	}
	/* The /dev sent after the clone is whole (bh_mount_dev_prepare). */
	if (sent >= 0 && defaults_with_dev(c) && still_mounted_on_dev(sent))
		return 0;
	return make_devices(err);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.json: parsed once, validated completely, before anything is created.
 * A wrong value names its JSON path; unknown fields are ignored, as the OCI
 * runtime-spec asks. This file reads the top level, root, mounts and
 * linux; the walker and the other parts are config-json.c,
 * config-process.c, config-seccomp.c and config-resources.c. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config-json.h"

/* ---- root, mounts ---- */

static int parse_root(struct walker *w, json_t *json, struct bh_config *c)
{
	json_t *root;
	char *path = NULL;
	int r = cfg_get_object(w, json, "root", &root);

	if (r < 0)
		return r;
	if (!root)
		return cfg_invalid_at(w, "root", "is required (the container's root filesystem, with path)");
	size_t saved = cfg_enter_key(w, "root");
	r = cfg_get_string(w, root, "path", &path);
	if (r == 0 && !path)
		r = cfg_invalid(w, "path is required");
	if (r == 0)
		r = cfg_get_bool(w, root, "readonly", &c->root_readonly);
	/* Joined as given: whether it exists is bh_config_load's to ask. */
	if (r == 0 && asprintf(&c->root, "%s%s%s", path[0] == '/' ? "" : c->bundle, path[0] == '/' ? "" : "/", path) < 0) {
		c->root = NULL;
		r = -ENOMEM;
	}
	cfg_leave(w, saved);
	free(path);
	return r;
}

static int add_mount_option(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct bh_mount *m = ctx;

	(void)index;
	if (!json_is_string(element))
		return cfg_invalid(w, "must be a string");
	int r = bh_mount_option(json_string_value(element), m, &m->data);
	if (r == -EINVAL)
		return cfg_invalid(w, "\"%s\" is not a mount option the runtime knows", json_string_value(element));
	return r;
}

static int add_mount(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct bh_config *c = ctx;
	struct bh_mount *m = &c->mounts[index];
	int r;

	c->n_mounts = index + 1;
	if (!json_is_object(element))
		return cfg_invalid(w, "must be an object");
	if ((r = cfg_get_string(w, element, "destination", &m->destination)) < 0)
		return r;
	if (!m->destination)
		return cfg_invalid(w, "destination is required");
	if ((r = cfg_require_absolute(w, "destination", m->destination)) < 0 ||
	    (r = cfg_get_string(w, element, "type", &m->type)) < 0 ||
	    (r = cfg_get_string(w, element, "source", &m->source)) < 0 ||
	    (r = cfg_for_each(w, element, "options", add_mount_option, m)) < 0)
		return r;
	if ((m->flags & MS_BIND) && !m->source)
		return cfg_invalid(w, "a bind mount needs a source");
	if (!(m->flags & MS_BIND) && !m->type)
		return cfg_invalid(w, "type is required unless the options say bind or rbind");
	if (m->copy_up && ((m->flags & MS_BIND) || strcmp(m->type, "tmpfs") != 0))
		return cfg_invalid(w, "tmpcopyup is for a mount of type tmpfs");
	if (m->copy_up && strspn(m->destination, "/") == strlen(m->destination))
		return cfg_invalid(w, "tmpcopyup on / is not supported");
	return 0;
}

static int parse_mounts(struct walker *w, json_t *root, struct bh_config *c)
{
	json_t *mounts = json_object_get(root, "mounts");

	if (!mounts || !json_is_array(mounts))
		return cfg_for_each(w, root, "mounts", add_mount, c);
	c->mounts = calloc(json_array_size(mounts) + 1, sizeof(*c->mounts));
	if (!c->mounts)
		return -ENOMEM;
	return cfg_for_each(w, root, "mounts", add_mount, c);
}

/* ---- linux ---- */

static int add_join(struct bh_config *c, int flag, char **path)
{
	struct bh_ns_join *joins;

	/* pid and user namespaces are entered before the clone (see
	 * container.c); the others by the child. */
	if (flag == CLONE_NEWPID || flag == CLONE_NEWUSER) {
		char **slot = flag == CLONE_NEWPID ? &c->pid_ns_path : &c->user_ns_path;
		*slot = *path;
		*path = NULL;
		return 0;
	}
	if (!(joins = realloc(c->joins, (c->n_joins + 1) * sizeof(*joins))))
		return -ENOMEM;
	c->joins = joins;
	size_t at = c->n_joins;
	joins[at].flag = flag;
	joins[at].path = *path; /* ownership moves to the config */
	*path = NULL;
	c->n_joins++;
	return 0;
}

struct map_list {
	struct bh_id_map **maps;
	size_t *n;
};

static int add_id_map(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct map_list *list = ctx;
	struct bh_id_map *map = &(*list->maps)[index];
	int r;

	*list->n = index + 1;
	if (!json_is_object(element))
		return cfg_invalid(w, "must be an object with containerID, hostID and size");
	if ((r = cfg_get_u32(w, element, "containerID", &map->container_id)) < 0 ||
	    (r = cfg_get_u32(w, element, "hostID", &map->host_id)) < 0 || (r = cfg_get_u32(w, element, "size", &map->size)) < 0)
		return r;
	if (map->size == 0)
		return cfg_invalid_at(w, "size", "must be at least 1");
	return 0;
}

static int parse_id_maps(struct walker *w, json_t *linux_obj, const char *key, struct bh_id_map **maps, size_t *n)
{
	json_t *list = json_object_get(linux_obj, key);
	struct map_list ctx = { maps, n };

	if (list && json_is_array(list) && !(*maps = calloc(json_array_size(list) + 1, sizeof(**maps))))
		return -ENOMEM;
	return cfg_for_each(w, linux_obj, key, add_id_map, &ctx);
}

/* A namespace of a known TYPE (FLAG): created, or joined at *PATH. */
static int apply_namespace(struct walker *w, struct bh_config *c, const char *type, int flag, char **path)
{
	int r = 0;

	if (c->namespaces & flag)
		return cfg_invalid(w, "namespace type \"%s\" is given twice", type);
	/* pivot_root would re-root every process of a joined mount namespace. */
	if (*path && flag == CLONE_NEWNS)
		return cfg_invalid(w, "a container needs a mount namespace of its own; remove the path");
	if (*path)
		r = add_join(c, flag, path);
	else if (flag == CLONE_NEWCGROUP)
		c->cgroup_ns = true;
	else
		c->clone_flags |= flag;
	c->namespaces |= flag;
	return r;
}

static int add_namespace(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct bh_config *c = ctx;
	char *type = NULL, *path = NULL;
	int flag = 0, r;

	(void)index;
	if (!json_is_object(element))
		return cfg_invalid(w, "must be an object");
	/* FLAG is used only once bh_ns_flag set it: an unknown type stops here. */
	if ((r = cfg_get_string(w, element, "type", &type)) == 0 && (r = cfg_get_string(w, element, "path", &path)) == 0) {
		if (!type || bh_ns_flag(type, &flag) < 0)
			r = cfg_invalid(w, "unknown namespace type \"%s\"", type ? type : "");
		else
			r = apply_namespace(w, c, type, flag, &path);
	}
	free(type);
	free(path);
	return r;
}


static int add_device(struct walker *w, json_t *element, size_t index, void *ctx)
{
	struct bh_config *c = ctx;
	struct bh_device *d = &c->devices[index];
	char *type = NULL;
	uint32_t major = 0, minor = 0, mode = 0666, uid = 0, gid = 0;
	int r;

	c->n_devices = index + 1;
	if (!json_is_object(element))
		return cfg_invalid(w, "must be an object with path and type");
	if ((r = cfg_get_string(w, element, "path", &d->path)) < 0 || (r = cfg_get_string(w, element, "type", &type)) < 0)
		return free(type), r;
	if (!d->path)
		r = cfg_invalid(w, "path is required");
	else if ((r = cfg_require_absolute(w, "path", d->path)) == 0 &&
		 (!type || strlen(type) != 1 || !strchr("cbup", type[0])))
		r = cfg_invalid_at(w, "type", "must be c, b, u or p");
	if (r == 0 && (r = cfg_get_u32(w, element, "major", &major)) == 0 && (r = cfg_get_u32(w, element, "minor", &minor)) == 0 &&
	    (r = cfg_get_u32(w, element, "fileMode", &mode)) == 0 && (r = cfg_get_u32(w, element, "uid", &uid)) == 0)
		r = cfg_get_u32(w, element, "gid", &gid);
	mode_t kind = type && type[0] == 'b' ? S_IFBLK : type && type[0] == 'p' ? S_IFIFO : S_IFCHR;
	/* podman sends the node's whole st_mode (020600 for a char device):
	 * the type bits may be there, but must say what type says. */
	if (r == 0 && (mode & ~(uint32_t)(S_IFMT | 07777)))
		r = cfg_invalid_at(w, "fileMode", "0%o: must be permission bits, with at most the file type bits", mode);
	else if (r == 0 && (mode & S_IFMT) && (mode & S_IFMT) != kind)
		r = cfg_invalid_at(w, "fileMode", "0%o: its file type bits are not those of type \"%s\" (0%o)", mode, type,
				   (unsigned)kind);
	for (size_t i = 0; r == 0 && i < index; i++) {
		const struct bh_device *seen = &c->devices[i];
		/* The same node twice is made once; two nodes at one path are a
		 * mistake the config must not leave to the order of mknods. */
		if (strcmp(seen->path, d->path) == 0 &&
		    ((seen->mode & S_IFMT) != kind || seen->major != major || seen->minor != minor))
			r = cfg_invalid_at(w, "path", "%s is linux.devices[%zu] too, as another device", d->path, i);
	}
	if (r == 0) {
		d->mode = kind | ((mode_t)mode & 07777);
		d->major = major;
		d->minor = minor;
		d->uid = uid;
		d->gid = gid;
	}
	free(type);
	return r;
}

static int parse_devices(struct walker *w, json_t *linux_obj, struct bh_config *c)
{
	json_t *list = json_object_get(linux_obj, "devices");

	if (list && json_is_array(list) && !(c->devices = calloc(json_array_size(list) + 1, sizeof(*c->devices))))
		return -ENOMEM;
	return cfg_for_each(w, linux_obj, "devices", add_device, c);
}

/* Checked once namespaces are known: parse_linux reads namespaces first. */
static int parse_sysctl(struct walker *w, json_t *linux_obj, struct bh_config *c)
{
	json_t *sysctl, *value;
	const char *key;
	size_t n = 0;
	int r = cfg_get_object(w, linux_obj, "sysctl", &sysctl);

	if (r < 0 || !sysctl)
		return r;
	if (!(c->sysctl = calloc(json_object_size(sysctl) + 1, sizeof(char *))))
		return -ENOMEM;
	size_t saved = cfg_enter_key(w, "sysctl");
	json_object_foreach(sysctl, key, value) {
		if (!json_is_string(value))
			r = cfg_invalid_at(w, key, "must be a string");
		else if (bh_sysctl_check(key, c->namespaces) < 0)
			r = cfg_invalid_at(w, key,
				       "is not namespaced by this container's namespaces; setting it would change the host");
		else if (!(c->sysctl[n] = malloc(strlen(key) + strlen(json_string_value(value)) + 2)))
			r = -ENOMEM;
		else
			sprintf(c->sysctl[n++], "%s=%s", key, json_string_value(value));
		if (r < 0)
			break;
	}
	cfg_leave(w, saved);
	return r;
}

/* linux.cgroupsPath is a path below the cgroup2 root, or systemd's
 * SLICE:PREFIX:NAME (what podman passes with its systemd cgroup manager),
 * kept as the directory systemd would make for it: the runtime makes it
 * itself and asks no systemd. */
static int parse_cgroups_path(struct walker *w, struct bh_config *c)
{
	char systemd_path[1024];
	const char *why = NULL;
	int r = bh_cgroup_path_from_systemd(c->cgroups_path, systemd_path, sizeof(systemd_path), &why);

	if (r < 0)
		return cfg_invalid_at(w, "cgroupsPath", "\"%s\": %s", c->cgroups_path, why);
	if (r == 0) {
		char *path = strdup(systemd_path);
		if (!path)
			return -ENOMEM;
		free(c->cgroups_path);
		c->cgroups_path = path;
		return 0;
	}
	if (strstr(c->cgroups_path, "..") || !c->cgroups_path[0] || strspn(c->cgroups_path, "/") == strlen(c->cgroups_path))
		return cfg_invalid_at(w, "cgroupsPath", "\"%s\" must be a path below the cgroup root", c->cgroups_path);
	return 0;
}

/* linux.personality: the execution domain, LINUX or LINUX32 (uname -m
 * then says i686 on x86-64). The spec defines no flags yet. */
static int parse_personality(struct walker *w, json_t *linux_obj, struct bh_config *c)
{
	static const struct cfg_name domains[] = { { "LINUX", PER_LINUX }, { "LINUX32", PER_LINUX32 } };
	json_t *personality, *flags;
	long domain = 0;
	int r = cfg_get_object(w, linux_obj, "personality", &personality);

	if (r < 0 || !personality)
		return r;
	size_t saved = cfg_enter_key(w, "personality");
	r = cfg_require_name(w, personality, "domain", domains, ARRAY_SIZE(domains), &domain);
	flags = json_object_get(personality, "flags");
	if (r == 0 && flags && (!json_is_array(flags) || json_array_size(flags) > 0))
		r = cfg_invalid_at(w, "flags", "must be empty: the runtime spec defines no personality flags");
	cfg_leave(w, saved);
	c->has_personality = true;
	c->personality = (unsigned long)domain;
	return r;
}

static int parse_linux(struct walker *w, json_t *root, struct bh_config *c)
{
	json_t *linux_obj;
	char *propagation = NULL;
	int r = cfg_get_object(w, root, "linux", &linux_obj);

	c->rootfs_propagation = MS_PRIVATE;
	if (r < 0 || !linux_obj)
		return r;
	size_t saved = cfg_enter_key(w, "linux");
	r = cfg_for_each(w, linux_obj, "namespaces", add_namespace, c);
	if (r == 0)
		r = parse_id_maps(w, linux_obj, "uidMappings", &c->uid_maps, &c->n_uid_maps);
	if (r == 0)
		r = parse_id_maps(w, linux_obj, "gidMappings", &c->gid_maps, &c->n_gid_maps);
	/* Without both maps nobody in the namespace has an id at all. */
	if (r == 0 && (c->clone_flags & CLONE_NEWUSER) && (!c->n_uid_maps || !c->n_gid_maps))
		r = cfg_invalid(w, "a user namespace needs uidMappings and gidMappings");
	if (r == 0 && !(c->clone_flags & CLONE_NEWUSER) && (c->n_uid_maps || c->n_gid_maps))
		r = cfg_invalid(w, "uidMappings and gidMappings need a user namespace in namespaces");
	if (r == 0)
		r = cfg_get_string(w, linux_obj, "cgroupsPath", &c->cgroups_path);
	if (r == 0 && c->cgroups_path)
		r = parse_cgroups_path(w, c);
	if (r == 0)
		r = cfg_get_strv(w, linux_obj, "maskedPaths", &c->masked_paths);
	if (r == 0)
		r = cfg_get_strv(w, linux_obj, "readonlyPaths", &c->readonly_paths);
	if (r == 0)
		r = cfg_get_string(w, linux_obj, "rootfsPropagation", &propagation);
	if (r == 0 && propagation) {
		struct bh_mount probe = { 0 };
		char *data = NULL;
		if (bh_mount_option(propagation, &probe, &data) < 0 || data || !probe.propagation)
			r = cfg_invalid_at(w, "rootfsPropagation", "\"%s\" is not a propagation (private, slave, unbindable)",
				    propagation);
		/* Shared would carry the container's mounts back to the caller,
		 * and pivot_root refuses a shared root anyway. */
		else if (probe.propagation & MS_SHARED)
			r = cfg_invalid_at(w, "rootfsPropagation", "\"%s\" would leak the container's mounts; use private or slave",
				       propagation);
		c->rootfs_propagation = probe.propagation & ~MS_REC;
		free(data);
	}
	if (r == 0)
		r = cfg_parse_seccomp(w, linux_obj, c);
	if (r == 0)
		r = parse_sysctl(w, linux_obj, c);
	if (r == 0)
		r = cfg_parse_resources(w, linux_obj, c);
	if (r == 0)
		r = parse_devices(w, linux_obj, c);
	if (r == 0)
		r = parse_personality(w, linux_obj, c);
	cfg_leave(w, saved);
	free(propagation);
	return r;
}

/* Whether ROOT is one plain name in the directory BUNDLE (a real path,
 * not /), and a directory itself, not a link: real as it stands. */
static bool plain_below(const char *root, const char *bundle)
{
	size_t n = strlen(bundle);
	const char *name = root + n + 1;
	struct stat st;

	return n > 1 && strncmp(root, bundle, n) == 0 && root[n] == '/' && *name && !strchr(name, '/') &&
	       strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && lstat(root, &st) == 0 && S_ISDIR(st.st_mode);
}

/* bh_config_load's: root.path exists, and is used by its real path. The
 * bundle's is real already (load_from): the usual "rootfs" is looked at
 * once, where realpath reads every step of the path as a link. */
static int resolve_root(struct walker *w, struct bh_config *c)
{
	if (plain_below(c->root, c->bundle))
		return 0;
	char *real = realpath(c->root, NULL);
	int r;

	if (!real) {
		int e = errno;
		size_t saved = cfg_enter_key(w, "root");
		r = cfg_invalid_at(w, "path", "%s: %s", c->root, strerror(e));
		cfg_leave(w, saved);
		return r;
	}
	free(c->root);
	c->root = real;
	return 0;
}

/* annotations: strings only (the OCI spec: "Values MUST be strings"), and
 * kept as compact JSON for the state a runtime reports when the load asks
 * (bh_config_load_annotated): `create` used to parse the whole document a
 * second time for them. The init reports no state, and the dump is 0.1 ms
 * of each of its starts under TCG. */
static int parse_annotations(struct walker *w, json_t *root, struct bh_config *c)
{
	json_t *annotations, *value;
	json_free_t release;
	const char *key;
	int r = cfg_get_object(w, root, "annotations", &annotations);

	if (r < 0 || !annotations)
		return r;
	size_t saved = cfg_enter_key(w, "annotations");
	json_object_foreach(annotations, key, value) {
		if (!json_is_string(value) && (r = cfg_invalid_at(w, key, "must be a string")) < 0)
			break;
	}
	cfg_leave(w, saved);
	if (r < 0 || !w->keep_annotations)
		return r;
	char *text = json_dumps(annotations, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	c->annotations = strdup(text);
	/* json_dumps allocates with jansson's functions: outside its parse the
	 * arena hands them on to the next allocator (config-arena.c). */
	json_get_alloc_funcs(NULL, &release);
	release(text);
	return c->annotations ? 0 : -ENOMEM;
}

static int parse_config(struct walker *w, json_t *root, struct bh_config *c)
{
	int r;

	if (!json_is_object(root))
		return bh_fail(w->err, -EINVAL, "config.json: the top level must be an object");
	/* The disk checks only bh_config_load makes come right after what they
	 * check: of several mistakes, both entry points report the same one. */
	if ((r = parse_root(w, root, c)) < 0 || (w->on_disk && (r = resolve_root(w, c)) < 0) ||
	    (r = cfg_parse_process(w, root, c)) < 0 ||
	    (r = cfg_get_string(w, root, "hostname", &c->hostname)) < 0 ||
	    (r = cfg_get_string(w, root, "domainname", &c->domainname)) < 0 || (r = parse_mounts(w, root, c)) < 0 ||
	    (r = parse_linux(w, root, c)) < 0 || (r = cfg_parse_compiled_seccomp(w, root, c)) < 0 ||
	    (w->on_disk && (r = cfg_read_compiled_seccomp(w, c)) < 0) || (r = cfg_parse_hooks(w, root, c)) < 0 ||
	    (r = parse_annotations(w, root, c)) < 0)
		return r;
	if ((c->hostname || c->domainname) && !(c->namespaces & CLONE_NEWUTS))
		return cfg_invalid_at(w, c->hostname ? "hostname" : "domainname",
				      "setting it needs a uts namespace in linux.namespaces");
	/* The rootfs is always pivoted into: without a namespace of its own that
	 * would re-root the caller's whole mount namespace. */
	if (!(c->clone_flags & CLONE_NEWNS)) {
		size_t saved = cfg_enter_key(w, "linux");
		r = cfg_invalid_at(w, "namespaces", "a mount namespace is required (add {\"type\": \"mount\"})");
		cfg_leave(w, saved);
	}
	return r;
}

/* How a document is read: its annotations kept (bh_config_annotations);
 * a snapshot create accepted (bh_config_load_from), whose fields are not
 * refused again for what a newer runtime refuses at create. */
enum { KEEP_ANNOTATIONS = 1, SNAPSHOT = 2 };

/* The parse both entry points share, of a document already read: takes
 * ROOT's reference. CONFIG_DIR: bh_config_load's checks of the files the
 * config names too, the compiled filter read from there; NULL for
 * bh_config_parse. HOW: KEEP_ANNOTATIONS, SNAPSHOT. */
static int parse_document(json_t *root, const char *bundle_dir, const char *config_dir, bool seccomp_elided,
			  unsigned how, struct cfg_block **blocks, struct bh_config **out, struct bh_err *err)
{
	struct walker w = { .err = err,
			    .on_disk = config_dir != NULL,
			    .config_dir = config_dir,
			    .keep_annotations = how & KEEP_ANNOTATIONS,
			    .snapshot = how & SNAPSHOT };
	struct bh_config *c = calloc(1, sizeof(*c));
	int r = -ENOMEM;

	if (c) {
		c->root_mount_fd = -1;
		c->seccomp_rules_elided = seccomp_elided;
		c->blocks = *blocks;
		*blocks = NULL;
	}
	if (c && (c->bundle = strdup(bundle_dir)))
		r = parse_config(&w, root, c);
	json_decref(root);
	if (r < 0) {
		if (r == -ENOMEM)
			bh_fail(err, r, "config.json: out of memory");
		bh_config_free(c);
		return r;
	}
	*out = c;
	return 0;
}

/* A path or reason left from an earlier failure must not pass for this one's. */
static void clear_location(struct bh_err *err)
{
	if (err)
		err->path[0] = err->reason[0] = '\0';
}

static int parse_text(const char *json, size_t len, const char *bundle_dir, struct bh_config **out,
		      struct bh_err *err)
{
	json_error_t jerr;
	json_t *root;

	*out = NULL;
	clear_location(err);
	if (!(root = cfg_loadb(json, len, &jerr)))
		return bh_fail(err, -EINVAL, "config.json:%d:%d: %s", jerr.line, jerr.column, jerr.text);
	struct cfg_block *blocks = NULL;
	return parse_document(root, bundle_dir, NULL, false, KEEP_ANNOTATIONS, &blocks, out, err);
}

static int load_from(const char *config_dir, const char *bundle, unsigned how, struct bh_config **out,
		     struct bh_err *err)
{
	char path[PATH_MAX];
	json_error_t jerr;
	char *real_bundle, *text = NULL;
	size_t len = 0;
	bool seccomp_elided;
	json_t *root;
	int r;
	/* The text's, until the config takes them. */
	struct cfg_block *blocks = NULL;

	*out = NULL;
	clear_location(err);
	snprintf(path, sizeof(path), "%s/config.json", config_dir);
	/* Read once: the text kept for bh_config_save is the text parsed. The
	 * compiled filter, when there is one, is read from the bundle too. */
	if (cfg_read_file(path, &blocks, &text, &len, &jerr) < 0) {
		cfg_keep_release(&blocks);
		return bh_fail(err, -ENOENT, "%s: %s", path, jerr.text);
	}
	if (!(root = cfg_loadb_seccomp_compiled(text, len, &seccomp_elided, &jerr))) {
		cfg_keep_release(&blocks);
		return bh_fail(err, -EINVAL, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
	}
	if (!(real_bundle = realpath(bundle, NULL))) {
		int e = errno;
		json_decref(root);
		cfg_keep_release(&blocks);
		return bh_fail(err, -e, "%s: %s", bundle, strerror(e));
	}
	r = parse_document(root, real_bundle, config_dir, seccomp_elided, how, &blocks, out, err);
	free(real_bundle);
	cfg_keep_release(&blocks); /* the text's, when no config took them */
	if (r < 0)
		return r;
	(*out)->text = text;
	(*out)->text_len = len;
	return 0;
}

/* The document parsed in an arena: its thousands of small allocations
 * made and dropped at once (config-arena.c). parse_document has let go
 * of it before the close. */
int bh_config_parse(const char *json, size_t len, const char *bundle_dir, struct bh_config **out,
		    struct bh_err *err)
{
	struct cfg_arena arena;

	cfg_arena_open(&arena);
	int r = parse_text(json, len, bundle_dir, out, err);
	cfg_arena_close(&arena);
	return r;
}

static int load_in_arena(const char *config_dir, const char *bundle, unsigned how, struct bh_config **out,
			 struct bh_err *err)
{
	struct cfg_arena arena;

	cfg_arena_open(&arena);
	int r = load_from(config_dir, bundle, how, out, err);
	cfg_arena_close(&arena);
	return r;
}

int bh_config_load_from(const char *config_dir, const char *bundle, struct bh_config **out, struct bh_err *err)
{
	return load_in_arena(config_dir, bundle, SNAPSHOT, out, err);
}

int bh_config_load(const char *bundle, struct bh_config **out, struct bh_err *err)
{
	return load_in_arena(bundle, bundle, 0, out, err);
}

int bh_config_load_annotated(const char *bundle, struct bh_config **out, struct bh_err *err)
{
	return load_in_arena(bundle, bundle, KEEP_ANNOTATIONS, out, err);
}

/* LEN bytes of DATA into the new file DIR_FD/NAME, mode 0600. */
static int save_file(int dir_fd, const char *name, const void *data, size_t len)
{
	_cleanup_close_ int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	const char *p = data;

	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return fsync(fd) < 0 ? -errno : 0;
}

const char *bh_config_text(const struct bh_config *c, size_t *len)
{
	*len = c->text_len;
	return c->text;
}

const char *bh_config_annotations(const struct bh_config *c)
{
	return c->annotations;
}

const char *bh_config_bundle(const struct bh_config *c)
{
	return c->bundle;
}

int bh_config_save(const struct bh_config *c, const char *dir, struct bh_err *err)
{
	int r;

	if (!c->text)
		return bh_fail(err, -EINVAL, "%s: the config was not read from a file (bh_config_load)", dir);
	if (mkdir(dir, 0700) < 0)
		return bh_fail_errno(err, -errno, "%s", dir);
	_cleanup_close_ int dir_fd = open(dir, O_DIRECTORY | O_NOFOLLOW | O_RDONLY | O_CLOEXEC);
	if (dir_fd < 0)
		return bh_fail_errno(err, -errno, "%s", dir);
	if ((r = save_file(dir_fd, "config.json", c->text, c->text_len)) < 0)
		return bh_fail_errno(err, r, "%s/config.json", dir);
	if (c->seccomp_bpf_name && c->seccomp_bpf &&
	    (r = save_file(dir_fd, c->seccomp_bpf_name, c->seccomp_bpf, c->n_seccomp_bpf * sizeof(*c->seccomp_bpf))) < 0)
		return bh_fail_errno(err, r, "%s/%s", dir, c->seccomp_bpf_name);
	return 0;
}

void bh_config_free(struct bh_config *c)
{
	if (!c)
		return;
	free(c->bundle);
	free(c->annotations);
	free(c->root);
	bh_strv_free(c->args);
	bh_strv_free(c->env);
	free(c->cwd);
	free(c->apparmor_profile);
	free(c->exec_cpus_initial);
	free(c->exec_cpus_final);
	free(c->additional_gids);
	free(c->hostname);
	free(c->domainname);
	free(c->rlimits);
	for (size_t i = 0; i < c->n_joins; i++)
		free(c->joins[i].path);
	free(c->joins);
	free(c->pid_ns_path);
	free(c->user_ns_path);
	free(c->uid_maps);
	free(c->gid_maps);
	bh_strv_free(c->sysctl);
	bh_strv_free(c->cgroup_files);
	free(c->cgroups_path);
	for (size_t i = 0; i < c->n_mounts; i++) {
		free(c->mounts[i].destination);
		free(c->mounts[i].type);
		free(c->mounts[i].source);
		free(c->mounts[i].data);
	}
	free(c->mounts);
	for (size_t i = 0; i < c->n_devices; i++)
		free(c->devices[i].path);
	free(c->devices);
	bh_strv_free(c->masked_paths);
	bh_strv_free(c->readonly_paths);
	for (size_t i = 0; i < c->n_landlock_rules; i++)
		free(c->landlock_rules[i].path);
	free(c->landlock_rules);
	free(c->seccomp_rules);
	free(c->seccomp_names);
	free(c->seccomp_matches);
	free(c->seccomp_bpf_name);
	bh_hooks_free(c->hooks);
	cfg_keep_release(&c->blocks);
	free(c);
}

const char *bh_config_cgroups_path(const struct bh_config *c)
{
	return c->cgroups_path;
}

int bh_config_default_cgroup(struct bh_config *c, const char *path)
{
	const char *root = bh_cgroup_root();
	bool usable = root && access(root, W_OK) == 0;

	/* Without a cgroup2 tree the runtime can write, a container that asks
	 * for no limit and no device list runs in the caller's cgroup; one that
	 * asks is refused by bh_cgroup_create, naming what it asked for. */
	if (!usable && !c->has_device_rules && !c->cgroup_files) {
		free(c->cgroups_path);
		c->cgroups_path = NULL;
		return 0;
	}
	if (c->cgroups_path)
		return 0;
	return (c->cgroups_path = strdup(path)) ? 1 : -ENOMEM;
}

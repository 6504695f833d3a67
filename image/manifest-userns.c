/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A container's userns: key, and the ranges decided once every container
 * is read: root inside a container is an unprivileged range outside it.
 * Each container gets its own range unless it says userns: off; two
 * ranges overlap only when the manifest gives both the same {base, size}
 * (the one way to say they may). Decided here; appliance.c writes the
 * range, bundle.c the namespace, initrd.c shifts the rootfs into it. */
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>

#include "manifest-yaml.h"

static int u_base(struct mf_parse *p, yaml_node_t *v, void *t)
{
	uint64_t n;
	int r = mf_read_count(p, v, "base", USERNS_MIN_BASE, USERNS_MAX_END, &n);

	((struct container *)t)->userns.base = (uint32_t)n;
	return r;
}

static int u_size(struct mf_parse *p, yaml_node_t *v, void *t)
{
	uint64_t n;
	int r = mf_read_count(p, v, "size", 1, USERNS_SIZE, &n);

	((struct container *)t)->userns.size = (uint32_t)n;
	return r;
}

int mf_container_userns(struct mf_parse *p, yaml_node_t *v, void *target)
{
	static const struct mf_key_handler keys[] = { { "base", u_base }, { "size", u_size } };
	struct container *c = target;
	const char *s = mf_scalar(v), *seen[ARRAY_SIZE(keys)];

	c->userns.line = v->start_mark.line + 1; /* 0 stays "not given" */
	c->userns.column = v->start_mark.column;
	if (s && strcmp(s, "off") == 0)
		return c->userns.off = true, 0;
	if (s && strcmp(s, "auto") == 0)
		return 0;
	if (s || v->type != YAML_MAPPING_NODE)
		return mf_fail(p, v, "userns must be auto (a range of its own, the default), off (the VM's ids) or "
				     "{base: N, size: N} (ids 0..size-1 inside are base.. outside)");
	c->userns.size = USERNS_SIZE;
	int n = mf_walk_mapping(p, v, "userns", keys, ARRAY_SIZE(keys), c, seen, ARRAY_SIZE(seen));
	if (n < 0)
		return -1;
	if (!mf_has_key(seen, n, "base"))
		return mf_fail(p, v, "userns: {...} needs base: (at least %u; or write userns: auto)", USERNS_MIN_BASE);
	if ((uint64_t)c->userns.base + c->userns.size - 1 > USERNS_MAX_END)
		return mf_fail(p, v, "userns: base %u + size %u goes past %u, the last id there is", c->userns.base,
			       c->userns.size, USERNS_MAX_END);
	c->userns.given = true;
	return 0;
}

static bool overlap(const struct container *a, const struct container *b)
{
	return a->userns.size && b->userns.size && a->userns.base < b->userns.base + b->userns.size &&
	       b->userns.base < a->userns.base + a->userns.size;
}

static bool same_range(const struct container *a, const struct container *b)
{
	return a->userns.base == b->userns.base && a->userns.size == b->userns.size;
}

/* The Nth container of the image's order (onboot, services, onshutdown). */
static struct container *nth(struct manifest *m, size_t i)
{
	if (i < m->n_onboot)
		return &m->onboot[i];
	if ((i -= m->n_onboot) < m->n_services)
		return &m->services[i];
	return (i -= m->n_services) < m->n_onshutdown ? &m->onshutdown[i] : NULL;
}

static yaml_node_t position(const struct container *c)
{
	if (c->userns.line)
		return (yaml_node_t){ .start_mark = { .line = c->userns.line - 1, .column = c->userns.column } };
	return (yaml_node_t){ .start_mark = { .line = c->name_line, .column = c->name_column } };
}

/* What a user namespace cannot give: refused with the way out. */
static int check_fits(struct mf_parse *p, const struct container *c)
{
	yaml_node_t at = position(c);
	static const int vm_network_caps[] = { CAP_NET_BIND_SERVICE, CAP_NET_ADMIN, CAP_NET_RAW };

	for (size_t i = 0; i < c->n_devices; i++)
		if (c->devices[i].path)
			return mf_fail(p, &at,
				       "container \"%s\": devices: makes %s, a node of the VM's root, which the "
				       "container's root in its user namespace may not use; add userns: off to it",
				       c->name, c->devices[i].path);
	/* Linux 6.1 shows net.core's per-namespace keys (somaxconn) only in
	 * a network namespace of the VM's root (net/core/sysctl_net_core.c). */
	for (size_t i = 0; i < c->n_sysctl; i++)
		if (strncmp(c->sysctl[i].name, "net.core.", 9) == 0) {
			yaml_node_t key = { .start_mark = { .line = c->sysctl[i].line, .column = c->sysctl[i].column } };
			return mf_fail(p, &key,
				       "container \"%s\": sysctl %s exists only in a network namespace of the VM's "
				       "root, and this one is its user namespace's; add userns: off to it",
				       c->name, c->sysctl[i].name);
		}
	for (size_t i = 0; c->host_network && i < ARRAY_SIZE(vm_network_caps); i++)
		if (c->capabilities & (1ULL << vm_network_caps[i]))
			return mf_fail(p, &at,
				       "container \"%s\": with network: host its network capabilities act on the VM's "
				       "network namespace, which its user namespace does not own; add userns: off to it "
				       "(or give it a network of its own)",
				       c->name);
	return 0;
}

/* Two containers writing one volume directory need one owner for it. */
static int check_volumes(struct mf_parse *p, const struct container *a, const struct container *b)
{
	for (size_t i = 0; i < a->n_volumes; i++)
		for (size_t k = 0; k < b->n_volumes; k++) {
			const struct volume *va = &a->volumes[i], *vb = &b->volumes[k];
			if (va->readonly || vb->readonly || strcmp(va->disk, vb->disk) != 0 || strcmp(va->sub, vb->sub) != 0)
				continue;
			if (same_range(a, b))
				continue;
			yaml_node_t at = position(b);
			return mf_fail(p, &at,
				       "containers \"%s\" and \"%s\" both write %s/%s but run in different user ranges, "
				       "and its files can have one owner: give both the same userns: {base: N, size: N}, "
				       "or make one of the volumes readonly: true",
				       a->name, b->name, va->disk, va->sub);
		}
	return 0;
}

/* An auto range's place, from the container's name (FNV-1a): adding,
 * removing or reordering containers moves no other container's range, and
 * a volume's owners follow its writer's range (a move is a walk at boot). */
static uint32_t name_slot(const char *name)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		h = (h ^ *c) * 16777619u;
	return h % USERNS_AUTO_SLOTS;
}

static bool clashes(struct manifest *m, const struct container *c)
{
	for (size_t k = 0; nth(m, k); k++)
		if (nth(m, k) != c && overlap(c, nth(m, k)))
			return true;
	return false;
}

int mf_resolve_userns(struct mf_parse *p, struct manifest *m)
{

	for (size_t i = 0; nth(m, i); i++) {
		struct container *c = nth(m, i);
		for (size_t k = 0; c->userns.given && k < i; k++) {
			const struct container *o = nth(m, k);
			if (o->userns.given && overlap(c, o) && !same_range(c, o)) {
				yaml_node_t at = position(c);
				return mf_fail(p, &at,
					       "container \"%s\": its user range overlaps \"%s\"'s (%u..%u); give both the "
					       "same range to share one, or move one of them",
					       c->name, o->name, o->userns.base, o->userns.base + o->userns.size - 1);
			}
		}
	}
	/* Auto ranges: the name's slot, else the next free one (in the
	 * image's order, past given ranges and auto ones already placed). */
	for (size_t i = 0; nth(m, i); i++) {
		struct container *c = nth(m, i);
		if (c->userns.off || c->userns.given)
			continue;
		uint32_t slot = name_slot(c->name);
		c->userns.size = USERNS_SIZE;
		for (uint32_t tries = 0; tries < USERNS_AUTO_SLOTS; tries++, slot = (slot + 1) % USERNS_AUTO_SLOTS) {
			c->userns.base = USERNS_AUTO_BASE + slot * USERNS_SIZE;
			if (!clashes(m, c))
				break;
		}
	}
	for (size_t i = 0; nth(m, i); i++) {
		if (nth(m, i)->userns.size && check_fits(p, nth(m, i)) < 0)
			return -1;
		for (size_t k = 0; k < i; k++)
			if (check_volumes(p, nth(m, k), nth(m, i)) < 0)
				return -1;
	}
	return 0;
}

int userns_check_ids(const char *manifest, const struct container *c, struct diag *d)
{
	unsigned worst = c->ids.uid > c->ids.gid ? c->ids.uid : c->ids.gid;

	for (size_t i = 0; i < c->ids.n_groups; i++)
		worst = c->ids.groups[i] > worst ? c->ids.groups[i] : worst;
	if (!c->userns.size || worst < c->userns.size)
		return 0;
	return diag_fail(d, "%s:%zu:%zu: container %s: it runs as id %u, past its user range of %u ids; give userns: "
			    "{base: N, size: %u} or more",
			 manifest, (c->user ? c->user_line : c->name_line) + 1,
			 (c->user ? c->user_column : c->name_column) + 1, c->name, worst, c->userns.size, worst + 1);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The manifest's secrets: the top-level list that declares them (NAME, or
 * {name, required}) and each container's secrets: naming what it receives,
 * checked across the whole manifest once every container is read: each
 * named secret declared, each declared secret received, /run/secrets
 * readable under the container's paths:. image/secrets.c writes what the
 * image says of them. */
#include <stdlib.h>
#include <string.h>

#include "manifest-yaml.h"
#include "../runtime/spec.h"

static int read_secret_name(struct mf_parse *p, yaml_node_t *v, const char *key, char **out)
{
	if (mf_read_string(p, v, key, out) < 0)
		return -1;
	if (!secret_name_valid(*out))
		return mf_fail(p, v,
			    "%s \"%s\" must be 1 to %d lowercase letters, digits and dashes, starting with a letter or "
			    "digit (QEMU's fw_cfg keeps 55 bytes for %sNAME)",
			    key, *out, SECRET_NAME_MAX, SECRETS_FW_CFG_PREFIX);
	return 0;
}

static int s_name(struct mf_parse *p, yaml_node_t *v, void *t)
{
	struct secret_decl *s = t;

	s->line = v->start_mark.line;
	s->column = v->start_mark.column;
	return read_secret_name(p, v, "secret name", &s->name);
}

static int s_required(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return mf_read_bool(p, v, "required", &((struct secret_decl *)t)->required);
}

static const struct mf_key_handler secret_keys[] = { { "name", s_name }, { "required", s_required } };

/* An item: NAME, or {name: NAME, required: BOOL}. */
static int add_secret(struct mf_parse *p, yaml_node_t *item, size_t index, void *ctx)
{
	struct manifest *m = ctx;
	struct secret_decl *grown;
	const char *seen[2];

	if (index >= SECRETS_MAX)
		return mf_fail(p, item, "more than %d secrets; put related values into one secret (a file can hold many)",
			    SECRETS_MAX);
	if (!(grown = realloc(m->secrets, (index + 1) * sizeof(*grown))))
		return mf_fail(p, item, "out of memory");
	m->secrets = grown;
	struct secret_decl *s = &grown[index];
	memset(s, 0, sizeof(*s));
	m->n_secrets = index + 1;
	s->required = true;
	if (item->type == YAML_SCALAR_NODE) {
		if (s_name(p, item, s) < 0)
			return -1;
	} else {
		int n = mf_walk_mapping(p, item, "a secret", secret_keys, ARRAY_SIZE(secret_keys), s, seen, 2);
		if (n < 0)
			return -1;
		if (!mf_has_key(seen, n, "name"))
			return mf_fail(p, item, "a secret needs name: (or write the name alone: - db-password)");
	}
	for (size_t i = 0; i < index; i++)
		if (strcmp(m->secrets[i].name, s->name) == 0)
			return mf_fail(p, item, "secret \"%s\" is declared twice (first at line %zu)", s->name,
				    m->secrets[i].line + 1);
	return 0;
}

int mf_secrets(struct mf_parse *p, yaml_node_t *v, void *target)
{
	return mf_each_item(p, v, "secrets", add_secret, target);
}

static int add_secret_ref(struct mf_parse *p, yaml_node_t *item, size_t index, void *ctx)
{
	struct container *c = ctx;
	struct secret_ref *grown = realloc(c->secrets, (index + 1) * sizeof(*grown));

	if (!grown)
		return mf_fail(p, item, "out of memory");
	c->secrets = grown;
	memset(&grown[index], 0, sizeof(grown[index]));
	c->n_secrets = index + 1;
	grown[index].line = item->start_mark.line;
	grown[index].column = item->start_mark.column;
	if (read_secret_name(p, item, "secret", &grown[index].name) < 0)
		return -1;
	for (size_t i = 0; i < index; i++)
		if (strcmp(c->secrets[i].name, grown[index].name) == 0)
			return mf_fail(p, item, "secret \"%s\" is named twice in this container's secrets:",
				    grown[index].name);
	return 0;
}

int mf_container_secrets(struct mf_parse *p, yaml_node_t *v, void *target)
{
	return mf_each_item(p, v, "secrets", add_secret_ref, target);
}

/* What the container may read beneath SECRETS_MOUNT under its paths: rules
 * (bundle.c's defaults: exec beneath /, write beneath /tmp). */
static bool can_read_secrets(const struct container *c)
{
	char *const slash[] = { "/", NULL }, *const tmp[] = { "/tmp", NULL };

	return bh_spec_path_within(SECRETS_MOUNT, c->paths.read) ||
	       bh_spec_path_within(SECRETS_MOUNT, c->paths.exec ? c->paths.exec : slash) ||
	       bh_spec_path_within(SECRETS_MOUNT, c->paths.write ? c->paths.write : tmp);
}

static int resolve_container(struct mf_parse *p, struct manifest *m, struct container *c)
{
	const char *names[SECRETS_MAX];

	for (size_t i = 0; i < m->n_secrets; i++)
		names[i] = m->secrets[i].name;
	for (size_t r = 0; r < c->n_secrets; r++) {
		struct secret_ref *ref = &c->secrets[r];
		yaml_node_t at = { .start_mark = { .line = ref->line, .column = ref->column } };
		size_t i = 0;
		while (i < m->n_secrets && strcmp(m->secrets[i].name, ref->name) != 0)
			i++;
		if (i < m->n_secrets) {
			m->secrets[i].received = true;
			continue;
		}
		const char *hint = mf_suggest(ref->name, names, m->n_secrets);
		if (hint)
			return mf_fail(p, &at, "container \"%s\" names secret \"%s\", which is not declared in secrets:; "
					    "did you mean \"%s\"?", c->name, ref->name, hint);
		return mf_fail(p, &at, "container \"%s\" names secret \"%s\", which is not declared; add it to the "
				    "top-level secrets: list", c->name, ref->name);
	}
	if (c->n_secrets && !can_read_secrets(c)) {
		yaml_node_t at = { .start_mark = { .line = c->secrets[0].line, .column = c->secrets[0].column } };
		return mf_fail(p, &at, "container \"%s\" receives secrets at " SECRETS_MOUNT " but its paths: let it "
				    "read nothing there; add " SECRETS_MOUNT " to paths: read", c->name);
	}
	return 0;
}

int mf_resolve_secrets(struct mf_parse *p, struct manifest *m)
{
	struct container *lists[3] = { m->onboot, m->services, m->onshutdown };
	size_t counts[3] = { m->n_onboot, m->n_services, m->n_onshutdown };

	for (int l = 0; l < 3; l++)
		for (size_t i = 0; i < counts[l]; i++)
			if (resolve_container(p, m, &lists[l][i]) < 0)
				return -1;
	for (size_t i = 0; i < m->n_secrets; i++)
		if (!m->secrets[i].received) {
			yaml_node_t at = { .start_mark = { .line = m->secrets[i].line, .column = m->secrets[i].column } };
			return mf_fail(p, &at, "secret \"%s\" is given to no container; name it in a container's "
					    "secrets: list, or remove it", m->secrets[i].name);
		}
	return 0;
}

void mf_free_secrets(struct manifest *m)
{
	struct container *lists[3] = { m->onboot, m->services, m->onshutdown };
	size_t counts[3] = { m->n_onboot, m->n_services, m->n_onshutdown };

	for (int l = 0; l < 3; l++)
		for (size_t i = 0; i < counts[l]; i++) {
			for (size_t r = 0; r < lists[l][i].n_secrets; r++)
				free(lists[l][i].secrets[r].name);
			free(lists[l][i].secrets);
			lists[l][i].secrets = NULL;
			lists[l][i].n_secrets = 0;
		}
	for (size_t i = 0; i < m->n_secrets; i++)
		free(m->secrets[i].name);
	free(m->secrets);
	m->secrets = NULL;
	m->n_secrets = 0;
}


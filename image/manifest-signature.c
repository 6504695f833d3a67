/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A container's signature: key: the public key, the signed payload and the
 * signature that prove where an archive image comes from. Only read here:
 * which kind of key it is (cosign-style or OpenPGP), whether the image can
 * carry a signature and whether it verifies are decided at build time by
 * signature.c, once every image's digest is known. */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "manifest-yaml.h"

static int read_input(struct mf_parse *p, yaml_node_t *v, const char *key, const char *what,
		      struct signature_input *in)
{
	if (mf_host_file(p, v, key, what, &in->path) < 0)
		return -1;
	if (!(in->given = strdup(mf_scalar(v))))
		return mf_fail(p, v, "out of memory");
	in->line = v->start_mark.line + 1;
	in->column = v->start_mark.column + 1;
	return 0;
}

static int s_key(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return read_input(p, v, "signature key", "the path of a public key (PEM EC P-256, or OpenPGP)",
			  &((struct image_signature *)t)->key);
}

static int s_payload(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return read_input(p, v, "signature payload", "the path of the signed simple-signing JSON",
			  &((struct image_signature *)t)->payload);
}

static int s_signature(struct mf_parse *p, yaml_node_t *v, void *t)
{
	return read_input(p, v, "signature file", "the path of the payload's signature",
			  &((struct image_signature *)t)->signature);
}

static const struct mf_key_handler signature_keys[] = {
	{ "key", s_key },
	{ "payload", s_payload },
	{ "signature", s_signature },
};

int mf_container_signature(struct mf_parse *p, yaml_node_t *v, void *target)
{
	struct image_signature *s = &((struct container *)target)->signature;
	const char *seen[ARRAY_SIZE(signature_keys)];

	s->given = true;
	s->line = v->start_mark.line + 1;
	s->column = v->start_mark.column + 1;
	if (v->type != YAML_MAPPING_NODE)
		return mf_fail(p, v,
			       "signature must be a mapping: {key: PUBLIC-KEY, payload: PAYLOAD.json, signature: SIGNATURE}");
	int n = mf_walk_mapping(p, v, "signature", signature_keys, ARRAY_SIZE(signature_keys), s, seen,
				ARRAY_SIZE(seen));
	if (n < 0)
		return -1;
	if (!mf_has_key(seen, n, "key"))
		return mf_fail(p, v, "signature has no key:; give the public key that signed the image (a PEM or OpenPGP file)");
	/* Neither: the image's own layout holds them (signature.c says where). */
	if (mf_has_key(seen, n, "payload") != mf_has_key(seen, n, "signature"))
		return mf_fail(p, v,
			       "signature has %s: without %s:; give both (the signed simple-signing JSON and its "
			       "signature), or neither for a cosign signature kept in the oci: layout",
			       mf_has_key(seen, n, "payload") ? "payload" : "signature",
			       mf_has_key(seen, n, "payload") ? "signature" : "payload");
	return 0;
}

void mf_free_signature(struct image_signature *s)
{
	struct signature_input *inputs[] = { &s->key, &s->payload, &s->signature };

	for (size_t i = 0; i < ARRAY_SIZE(inputs); i++) {
		free(inputs[i]->given);
		free(inputs[i]->path);
	}
}

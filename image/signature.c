/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Image signatures, verified offline at build time, before anything is
 * written. Two kinds, told apart by what the key file holds:
 *
 *  - cosign-style: the key is a PEM SubjectPublicKeyInfo of an EC P-256
 *    key, the signature base64 of a DER ECDSA signature over SHA-256 of the
 *    payload's bytes. Verified here with nettle's ECDSA; the DER of the key
 *    and of the signature is parsed here, every length checked against what
 *    is left, since both are untrusted input.
 *  - OpenPGP: the key is an OpenPGP public key (binary or ASCII-armoured),
 *    the signature a detached one of the payload, checked by Debian's gpgv
 *    against a keyring that holds that key alone.
 *
 * Either way the payload is cosign's "simple signing" JSON, whose
 * critical.image.docker-manifest-digest must be the image's digest. The
 * chain then reaches every byte: the signature covers the payload, the
 * payload names the manifest (or a docker archive's config) by digest, that
 * names every blob by digest, and oci.c checks each blob as it reads it.
 * The bytes checked are the bytes parsed: each file is read once, through a
 * descriptor checked against the build context, and gpgv gets copies. */
#include <errno.h>
#include <fcntl.h>
#include <gmp.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nettle/base64.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/ecdsa.h>
#include <nettle/sha2.h>

#include "image.h"
#include "signature.h"

/* A key, payload or signature is a few KiB; a bigger file is none of them. */
#define SIGNATURE_FILE_MAX (1 << 20)

struct bytes {
	uint8_t *data; /* NUL-terminated, so that a text file reads as a string */
	size_t len;
};

/* One container's check, for messages: the files as the manifest names
 * them, or the payload and signature its oci: layout holds. */
struct check {
	const char *manifest;
	const struct container *c;
	struct diag *d;
	const struct signature_input *key, *payload, *signature;
};

/* -1, with "MANIFEST:LINE:COL: container NAME: ..." at AT's value (NULL:
 * at signature: itself). */
__attribute__((format(printf, 3, 4))) static int fail_at(const struct check *k, const struct signature_input *at,
							 const char *fmt, ...)
{
	char what[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return diag_fail(k->d, "%s:%zu:%zu: container %s: %s", k->manifest, at ? at->line : k->c->signature.line,
			 at ? at->column : k->c->signature.column, k->c->name, what);
}

static int read_input(const struct check *k, const struct signature_input *in, const char *what,
		      struct bytes *out)
{
	/* Non-blocking: a FIFO put in the file's place must not hang the build. */
	_cleanup_close_ int fd = input_open(in->path, O_RDONLY | O_NONBLOCK, NULL, 0);
	struct stat st;
	size_t got = 0;

	if (fd < 0)
		return fail_at(k, in, "%s \"%s\": %s", what, in->given, input_strerror(-fd));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return fail_at(k, in, "%s \"%s\" is not a regular file", what, in->given);
	if (st.st_size > SIGNATURE_FILE_MAX)
		return fail_at(k, in, "%s \"%s\" is %lld bytes; it should be a few KiB (at most %d)", what, in->given,
			       (long long)st.st_size, SIGNATURE_FILE_MAX);
	if (!(out->data = malloc((size_t)st.st_size + 1)))
		return fail_at(k, in, "out of memory");
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, out->data + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail_at(k, in, "%s \"%s\": %s", what, in->given, strerror(errno));
		if (n == 0)
			break;
		got += (size_t)n;
	}
	out->data[got] = '\0';
	out->len = got;
	return 0;
}

/* ---- encodings ---- */

/* SRC's LEN bytes of base64 (whitespace between is fine) into OUT. */
static bool base64_bytes(const char *src, size_t len, struct bytes *out)
{
	struct base64_decode_ctx ctx;
	size_t n = 0;

	if (!(out->data = malloc(BASE64_DECODE_LENGTH(len) + 1)))
		return false;
	base64_decode_init(&ctx);
	if (!base64_decode_update(&ctx, &n, out->data, len, src) || !base64_decode_final(&ctx) || n == 0) {
		free(out->data);
		out->data = NULL;
		return false;
	}
	out->data[n] = '\0';
	out->len = n;
	return true;
}

/* The body of TEXT's PEM block LABEL, decoded into OUT. */
static bool pem_body(const char *text, const char *label, struct bytes *out)
{
	char begin[64], end[64];

	snprintf(begin, sizeof(begin), "-----BEGIN %s-----", label);
	snprintf(end, sizeof(end), "-----END %s-----", label);
	const char *from = strstr(text, begin), *to;
	if (!from)
		return false;
	from += strlen(begin);
	return (to = strstr(from, end)) && base64_bytes(from, (size_t)(to - from), out);
}

/* A DER element: what is left to read of some contents. */
struct der {
	const uint8_t *p;
	size_t n;
};

/* The next element of IN, which must have TAG: its contents into OUT. Only
 * DER's definite, shortest lengths; nothing read beyond IN's bytes. */
static bool der_next(struct der *in, uint8_t tag, struct der *out)
{
	size_t len, head = 2;

	if (in->n < 2 || in->p[0] != tag)
		return false;
	len = in->p[1];
	if (len & 0x80) {
		size_t octets = len & 0x7f;
		if (octets == 0 || octets > 2 || in->n < 2 + octets)
			return false;
		len = 0;
		for (size_t i = 0; i < octets; i++)
			len = len << 8 | in->p[2 + i];
		if (len < 0x80 || (octets == 2 && len < 0x100))
			return false;
		head += octets;
	}
	if (len > in->n - head)
		return false;
	out->p = in->p + head;
	out->n = len;
	in->p += head + len;
	in->n -= head + len;
	return true;
}

static bool der_is(const struct der *d, const uint8_t *value, size_t n)
{
	return d->n == n && memcmp(d->p, value, n) == 0;
}

/* A DER INTEGER of IN that is positive and at most 256 bits, into OUT. */
static bool der_uint256(struct der *in, mpz_t out)
{
	struct der v;

	if (!der_next(in, 0x02, &v) || v.n == 0 || (v.p[0] & 0x80) || (v.n > 1 && v.p[0] == 0 && !(v.p[1] & 0x80)))
		return false;
	if (v.p[0] == 0)
		v.p++, v.n--;
	if (v.n > 32)
		return false;
	mpz_import(out, v.n, 1, 1, 1, 0, v.p);
	return true;
}

/* ---- cosign-style: ECDSA P-256 over SHA-256 ---- */

/* DER, a SubjectPublicKeyInfo, as a point of P-256 in PUB: NULL, or what
 * it is instead. */
static const char *p256_key(const struct bytes *der, struct ecc_point *pub)
{
	static const uint8_t ec_public_key[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 }; /* 1.2.840.10045.2.1 */
	static const uint8_t prime256v1[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 }; /* 1.2.840.10045.3.1.7 */
	struct der in = { der->data, der->len }, spki, algorithm, oid, curve, bits;

	if (!der_next(&in, 0x30, &spki) || in.n || !der_next(&spki, 0x30, &algorithm) ||
	    !der_next(&spki, 0x03, &bits) || spki.n || !der_next(&algorithm, 0x06, &oid))
		return "not a DER SubjectPublicKeyInfo";
	if (!der_is(&oid, ec_public_key, sizeof(ec_public_key)))
		return "not an EC key; cosign-style signatures are ECDSA P-256 (openssl ecparam -name prime256v1)";
	if (!der_next(&algorithm, 0x06, &curve) || algorithm.n || !der_is(&curve, prime256v1, sizeof(prime256v1)))
		return "an EC key on another curve; cosign-style signatures are ECDSA P-256 (prime256v1)";
	if (bits.n == 34 && bits.p[0] == 0 && (bits.p[1] == 2 || bits.p[1] == 3))
		return "a compressed point; write it uncompressed (openssl ec -pubin -conv_form uncompressed -pubout)";
	if (bits.n != 66 || bits.p[0] != 0 || bits.p[1] != 4)
		return "not an uncompressed P-256 point";
	mpz_t x, y;
	mpz_init(x);
	mpz_init(y);
	mpz_import(x, 32, 1, 1, 1, 0, bits.p + 2);
	mpz_import(y, 32, 1, 1, 1, 0, bits.p + 34);
	int on_curve = ecc_point_set(pub, x, y);
	mpz_clear(x);
	mpz_clear(y);
	return on_curve ? NULL : "a point that is not on P-256";
}

/* DER, an ECDSA signature (a SEQUENCE of the INTEGERs r and s), into SIG. */
static bool ecdsa_der(const struct bytes *der, struct dsa_signature *sig)
{
	struct der in = { der->data, der->len }, seq;

	return der_next(&in, 0x30, &seq) && !in.n && der_uint256(&seq, sig->r) && der_uint256(&seq, sig->s) &&
	       !seq.n;
}

static int verify_cosign(const struct check *k, const struct bytes *key, const struct bytes *payload,
			 const struct bytes *text)
{
	struct bytes spki = { 0 }, der = { 0 };
	struct ecc_point pub;
	struct dsa_signature sig;
	struct sha256_ctx sha;
	uint8_t digest[SHA256_DIGEST_SIZE];
	const char *why;
	int r = -1;

	ecc_point_init(&pub, nettle_get_secp_256r1());
	dsa_signature_init(&sig);
	if (!pem_body((const char *)key->data, "PUBLIC KEY", &spki))
		fail_at(k, k->key, "key \"%s\": its PEM block is not base64 between BEGIN and END PUBLIC KEY lines",
			k->key->given);
	else if ((why = p256_key(&spki, &pub)))
		fail_at(k, k->key, "key \"%s\" is %s", k->key->given, why);
	else if (!base64_bytes((const char *)text->data, text->len, &der))
		fail_at(k, k->signature,
			"signature \"%s\" is not base64; a cosign-style signature is the DER ECDSA signature in base64 "
			"(openssl dgst -sha256 -sign KEY PAYLOAD | base64 -w0)",
			k->signature->given);
	else if (!ecdsa_der(&der, &sig))
		fail_at(k, k->signature,
			"signature \"%s\" is not a DER ECDSA P-256 signature (a SEQUENCE of two INTEGERs), in base64",
			k->signature->given);
	else {
		sha256_init(&sha);
		sha256_update(&sha, payload->len, payload->data);
		sha256_digest(&sha, sizeof(digest), digest);
		if (!ecdsa_verify(&pub, sizeof(digest), digest, &sig))
			fail_at(k, k->signature,
				"bad signature: \"%s\" does not verify payload \"%s\" with key \"%s\" (another key made it, "
				"or the payload or the signature was changed)",
				k->signature->given, k->payload->given, k->key->given);
		else
			r = 0;
	}
	dsa_signature_clear(&sig);
	ecc_point_clear(&pub);
	free(spki.data);
	free(der.data);
	return r;
}

/* ---- OpenPGP: gpgv ---- */

/* Whether BYTES begin with an OpenPGP public-key packet (tag 6), in the
 * old packet format (0x98..0x9a: one, two or four length octets) or the
 * new one (0xc6). */
static bool openpgp_binary(const struct bytes *b)
{
	return b->len > 2 && (b->data[0] == 0x98 || b->data[0] == 0x99 || b->data[0] == 0x9a || b->data[0] == 0xc6);
}

/* An ASCII-armoured public key block's packets, into OUT (gpgv reads only
 * binary keyrings). The armour: a BEGIN line, header lines up to an empty
 * line, base64, an optional "=" checksum line, the END line. */
static bool openpgp_dearmor(const char *text, struct bytes *out)
{
	const char *p = strstr(text, "-----BEGIN PGP PUBLIC KEY BLOCK-----"), *end;

	if (!p || !(p = strchr(p, '\n')))
		return false;
	for (p++; *p && *p != '\n' && !(p[0] == '\r' && p[1] == '\n');) /* header lines */
		if (!(p = strchr(p, '\n')) || !*++p)
			return false;
	if (!*p || !(end = strstr(p, "-----END PGP PUBLIC KEY BLOCK-----")))
		return false;
	for (const char *q = p; q < end; q++) /* the CRC-24 line, if any, ends the base64 */
		if (q[0] == '\n' && q[1] == '=') {
			end = q;
			break;
		}
	return base64_bytes(p, (size_t)(end - p), out);
}

static int write_bytes(const char *path, const struct bytes *b)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	size_t done = 0;

	if (fd < 0)
		return -errno;
	while (done < b->len) {
		ssize_t n = write(fd, b->data + done, b->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	return 0;
}

/* After the line "[GNUPG:] KEYWORD " in gpgv's status output, or NULL. */
static const char *gpg_status(const char *status, const char *keyword)
{
	size_t len = strlen(keyword);

	for (const char *line = status; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (strncmp(line, "[GNUPG:] ", 9) == 0 && strncmp(line + 9, keyword, len) == 0 &&
		    (line[9 + len] == ' ' || line[9 + len] == '\n' || line[9 + len] == '\0'))
			return line + 9 + len;
	return NULL;
}

/* gpgv's status lines, as a string, after running it. Returns its exit
 * status, or -1 with d set when it could not run. */
static int run_gpgv(const struct check *k, const char *dir, char *status, size_t size)
{
	char keyring[PATH_MAX + 16], sig[PATH_MAX + 16], payload[PATH_MAX + 16];
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), wstatus, r = -1;
	FILE *out = tmpfile();

	snprintf(keyring, sizeof(keyring), "%s/key.gpg", dir);
	snprintf(sig, sizeof(sig), "%s/payload.sig", dir);
	snprintf(payload, sizeof(payload), "%s/payload", dir);
	/* --homedir: gpgv reads nothing of the user's own ~/.gnupg. */
	const char *const argv[] = { "gpgv", "--homedir", dir, "--keyring", keyring, "--status-fd", "1", sig, payload,
				     NULL };
	if (null < 0 || !out || fcntl(fileno(out), F_SETFD, FD_CLOEXEC) < 0) {
		diag_errno(k->d, errno, "gpgv: cannot set up its output");
		goto out;
	}
	pid_t pid = spawn(argv, NULL, null, fileno(out), null);
	if (pid == -ENOENT) {
		fail_at(k, k->key, "gpgv: not found; make deps installs it (Debian package gpgv)");
		goto out;
	}
	if (pid < 0) {
		diag_errno(k->d, (int)-pid, "gpgv");
		goto out;
	}
	while (waitpid(pid, &wstatus, 0) < 0)
		if (errno != EINTR) {
			diag_errno(k->d, errno, "gpgv: waitpid");
			goto out;
		}
	rewind(out);
	size_t n = fread(status, 1, size - 1, out);
	status[n] = '\0';
	r = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
out:
	if (null >= 0)
		close(null);
	if (out)
		fclose(out);
	return r;
}

static int verify_openpgp(const struct check *k, const struct bytes *key, const struct bytes *payload,
			  const struct bytes *sig)
{
	struct bytes packets = { 0 };
	const char *tmp = getenv("TMPDIR"), *at;
	char dir[PATH_MAX], path[PATH_MAX + 16], status[8192];
	int r = -1, e = 0;
	bool made = false;

	if (openpgp_binary(key))
		packets = (struct bytes){ key->data, key->len };
	else if (!openpgp_dearmor((const char *)key->data, &packets))
		return fail_at(k, k->key, "key \"%s\": its ASCII armour is broken (no empty line after BEGIN, or not base64)",
			       k->key->given);
	snprintf(dir, sizeof(dir), "%s/bulkhead-gpgv-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		diag_errno(k->d, errno, "%s", dir);
		goto out;
	}
	made = true;
	const struct { const char *name; const struct bytes *b; } files[] = {
		{ "key.gpg", &packets }, { "payload", payload }, { "payload.sig", sig },
	};
	for (size_t i = 0; i < ARRAY_SIZE(files) && !e; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
		e = -write_bytes(path, files[i].b);
	}
	if (e) {
		diag_errno(k->d, e, "%s", path);
		goto out;
	}
	int exit_status = run_gpgv(k, dir, status, sizeof(status));
	if (exit_status < 0)
		goto out;
	if (exit_status == 0 && gpg_status(status, "VALIDSIG") && gpg_status(status, "GOODSIG") &&
	    !gpg_status(status, "BADSIG") && !gpg_status(status, "ERRSIG") && !gpg_status(status, "EXPKEYSIG") &&
	    !gpg_status(status, "REVKEYSIG") && !gpg_status(status, "EXPSIG"))
		r = 0;
	else if (gpg_status(status, "BADSIG"))
		fail_at(k, k->signature,
			"bad signature: \"%s\" does not verify payload \"%s\" with key \"%s\" (the payload or the "
			"signature was changed)",
			k->signature->given, k->payload->given, k->key->given);
	else if ((at = gpg_status(status, "NO_PUBKEY"))) {
		at += *at == ' '; /* the key ID, unless the line ends there */
		fail_at(k, k->signature, "signature \"%s\" was made by key %.*s, which key \"%s\" is not (wrong key)",
			k->signature->given, (int)strcspn(at, " \n"), at, k->key->given);
	} else if (gpg_status(status, "EXPKEYSIG") || gpg_status(status, "REVKEYSIG") || gpg_status(status, "EXPSIG"))
		fail_at(k, k->key, "key \"%s\" or its signature has expired or been revoked", k->key->given);
	else if (gpg_status(status, "NODATA"))
		fail_at(k, k->signature, "signature \"%s\" is not an OpenPGP signature (gpg --detach-sign makes one)",
			k->signature->given);
	else
		fail_at(k, k->signature,
			"gpgv (exit status %d) did not find signature \"%s\" good with key \"%s\"; is the key an "
			"OpenPGP public key (gpg --export)?",
			exit_status, k->signature->given, k->key->given);
out:
	if (made)
		remove_tree(dir);
	if (packets.data != key->data)
		free(packets.data);
	return r;
}

/* ---- the payload ---- */

static int check_payload(const struct check *k, const struct bytes *payload)
{
	const struct signature_input *at = k->payload;
	json_error_t e;
	json_t *doc = json_loadb((const char *)payload->data, payload->len, JSON_REJECT_DUPLICATES, &e);
	json_t *critical = json_object_get(doc, "critical");
	const char *type = json_string_value(json_object_get(critical, "type"));
	const char *digest =
		json_string_value(json_object_get(json_object_get(critical, "image"), "docker-manifest-digest"));
	int r = -1;

	if (!doc)
		fail_at(k, at, "payload \"%s\" is not JSON: %s (line %d)", at->given, e.text, e.line);
	else if (!type || strcmp(type, SIGNATURE_PAYLOAD_TYPE) != 0)
		fail_at(k, at, "payload \"%s\" is not a simple-signing payload: critical.type is %s%s%s, not \"%s\"",
			at->given, type ? "\"" : "", type ? type : "missing", type ? "\"" : "", SIGNATURE_PAYLOAD_TYPE);
	else if (!digest)
		fail_at(k, at, "payload \"%s\" names no image: critical.image.docker-manifest-digest is missing",
			at->given);
	else if (strcmp(digest, k->c->image_digest) != 0)
		fail_at(k, at,
			"payload \"%s\" signs the image %s (critical.image.docker-manifest-digest), but image \"%s\" is "
			"%s; the signature is for another image",
			at->given, digest, k->c->image, k->c->image_digest);
	else
		r = 0;
	json_decref(doc);
	return r;
}

/* ---- each container ---- */

/* The payload and signature cosign keeps in C's oci: layout, read into
 * PAYLOAD and SIG; the check's inputs then name the tag, at signature:. */
static int read_from_layout(struct check *k, struct signature_input inputs[2], char *tag, size_t size,
			    struct bytes *payload, struct bytes *sig)
{
	const struct container *c = k->c;
	struct diag why;
	char *text = NULL, *b64 = NULL;

	if (c->image_kind != IMAGE_OCI)
		return fail_at(k, NULL,
			       "a docker-archive: image holds no signature; give payload: (the signed simple-signing "
			       "JSON) and signature: (its signature)");
	snprintf(tag, size, "layout tag sha256-%s.sig", c->image_digest + strlen("sha256:"));
	for (int i = 0; i < 2; i++)
		inputs[i] = (struct signature_input){ .given = tag, .line = c->signature.line,
						      .column = c->signature.column };
	k->payload = &inputs[0];
	k->signature = &inputs[1];
	if (oci_cosign_signature(c->image_path, c->image_digest, &text, &payload->len, &b64, &why) < 0)
		return fail_at(k, NULL,
			       "image \"%s\" has no cosign signature beside it in its layout (%s); give payload: and "
			       "signature:, or keep the signature under the tag sha256-HEX.sig as cosign does",
			       c->image, why.msg);
	payload->data = (uint8_t *)text;
	sig->data = (uint8_t *)b64;
	sig->len = strlen(b64);
	return 0;
}

static int verify_one(const char *manifest, const struct container *c, struct diag *d)
{
	const struct image_signature *s = &c->signature;
	struct check k = { manifest, c, d, &s->key, &s->payload, &s->signature };
	struct signature_input in_layout[2];
	struct bytes key = { 0 }, payload = { 0 }, sig = { 0 };
	char tag[128];
	int r = -1;

	if (c->image_kind != IMAGE_OCI && c->image_kind != IMAGE_DOCKER_ARCHIVE)
		return fail_at(&k, NULL,
			       "signature: is for oci: and docker-archive: images, whose digest the payload names; "
			       "image \"%s\" has no digest to sign (remove signature:)",
			       c->image);
	if (read_input(&k, k.key, "key", &key) < 0)
		goto out;
	const char *text = (const char *)key.data;
	bool cosign = strstr(text, "-----BEGIN PUBLIC KEY-----") != NULL;
	if (!cosign && !openpgp_binary(&key) && !strstr(text, "-----BEGIN PGP PUBLIC KEY BLOCK-----")) {
		if (strstr(text, "PRIVATE KEY-----") || strstr(text, "-----BEGIN PGP PRIVATE KEY BLOCK-----"))
			fail_at(&k, k.key,
				"key \"%s\" is a private key; give its public half (openssl ec -in KEY -pubout, or gpg "
				"--export)",
				k.key->given);
		else
			fail_at(&k, k.key,
				"key \"%s\" is neither a PEM public key (BEGIN PUBLIC KEY: EC P-256, for cosign-style "
				"signatures) nor an OpenPGP public key (binary or ASCII-armoured)",
				k.key->given);
		goto out;
	}
	if (!s->payload.path && !cosign) {
		fail_at(&k, NULL,
			"an OpenPGP signature is not kept in the image's layout; give payload: and signature: for key "
			"\"%s\"",
			k.key->given);
		goto out;
	}
	if (s->payload.path ? read_input(&k, k.payload, "payload", &payload) < 0 ||
				      read_input(&k, k.signature, "signature", &sig) < 0
			    : read_from_layout(&k, in_layout, tag, sizeof(tag), &payload, &sig) < 0)
		goto out;
	r = cosign ? verify_cosign(&k, &key, &payload, &sig) : verify_openpgp(&k, &key, &payload, &sig);
	if (r == 0)
		r = check_payload(&k, &payload);
out:
	free(key.data);
	free(payload.data);
	free(sig.data);
	return r;
}

int signatures_verify(const struct manifest *m, bool require, struct diag *d)
{
	const struct container *lists[] = { m->onboot, m->services, m->onshutdown };
	const size_t counts[] = { m->n_onboot, m->n_services, m->n_onshutdown };

	for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
		for (size_t i = 0; i < counts[l]; i++) {
			const struct container *c = &lists[l][i];
			bool archive = c->image_kind == IMAGE_OCI || c->image_kind == IMAGE_DOCKER_ARCHIVE;
			if (c->signature.given && verify_one(m->path, c, d) < 0)
				return -1;
			if (!c->signature.given && require && archive)
				return diag_fail(d,
						 "%s:%zu:%zu: container %s: image \"%s\" has no signature:, and "
						 "--require-signatures refuses unsigned oci: and docker-archive: images; add "
						 "signature: {key: ..., payload: ..., signature: ...} (docs/manifest.md, "
						 "\"Signatures\")",
						 m->path, c->name_line + 1, c->name_column + 1, c->name, c->image);
		}
	return 0;
}

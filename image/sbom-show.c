/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead sbom DIR: the SBOM a build wrote, as a short table. It reads
 * the document by its relationships, as any SPDX 2.3 reader would: what
 * the document DESCRIBES, what that CONTAINS, what each of those CONTAINS
 * in turn (an image's packages) and is GENERATED_FROM (the kernel's config). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "image.h"
#include "sbom.h"

static const char *text_of(json_t *object, const char *key)
{
	const char *s = json_string_value(json_object_get(object, key));
	return s ? s : "";
}

static json_t *package_by_id(json_t *packages, const char *id)
{
	size_t i;
	json_t *p;

	json_array_foreach(packages, i, p)
		if (strcmp(text_of(p, "SPDXID"), id) == 0)
			return p;
	return NULL;
}

/* "sha256:HEX" of P's SHA256 checksum, or "-". */
static void digest_of(json_t *p, char *out, size_t size)
{
	size_t i;
	json_t *c;

	snprintf(out, size, "-");
	json_array_foreach(json_object_get(p, "checksums"), i, c)
		if (strcmp(text_of(c, "algorithm"), "SHA256") == 0)
			snprintf(out, size, "sha256:%s", text_of(c, "checksumValue"));
}

/* The arch= qualifier of P's purl, or "". */
static void arch_of(json_t *p, char *out, size_t size)
{
	size_t i;
	json_t *ref;

	out[0] = '\0';
	json_array_foreach(json_object_get(p, "externalRefs"), i, ref) {
		const char *arch = strstr(text_of(ref, "referenceLocator"), "?arch=");
		if (strcmp(text_of(ref, "referenceType"), "purl") == 0 && arch)
			snprintf(out, size, "%.*s", (int)strcspn(arch + 6, "&#"), arch + 6);
	}
}

/* Calls EACH for every element FROM has a TYPE relationship to. */
static size_t related(json_t *rels, const char *from, const char *type, json_t *packages,
		      void (*each)(json_t *p, void *arg), void *arg)
{
	size_t i, n = 0;
	json_t *r;

	json_array_foreach(rels, i, r) {
		if (strcmp(text_of(r, "spdxElementId"), from) != 0 || strcmp(text_of(r, "relationshipType"), type) != 0)
			continue;
		json_t *p = package_by_id(packages, text_of(r, "relatedSpdxElement"));
		if (p && each)
			each(p, arg);
		n += p != NULL;
	}
	return n;
}

static void print_row(const char *component, const char *version, const char *digest)
{
	printf("%-32s %-24s %s\n", component, version[0] ? version : "-", digest);
}

static void print_built_from(json_t *p, void *arg)
{
	char digest[160];

	(void)arg;
	digest_of(p, digest, sizeof(digest));
	printf("  %-30s %-24s %s\n", text_of(p, "name"), text_of(p, "versionInfo")[0] ? text_of(p, "versionInfo") : "-",
	       digest);
}

static void print_package(json_t *p, void *arg)
{
	char arch[64];

	(void)arg;
	arch_of(p, arch, sizeof(arch));
	printf("    %-40s %-32s %s\n", text_of(p, "name"), text_of(p, "versionInfo"), arch);
}

struct show {
	json_t *packages, *rels;
	bool list;
};

static void print_component(json_t *p, void *arg)
{
	struct show *s = arg;
	const char *id = text_of(p, "SPDXID");
	bool image = strcmp(text_of(p, "primaryPackagePurpose"), "CONTAINER") == 0;
	char digest[160], component[512];

	digest_of(p, digest, sizeof(digest));
	snprintf(component, sizeof(component), "%s%s", image ? "image " : "", text_of(p, "name"));
	print_row(component, text_of(p, "versionInfo"), digest);
	related(s->rels, id, "GENERATED_FROM", s->packages, print_built_from, NULL);
	if (!image)
		return;
	size_t n = related(s->rels, id, "CONTAINS", s->packages, NULL, NULL);
	printf("  %zu package%s%s\n", n, n == 1 ? "" : "s", n && s->list ? ":" : "");
	if (s->list)
		related(s->rels, id, "CONTAINS", s->packages, print_package, NULL);
}

int sbom_show(const char *path, bool packages, struct diag *d)
{
	char file[PATH_MAX];
	struct stat st;
	json_error_t error;

	if (stat(path, &st) < 0)
		return diag_errno(d, errno, "%s", path);
	if (S_ISDIR(st.st_mode))
		snprintf(file, sizeof(file), "%s/%s", path, SBOM_FILE);
	else
		snprintf(file, sizeof(file), "%s", path);
	/* A hostile file is bounded by what jansson reads: a document, no more. */
	json_t *doc = json_load_file(file, JSON_REJECT_DUPLICATES, &error);
	if (!doc) {
		if (error.line < 0)
			return diag_fail(d, "%s: %s", file, error.text);
		return diag_fail(d, "%s:%d:%d: not JSON: %s", file, error.line, error.column, error.text);
	}
	struct show s = { json_object_get(doc, "packages"), json_object_get(doc, "relationships"), packages };
	const char *version = json_string_value(json_object_get(doc, "spdxVersion"));
	if (!json_is_object(doc) || !version || strcmp(version, "SPDX-2.3") != 0 || !json_is_array(s.packages) ||
	    !json_is_array(s.rels)) {
		if (version && strcmp(version, "SPDX-2.3") != 0)
			diag_fail(d, "%s: not an SPDX 2.3 document: its spdxVersion is \"%.40s\"", file, version);
		else
			diag_fail(d, "%s: not an SPDX 2.3 document: it needs spdxVersion \"SPDX-2.3\" and packages and "
				     "relationships arrays", file);
		json_decref(doc);
		return -1;
	}
	json_t *creation = json_object_get(doc, "creationInfo");
	printf("%s: SBOM of %s (%s, created %s by %s)\n", file, text_of(doc, "name"), version, text_of(creation, "created"),
	       json_string_value(json_array_get(json_object_get(creation, "creators"), 0))
		       ? json_string_value(json_array_get(json_object_get(creation, "creators"), 0))
		       : "?");
	print_row("component", "version", "digest");
	size_t i, described = 0;
	json_t *r;
	json_array_foreach(s.rels, i, r)
		if (strcmp(text_of(r, "spdxElementId"), "SPDXRef-DOCUMENT") == 0 &&
		    strcmp(text_of(r, "relationshipType"), "DESCRIBES") == 0) {
			described++;
			related(s.rels, text_of(r, "relatedSpdxElement"), "CONTAINS", s.packages, print_component, &s);
		}
	json_decref(doc);
	if (!described)
		return diag_fail(d, "%s: the document DESCRIBES nothing: no appliance to show", file);
	return 0;
}

int sbom_command(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "packages", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct diag d = { "" };
	bool packages = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "ph", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p': packages = true; break;
		case 'h': fputs(SBOM_USAGE, stdout); return 0;
		default: fputs(SBOM_USAGE, stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "bulkhead sbom: expected DIR (see bulkhead sbom --help)\n");
		return 2;
	}
	if (sbom_show(argv[optind], packages, &d) < 0) {
		fprintf(stderr, "bulkhead sbom: %s\n", d.msg);
		return 1;
	}
	return 0;
}

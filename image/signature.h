/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Image signatures, verified offline at build time (image/signature.c). */
#ifndef BULKHEAD_SIGNATURE_H
#define BULKHEAD_SIGNATURE_H

#include <stdbool.h>

#include "manifest.h"

/* The simple-signing payload's type, as cosign writes it. */
#define SIGNATURE_PAYLOAD_TYPE "cosign container image signature"

/* Every container's signature: verified against its image's digest (the
 * manifest's for oci:, the config's, that is the image ID, for
 * docker-archive:); with REQUIRE, every oci: and docker-archive: image must
 * have one. Returns 0, or -1 with "MANIFEST:LINE:COL: container NAME: ..."
 * in d. Reads only the files the manifest names, through descriptors
 * checked against the build context; writes nothing but a private
 * temporary directory for gpgv, removed before it returns. */
int signatures_verify(const struct manifest *m, bool require, struct diag *d);

#endif

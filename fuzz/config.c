/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The runtime's config.json parser, as PID 1 and bulkhead-runtime read each
 * bundle at start and the builder checks what it generates; a parsed
 * config's seccomp rules are also compiled, as the builder does
 * (bh_seccomp_export), since that walks what was parsed. From the input's
 * text (bh_config_parse): a load only adds looking up root.path and the
 * compiled filter's file on disk. */
#include <fcntl.h>
#include <unistd.h>

#include "fuzz.h"
#include "../runtime/runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_config *config = NULL;
	struct bh_err err;

	int r = bh_config_parse((const char *)data, size, "/bundle", &config, &err);
	fuzz_verdict("config", r, err.msg);
	if (r == 0) {
		int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			bh_seccomp_export(config, fd, &err);
			close(fd);
		}
		bh_config_free(config);
	}
	return 0;
}

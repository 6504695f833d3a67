/* The runtime's config.json parser, as PID 1 and bulkhead-runtime read each
 * bundle at start; a parsed config's seccomp rules are also compiled, as
 * the builder does (bh_seccomp_export), since that walks what was parsed. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "../runtime/runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char bundle[PATH_MAX];
	struct bh_config *config = NULL;
	struct bh_err err;

	if (!bundle[0]) {
		/* What a bundle holds beside config.json: the rootfs, and the
		 * builder's compiled filter (one instruction: allow). */
		static const unsigned char allow[8] = { 0x06, 0, 0, 0, 0, 0, 0xff, 0x7f };
		char rootfs[PATH_MAX + 16];
		snprintf(bundle, sizeof(bundle), "%s/bundle", fuzz_dir());
		snprintf(rootfs, sizeof(rootfs), "%s/rootfs", bundle);
		mkdir(bundle, 0700);
		mkdir(rootfs, 0700);
		fuzz_write("bundle/seccomp.bpf", allow, sizeof(allow));
	}
	fuzz_write("bundle/config.json", data, size);
	int r = bh_config_load(bundle, &config, &err);
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

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OCI's features document, from the same tables the facilities parse with,
 * so that what we claim is what we accept. */
#include <ctype.h>
#include <jansson.h>
#include <seccomp.h>
#include <string.h>
#include <sys/capability.h>

#include "internal.h"
#include "spec.h"

static json_t *names(const char *(*at)(size_t))
{
	json_t *array = json_array();
	const char *name;

	for (size_t i = 0; (name = at(i)); i++)
		json_array_append_new(array, json_string(name));
	return array;
}

static json_t *capabilities(void)
{
	json_t *array = json_array();

	for (int cap = 0; cap < (int)cap_max_bits() && cap < 64; cap++) {
		char *name = cap_to_name(cap), upper[64];
		size_t i = 0;
		for (; name && name[i] && i < sizeof(upper) - 1; i++)
			upper[i] = (char)toupper((unsigned char)name[i]);
		upper[i] = '\0';
		cap_free(name);
		json_array_append_new(array, json_string(upper));
	}
	return array;
}

json_t *bh_features(void)
{
	const struct scmp_version *v = seccomp_version();
	char libseccomp[32];

	snprintf(libseccomp, sizeof(libseccomp), "%u.%u.%u", v->major, v->minor, v->micro);
	return json_pack("{s:s, s:s, s:o, s:o, s:{s:o, s:o, s:{s:b, s:b, s:b, s:b}, s:{s:b, s:o, s:o, s:[s]},"
			 " s:{s:b}, s:{s:b}}, s:{s:s, s:o}}",
			 "ociVersionMin", "1.0.0", "ociVersionMax", BH_OCI_VERSION, "hooks", names(bh_hook_name_at),
			 "mountOptions", names(bh_mount_option_at), "linux", "namespaces", names(bh_ns_type_at), "capabilities",
			 capabilities(), "cgroup", "v1", 0, "v2", 1, "systemd", 0, "systemdUser", 0, "seccomp",
			 "enabled", 1, "actions", names(bh_seccomp_action_at), "operators",
			 names(bh_seccomp_operator_at), "archs", "SCMP_ARCH_X86_64", "apparmor", "enabled", 1,
			 "selinux", "enabled", 0, "annotations", "io.github.seccomp.libseccomp.version", libseccomp,
			 "org.bulkhead.landlock.rights", names(bh_landlock_right_at));
}

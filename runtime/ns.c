/* Namespaces: the OCI type names and their clone flags. */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "internal.h"

static const struct {
	const char *type;
	int flag;
} namespace_types[] = {
	{ "pid", CLONE_NEWPID },   { "network", CLONE_NEWNET }, { "mount", CLONE_NEWNS },
	{ "ipc", CLONE_NEWIPC },   { "uts", CLONE_NEWUTS },     { "user", CLONE_NEWUSER },
	{ "cgroup", CLONE_NEWCGROUP },
};

int bh_ns_flag(const char *type, int *flag)
{
	for (size_t i = 0; i < sizeof(namespace_types) / sizeof(namespace_types[0]); i++)
		if (strcmp(type, namespace_types[i].type) == 0) {
			*flag = namespace_types[i].flag;
			return 0;
		}
	return -EINVAL;
}

const char *bh_ns_type_at(size_t i)
{
	return i < sizeof(namespace_types) / sizeof(namespace_types[0]) ? namespace_types[i].type : NULL;
}

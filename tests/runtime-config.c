/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.json validation: each mistake gets its exact message, naming the
 * JSON path, and a good config loads. No container is started here. Most
 * tests parse from text (bh_config_parse): no file system, no namespace;
 * the few that test what bh_config_load reads from disk use a bundle on a
 * private tmpfs. */
#include "../runtime/runtime.h"
#include "fixture.h"

static struct bh_err err;
static char bundle[4096]; /* the last load's */

/* Parses CONFIG from text; returns the error message ("" if none). */
static const char *parse(const char *config)
{
	struct bh_config *c = NULL;

	memset(&err, 0, sizeof(err));
	if (bh_config_parse(config, strlen(config), "/bundle", &c, &err) == 0) {
		bh_config_free(c);
		return "";
	}
	return err.msg;
}

/* Loads CONFIG (NULL: none) from a fresh bundle, which holds a file FILE
 * of SIZE zero bytes when FILE is not NULL; returns the error message (""
 * if none). */
static const char *load_with_file(const char *config, const char *file, size_t size)
{
	char path[4200];
	struct bh_config *c = NULL;

	snprintf(bundle, sizeof(bundle), "%s", fixture_tmpfs());
	if (file) {
		snprintf(path, sizeof(path), "%s/%s", bundle, file);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
			TAP_FAIL("%s: %s", path, strerror(errno));
		close(fd);
	}
	snprintf(path, sizeof(path), "%s/rootfs", bundle);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	if (config)
		write_text_file(path, config);
	memset(&err, 0, sizeof(err));
	if (bh_config_load(bundle, &c, &err) == 0) {
		bh_config_free(c);
		return "";
	}
	return err.msg;
}

static const char *load(const char *config)
{
	return load_with_file(config, NULL, 0);
}

#define MINIMAL(process_extra, linux_extra)                                                  \
	"{\"root\": {\"path\": \"rootfs\"}, \"process\": {\"args\": [\"/bin/true\"]" process_extra \
	"}, \"linux\": {\"namespaces\": [{\"type\": \"mount\"}]" linux_extra "}}"

TEST(minimal_config_loads)
{
	ASSERT_STREQ("", parse(MINIMAL("", "")));
}

TEST(unknown_fields_are_ignored)
{
	ASSERT_STREQ("", parse(MINIMAL(", \"futureThing\": 1", ", \"intelRdt\": {}")));
}

TEST(unknown_capability_names_its_path)
{
	ASSERT_STREQ("config.json: process.capabilities.bounding[1]: unknown capability \"CAP_FOO\"",
		     parse(MINIMAL(", \"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_FOO\"]}", "")));
}

TEST(empty_args_are_refused)
{
	ASSERT_STREQ("config.json: process: args must name the command to run",
		     parse("{\"root\": {\"path\": \"rootfs\"}, \"process\": {\"args\": []}}"));
}

TEST(wrong_type_is_refused)
{
	ASSERT_STREQ("config.json: process.noNewPrivileges: must be true or false",
		     parse(MINIMAL(", \"noNewPrivileges\": \"yes\"", "")));
}

TEST(syntax_error_gives_line_and_column)
{
	const char *msg = parse("{\n  \"root\": {\"path\": \"rootfs\"},\n  \"process\": [\n}\n");
	ASSERT_TRUE(strstr(msg, "config.json:4:1: ") != NULL);
}

TEST(syntax_error_on_disk_names_the_file)
{
	const char *msg = load("{\n  \"root\": {\"path\": \"rootfs\"},\n  \"process\": [\n}\n");
	ASSERT_TRUE(strncmp(msg, bundle, strlen(bundle)) == 0);
	ASSERT_TRUE(strncmp(msg + strlen(bundle), "/config.json:4:1: ", 18) == 0);
}

TEST(missing_config_json_is_refused)
{
	const char *msg = load(NULL);
	ASSERT_EQ(-ENOENT, err.code);
	ASSERT_TRUE(strncmp(msg, bundle, strlen(bundle)) == 0);
	ASSERT_TRUE(strncmp(msg + strlen(bundle), "/config.json: ", 14) == 0);
	ASSERT_TRUE(strstr(msg, "No such file or directory") != NULL);
}

TEST(parsing_from_text_looks_at_no_file)
{
	/* Neither the rootfs nor the compiled filter exists: only a load asks. */
	ASSERT_STREQ("", parse("{\"annotations\": {\"run.bulkhead.seccomp.bpf\": \"seccomp.bpf\"}, \"root\": "
			       "{\"path\": \"nowhere\"}, \"process\": {\"args\": [\"/bin/true\"]}, \"linux\": "
			       "{\"namespaces\": [{\"type\": \"mount\"}], \"seccomp\": {\"defaultAction\": "
			       "\"SCMP_ACT_ALLOW\"}}}"));
}

TEST(a_wrong_value_carries_its_path_and_reason)
{
	parse(MINIMAL("", ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
			  "[{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_MAYBE\"}]}"));
	ASSERT_STREQ("linux.seccomp.syscalls[0].action", err.path);
	ASSERT_STREQ("unknown seccomp action \"SCMP_ACT_MAYBE\"", err.reason);
}

TEST(a_failure_at_no_path_carries_none)
{
	struct bh_config *c = NULL;

	/* Not even one left in ERR by an earlier failure. */
	parse(MINIMAL(", \"terminal\": 1", ""));
	ASSERT_STREQ("process.terminal", err.path);
	ASSERT_EQ(-EINVAL, bh_config_parse("[1, 2]", 6, "/bundle", &c, &err));
	ASSERT_STREQ("config.json: the top level must be an object", err.msg);
	ASSERT_STREQ("", err.path);
	ASSERT_STREQ("", err.reason);
}

TEST(missing_rootfs_carries_its_path)
{
	load("{\"root\": {\"path\": \"nowhere\"}, \"process\": {\"args\": [\"x\"]}}");
	ASSERT_STREQ("root.path", err.path);
	ASSERT_TRUE(strstr(err.reason, "/nowhere: No such file or directory") != NULL);
}

TEST(missing_rootfs_is_refused)
{
	const char *msg = load("{\"root\": {\"path\": \"nowhere\"}, \"process\": {\"args\": [\"x\"]}}");
	ASSERT_TRUE(strncmp(msg, "config.json: root.path: ", 24) == 0);
	ASSERT_TRUE(strstr(msg, "No such file or directory") != NULL);
}

TEST(relative_mount_destination_is_refused)
{
	ASSERT_STREQ("config.json: mounts[0].destination: \"proc\" must be an absolute path",
		     parse("{\"root\": {\"path\": \"rootfs\"}, \"process\": {\"args\": [\"x\"]},"
			   " \"mounts\": [{\"destination\": \"proc\", \"type\": \"proc\"}],"
			   " \"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}"));
}

TEST(mount_escape_with_dotdot_is_refused)
{
	ASSERT_STREQ("config.json: mounts[0].destination: \"/x/../../etc\" must not contain \"..\"",
		     parse("{\"root\": {\"path\": \"rootfs\"}, \"process\": {\"args\": [\"x\"]},"
			   " \"mounts\": [{\"destination\": \"/x/../../etc\", \"type\": \"tmpfs\"}],"
			   " \"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}"));
}

/* MINIMAL with MOUNTS (a JSON array body) as its mounts. */
#define WITH_MOUNTS(mounts)                                                                  \
	"{\"root\": {\"path\": \"rootfs\"}, \"process\": {\"args\": [\"x\"]}, \"mounts\": [" mounts "]," \
	" \"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}"

TEST(unknown_mount_option_is_refused_by_name)
{
	ASSERT_STREQ("config.json: mounts[1].options[2]: \"sise=1m\" is not a mount option the runtime knows",
		     parse(WITH_MOUNTS("{\"destination\": \"/a\", \"type\": \"tmpfs\"},"
				       " {\"destination\": \"/b\", \"type\": \"tmpfs\", \"options\": [\"rw\", \"size=1m\", \"sise=1m\"]}")));
}

TEST(known_mount_options_and_tmpcopyup_are_taken)
{
	ASSERT_STREQ("", parse(WITH_MOUNTS("{\"destination\": \"/run\", \"type\": \"tmpfs\", \"options\": [\"rw\","
					   " \"rprivate\", \"nosuid\", \"nodev\", \"noexec\", \"relatime\", \"tmpcopyup\","
					   " \"mode=755\", \"size=64m\", \"uid=0\", \"gid=0\", \"nr_inodes=100\"]},"
					   " {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"options\": [\"newinstance\","
					   " \"ptmxmode=0666\", \"mode=0620\", \"gid=5\"]}")));
}

TEST(tmpcopyup_needs_a_tmpfs)
{
	ASSERT_STREQ("config.json: mounts[0]: tmpcopyup is for a mount of type tmpfs",
		     parse(WITH_MOUNTS("{\"destination\": \"/p\", \"type\": \"proc\", \"options\": [\"tmpcopyup\"]}")));
}

TEST(device_file_mode_with_its_type_bits_is_taken)
{
	ASSERT_STREQ("", parse(MINIMAL("", ", \"devices\": [{\"path\": \"/dev/null\", \"type\": \"c\", \"major\": 1,"
				       " \"minor\": 3, \"fileMode\": 8630}, {\"path\": \"/dev/null\", \"type\": \"c\","
				       " \"major\": 1, \"minor\": 3}]")));
	ASSERT_STREQ("config.json: linux.devices[0].fileMode: 010666: its file type bits are not those of type \"b\" (060000)",
		     parse(MINIMAL("", ", \"devices\": [{\"path\": \"/dev/x\", \"type\": \"b\", \"major\": 7,"
				       " \"minor\": 0, \"fileMode\": 4534}]")));
}

TEST(unknown_namespace_is_refused)
{
	ASSERT_STREQ("config.json: linux.namespaces[1]: unknown namespace type \"time-travel\"",
		     parse("{\"root\": {\"path\": \"rootfs\"}, \"process\": {\"args\": [\"x\"]},"
			   " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"time-travel\"}]}}"));
}

TEST(unknown_landlock_right_is_refused)
{
	ASSERT_STREQ("config.json: process.landlock.ruleset.handledAccessFS[1]: unknown Landlock access right \"fly\"",
		     parse(MINIMAL(", \"landlock\": {\"ruleset\": {\"handledAccessFS\": [\"read_file\", \"fly\"]}}", "")));
}

TEST(landlock_rule_outside_handled_set_is_refused)
{
	ASSERT_STREQ("config.json: process.landlock.rules.pathBeneath[0].allowedAccess: allows a right that "
		     "ruleset.handledAccessFS does not handle",
		     parse(MINIMAL(", \"landlock\": {\"ruleset\": {\"handledAccessFS\": [\"read_file\"]},"
				   " \"rules\": {\"pathBeneath\": [{\"allowedAccess\": [\"write_file\"], \"paths\": [\"/\"]}]}}",
				   "")));
}

TEST(unknown_seccomp_action_is_refused)
{
	ASSERT_STREQ("config.json: linux.seccomp.syscalls[0].action: unknown seccomp action \"SCMP_ACT_MAYBE\"",
		     parse(MINIMAL("", ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
				       "[{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_MAYBE\"}]}")));
}

TEST(console_size_out_of_range_is_named)
{
	ASSERT_STREQ("config.json: process.consoleSize.width: must be at most 65535",
		     parse(MINIMAL(", \"terminal\": true, \"consoleSize\": {\"height\": 24, \"width\": 65536}", "")));
}

TEST(hostname_without_uts_namespace_is_refused)
{
	ASSERT_STREQ("config.json: hostname: setting it needs a uts namespace in linux.namespaces",
		     parse("{\"root\": {\"path\": \"rootfs\"}, \"process\": {\"args\": [\"x\"]}, \"hostname\": \"h\"}"));
}

TEST(seccomp_argument_filter_loads)
{
	ASSERT_STREQ("", parse(MINIMAL("", ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
				       "[{\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
				       "[{\"index\": 0, \"value\": 268435456, \"valueTwo\": 268435456, "
				       "\"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}")));
}

TEST(unknown_seccomp_operator_is_refused)
{
	ASSERT_STREQ("config.json: linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_ABOUT\"",
		     parse(MINIMAL("", ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
				       "[{\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
				       "[{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_ABOUT\"}]}]}")));
}

TEST(seccomp_argument_index_out_of_range_is_refused)
{
	ASSERT_STREQ("config.json: linux.seccomp.syscalls[0].args[0].index: must be from 0 to 5",
		     parse(MINIMAL("", ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
				       "[{\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
				       "[{\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}")));
}

TEST(a_mount_namespace_is_required)
{
	/* Without one, the pivot would re-root the caller's namespace. */
	ASSERT_STREQ("config.json: linux.namespaces: a mount namespace is required (add {\"type\": \"mount\"})",
		     parse("{\"root\": {\"path\": \"rootfs\"}, \"process\": {\"args\": [\"x\"]},"
			   " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}]}}"));
}

TEST(uid_minus_one_is_refused)
{
	/* setresuid(-1, ...) changes nothing: the process would stay root. */
	ASSERT_STREQ("config.json: process.user.uid: 4294967295 is not a user id",
		     parse(MINIMAL(", \"user\": {\"uid\": 4294967295, \"gid\": 0}", "")));
}

TEST(shared_rootfs_propagation_is_refused)
{
	ASSERT_STREQ("config.json: linux.rootfsPropagation: \"rshared\" would leak the container's mounts; use private or slave",
		     parse(MINIMAL("", ", \"rootfsPropagation\": \"rshared\"")));
}

TEST(host_wide_sysctl_is_refused)
{
	ASSERT_STREQ("config.json: linux.sysctl.kernel.panic: is not namespaced by this container's namespaces; "
		     "setting it would change the host",
		     parse(MINIMAL("", ", \"sysctl\": {\"kernel.panic\": \"0\"}")));
}

TEST(net_sysctl_without_network_namespace_is_refused)
{
	ASSERT_STREQ("config.json: linux.sysctl.net.ipv4.ip_forward: is not namespaced by this container's namespaces; "
		     "setting it would change the host",
		     parse(MINIMAL("", ", \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}")));
}

TEST(unknown_rlimit_is_refused)
{
	ASSERT_STREQ("config.json: process.rlimits[0].type: unknown resource limit \"RLIMIT_FUN\"",
		     parse(MINIMAL(", \"rlimits\": [{\"type\": \"RLIMIT_FUN\", \"soft\": 1, \"hard\": 1}]", "")));
}

TEST(rlimit_soft_above_hard_is_refused)
{
	ASSERT_STREQ("config.json: process.rlimits[0].soft: is above hard",
		     parse(MINIMAL(", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 9, \"hard\": 1}]", "")));
}

TEST(rlimit_of_the_spec_uint64_loads)
{
	ASSERT_STREQ("", parse(MINIMAL(", \"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": 18446744073709551615,"
				       " \"hard\": 18446744073709551615}]", "")));
}

TEST(rlimit_above_the_uint64_range_is_refused)
{
	const char *msg = parse(MINIMAL(", \"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": 1,"
					" \"hard\": 18446744073709551616}]", ""));
	ASSERT_TRUE(strstr(msg, "too big integer") != NULL);
}

TEST(a_syntax_error_after_a_uint64_keeps_its_column)
{
	char big[128], small[128];

	/* The same text but for a number that jansson reads as it is, one
	 * digit shorter and a space: the error must be at the same place. */
	snprintf(big, sizeof(big), "%s", parse("{\"a\": 18446744073709551615 x}"));
	snprintf(small, sizeof(small), "%s", parse("{\"a\": 1844674407370955161  x}"));
	ASSERT_STREQ(small, big);
	ASSERT_TRUE(strncmp(big, "config.json:1:", 14) == 0);
}

/* Plain JSON is parsed without jansson's decoder (runtime/json-plain.c);
 * what it leaves, jansson parses, and a mistake in it is jansson's to name. */
TEST(a_repeated_key_is_refused_where_it_is)
{
	ASSERT_STREQ("config.json:2:7: duplicate object key near '\"root\"'",
		     parse("{\"root\": {\"path\": \"rootfs\"},\n \"root\": {\"path\": \"x\"}, \"process\": "
			   "{\"args\": [\"/bin/true\"]}, \"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}"));
}

TEST(what_plain_json_leaves_to_jansson_loads)
{
	/* A \\u escape, a byte above ASCII, a fraction: each past plain JSON. */
	ASSERT_STREQ("", parse(MINIMAL(", \"env\": [\"A=caf\\u00e9\", \"B=caf\xc3\xa9\"], \"futureThing\": 0.5", "")));
	ASSERT_STREQ("config.json: process.user.uid: must be an integer from 0 to 4294967295",
		     parse(MINIMAL(", \"user\": {\"uid\": 1.5, \"gid\": 0}", "")));
}

TEST(a_mistake_past_plain_json_gives_line_and_column)
{
	const char *msg = parse("{\n  \"root\": {\"path\": \"r\\u00e9\"},\n  \"process\": [\n}\n");
	ASSERT_TRUE(strstr(msg, "config.json:4:1: ") != NULL);
}

TEST(a_missing_process_is_named)
{
	ASSERT_STREQ("config.json: process: is required (the process to run, with args at least)",
		     parse("{\"root\": {\"path\": \"rootfs\"}, \"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}"));
}

TEST(oom_score_adj_out_of_range_is_refused)
{
	ASSERT_STREQ("config.json: process.oomScoreAdj: must be an integer from -1000 to 1000",
		     parse(MINIMAL(", \"oomScoreAdj\": 1001", "")));
}

TEST(user_namespace_without_maps_is_refused)
{
	ASSERT_STREQ("config.json: linux: a user namespace needs uidMappings and gidMappings",
		     parse("{\"root\": {\"path\": \"rootfs\"}, \"process\": {\"args\": [\"x\"]},"
			   " \"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"user\"}]}}"));
}

TEST(joining_a_mount_namespace_is_refused)
{
	ASSERT_STREQ("config.json: linux.namespaces[0]: a container needs a mount namespace of its own; remove the path",
		     parse("{\"root\": {\"path\": \"rootfs\"}, \"process\": {\"args\": [\"x\"]},"
			   " \"linux\": {\"namespaces\": [{\"type\": \"mount\", \"path\": \"/proc/1/ns/mnt\"}]}}"));
}

TEST(a_namespace_given_twice_is_refused)
{
	ASSERT_STREQ("config.json: linux.namespaces[1]: namespace type \"mount\" is given twice",
		     parse("{\"root\": {\"path\": \"rootfs\"}, \"process\": {\"args\": [\"x\"]},"
			   " \"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"mount\"}]}}"));
}

TEST(limits_without_a_cgroup_path_are_refused)
{
	ASSERT_STREQ("config.json: linux.resources: limits need linux.cgroupsPath, the cgroup to put them on",
		     parse(MINIMAL("", ", \"resources\": {\"pids\": {\"limit\": 10}}")));
}

/* What GET reads of config C (NONE when it gives NULL), which it frees. */
static char config_value[256];
static const char *read_and_free(struct bh_config *c, const char *(*get)(const struct bh_config *), const char *none)
{
	snprintf(config_value, sizeof(config_value), "%s", get(c) ? get(c) : none);
	bh_config_free(c);
	return config_value;
}

/* What GET reads of CONFIG parsed from text, or the parse error. */
static const char *parsed(const char *config, const char *(*get)(const struct bh_config *), const char *none)
{
	struct bh_config *c = NULL;

	memset(&err, 0, sizeof(err));
	if (bh_config_parse(config, strlen(config), "/bundle", &c, &err) < 0)
		return err.msg;
	return read_and_free(c, get, none);
}

/* The directory a cgroupsPath loads as, or the parse error. */
static const char *cgroup_path_of(const char *config)
{
	return parsed(config, bh_config_cgroups_path, "");
}

/* The annotations a parse keeps for the state (compact JSON), or why not. */
static const char *annotations_of(const char *config)
{
	return parsed(config, bh_config_annotations, "(none)");
}

#define ANNOTATED(annotations)                                                                      \
	"{\"annotations\": " annotations ", \"root\": {\"path\": \"rootfs\"}, \"process\": {\"args\": " \
	"[\"/bin/true\"]}, \"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}"

TEST(annotations_are_kept_as_compact_json_from_the_one_parse)
{
	ASSERT_STREQ("{\"b\":\"2\",\"a\":\"1\"}", annotations_of(ANNOTATED("{\"b\": \"2\",\n \"a\": \"1\"}")));
	ASSERT_STREQ("{}", annotations_of(ANNOTATED("{}")));
	ASSERT_STREQ("(none)", annotations_of(MINIMAL("", "")));
	ASSERT_STREQ("config.json: annotations: must be an object", annotations_of(ANNOTATED("[\"a\"]")));
	ASSERT_STREQ("config.json: annotations.n: must be a string", annotations_of(ANNOTATED("{\"n\": 1}")));
}

TEST(strings_read_as_plain_json_or_by_jansson_are_the_same)
{
	/* Digits in a string are not the number rewritten for jansson; the
	 * escapes are undone (the compact dump writes them again, but for
	 * the slash, which needs none). */
	ASSERT_STREQ("{\"n\":\"12345678901234567890\",\"e\":\"a\\tb\\\"c/\"}",
		     annotations_of(ANNOTATED("{\"n\": \"12345678901234567890\", \"e\": \"a\\tb\\\"c\\/\"}")));
	/* The same, with a \\u escape that leaves the text to jansson. */
	ASSERT_STREQ("{\"n\":\"12345678901234567890\",\"e\":\"a\\tb\\\"c/\",\"u\":\"caf\xc3\xa9\"}",
		     annotations_of(ANNOTATED("{\"n\": \"12345678901234567890\", \"e\": \"a\\tb\\\"c\\/\", \"u\": \"caf\\u00e9\"}")));
}

/* What a load from disk of CONFIG, as bundle NAME below the test's tmpfs,
 * keeps of its annotations: bh_config_load_annotated when ANNOTATED,
 * bh_config_load (the init's) otherwise. */
static const char *annotations_loaded(const char *name, const char *config, bool annotated)
{
	static const char *tmp;
	char path[4200];
	struct bh_config *c = NULL;

	if (!tmp)
		tmp = fixture_tmpfs();
	snprintf(bundle, sizeof(bundle), "%s/%s", tmp, name);
	snprintf(path, sizeof(path), "%s/rootfs", bundle);
	if (mkdir(bundle, 0755) < 0 || mkdir(path, 0755) < 0)
		TAP_FAIL("%s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	write_text_file(path, config);
	memset(&err, 0, sizeof(err));
	if ((annotated ? bh_config_load_annotated : bh_config_load)(bundle, &c, &err) < 0)
		return err.msg;
	return read_and_free(c, bh_config_annotations, "(none)");
}

TEST(only_a_load_for_the_state_dumps_the_annotations)
{
	ASSERT_STREQ("{\"a\":\"1\"}", annotations_loaded("for-state", ANNOTATED("{\"a\": \"1\"}"), true));
	ASSERT_STREQ("(none)", annotations_loaded("for-init", ANNOTATED("{\"a\": \"1\"}"), false));
	/* the check is the same either way */
	ASSERT_TRUE(strstr(annotations_loaded("wrong", ANNOTATED("{\"a\": true}"), false),
			   "annotations.a: must be a string") != NULL);
}

TEST(systemd_cgroups_paths_are_where_systemd_puts_the_unit)
{
	ASSERT_STREQ("/machine.slice/libpod-abc123.scope",
		     cgroup_path_of(MINIMAL("", ", \"cgroupsPath\": \"machine.slice:libpod:abc123\"")));
	ASSERT_STREQ("/user.slice/user-1000.slice/podman-x.scope",
		     cgroup_path_of(MINIMAL("", ", \"cgroupsPath\": \"user-1000.slice:podman:x\"")));
	ASSERT_STREQ("/system.slice/docker-x.scope", cgroup_path_of(MINIMAL("", ", \"cgroupsPath\": \":docker:x\"")));
	ASSERT_STREQ("/x.scope", cgroup_path_of(MINIMAL("", ", \"cgroupsPath\": \"-.slice::x\"")));
	ASSERT_STREQ("/a/b", cgroup_path_of(MINIMAL("", ", \"cgroupsPath\": \"/a/b\"")));
	ASSERT_STREQ("/a/b:c", cgroup_path_of(MINIMAL("", ", \"cgroupsPath\": \"/a/b:c\"")));
	ASSERT_STREQ("config.json: linux.cgroupsPath: \"a.slice:p\": systemd's form is SLICE:PREFIX:NAME, with exactly two colons",
		     cgroup_path_of(MINIMAL("", ", \"cgroupsPath\": \"a.slice:p\"")));
	ASSERT_STREQ("config.json: linux.cgroupsPath: \"a-.slice:p:x\": the slice's name has an empty level (a dash at an end, or two dashes)",
		     cgroup_path_of(MINIMAL("", ", \"cgroupsPath\": \"a-.slice:p:x\"")));
}

TEST(device_rules_alone_need_no_cgroup)
{
	/* crun's and runc's spec output carries them: it must load. */
	ASSERT_STREQ("", parse(MINIMAL("", ", \"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]}")));
}

TEST(device_rule_access_letters_are_checked)
{
	ASSERT_STREQ("config.json: linux.resources.devices[1].access: \"rx\" may hold only r, w and m",
		     parse(MINIMAL("", ", \"resources\": {\"devices\": [{\"allow\": false}, {\"allow\": true, \"access\": \"rx\"}]}")));
}

TEST(device_rule_numbers_are_checked)
{
	ASSERT_STREQ("config.json: linux.resources.devices[0].major: must be a device number from 0 to 4294967295, or -1 or "
		     "null for any",
		     parse(MINIMAL("", ", \"resources\": {\"devices\": [{\"allow\": true, \"major\": -5}]}")));
}

TEST(device_rule_wildcards_load)
{
	ASSERT_STREQ("", parse(MINIMAL("", ", \"resources\": {\"devices\": [{\"allow\": true, \"type\": \"c\", "
					   "\"major\": 136, \"minor\": null}, {\"allow\": true, \"minor\": -1}]}")));
}

TEST(swap_below_memory_limit_is_refused)
{
	ASSERT_STREQ("config.json: linux.resources.memory.swap: (memory plus swap) must not be below limit",
		     parse(MINIMAL("", ", \"cgroupsPath\": \"/t\", \"resources\": {\"memory\": {\"limit\": 100, \"swap\": 50}}")));
}

TEST(unified_key_outside_the_cgroup_is_refused)
{
	ASSERT_STREQ("config.json: linux.resources.unified.../release_agent: is not a cgroup file name (controller.name)",
		     parse(MINIMAL("", ", \"cgroupsPath\": \"/t\", \"resources\": {\"unified\": {\"../release_agent\": \"x\"}}")));
}

TEST(blkio_weight_out_of_range_is_refused)
{
	ASSERT_STREQ("config.json: linux.resources.blockIO.weight: must be from 10 to 1000",
		     parse(MINIMAL("", ", \"cgroupsPath\": \"/t\", \"resources\": {\"blockIO\": {\"weight\": 5}}")));
}


#define COMPILED(name) "{\"annotations\": {\"run.bulkhead.seccomp.bpf\": \"" name "\"}, \"root\": {\"path\": \"rootfs\"}, " \
		       "\"process\": {\"args\": [\"/bin/true\"]}, \"linux\": {\"namespaces\": [{\"type\": \"mount\"}], "    \
		       "\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\"}}}"

TEST(compiled_filter_of_whole_instructions_loads)
{
	ASSERT_STREQ("", load_with_file(COMPILED("seccomp.bpf"), "seccomp.bpf", 8 * 3));
}

TEST(compiled_filter_outside_the_bundle_is_refused)
{
	ASSERT_STREQ("config.json: annotations.run.bulkhead.seccomp.bpf: must name a file in the bundle directory",
		     parse(COMPILED("../seccomp.bpf")));
}

TEST(missing_compiled_filter_is_refused_at_load)
{
	const char *msg = load(COMPILED("seccomp.bpf"));
	ASSERT_TRUE(strncmp(msg, "config.json: annotations.run.bulkhead.seccomp.bpf: /", 52) == 0);
	ASSERT_TRUE(strstr(msg, "/seccomp.bpf: No such file or directory") != NULL);
}

TEST(compiled_filter_of_a_partial_instruction_is_refused)
{
	const char *msg = load_with_file(COMPILED("seccomp.bpf"), "seccomp.bpf", 12);
	ASSERT_TRUE(strstr(msg, "seccomp.bpf: 12 bytes is not a classic BPF program (8-byte instructions, at most 4096)") !=
		    NULL);
}

TEST(compiled_filter_without_its_rules_is_refused)
{
	ASSERT_STREQ("config.json: annotations.run.bulkhead.seccomp.bpf: a compiled filter needs the linux.seccomp it was "
		     "compiled from",
		     parse("{\"annotations\": {\"run.bulkhead.seccomp.bpf\": \"f\"}, \"root\": {\"path\": "
			   "\"rootfs\"}, \"process\": {\"args\": [\"x\"]}, \"linux\": {\"namespaces\": "
			   "[{\"type\": \"mount\"}]}}"));
}

/* Rules no runtime could apply, whose strings hold brackets and escaped
 * quotes: with a compiled filter beside them, a load leaves them out. */
#define BAD_PROFILE "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"}]\\\"{[\"], " \
		    "\"action\": \"SCMP_ACT_BOGUS\"}]}"
#define BAD_RULE "config.json: linux.seccomp.syscalls[0].action: unknown seccomp action \"SCMP_ACT_BOGUS\""
#define WITH_PROFILE(annotations, profile, rest)                                                             \
	"{\"annotations\": {" annotations "}, \"root\": {\"path\": \"rootfs\"}, \"process\": {\"args\": "    \
	"[\"/bin/true\"]}, \"linux\": {\"namespaces\": [{\"type\": \"mount\"}], \"seccomp\": " profile rest "}}"
#define FILTER_NAMED "\"run.bulkhead.seccomp.bpf\": \"seccomp.bpf\""

TEST(compiled_filter_stands_in_for_its_profile_at_load)
{
	/* From the bundle, as the init and the CLI load it: the filter is what
	 * is applied, and the profile it was compiled from is not parsed. */
	ASSERT_STREQ("", load_with_file(WITH_PROFILE(FILTER_NAMED, BAD_PROFILE, ""), "seccomp.bpf", 8 * 3));
	/* Parsed from text, where no filter is read, it is checked. */
	ASSERT_STREQ(BAD_RULE,
		     parse(WITH_PROFILE(FILTER_NAMED, BAD_PROFILE, "")));
}

TEST(compiled_filter_keeps_the_rest_of_its_profile)
{
	/* Its flags, its default action: read, and checked, all the same. */
	ASSERT_STREQ("config.json: linux.seccomp.flags[0]: unknown seccomp flag (SECCOMP_FILTER_FLAG_TSYNC, _LOG or "
		     "_SPEC_ALLOW)",
		     load_with_file(WITH_PROFILE(FILTER_NAMED,
						 "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"flags\": "
						 "[\"SECCOMP_FILTER_FLAG_BOGUS\"], \"syscalls\": []}",
						 ""),
				    "seccomp.bpf", 8 * 3));
}

TEST(profile_is_parsed_when_the_filter_name_is_only_a_value)
{
	/* The annotation's name as another annotation's value: no filter. */
	ASSERT_STREQ(BAD_RULE,
		     load_with_file(WITH_PROFILE("\"x\": \"run.bulkhead.seccomp.bpf\"", BAD_PROFILE, ""), "seccomp.bpf",
				    8 * 3));
}

TEST(profile_is_parsed_when_the_filter_name_is_a_key_elsewhere)
{
	ASSERT_STREQ(BAD_RULE,
		     load_with_file(WITH_PROFILE("", BAD_PROFILE, ", \"sysctl\": {" FILTER_NAMED "}"), "seccomp.bpf",
				    8 * 3));
}

TEST(error_after_a_left_out_profile_keeps_its_line_and_column)
{
	/* The profile over three lines, then a missing value on the fifth. */
	const char *text = "{\"annotations\": {" FILTER_NAMED "}, \"root\": {\"path\": \"rootfs\"},\n"
			   "\"linux\": {\"seccomp\": {\"defaultAction\":\n\"SCMP_ACT_ALLOW\", \"syscalls\": [\n]},\n"
			   "  \"namespaces\": }}";
	const char *msg = load_with_file(text, "seccomp.bpf", 8 * 3);
	ASSERT_TRUE(strstr(msg, "/config.json:5:17: unexpected token near '}'") != NULL);
	/* Where the whole text, parsed, puts it. */
	ASSERT_STREQ("config.json:5:17: unexpected token near '}'", parse(text));
}

/* The snapshot create keeps for exec: the text and the filter as they were
 * read, which a later edit of the bundle does not reach. */
TEST(saved_config_is_what_was_read_and_loads_without_the_bundle_files)
{
	char path[4400], snapshot[4200], text[4096] = "";
	struct bh_config *c = NULL;
	struct stat st;
	FILE *f;

	ASSERT_STREQ("", load_with_file(COMPILED("seccomp.bpf"), "seccomp.bpf", 8 * 3));
	memset(&err, 0, sizeof(err));
	ASSERT_EQ(0, bh_config_load(bundle, &c, &err));
	snprintf(snapshot, sizeof(snapshot), "%s/snapshot", bundle);
	ASSERT_EQ(0, bh_config_save(c, snapshot, &err));
	ASSERT_EQ(-EEXIST, bh_config_save(c, snapshot, &err)); /* never over an earlier one */
	bh_config_free(c);
	ASSERT_TRUE(stat(snapshot, &st) == 0 && (st.st_mode & 07777) == 0700);
	snprintf(path, sizeof(path), "%s/config.json", snapshot);
	ASSERT_TRUE(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
	ASSERT_TRUE((f = fopen(path, "r")) != NULL);
	text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
	fclose(f);
	ASSERT_STREQ(COMPILED("seccomp.bpf"), text);
	snprintf(path, sizeof(path), "%s/seccomp.bpf", snapshot);
	ASSERT_TRUE(stat(path, &st) == 0 && st.st_size == 8 * 3 && (st.st_mode & 07777) == 0600);

	/* The bundle's files edited away: the snapshot alone still loads,
	 * its rootfs found in the bundle. */
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	write_text_file(path, "not json");
	snprintf(path, sizeof(path), "%s/seccomp.bpf", bundle);
	ASSERT_EQ(0, unlink(path));
	ASSERT_EQ(0, bh_config_load_from(snapshot, bundle, &c, &err));
	bh_config_free(c);
	ASSERT_TRUE(bh_config_load(bundle, &c, &err) < 0);
}

/* A config running PROGRAM, with a compiled filter named seccomp.bpf (its
 * rules cut out of the text for the parse) and a device list: all three
 * kept in the config's block. */
#define COMPILED_RUNS(program)                                                                                   \
	"{\"annotations\": {\"run.bulkhead.seccomp.bpf\": \"seccomp.bpf\"}, \"root\": {\"path\": \"rootfs\"}, "     \
	"\"process\": {\"args\": [\"" program "\"]}, \"linux\": {\"namespaces\": [{\"type\": \"mount\"}], "          \
	"\"cgroupsPath\": \"/t\", \"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]}, "           \
	"\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "               \
	"\"action\": \"SCMP_ACT_ERRNO\"}]}}}"

/* DIR/NAME (into OUT): a bundle of CONFIG, a rootfs, and a seccomp.bpf of
 * N instructions whose every byte is FILL. */
static void bundle_at(char *out, size_t size, const char *dir, const char *name, const char *config, int fill,
		      size_t n)
{
	char path[4400];
	unsigned char code[8 * 16];

	snprintf(out, size, "%s/%s", dir, name);
	mkdir(out, 0755);
	snprintf(path, sizeof(path), "%s/rootfs", out);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/config.json", out);
	write_text_file(path, config);
	memset(code, fill, sizeof(code));
	snprintf(path, sizeof(path), "%s/seccomp.bpf", out);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, code, 8 * n) != (ssize_t)(8 * n))
		TAP_FAIL("%s: %s", path, strerror(errno));
	close(fd);
}

/* C saved to DIR/snapshot holds TEXT and a filter of N instructions of FILL. */
static bool saved_as(const struct bh_config *c, const char *dir, const char *text, int fill, size_t n)
{
	char path[4400], snapshot[4300], read_back[4096] = "";
	unsigned char code[8 * 16 + 1];
	FILE *f;

	snprintf(snapshot, sizeof(snapshot), "%s/snapshot", dir);
	if (bh_config_save(c, snapshot, &err) < 0)
		return false;
	snprintf(path, sizeof(path), "%s/config.json", snapshot);
	if (!(f = fopen(path, "r")))
		return false;
	read_back[fread(read_back, 1, sizeof(read_back) - 1, f)] = '\0';
	fclose(f);
	snprintf(path, sizeof(path), "%s/seccomp.bpf", snapshot);
	if (!(f = fopen(path, "r")))
		return false;
	size_t got = fread(code, 1, sizeof(code), f);
	fclose(f);
	bool same_code = got == 8 * n;
	for (size_t i = 0; same_code && i < got; i++)
		same_code = code[i] == fill;
	return strcmp(read_back, text) == 0 && same_code;
}

/* PID 1 loads a config for each start and frees it after the clone; the
 * memory a freed config kept its text and filter in serves the next one
 * (config-arena.c). A config still held keeps its own, and the next one
 * holds only its own. */
TEST(configs_loaded_in_turn_keep_their_own_text_and_filter)
{
	const char *dir = fixture_tmpfs();
	char a[4200], b[4200], c[4200], d[4200];
	struct bh_config *first = NULL, *second = NULL, *third = NULL, *fourth = NULL;

	bundle_at(a, sizeof(a), dir, "a", COMPILED_RUNS("/bin/a"), 0x11, 3);
	bundle_at(b, sizeof(b), dir, "b", COMPILED_RUNS("/bin/bb"), 0x22, 7);
	bundle_at(c, sizeof(c), dir, "c", COMPILED_RUNS("/bin/ccc"), 0x33, 5);
	bundle_at(d, sizeof(d), dir, "d", COMPILED_RUNS("/bin/dddd"), 0x44, 2);
	memset(&err, 0, sizeof(err));
	ASSERT_EQ(0, bh_config_load(a, &first, &err));
	ASSERT_EQ(0, bh_config_load(b, &second, &err));
	bh_config_free(first);
	ASSERT_EQ(0, bh_config_load(c, &third, &err));
	ASSERT_EQ(0, bh_config_load(d, &fourth, &err)); /* while the third is held */
	ASSERT_TRUE(saved_as(second, b, COMPILED_RUNS("/bin/bb"), 0x22, 7));
	ASSERT_TRUE(saved_as(third, c, COMPILED_RUNS("/bin/ccc"), 0x33, 5));
	ASSERT_TRUE(saved_as(fourth, d, COMPILED_RUNS("/bin/dddd"), 0x44, 2));
	bh_config_free(second);
	bh_config_free(third);
	bh_config_free(fourth);
}

TEST(config_parsed_from_text_has_nothing_to_save)
{
	struct bh_config *c = NULL;

	memset(&err, 0, sizeof(err));
	ASSERT_EQ(0, bh_config_parse(MINIMAL("", ""), strlen(MINIMAL("", "")), "/bundle", &c, &err));
	ASSERT_EQ(-EINVAL, bh_config_save(c, "/nonexistent/snapshot", &err));
	bh_config_free(c);
}

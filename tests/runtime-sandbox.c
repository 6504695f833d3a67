/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Real containers on the host, looked at from inside with bulkhead-probe:
 * every forbidden thing fails with the right errno, its allowed neighbour
 * still works, and a failed start leaves no process behind.
 *
 * Each container runs the config bulkhead build writes, built the way the
 * builder builds it (image/bundle.c, bundle_config_json): runtime/spec.c's
 * bh_spec_default(), the command, the declared capabilities in every set
 * and a cgroup of its own; then only the change the test names, made
 * through jansson. What is tested is the default, not a copy of it. */
#include "../runtime/runtime.h"
#include "../runtime/spec.h"
#include "fixture.h"

#define PROBE "\"/bin/bulkhead-probe\""

struct result {
	int start;      /* bh_container_start's return */
	int status;     /* exit status, or 128+signal */
	char out[4096]; /* stdout+stderr */
	struct bh_err err;
};

static void require_root(void)
{
	if (geteuid() != 0)
		SKIP("needs root to create pid, net and mount namespaces");
}

/* The container's cgroup, removed after the run. */
static char test_cgroup[64];

/* A JSON array from BODY, the text between its brackets. */
static json_t *json_list(const char *body)
{
	char text[4096];
	json_error_t jerr;

	snprintf(text, sizeof(text), "[%s]", body);
	json_t *list = json_loads(text, 0, &jerr);
	if (!list)
		TAP_FAIL("[%s]: %s", body, jerr.text);
	return list;
}

/* What bulkhead build writes for a container whose command is ARGS and
 * whose capabilities: are CAPS (both JSON array bodies): the default, with
 * the capability sets replaced as the builder replaces them (it grants
 * only what the manifest lists, in all five sets), and a cgroup of its own
 * (the builder's /bulkhead/NAME), which the default's device rules need. */
static json_t *default_config(const char *args, const char *caps)
{
	static const char *const sets[] = { "bounding", "effective", "permitted", "inheritable", "ambient" };
	json_t *config = bh_spec_default();

	if (!config)
		TAP_FAIL("bh_spec_default: out of memory");
	json_t *process = json_object_get(config, "process");
	json_object_set_new(process, "args", json_list(args));
	for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
		json_object_set_new(json_object_get(process, "capabilities"), sets[i], json_list(caps));
	snprintf(test_cgroup, sizeof(test_cgroup), "bulkhead-tests/sandbox-%d", (int)getpid());
	json_object_set_new(json_object_get(config, "linux"), "cgroupsPath", json_string(test_cgroup));
	return config;
}

/* CONFIG's member at the dotted PATH ("linux.namespaces"), which must exist. */
static json_t *config_at(json_t *config, const char *path)
{
	char key[64];
	json_t *at = config;

	for (const char *p = path; at && *p;) {
		size_t n = strcspn(p, ".");
		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		at = json_object_get(at, key);
		p += n + (p[n] == '.');
	}
	if (!at)
		TAP_FAIL("the default config has no %s", path);
	return at;
}

/* The entry of CONFIG's array at PATH whose member KEY is VALUE. */
static size_t config_find(json_t *config, const char *path, const char *key, const char *value)
{
	json_t *array = config_at(config, path), *item;
	size_t i;

	json_array_foreach(array, i, item) {
		const char *s = json_string_value(json_object_get(item, key));
		if (s && strcmp(s, value) == 0)
			return i;
	}
	TAP_FAIL("the default config's %s has no %s %s", path, key, value);
}

/* BUNDLE with CONFIG (taken) as its config.json and the probe in its rootfs. */
static void write_bundle(const char *bundle, json_t *config)
{
	char *text = json_dumps(config, JSON_INDENT(2));

	json_decref(config);
	if (!text)
		TAP_FAIL("json_dumps: out of memory");
	make_bundle(bundle, "%s", text);
	free(text);
}

/* Starts the bundle's container with stdout captured and waits for it. */
static void run_bundle(const char *bundle, struct result *r)
{
	struct bh_config *config;
	int fds[2], wstatus;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (bh_config_load(bundle, &config, &r->err) < 0)
		TAP_FAIL("config: %s", r->err.msg);
	if (pipe2(fds, O_CLOEXEC) < 0)
		TAP_FAIL("pipe: %s", strerror(errno));
	struct bh_io io = { .stdin_fd = -1, .stdout_fd = fds[1], .stderr_fd = fds[1], .console_socket = -1 };
	r->start = bh_container_start(config, &io, &pid, &r->err);
	close(fds[1]);
	while ((n = read(fds[0], r->out + len, sizeof(r->out) - 1 - len)) > 0)
		len += (size_t)n;
	r->out[len] = '\0';
	close(fds[0]);
	if (r->start == 0) {
		waitpid(pid, &wstatus, 0);
		r->status = WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : WEXITSTATUS(wstatus);
	}
	bh_config_free(config);
	if (test_cgroup[0])
		bh_cgroup_destroy(test_cgroup, NULL);
}

/* Runs the bundle, whose command is the probe, which prints one word. */
static void run_probe_bundle(const char *bundle, struct result *r)
{
	run_bundle(bundle, r);
	if (r->start < 0)
		TAP_FAIL("start: %s", r->err.msg);
	/* Drop the newline for comparison. */
	r->out[strcspn(r->out, "\n")] = '\0';
}

/* Runs CONFIG (taken), whose command is the probe, in a fresh bundle. */
static void probe_config(json_t *config, struct result *r)
{
	char bundle[4096];

	snprintf(bundle, sizeof(bundle), "%s/bundle", fixture_tmpfs());
	write_bundle(bundle, config);
	run_probe_bundle(bundle, r);
}

/* Runs bulkhead-probe ARGS (a JSON array body) in the default config with
 * the capabilities CAPS (a JSON array body). */
static void probe(const char *args, const char *caps, struct result *r)
{
	probe_config(default_config(args, caps), r);
}

TEST(no_capabilities_by_default)
{
	struct result r;

	require_root();
	probe(PROBE ", \"status\", \"CapEff\"", "", &r);
	ASSERT_STREQ("0000000000000000", r.out);
}

TEST(declared_capability_is_kept_and_only_it)
{
	struct result r;

	require_root();
	probe(PROBE ", \"status\", \"CapEff\"", "\"CAP_NET_BIND_SERVICE\"", &r);
	ASSERT_STREQ("0000000000000400", r.out);
}

TEST(bounding_set_holds_only_declared)
{
	struct result r;

	require_root();
	probe(PROBE ", \"status\", \"CapBnd\"", "\"CAP_NET_BIND_SERVICE\"", &r);
	ASSERT_STREQ("0000000000000400", r.out);
}

TEST(no_new_privs_is_set)
{
	struct result r;

	require_root();
	probe(PROBE ", \"status\", \"NoNewPrivs\"", "", &r);
	ASSERT_STREQ("1", r.out);
}

TEST(seccomp_filter_is_loaded)
{
	struct result r;

	require_root();
	probe(PROBE ", \"status\", \"Seccomp\"", "", &r);
	ASSERT_STREQ("2", r.out);
}

/* The program named by the annotation is what loads, not the rules beside
 * it: compiled from rules that answer mount with EACCES, loaded beside
 * rules that answer EPERM. The default refuses mount through its default
 * action (mount is not on its allow-list), so that is what answers. */
TEST(compiled_filter_is_loaded_instead_of_the_rules)
{
	char bundle[4096], path[4200];
	struct bh_config *c;
	struct bh_err err;
	struct result r;

	require_root();
	snprintf(bundle, sizeof(bundle), "%s/bundle", fixture_tmpfs());
	json_t *config = default_config(PROBE ", \"syscall\", \"mount\"", "\"CAP_SYS_ADMIN\"");
	json_t *compiled_from = json_deep_copy(config);
	ASSERT_EQ(EPERM, json_integer_value(config_at(config, "linux.seccomp.defaultErrnoRet")));
	json_object_set_new(config_at(compiled_from, "linux.seccomp"), "defaultErrnoRet", json_integer(EACCES));
	write_bundle(bundle, compiled_from);
	if (bh_config_load(bundle, &c, &err) < 0)
		TAP_FAIL("config: %s", err.msg);
	snprintf(path, sizeof(path), "%s/compiled.bpf", bundle);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ASSERT_TRUE(fd >= 0);
	ASSERT_TRUE(bh_seccomp_export(c, fd, &err) > 0);
	close(fd);
	bh_config_free(c);

	json_object_set_new(config, "annotations", json_pack("{s:s}", "run.bulkhead.seccomp.bpf", "compiled.bpf"));
	write_bundle(bundle, config);
	run_probe_bundle(bundle, &r);
	ASSERT_STREQ("EACCES", r.out);
}

TEST(mount_is_refused_with_eperm)
{
	struct result r;

	require_root();
	probe(PROBE ", \"syscall\", \"mount\"", "\"CAP_SYS_ADMIN\"", &r);
	/* Even with CAP_SYS_ADMIN granted, the filter refuses: */
	ASSERT_STREQ("EPERM", r.out);
	ASSERT_EQ(1, r.status);
}

TEST(user_namespace_is_refused_by_the_filter)
{
	struct result r;

	require_root();
	probe(PROBE ", \"syscall\", \"unshare-user\"", "", &r);
	ASSERT_STREQ("EPERM", r.out);
}

TEST(clone_with_a_namespace_flag_is_refused_by_an_argument_filter)
{
	struct result r;

	require_root();
	probe(PROBE ", \"syscall\", \"clone-newuser\"", "", &r);
	ASSERT_STREQ("EPERM", r.out);
}

TEST(plain_fork_still_works_under_the_clone_filter)
{
	struct result r;

	require_root();
	probe(PROBE ", \"syscall\", \"fork\"", "", &r);
	ASSERT_STREQ("ok", r.out);
}

TEST(clone3_answers_enosys)
{
	struct result r;

	require_root();
	probe(PROBE ", \"syscall\", \"clone3\"", "", &r);
	ASSERT_STREQ("ENOSYS", r.out);
}

TEST(landlock_allows_writes_beneath_tmp)
{
	struct result r;

	require_root();
	probe(PROBE ", \"write\", \"/tmp/allowed\"", "", &r);
	ASSERT_STREQ("ok", r.out);
	ASSERT_EQ(0, r.status);
}

TEST(landlock_refuses_writes_on_another_writable_mount)
{
	struct result r;

	require_root();
	probe(PROBE ", \"write\", \"/dev/shm/refused\"", "", &r);
	ASSERT_STREQ("EACCES", r.out);
}

TEST(device_nodes_stay_writable)
{
	struct result r;

	require_root();
	probe(PROBE ", \"write\", \"/dev/null\"", "", &r);
	ASSERT_STREQ("ok", r.out);
}

TEST(root_is_read_only)
{
	struct result r;

	require_root();
	probe(PROBE ", \"write\", \"/refused\"", "", &r);
	ASSERT_TRUE(strcmp(r.out, "EROFS") == 0 || strcmp(r.out, "EACCES") == 0);
}

/* The whole selftest under the default exactly as `bulkhead-runtime spec`
 * writes it, spec's three capabilities included (the builder's container
 * above grants none unless declared). */
TEST(full_selftest_passes_inside_the_default_spec)
{
	struct result r;
	char bundle[4096];

	require_root();
	snprintf(bundle, sizeof(bundle), "%s/bundle", fixture_tmpfs());
	json_t *spec = bh_spec_default();
	json_object_set_new(json_object_get(spec, "process"), "args",
			    json_pack("[s, s, s, s, s, s]", "/bin/bulkhead-probe", "selftest", "--hostname", "bulkhead",
				      /* CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE: spec's three */
				      "--cap-eff", "0000000020000420"));
	/* Its device list needs a cgroup of the container's own, as the CLI
	 * gives; run_bundle removes it. */
	snprintf(test_cgroup, sizeof(test_cgroup), "bulkhead-tests/default-spec-%d", (int)getpid());
	json_object_set_new(json_object_get(spec, "linux"), "cgroupsPath", json_string(test_cgroup));
	write_bundle(bundle, spec);
	run_bundle(bundle, &r);
	ASSERT_EQ(0, r.start);
	if (r.status != 0)
		TAP_FAIL("selftest failed %d checks:\n%s", r.status, r.out);
	/* Every check it planned (counted by the probe from its own list)
	 * reported ok: none was skipped by a crash. */
	int planned = 0, passed = 0;
	ASSERT_EQ(1, sscanf(r.out, "1..%d", &planned));
	for (const char *line = r.out; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		passed += strncmp(line, "ok ", 3) == 0;
	ASSERT_TRUE(planned > 0);
	ASSERT_EQ(planned, passed);
}

TEST(missing_command_fails_start_and_leaves_no_process)
{
	struct result r;
	char bundle[4096];

	require_root();
	snprintf(bundle, sizeof(bundle), "%s/bundle", fixture_tmpfs());
	write_bundle(bundle, default_config("\"/bin/does-not-exist\"", ""));
	run_bundle(bundle, &r);
	ASSERT_EQ(-ENOENT, r.start);
	ASSERT_TRUE(strstr(r.err.msg, "/bin/does-not-exist") != NULL);
	/* The child was reaped by the runtime: we have none left. */
	ASSERT_EQ(-1, waitpid(-1, NULL, WNOHANG));
	ASSERT_EQ(ECHILD, errno);
}

TEST(bad_bind_source_fails_start_with_its_path)
{
	struct result r;
	char bundle[4096];

	require_root();
	snprintf(bundle, sizeof(bundle), "%s/bundle", fixture_tmpfs());
	json_t *config = default_config(PROBE, "");
	/* Add a bind mount whose source does not exist. */
	json_array_insert_new(config_at(config, "mounts"), 0,
			      json_pack("{s:s, s:s, s:[s]}", "destination", "/data", "source", "/nonexistent-src",
					"options", "bind"));
	write_bundle(bundle, config);
	run_bundle(bundle, &r);
	ASSERT_EQ(-ENOENT, r.start);
	ASSERT_TRUE(strstr(r.err.msg, "/nonexistent-src") != NULL);
	ASSERT_EQ(-1, waitpid(-1, NULL, WNOHANG));
}

TEST(descriptors_of_the_caller_do_not_reach_the_container)
{
	struct result r;

	require_root();
	/* A directory fd left open by the caller would lead past the pivot. */
	int fd = open("/", O_RDONLY | O_DIRECTORY);
	ASSERT_TRUE(fd >= 3);
	char args[128];
	snprintf(args, sizeof(args), PROBE ", \"fd\", \"%d\"", fd);
	probe(args, "", &r);
	ASSERT_STREQ("EBADF", r.out);
}

TEST(stdio_still_reaches_the_container)
{
	struct result r;

	require_root();
	probe(PROBE ", \"fd\", \"2\"", "", &r);
	ASSERT_STREQ("ok", r.out);
}

TEST(a_device_symlink_in_the_rootfs_is_refused)
{
	struct result r;
	char bundle[4096], path[4200];

	require_root();
	snprintf(bundle, sizeof(bundle), "%s/bundle", fixture_tmpfs());
	json_t *config = default_config(PROBE, "");
	/* The default's /dev tmpfs would hide it; a config without one must
	 * not bind the host's /dev/null onto what the link names. */
	json_array_remove(config_at(config, "mounts"), config_find(config, "mounts", "destination", "/dev"));
	write_bundle(bundle, config);
	snprintf(path, sizeof(path), "%s/rootfs/dev", bundle);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/rootfs/dev/null", bundle);
	ASSERT_EQ(0, symlink("/etc/hostname", path));
	run_bundle(bundle, &r);
	ASSERT_EQ(-EEXIST, r.start);
	ASSERT_TRUE(strstr(r.err.msg, "device /dev/null") != NULL);
}

TEST(read_only_rbind_is_read_only_all_the_way_down)
{
	struct result r;
	char bundle[4096], data[4096], sub[4200];

	require_root();
	const char *dir = fixture_tmpfs();
	snprintf(bundle, sizeof(bundle), "%s/bundle", dir);
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(sub, sizeof(sub), "%s/data/sub", dir);
	mkdir(data, 0755);
	mkdir(sub, 0755);
	ASSERT_EQ(0, mount("tmpfs", sub, "tmpfs", 0, NULL));
	json_t *config = default_config(PROBE ", \"write\", \"/tmp/data/sub/x\"", "");
	/* After /tmp (a tmpfs), bind the tree below it read-only. */
	json_t *mounts = config_at(config, "mounts");
	json_array_insert_new(mounts, config_find(config, "mounts", "destination", "/tmp") + 1,
			      json_pack("{s:s, s:s, s:[s, s]}", "destination", "/tmp/data", "source", data, "options",
					"rbind", "ro"));
	write_bundle(bundle, config);
	run_bundle(bundle, &r);
	ASSERT_EQ(0, r.start);
	r.out[strcspn(r.out, "\n")] = '\0';
	ASSERT_STREQ("EROFS", r.out);
}

TEST(rlimits_are_applied)
{
	struct result r;

	require_root();
	json_t *config = default_config(PROBE ", \"rlimit\", \"NOFILE\"", "");
	json_object_set_new(config_at(config, "process"), "rlimits",
			    json_pack("[{s:s, s:i, s:i}]", "type", "RLIMIT_NOFILE", "soft", 64, "hard", 128));
	probe_config(config, &r);
	ASSERT_STREQ("64 128", r.out);
}

TEST(umask_is_applied)
{
	struct result r;

	require_root();
	json_t *config = default_config(PROBE ", \"umask\"", "");
	json_object_set_new(config_at(config, "process.user"), "umask", json_integer(077)); /* 63 */
	probe_config(config, &r);
	ASSERT_STREQ("0077", r.out);
}

TEST(oom_score_adj_is_applied)
{
	struct result r;

	require_root();
	json_t *config = default_config(PROBE ", \"cat\", \"/proc/self/oom_score_adj\"", "");
	json_object_set_new(config_at(config, "process"), "oomScoreAdj", json_integer(500));
	probe_config(config, &r);
	ASSERT_STREQ("500", r.out);
}

TEST(domainname_is_set_in_the_uts_namespace)
{
	struct result r;

	require_root();
	json_t *config = default_config(PROBE ", \"domainname\"", "");
	json_object_set_new(config, "domainname", json_string("example.test"));
	probe_config(config, &r);
	ASSERT_STREQ("example.test", r.out);
}

TEST(namespaced_sysctl_is_applied_inside_only)
{
	struct result r;
	char host[16] = "";

	require_root();
	FILE *f = fopen("/proc/sys/net/ipv4/ip_forward", "r");
	ASSERT_TRUE(f && fgets(host, sizeof(host), f));
	fclose(f);
	json_t *config = default_config(PROBE ", \"cat\", \"/proc/sys/net/ipv4/ip_forward\"", "");
	json_object_set_new(config_at(config, "linux"), "sysctl", json_pack("{s:s}", "net.ipv4.ip_forward", "1"));
	probe_config(config, &r);
	ASSERT_STREQ("1", r.out);
	/* The host's value is untouched: the container had its own netns. */
	char after[16] = "";
	f = fopen("/proc/sys/net/ipv4/ip_forward", "r");
	ASSERT_TRUE(f && fgets(after, sizeof(after), f));
	fclose(f);
	ASSERT_STREQ(host, after);
}

/* The default with a user namespace mapping 0-65535 to 100000-165535. */
static void userns_bundle(const char *args, char *bundle, size_t size)
{
	snprintf(bundle, size, "%s/bundle", fixture_tmpfs());
	json_t *config = default_config(args, "");
	json_t *map = json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", 100000, "size", 65536);
	json_array_append_new(config_at(config, "linux.namespaces"), json_pack("{s:s}", "type", "user"));
	json_object_set(config_at(config, "linux"), "uidMappings", map);
	json_object_set_new(config_at(config, "linux"), "gidMappings", map);
	write_bundle(bundle, config);
}

TEST(user_namespace_maps_root_to_an_unprivileged_host_id)
{
	struct result r;
	char bundle[4096];

	require_root();
	userns_bundle(PROBE ", \"cat\", \"/proc/self/uid_map\"", bundle, sizeof(bundle));
	run_bundle(bundle, &r);
	if (r.start < 0)
		TAP_FAIL("start: %s", r.err.msg);
	/* "         0     100000      65536" */
	unsigned inside, outside, count;
	ASSERT_EQ(3, sscanf(r.out, "%u %u %u", &inside, &outside, &count));
	ASSERT_EQ(0, inside);
	ASSERT_EQ(100000, outside);
	ASSERT_EQ(65536, count);
}

TEST(user_namespace_sees_host_root_files_as_unmapped)
{
	struct result r;
	char bundle[4096];

	require_root();
	userns_bundle(PROBE ", \"owner\", \"/bin/bulkhead-probe\"", bundle, sizeof(bundle));
	run_bundle(bundle, &r);
	if (r.start < 0)
		TAP_FAIL("start: %s", r.err.msg);
	/* Host uid 0 is outside the map: the overflow id. */
	ASSERT_STREQ("65534:65534\n", r.out);
}

TEST(a_network_namespace_is_joined_by_path)
{
	struct result r;
	char bundle[4096], join[256], mine[64] = "";

	require_root();
	snprintf(bundle, sizeof(bundle), "%s/bundle", fixture_tmpfs());
	/* The test's own, fresh network namespace is the one to join. */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_TRUE(readlink("/proc/self/ns/net", mine, sizeof(mine) - 1) > 0);
	json_t *config = default_config(PROBE ", \"ns\", \"net\"", "");
	snprintf(join, sizeof(join), "/proc/%d/ns/net", (int)getpid());
	json_object_set_new(json_array_get(config_at(config, "linux.namespaces"),
					   config_find(config, "linux.namespaces", "type", "network")),
			    "path", json_string(join));
	write_bundle(bundle, config);
	run_bundle(bundle, &r);
	if (r.start < 0)
		TAP_FAIL("start: %s", r.err.msg);
	r.out[strcspn(r.out, "\n")] = '\0';
	ASSERT_STREQ(mine, r.out);
}

TEST(a_pid_namespace_is_joined_by_path)
{
	struct result r;
	char bundle[4096], theirs[64] = "", path[64];
	int ready[2];

	require_root();
	snprintf(bundle, sizeof(bundle), "%s/bundle", fixture_tmpfs());
	/* A holder: PID 1 of a fresh pid namespace, sleeping until killed. */
	ASSERT_EQ(0, pipe(ready));
	int own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	ASSERT_TRUE(own >= 0);
	ASSERT_EQ(0, unshare(CLONE_NEWPID));
	pid_t holder = fork();
	if (holder == 0) {
		close(ready[0]);
		close(ready[1]);
		pause();
		_exit(0);
	}
	close(ready[1]);
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)holder);
	ASSERT_TRUE(readlink(path, theirs, sizeof(theirs) - 1) > 0);
	json_t *config = default_config(PROBE ", \"ns\", \"pid\"", "");
	json_object_set_new(json_array_get(config_at(config, "linux.namespaces"),
					   config_find(config, "linux.namespaces", "type", "pid")),
			    "path", json_string(path));
	write_bundle(bundle, config);
	/* The test itself must not stay in the holder's namespace for its
	 * next children: the runtime enters it for its one clone only. */
	char before[64] = "", after[64] = "";
	ASSERT_TRUE(readlink("/proc/self/ns/pid_for_children", before, sizeof(before) - 1) > 0);
	run_bundle(bundle, &r);
	ASSERT_TRUE(readlink("/proc/self/ns/pid_for_children", after, sizeof(after) - 1) > 0);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	/* Our later children (a sanitizer's helper at exit) need a live pid
	 * namespace: go back to our own. */
	ASSERT_EQ(0, setns(own, CLONE_NEWPID));
	if (r.start < 0)
		TAP_FAIL("start: %s", r.err.msg);
	r.out[strcspn(r.out, "\n")] = '\0';
	ASSERT_STREQ(theirs, r.out);
	ASSERT_STREQ(before, after);
}

TEST(a_configured_device_node_is_created)
{
	struct result r;

	require_root();
	json_t *config = default_config(PROBE ", \"node\", \"/dev/zero2\"", "");
	json_object_set_new(config_at(config, "linux"), "devices",
			    json_pack("[{s:s, s:s, s:i, s:i, s:i}]", "path", "/dev/zero2", "type", "c", "major", 1,
				      "minor", 5, "fileMode", 0660));
	probe_config(config, &r);
	ASSERT_STREQ("c 1:5 0660", r.out);
}

TEST(a_user_namespace_is_joined_by_path)
{
	struct result r;
	char bundle[4096], path[64], map[64];
	int ready[2], go[2];

	require_root();
	snprintf(bundle, sizeof(bundle), "%s/bundle", fixture_tmpfs());
	/* A holder with a user namespace mapping 0-65535 to 100000-. */
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	pid_t holder = fork();
	if (holder == 0) {
		char byte = 0;
		if (unshare(CLONE_NEWUSER) < 0)
			_exit(1);
		(void)!write(ready[1], "r", 1);
		(void)!read(go[0], &byte, 1);
		_exit(0);
	}
	char byte;
	ASSERT_EQ(1, read(ready[0], &byte, 1));
	snprintf(map, sizeof(map), "/proc/%d/uid_map", (int)holder);
	write_text_file(map, "0 100000 65536\n");
	snprintf(map, sizeof(map), "/proc/%d/gid_map", (int)holder);
	write_text_file(map, "0 100000 65536\n");
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)holder);

	json_t *config = default_config(PROBE ", \"cat\", \"/proc/self/uid_map\"", "");
	json_array_insert_new(config_at(config, "linux.namespaces"), 0,
			      json_pack("{s:s, s:s}", "type", "user", "path", path));
	write_bundle(bundle, config);
	run_bundle(bundle, &r);
	(void)!write(go[1], "g", 1);
	waitpid(holder, NULL, 0);
	if (r.start < 0)
		TAP_FAIL("start: %s", r.err.msg);
	unsigned inside, outside, count;
	ASSERT_EQ(3, sscanf(r.out, "%u %u %u", &inside, &outside, &count));
	ASSERT_EQ(0, inside);
	ASSERT_EQ(100000, outside);
	/* The container is still our child: run_bundle reaped it. */
	ASSERT_EQ(0, r.status);
}

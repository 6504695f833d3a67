/* SPDX-License-Identifier: GPL-2.0-or-later */
/* exec: another process in a running container, as podman (through
 * conmon) and its health checks ask: --process FILE gives the whole OCI
 * process object; without it, the container's own config.json process
 * with COMMAND and the options' changes. The container's config is the
 * snapshot create kept (ROOT/ID/config), never the bundle's as it is now:
 * an edit after create must not widen what exec runs with. The library
 * joins the container and applies the process's sandbox (runtime/exec.c). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

struct exec_options {
	const char *process_file;
	const char *cwd;
	const char *user;
	const char *pid_file;
	const char *console_socket;
	const char *apparmor; /* --apparmor: process.apparmorProfile */
	const char **env, **caps;
	size_t n_env, n_caps;
	bool tty, no_new_privs, detach;
	char **command; /* NULL-terminated, or NULL */
};

static void exec_options_free(struct exec_options *o)
{
	free(o->env);
	free(o->caps);
}

static int append(const char ***list, size_t *n, const char *value)
{
	const char **grown = realloc(*list, (*n + 1) * sizeof(**list));
	if (!grown)
		return -ENOMEM;
	grown[(*n)++] = value;
	*list = grown;
	return 0;
}

/* Returns the container ID, or NULL after saying what was wrong. */
static const char *parse_exec_options(int argc, char **argv, struct exec_options *o)
{
	static const struct option longopts[] = {
		{ "process", required_argument, NULL, 'p' },  { "cwd", required_argument, NULL, 'w' },
		{ "env", required_argument, NULL, 'e' },      { "user", required_argument, NULL, 'u' },
		{ "cap", required_argument, NULL, 'c' },      { "tty", no_argument, NULL, 't' },
		{ "no-new-privs", no_argument, NULL, 'n' },   { "pid-file", required_argument, NULL, 'P' },
		{ "detach", no_argument, NULL, 'd' },         { "console-socket", required_argument, NULL, 'S' },
		{ "process-label", required_argument, NULL, 'L' }, { "apparmor", required_argument, NULL, 'A' },
		{ "preserve-fds", required_argument, NULL, 'F' }, { NULL, 0, NULL, 0 },
	};
	int opt;

	/* "+": the command's own options (sh -c) are not ours. */
	while ((opt = getopt_long(argc, argv, "+p:w:e:u:c:tdP:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p': o->process_file = optarg; break;
		case 'w': o->cwd = optarg; break;
		case 'e':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return cli_error("exec: --env takes NAME=VALUE, not \"%s\"", optarg), NULL;
			if (append(&o->env, &o->n_env, optarg) < 0)
				return cli_error("out of memory"), NULL;
			break;
		case 'u': o->user = optarg; break;
		case 'c':
			if (append(&o->caps, &o->n_caps, optarg) < 0)
				return cli_error("out of memory"), NULL;
			break;
		case 't': o->tty = true; break;
		case 'n': o->no_new_privs = true; break;
		case 'P': o->pid_file = optarg; break;
		case 'd': o->detach = true; break;
		case 'S': o->console_socket = optarg; break;
		case 'A': o->apparmor = optarg; break;
		/* As at create, where process.selinuxLabel is not applied
		 * either: this runtime sets no SELinux label. */
		case 'L': break;
		case 'F':
			if (strcmp(optarg, "0") != 0)
				return cli_error("exec: --preserve-fds: passing descriptors into a container is not supported"), NULL;
			break;
		default: return NULL;
		}
	}
	if (optind >= argc)
		return cli_error("exec: expected a container ID"), NULL;
	const char *id = argv[optind];
	o->command = optind + 1 < argc ? argv + optind + 1 : NULL;
	if (o->process_file && (o->command || o->cwd || o->user || o->n_env || o->n_caps || o->no_new_privs || o->apparmor))
		return cli_error("exec: --process gives the whole process; COMMAND, --cwd, --env, --user, --cap, "
				 "--no-new-privs and --apparmor are not taken with it (its apparmorProfile says the profile)"),
		       NULL;
	if (!o->process_file && !o->command)
		return cli_error("exec: expected a COMMAND after the container ID, or --process FILE"), NULL;
	return id;
}

/* "UID[:GID]" as process.user, keeping CONTAINER_USER's umask; a user
 * given here has no additional groups. NULL for a malformed SPEC. */
static json_t *user_object(const char *spec, json_t *container_user)
{
	char *end;
	unsigned long uid = strtoul(spec, &end, 10), gid = 0;

	if (end == spec || (*end && *end != ':') || uid >= 0xffffffffUL)
		return NULL;
	if (*end == ':') {
		const char *g = end + 1;
		gid = strtoul(g, &end, 10);
		if (end == g || *end || gid >= 0xffffffffUL)
			return NULL;
	}
	json_t *user = json_pack("{s:I, s:I}", "uid", (json_int_t)uid, "gid", (json_int_t)gid);
	json_t *umask = json_object_get(container_user, "umask");
	if (user && json_is_number(umask))
		json_object_set_new(user, "umask", json_integer((json_int_t)json_number_value(umask)));
	return user;
}

/* NAME=VALUE into ENV (an array), replacing an entry of the same NAME. */
static int set_env(json_t *env, const char *assignment)
{
	size_t name_len = (size_t)(strchr(assignment, '=') - assignment) + 1, i;
	json_t *v;

	json_array_foreach(env, i, v)
		if (json_is_string(v) && strncmp(json_string_value(v), assignment, name_len) == 0)
			return json_array_set_new(env, i, json_string(assignment));
	return json_array_append_new(env, json_string(assignment));
}

/* Adds CAP to the sets that make it usable: bounding, effective,
 * permitted, and ambient (which the runtime raises only where the
 * process's inheritable set allows, caps.c). */
static int add_cap(json_t *caps, const char *cap)
{
	static const char *const sets[] = { "bounding", "effective", "permitted", "ambient" };

	for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
		json_t *set = json_object_get(caps, sets[i]);
		if (!json_is_array(set)) {
			set = json_array();
			if (!set || json_object_set_new(caps, sets[i], set) < 0)
				return -ENOMEM;
		}
		if (json_array_append_new(set, json_string(cap)) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* The options' changes to the container's process, as a process object
 * holding only what changes (JSON text, malloc'd), or NULL after saying
 * why. Of config.json only strings are taken (env, capabilities) and the
 * umask: numbers are read as reals, so that an rlimit above INT64_MAX,
 * which the runtime's own parser reads, cannot fail this one. */
static char *process_changes(const struct state *s, const struct bh_config *config, const struct exec_options *o)
{
	json_error_t jerr;
	size_t len;
	const char *config_text = bh_config_text(config, &len);
	json_t *root = config_text ? json_loadb(config_text, len, JSON_DECODE_INT_AS_REAL, &jerr) : NULL;
	json_t *process = root ? json_object_get(root, "process") : NULL;
	if (!json_is_object(process)) {
		cli_error("exec %s: the container's config has no process object", s->id);
		json_decref(root);
		return NULL;
	}
	json_t *changes = json_object(), *args = json_array();
	int r = changes && args ? 0 : -ENOMEM;
	for (char **a = o->command; r == 0 && *a; a++)
		r = json_array_append_new(args, json_string(*a));
	if (r == 0 && json_object_set(changes, "args", args) < 0)
		r = -ENOMEM;
	json_decref(args);
	if (r == 0 && o->n_env) {
		json_t *env = json_object_get(process, "env");
		env = json_is_array(env) ? json_deep_copy(env) : json_array();
		for (size_t i = 0; env && r == 0 && i < o->n_env; i++)
			r = set_env(env, o->env[i]);
		if (!env || r < 0 || json_object_set_new(changes, "env", env) < 0)
			r = -ENOMEM;
	}
	if (r == 0 && o->apparmor && json_object_set_new(changes, "apparmorProfile", json_string(o->apparmor)) < 0)
		r = -ENOMEM;
	if (r == 0 && o->cwd && json_object_set_new(changes, "cwd", json_string(o->cwd)) < 0)
		r = -ENOMEM;
	if (r == 0 && o->user) {
		json_t *user = user_object(o->user, json_object_get(process, "user"));
		if (!user) {
			cli_error("exec: --user takes UID[:GID] (numbers), not \"%s\"", o->user);
			json_decref(changes);
			json_decref(root);
			return NULL;
		}
		if (json_object_set_new(changes, "user", user) < 0)
			r = -ENOMEM;
	}
	if (r == 0 && o->n_caps) {
		json_t *caps = json_object_get(process, "capabilities");
		caps = json_is_object(caps) ? json_deep_copy(caps) : json_object();
		for (size_t i = 0; caps && r == 0 && i < o->n_caps; i++)
			r = add_cap(caps, o->caps[i]);
		if (!caps || r < 0 || json_object_set_new(changes, "capabilities", caps) < 0)
			r = -ENOMEM;
	}
	if (r == 0 && o->no_new_privs && json_object_set_new(changes, "noNewPrivileges", json_true()) < 0)
		r = -ENOMEM;
	/* The container's own may have had one; exec has one when it asks. */
	if (r == 0 && json_object_set_new(changes, "terminal", json_boolean(o->tty)) < 0)
		r = -ENOMEM;
	char *text = r == 0 ? json_dumps(changes, JSON_COMPACT) : NULL;
	json_decref(changes);
	json_decref(root);
	if (!text)
		cli_error("out of memory");
	return text;
}

static char *read_text(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	char *text = NULL;
	size_t size = 0;

	if (!f)
		return NULL;
	FILE *out = open_memstream(&text, &size);
	char buf[8192];
	size_t n;
	while (out && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, out);
	int failed = ferror(f);
	if (f != stdin)
		fclose(f);
	if (!out || fclose(out) != 0 || failed) {
		free(text);
		errno = failed ? EIO : ENOMEM;
		return NULL;
	}
	*len = size;
	return text;
}

/* The exec'd process's config: the container's as create read it, its
 * process replaced. */
static struct bh_config *exec_config(const struct state *s, const struct exec_options *o)
{
	struct bh_config *config;
	struct bh_err err = { 0 };
	char config_dir[4096];
	size_t len = 0;
	char *text;

	state_path(s->id, "config", config_dir, sizeof(config_dir));
	if (bh_config_load_from(config_dir, s->bundle, &config, &err) < 0) {
		if (err.code == -ENOENT && access(config_dir, F_OK) < 0)
			return cli_error("exec %s: %s: no snapshot of the config create applied (made by an older "
					 "bulkhead-runtime?); recreate it", s->id, config_dir), NULL;
		return cli_error("exec %s: %s", s->id, err.msg), NULL;
	}
	if (o->process_file) {
		if (!(text = read_text(o->process_file, &len))) {
			bh_config_free(config);
			return cli_error_errno(errno, "exec: --process %s", o->process_file), NULL;
		}
		/* conmon passes --tty beside a process whose terminal says the
		 * same; the file decides, and must not say otherwise. Numbers as
		 * reals: only terminal is read here. */
		json_t *process = o->tty ? json_loadb(text, len, JSON_DECODE_INT_AS_REAL, NULL) : NULL;
		bool says_terminal = json_is_true(json_object_get(process, "terminal"));
		json_decref(process);
		if (o->tty && !says_terminal) {
			free(text);
			bh_config_free(config);
			return cli_error("exec: --tty, but the terminal of --process %s is not true", o->process_file), NULL;
		}
	} else if (!(text = process_changes(s, config, o))) {
		bh_config_free(config);
		return NULL;
	} else {
		len = strlen(text);
	}
	int r = o->process_file ? bh_config_set_process(config, text, len, &err)
				: bh_config_change_process(config, text, len, &err);
	free(text);
	if (r < 0) {
		bh_config_free(config);
		if (o->process_file)
			return cli_error("exec: --process %s: %s", o->process_file, err.msg), NULL;
		return cli_error("exec %s: %s", s->id, err.msg), NULL;
	}
	return config;
}

int cmd_exec(int argc, char **argv)
{
	struct exec_options o = { 0 };
	struct bh_err err = { 0 };
	struct state s;
	pid_t pid;
	const char *id = parse_exec_options(argc, argv, &o);

	if (!id) {
		exec_options_free(&o);
		return 2;
	}
	if (load_existing(id, &s) != 0) {
		exec_options_free(&o);
		return EXIT_RUNTIME;
	}
	enum status status = state_status(&s);
	int r = 0;
	struct bh_config *config = NULL;
	_cleanup_close_ int console = -1;
	_cleanup_close_ int pidfd = -1;
	/* The pid is the container's while its start time is: a pidfd taken
	 * then, and the start time checked again, pins that process, so that
	 * the library can tell it still lives once it opened its files. */
	if (status == STATUS_RUNNING) {
		pidfd = (int)syscall(SYS_pidfd_open, s.pid, 0U);
		if (pidfd < 0 && errno != ESRCH)
			r = cli_error_errno(errno, "exec %s: pidfd_open(%d) (Linux 5.3)", id, (int)s.pid);
		status = state_status(&s);
	}
	/* A ctrl-c while the process is made must reach it, not end us first. */
	if (!o.detach)
		hold_forwarded_signals();
	if (r != 0)
		;
	else if (status != STATUS_RUNNING)
		r = cli_error("container \"%s\" is %s; exec needs a running container%s", id, status_name(status),
			      status == STATUS_PAUSED ? " (resume it first)" : "");
	else if (!(config = exec_config(&s, &o)))
		r = EXIT_RUNTIME;
	else if (o.console_socket && (console = console_socket_connect(o.console_socket)) < 0)
		r = EXIT_RUNTIME;
	else if (bh_container_exec(config, s.pid, pidfd, s.cgroups_path[0] ? s.cgroups_path : NULL, console, &pid,
				   &err) < 0) {
		r = cli_error("exec %s: %s", id, err.msg);
		/* A command that is missing or cannot be executed exits as a
		 * shell's would (127, 126): the caller's health check or script
		 * tells it from the runtime's own failure. */
		if (err.status == BH_EXIT_NOTFOUND || err.status == BH_EXIT_NOEXEC)
			r = err.status;
	}
	bh_config_free(config);
	exec_options_free(&o);
	state_free(&s);
	if (r != 0)
		return r;
	if (o.pid_file && (r = write_pid_file(o.pid_file, pid)) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return cli_error_errno(-r, "exec: --pid-file %s", o.pid_file);
	}
	if (o.detach)
		return 0;
	forward_signals_to(pid);
	if ((r = wait_exit_status(pid)) < 0)
		return cli_error_errno(-r, "exec: waiting for %d", (int)pid);
	return r;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The OCI runtime commands. create leaves the container process waiting,
 * its sandbox applied, on ROOT/ID/exec.fifo; start writes one byte there,
 * then reads ROOT/ID/exec.result until the process's end of it closes on
 * exec (or an exec error comes back), so that start returns only once the
 * user's command runs. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

struct create_options {
	const char *bundle;
	const char *pid_file;
	const char *console_socket; /* where process.terminal's pty master goes */
	bool detach;
	/* run: the process execs as soon as its sandbox stands, with no
	 * created state in between for a start to end (no fifos, one
	 * hand-over less); the hooks run at the same points. */
	bool start;
};

/* Parses the options create and run share; returns the container ID. */
static const char *parse_create_options(int argc, char **argv, struct create_options *o, const char *command)
{
	static const struct option longopts[] = {
		{ "bundle", required_argument, NULL, 'b' },   { "pid-file", required_argument, NULL, 'p' },
		{ "no-new-keyring", no_argument, NULL, 'k' }, { "detach", no_argument, NULL, 'd' },
		{ "console-socket", required_argument, NULL, 'c' }, { NULL, 0, NULL, 0 },
	};
	int opt;

	o->bundle = ".";
	while ((opt = getopt_long(argc, argv, "b:d", longopts, NULL)) != -1) {
		switch (opt) {
		case 'b': o->bundle = optarg; break;
		case 'p': o->pid_file = optarg; break;
		case 'd': o->detach = true; break;
		/* We never join a session keyring (keyctl is refused in the
		 * container anyway): the option is accepted for compatibility. */
		case 'k': break;
		case 'c': o->console_socket = optarg; break;
		default: return NULL;
		}
	}
	if (optind != argc - 1) {
		cli_error("%s: expected exactly one container ID", command);
		return NULL;
	}
	return argv[optind];
}

int console_socket_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(addr.sun_path)) {
		cli_error("--console-socket %s: the path is too long for a unix socket", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		cli_error_errno(errno, "--console-socket: socket");
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int saved = errno;
		close(fd);
		cli_error_errno(saved, "--console-socket %s", path);
		return -1;
	}
	return fd;
}

int write_pid_file(const char *path, pid_t pid)
{
	char tmp[4200], text[32];

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(text, sizeof(text), "%d", (int)pid);
	FILE *f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fputs(text, f);
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		return -errno;
	return 0;
}

/* ---- hooks: the library runs those of create and start; poststart and
 * poststop are ours. create keeps config.json's hooks in ROOT/ID/hooks.json
 * for start and delete: a config.json changed since must not count. ---- */

/* The state on a hook's stdin: `state`'s document, with the status and pid
 * of the moment the hook runs, which the library gives. Called in the
 * container process too, before its pivot. */
static char *hook_state(void *data, const char *status, pid_t pid)
{
	const struct state *s = data;
	json_t *annotations = s->annotations_json ? json_loads(s->annotations_json, 0, NULL) : NULL;
	json_t *root = state_json(s, annotations);
	char *text = NULL;

	/* Until create returns, there is no creation time to tell. */
	if (root && !s->created[0])
		json_object_del(root, "created");
	if (root && json_object_set_new(root, "status", json_string(status)) == 0 &&
	    json_object_set_new(root, "pid", json_integer(pid)) == 0)
		text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return text;
}

static int save_hooks(const char *id, const struct bh_hooks *hooks)
{
	const char *json = bh_hooks_json(hooks);
	char path[4096];

	if (!json)
		return 0;
	state_path(id, "hooks.json", path, sizeof(path));
	FILE *f = fopen(path, "wxe");
	if (!f)
		return -errno;
	fputs(json, f);
	return fclose(f) == 0 ? 0 : -errno;
}

/* The hooks create kept for ID into *OUT (NULL: none), or says why not. */
static int saved_hooks(const char *id, struct bh_hooks **out)
{
	struct bh_err err = { 0 };
	_cleanup_free_ char *text = NULL;
	char path[4096];
	size_t size = 0;

	*out = NULL;
	state_path(id, "hooks.json", path, sizeof(path));
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : cli_error_errno(errno, "%s: %s", id, path);
	ssize_t len = getdelim(&text, &size, '\0', f);
	fclose(f);
	if (len < 0 || bh_hooks_parse(text, (size_t)len, out, &err) < 0)
		return cli_error("%s: %s: %s", id, path, len < 0 ? "unreadable" : err.msg);
	return 0;
}

/* poststart and poststop: a failing hook is a warning, and the next runs
 * anyway (runtime-spec 1.0.2's lifecycle). */
static void run_hooks_warning(const struct bh_hooks *hooks, enum bh_hook_kind kind, const struct state *s,
			      const char *status, pid_t pid)
{
	size_t n = bh_hooks_count(hooks, kind);
	_cleanup_free_ char *state = n ? hook_state((void *)s, status, pid) : NULL;

	for (size_t i = 0; i < n; i++) {
		struct bh_err err = { 0 };
		if (!state)
			bh_fail(&err, -ENOMEM, "formatting the state for the %s hooks", bh_hook_name_at(kind));
		if (!state || bh_hook_run(hooks, kind, i, state, &err) < 0)
			fprintf(stderr, "bulkhead-runtime: warning: %s: %s\n", s->id, err.msg);
	}
}

/* create, for both create and run: nothing is left behind on failure. */
static int create_container(const char *id, const struct create_options *o, struct state *s)
{
	struct bh_config *config;
	struct bh_err err = { 0 };
	struct bh_io io = { .stdin_fd = 0, .stdout_fd = -1, .stderr_fd = -1, .console_socket = -1,
			    .seal_exe = globals.container_seals };
	char path[4096];
	int fifo = -1, result = -1, r;

	memset(s, 0, sizeof(*s));
	if (state_check_id(id) < 0)
		return cli_error("invalid container ID \"%s\": use letters, digits, '-', '_' and '.'", id);
	if (bh_config_load_annotated(o->bundle, &config, &err) < 0)
		return cli_error("%s", err.msg);
	snprintf(s->id, sizeof(s->id), "%s", id);
	/* The real path, as the config resolved it. */
	snprintf(s->bundle, sizeof(s->bundle), "%s", bh_config_bundle(config));
	/* The device list needs a cgroup of the container's own. */
	snprintf(path, sizeof(path), "bulkhead-runtime/%s", id);
	if (bh_config_default_cgroup(config, path) < 0) {
		bh_config_free(config);
		return cli_error("out of memory");
	}
	if (bh_config_cgroups_path(config))
		snprintf(s->cgroups_path, sizeof(s->cgroups_path), "%s", bh_config_cgroups_path(config));
	if (bh_config_annotations(config) && !(s->annotations_json = strdup(bh_config_annotations(config)))) {
		bh_config_free(config);
		return cli_error("out of memory");
	}

	mkdir(globals.root, 0711);
	state_path(id, NULL, path, sizeof(path));
	if (mkdir(path, 0700) < 0) {
		r = errno;
		bh_config_free(config);
		state_free(s);
		if (r == EEXIST)
			return cli_error("container \"%s\" already exists", id);
		return cli_error_errno(r, "%s", path);
	}
	/* What exec applies later is what was read now: an edit of the
	 * bundle's config.json after create must not widen it. */
	state_path(id, "config", path, sizeof(path));
	if (bh_config_save(config, path, &err) < 0) {
		r = cli_error("%s: saving its config: %s", id, err.msg);
		goto fail;
	}
	if ((r = save_hooks(id, bh_config_hooks(config))) < 0) {
		r = cli_error_errno(-r, "%s: saving its hooks", id);
		goto fail;
	}
	bh_config_set_hook_state(config, hook_state, s);
	state_path(id, "exec.fifo", path, sizeof(path));
	/* O_RDWR: the open does not wait for a writer, and the read end lives
	 * on in the container process until start writes. */
	if (!o->start && (mkfifo(path, 0600) < 0 || (fifo = open(path, O_RDWR | O_CLOEXEC)) < 0)) {
		r = cli_error_errno(errno, "%s", path);
		goto fail;
	}
	/* The same for the exec result: the container process must be its
	 * only writer, so that start reads EOF when exec closes its end. */
	state_path(id, "exec.result", path, sizeof(path));
	if (!o->start && (mkfifo(path, 0600) < 0 || (result = open(path, O_RDWR | O_CLOEXEC)) < 0)) {
		r = cli_error_errno(errno, "%s", path);
		close(fifo);
		goto fail;
	}
	if (o->console_socket && (io.console_socket = console_socket_connect(o->console_socket)) < 0) {
		r = EXIT_RUNTIME;
		if (fifo >= 0)
			close(fifo);
		if (result >= 0)
			close(result);
		goto fail;
	}
	r = o->start ? bh_container_start(config, &io, &s->pid, &err)
		     : bh_container_create(config, &io, fifo, result, &s->pid, &err);
	if (fifo >= 0)
		close(fifo);
	if (result >= 0)
		close(result);
	if (io.console_socket >= 0)
		close(io.console_socket);
	if (r < 0) {
		r = cli_error("%s: %s", id, err.msg);
		/* What the runtime made is undone: the spec's lifecycle goes on
		 * with the poststop hooks, as after delete. */
		run_hooks_warning(bh_config_hooks(config), BH_HOOK_POSTSTOP, s, "stopped", 0);
		goto fail;
	}
	s->start_time = process_start_time(s->pid);
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	strftime(s->created, sizeof(s->created), "%Y-%m-%dT%H:%M:%S", gmtime_r(&now.tv_sec, &tm));
	snprintf(s->created + strlen(s->created), sizeof(s->created) - strlen(s->created), ".%09ldZ", now.tv_nsec);
	s->started = o->start;
	if ((r = state_save(s)) < 0 || (o->pid_file && (r = write_pid_file(o->pid_file, s->pid)) < 0)) {
		struct bh_err ignored;
		r = cli_error_errno(-r, "%s: saving state", id);
		/* Our child still: reap it, then its cgroup can go too. */
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		bh_cgroup_destroy(s->cgroups_path[0] ? s->cgroups_path : NULL, &ignored);
		goto fail;
	}
	/* The command runs: the poststart hooks before run goes on. */
	if (o->start)
		run_hooks_warning(bh_config_hooks(config), BH_HOOK_POSTSTART, s, "running", s->pid);
	bh_config_free(config);
	return 0;
fail:
	bh_config_free(config);
	state_remove(id);
	state_free(s);
	return r;
}

/* Waits up to TIMEOUT_MS for PID, which is not our child, to end. */
static bool wait_gone(pid_t pid, int timeout_ms)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd >= 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, timeout_ms);
		close(fd);
		return r > 0;
	}
	return errno == ESRCH;
}

/* start once its hooks are known: startContainer hooks run in the
 * container before the exec, and the wait for it allows for them. */
static int start_created(struct state *s, const struct bh_hooks *hooks)
{
	char path[4096];
	struct bh_err err = { 0 };

	/* Saved first: the process may exit before we could write it after. */
	s->started = true;
	if (state_save(s) < 0)
		return cli_error_errno(errno, "%s: saving state", s->id);
	/* The result's read end first: opened before the process can exec,
	 * it sees the process's end close. Non-blocking, since a fifo's open
	 * waits for a writer; then blocking, to wait for that close. */
	state_path(s->id, "exec.result", path, sizeof(path));
	_cleanup_close_ int result = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (result < 0 || fcntl(result, F_SETFL, 0) < 0)
		return cli_error_errno(errno, "%s: %s", s->id, path);
	state_path(s->id, "exec.fifo", path, sizeof(path));
	_cleanup_close_ int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return cli_error("%s: %s: %s", s->id, path, errno == ENXIO ? "the container process is gone" : strerror(errno));
	int r = bh_container_start_created_hooked(fd, result, hooks, &err);
	unlink(path);
	state_path(s->id, "exec.result", path, sizeof(path));
	unlink(path);
	if (r < 0) {
		/* The process exits right after its report: wait, so that the
		 * state says stopped as soon as start has failed. One that did
		 * not exec in time (stopped) is killed: a start that failed
		 * leaves no container running later. */
		if (r == -ETIMEDOUT)
			kill(s->pid, SIGKILL);
		wait_gone(s->pid, 10000);
		return cli_error("%s: starting: %s", s->id, err.msg);
	}
	return 0;
}

static int start_container(struct state *s)
{
	enum status status = state_status(s);
	struct bh_hooks *hooks = NULL;

	if (status != STATUS_CREATED)
		return cli_error("container \"%s\" is %s; only a created container can be started", s->id,
				 status_name(status));
	if (saved_hooks(s->id, &hooks) != 0)
		return EXIT_RUNTIME;
	int r = start_created(s, hooks);
	/* The command runs: the poststart hooks before start returns. */
	if (r == 0)
		run_hooks_warning(hooks, BH_HOOK_POSTSTART, s, "running", s->pid);
	bh_hooks_free(hooks);
	return r;
}

int load_existing(const char *id, struct state *s)
{
	if (state_check_id(id) < 0)
		return cli_error("invalid container ID \"%s\"", id);
	int r = state_load(id, s);
	if (r == -ENOENT)
		return cli_error("container \"%s\" does not exist", id);
	if (r < 0)
		return cli_error_errno(-r, "container \"%s\": unreadable state", id);
	return 0;
}

static int destroy_container(struct state *s)
{
	struct bh_err err = { 0 };
	struct bh_hooks *hooks = NULL;

	if (state_status(s) != STATUS_STOPPED) {
		kill(s->pid, SIGKILL);
		if (!wait_gone(s->pid, 10000))
			return cli_error("container \"%s\": process %d did not die", s->id, (int)s->pid);
	}
	if (bh_cgroup_destroy(s->cgroups_path[0] ? s->cgroups_path : NULL, &err) < 0)
		return cli_error("container \"%s\": %s", s->id, err.msg);
	/* Read before the state goes; unreadable, they are skipped (the
	 * error said so) and the container goes anyway. */
	saved_hooks(s->id, &hooks);
	state_remove(s->id);
	/* After the container is gone, before delete returns. */
	run_hooks_warning(hooks, BH_HOOK_POSTSTOP, s, "stopped", 0);
	bh_hooks_free(hooks);
	return 0;
}

/* ---- commands ---- */

int cmd_create(int argc, char **argv)
{
	struct create_options o = { 0 };
	struct state s;
	const char *id = parse_create_options(argc, argv, &o, "create");

	if (!id)
		return 2;
	int r = create_container(id, &o, &s);
	state_free(&s);
	return r;
}

const char *single_id(int argc, char **argv, const char *command)
{
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "bulkhead-runtime %s: expected exactly one container ID\n", command);
		return NULL;
	}
	return argv[1];
}

int cmd_start(int argc, char **argv)
{
	struct state s;
	const char *id = single_id(argc, argv, "start");

	if (!id)
		return 2;
	if (load_existing(id, &s) != 0)
		return EXIT_RUNTIME;
	int r = start_container(&s);
	state_free(&s);
	return r;
}

int cmd_state(int argc, char **argv)
{
	struct state s;
	const char *id = single_id(argc, argv, "state");

	if (!id)
		return 2;
	if (load_existing(id, &s) != 0)
		return EXIT_RUNTIME;
	int r = print_state(&s) < 0 ? cli_error("out of memory") : 0;
	state_free(&s);
	return r;
}

int cmd_delete(int argc, char **argv)
{
	static const struct option longopts[] = { { "force", no_argument, NULL, 'f' }, { NULL, 0, NULL, 0 } };
	bool force = false;
	struct state s;
	int opt;

	while ((opt = getopt_long(argc, argv, "f", longopts, NULL)) != -1) {
		if (opt != 'f')
			return 2;
		force = true;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "bulkhead-runtime delete: expected [--force] ID\n");
		return 2;
	}
	/* Gone already is what --force asks for: crun and runc say nothing. */
	if (force && state_check_id(argv[optind]) == 0) {
		int loaded = state_load(argv[optind], &s);
		if (loaded == -ENOENT)
			return 0;
		if (loaded == 0) /* load_existing reads it again, and says what is wrong */
			state_free(&s);
	}
	if (load_existing(argv[optind], &s) != 0)
		return EXIT_RUNTIME;
	int r;
	/* A created container has not run anything of the user's yet: deleting
	 * it needs no force, as with runc and crun. */
	enum status status = state_status(&s);
	if ((status == STATUS_RUNNING || status == STATUS_PAUSED) && !force)
		r = cli_error("container \"%s\" is %s; stop it first or use delete --force", s.id, status_name(status));
	else
		r = destroy_container(&s);
	state_free(&s);
	return r;
}

static pid_t forward_to;

static void forward_signal(int sig)
{
	if (forward_to > 0)
		kill(forward_to, sig);
}

static void forwarded_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

void hold_forwarded_signals(void)
{
	sigset_t set;

	forwarded_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

void forward_signals_to(pid_t pid)
{
	sigset_t set;

	forward_to = pid;
	signal(SIGTERM, forward_signal);
	signal(SIGINT, forward_signal);
	signal(SIGHUP, forward_signal);
	/* What came while held is delivered now, and so goes on to PID. */
	forwarded_signals(&set);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int wait_exit_status(pid_t pid)
{
	int wstatus;

	while (waitpid(pid, &wstatus, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : WEXITSTATUS(wstatus);
}

int cmd_run(int argc, char **argv)
{
	struct create_options o = { 0 };
	struct state s;
	int status;
	const char *id = parse_create_options(argc, argv, &o, "run");

	if (!id)
		return 2;
	o.start = true;
	/* A ctrl-c while the container is made (its poststart hooks run
	 * after its command started) must reach the command, not end us
	 * and leave it running. */
	hold_forwarded_signals();
	if (create_container(id, &o, &s) != 0)
		return EXIT_RUNTIME;
	forward_signals_to(s.pid);
	if (o.detach) {
		state_free(&s);
		return 0;
	}
	if ((status = wait_exit_status(s.pid)) < 0) {
		state_free(&s);
		return cli_error_errno(-status, "waiting for %s", id);
	}
	destroy_container(&s);
	state_free(&s);
	return status;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A kselftest-style TAP harness: every TEST runs in a forked child, since
 * seccomp, Landlock and namespaces cannot be undone; the plan is counted
 * from the registered tests, never written by hand.
 *
 *   TEST(name) { ASSERT_EQ(1, 1); }
 *   TEST_TIMEOUT(name, 600) { ... }   a test that may take longer than the bound
 *   SKIP("why") inside a test reports it as skipped with its reason.
 *
 * A test that runs past its bound (TEST_TIMEOUT's, else the environment's
 * TAP_TIMEOUT in seconds, else TAP_DEFAULT_TIMEOUT) is killed with its
 * process group and reported as "not ok N - name # timed out after S s":
 * a hung test fails by itself instead of hanging make check. What a test
 * leaves running in its process group is killed when it ends. */
#ifndef BULKHEAD_TAP_H
#define BULKHEAD_TAP_H

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TAP_SKIP_STATUS 77
/* Generous: a test under a sanitizer on a loaded machine takes seconds. */
#define TAP_DEFAULT_TIMEOUT 120

struct tap_test {
	const char *name;
	void (*fn)(void);
	int timeout; /* seconds; 0: the default */
};

/* Grown as the constructors register: no limit on the number of tests. */
static struct tap_test *tap_tests;
static int tap_count;

/* Runs before main, from each TEST's constructor; with no memory left the
 * run cannot report a plan, so it bails out loudly rather than drop a test. */
__attribute__((unused)) static void tap_register(const char *name, void (*fn)(void), int timeout)
{
	static int capacity;

	if (tap_count == capacity) {
		int more = capacity ? capacity * 2 : 64;
		struct tap_test *grown = realloc(tap_tests, (size_t)more * sizeof(*grown));
		if (!grown) {
			printf("Bail out! cannot register test %s: out of memory\n", name);
			exit(1);
		}
		tap_tests = grown;
		capacity = more;
	}
	tap_tests[tap_count++] = (struct tap_test){ name, fn, timeout };
}

#define TEST_TIMEOUT(name, seconds)                                                  \
	static void name(void);                                                      \
	__attribute__((constructor)) static void tap_register_##name(void)          \
	{                                                                            \
		tap_register(#name, name, (seconds));                                \
	}                                                                            \
	static void name(void)

#define TEST(name) TEST_TIMEOUT(name, 0)

/* Prints a diagnostic with every line behind "# ", so that output quoted
 * from a container can never read as a TAP result. */
__attribute__((format(printf, 3, 4), unused)) static void tap_diag(const char *file, int line, const char *fmt,
								   ...)
{
	char text[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	printf("# %s:%d: ", file, line);
	for (char *p = text; *p; p++) {
		putchar(*p);
		if (*p == '\n' && p[1])
			fputs("# ", stdout);
	}
	putchar('\n');
	fflush(stdout);
}

#define TAP_FAIL(...)                                                                \
	do {                                                                         \
		tap_diag(__FILE__, __LINE__, __VA_ARGS__);                           \
		_exit(1);                                                            \
	} while (0)

#define ASSERT_TRUE(cond)                                                            \
	do {                                                                         \
		if (!(cond))                                                         \
			TAP_FAIL("expected %s", #cond);                              \
	} while (0)

#define ASSERT_EQ(want, got)                                                         \
	do {                                                                         \
		long long w_ = (long long)(want), g_ = (long long)(got);             \
		if (w_ != g_)                                                        \
			TAP_FAIL("%s: expected %lld, got %lld", #got, w_, g_);       \
	} while (0)

#define ASSERT_STREQ(want, got)                                                      \
	do {                                                                         \
		const char *w_ = (want), *g_ = (got);                                \
		if (!g_ || strcmp(w_, g_) != 0)                                      \
			TAP_FAIL("%s: expected \"%s\", got \"%s\"", #got, w_,        \
				 g_ ? g_ : "(null)");                                \
	} while (0)

#define SKIP(...)                                                                    \
	do {                                                                         \
		printf("# SKIP ");                                                   \
		printf(__VA_ARGS__);                                                 \
		printf("\n");                                                        \
		fflush(stdout);                                                      \
		_exit(TAP_SKIP_STATUS);                                              \
	} while (0)

static int tap_timeout(int index)
{
	const char *env = getenv("TAP_TIMEOUT");
	int seconds = env ? atoi(env) : 0;

	if (tap_tests[index].timeout > 0)
		return tap_tests[index].timeout;
	return seconds > 0 ? seconds : TAP_DEFAULT_TIMEOUT;
}

static long long tap_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Appends what FD has to *OUT (grown as needed); returns read's result. */
static ssize_t tap_read_some(int fd, char **out, size_t *len, size_t *size)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n <= 0)
		return n;
	if (*len + (size_t)n + 1 > *size) {
		size_t bigger = (*len + (size_t)n + 1) * 2;
		char *grown = realloc(*out, bigger);
		if (!grown)
			return n; /* the output is cut short; the verdict still counts */
		*out = grown;
		*size = bigger;
	}
	memcpy(*out + *len, buf, (size_t)n);
	*len += (size_t)n;
	(*out)[*len] = '\0';
	return n;
}

/* Collects the child's output until the pipe closes, or until the child
 * itself has exited (a container it started may still hold the pipe), or
 * until the deadline. Returns 1 when the deadline passed first. */
static int tap_collect(pid_t pid, int fd, int seconds, char **out, size_t *len, size_t *size)
{
	long long deadline = tap_now_ms() + (long long)seconds * 1000;
	/* pidfd: woken by the child's exit itself, not only by the pipe. */
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	for (;;) {
		struct pollfd fds[2] = { { .fd = fd, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
		long long left = deadline - tap_now_ms();
		if (left <= 0)
			break;
		int n = poll(fds, pidfd >= 0 ? 2 : 1, (int)(left > 60000 ? 60000 : left));
		if (n < 0 && errno != EINTR)
			break;
		if (n <= 0)
			continue;
		if (fds[0].revents && tap_read_some(fd, out, len, size) <= 0)
			goto done;
		if (pidfd >= 0 && fds[1].revents) {
			/* Exited: what it wrote is in the pipe already. */
			while (poll(fds, 1, 0) == 1 && tap_read_some(fd, out, len, size) > 0)
				;
			goto done;
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	return 1;
done:
	if (pidfd >= 0)
		close(pidfd);
	return 0;
}

/* The child prints diagnostics as "# ..." lines, which TAP passes through;
 * a skip reason is read back from the child's output. */
static int tap_run(int index)
{
	int fds[2], status = 0, seconds = tap_timeout(index);
	size_t len = 0, size = 4096;
	char *out = calloc(1, size);

	fflush(stdout);
	if (!out || pipe(fds) < 0) {
		printf("not ok %d - %s # cannot start: %s\n", index + 1, tap_tests[index].name, strerror(errno));
		free(out);
		return 1;
	}
	pid_t pid = fork();
	int fork_errno = errno;
	if (pid == 0) {
		/* Its own process group: a timeout kills what it started too. */
		setpgid(0, 0);
		close(fds[0]);
		dup2(fds[1], STDOUT_FILENO);
		close(fds[1]);
		tap_tests[index].fn();
		/* exit, not _exit: a sanitizer build checks for leaks at exit. */
		exit(0);
	}
	close(fds[1]);
	int timed_out = pid > 0 && tap_collect(pid, fds[0], seconds, &out, &len, &size);
	close(fds[0]);
	/* Whatever the test started dies with it (a holder left behind by a
	 * failed assertion would keep the run's stderr open), and a test
	 * past its bound dies itself. Before waitpid: the group id is ours
	 * until the child is reaped. */
	if (pid > 0)
		kill(-pid, SIGKILL);
	if (timed_out)
		kill(pid, SIGKILL);
	if (pid > 0)
		waitpid(pid, &status, 0);

	int skipped = !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == TAP_SKIP_STATUS;
	int passed = pid > 0 && !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (skipped) {
		char *reason = strstr(out, "# SKIP ");
		char *end = reason ? strchr(reason, '\n') : NULL;
		if (end)
			*end = '\0';
		printf("ok %d - %s # SKIP %s\n", index + 1, tap_tests[index].name, reason ? reason + 7 : "");
		free(out);
		return 0;
	}
	fputs(out, stdout);
	free(out);
	if (pid < 0)
		printf("# fork: %s\n", strerror(fork_errno));
	if (timed_out) {
		printf("not ok %d - %s # timed out after %d s\n", index + 1, tap_tests[index].name, seconds);
		return 1;
	}
	if (WIFSIGNALED(status))
		printf("# killed by signal %d\n", WTERMSIG(status));
	printf("%s %d - %s\n", passed ? "ok" : "not ok", index + 1, tap_tests[index].name);
	return passed ? 0 : 1;
}

int main(void)
{
	int failed = 0;

	printf("1..%d\n", tap_count);
	for (int i = 0; i < tap_count; i++)
		failed += tap_run(i) != 0;
	free(tap_tests);
	return failed ? 1 : 0;
}

#endif

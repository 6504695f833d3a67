/* A kselftest-style TAP harness: every TEST runs in a forked child, since
 * seccomp, Landlock and namespaces cannot be undone; the plan is counted
 * from the registered tests, never written by hand.
 *
 *   TEST(name) { ASSERT_EQ(1, 1); }
 *   SKIP("why") inside a test reports it as skipped with its reason. */
#ifndef BULKHEAD_TAP_H
#define BULKHEAD_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TAP_MAX_TESTS 128
#define TAP_SKIP_STATUS 77

struct tap_test {
	const char *name;
	void (*fn)(void);
};

static struct tap_test tap_tests[TAP_MAX_TESTS];
static int tap_count;

#define TEST(name)                                                                   \
	static void name(void);                                                      \
	__attribute__((constructor)) static void tap_register_##name(void)          \
	{                                                                            \
		if (tap_count < TAP_MAX_TESTS)                                       \
			tap_tests[tap_count++] = (struct tap_test){ #name, name };   \
	}                                                                            \
	static void name(void)

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

/* The child prints diagnostics as "# ..." lines, which TAP passes through;
 * a skip reason is read back from the child's output. */
static int tap_run(int index)
{
	int fds[2], status;
	char out[4096] = "";
	size_t len = 0;
	ssize_t n;

	fflush(stdout);
	if (pipe(fds) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDOUT_FILENO);
		tap_tests[index].fn();
		/* exit, not _exit: a sanitizer build checks for leaks at exit. */
		exit(0);
	}
	close(fds[1]);
	while ((n = read(fds[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);

	int skipped = WIFEXITED(status) && WEXITSTATUS(status) == TAP_SKIP_STATUS;
	int passed = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (skipped) {
		char *reason = strstr(out, "# SKIP ");
		char *end = reason ? strchr(reason, '\n') : NULL;
		if (end)
			*end = '\0';
		printf("ok %d - %s # SKIP %s\n", index + 1, tap_tests[index].name, reason ? reason + 7 : "");
		return 0;
	}
	fputs(out, stdout);
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
	return failed ? 1 : 0;
}

#endif

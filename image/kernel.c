/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead check-kernel: which of the features bulkhead needs or can use a
 * kernel config has. A required symbol must be set as the contract says
 * (a module cannot serve the init before it loads them); an optional one
 * may be a module, which the image then carries. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "kernel.h"

/* The value CONFIG sets SYMBOL to ("y", "m", "\"...\"") or NULL. */
static const char *config_value(char *const *lines, const char *symbol)
{
	size_t len = strlen(symbol);

	for (; *lines; lines++)
		if (strncmp(*lines, symbol, len) == 0 && (*lines)[len] == '=')
			return *lines + len + 1;
	return NULL;
}

static char **read_lines(const char *path, struct diag *d)
{
	FILE *f = fopen(path, "r");
	char **lines = NULL, *line = NULL;
	size_t n = 0, size = 0;
	ssize_t len;

	if (!f)
		return diag_errno(d, errno, "%s", path), NULL;
	while ((len = getline(&line, &size, f)) >= 0) {
		char **grown = realloc(lines, (n + 2) * sizeof(char *));
		if (!grown)
			break;
		lines = grown;
		line[strcspn(line, "\n")] = '\0';
		lines[n++] = strdup(line);
		lines[n] = NULL;
	}
	free(line);
	fclose(f);
	if (!lines && (lines = calloc(1, sizeof(char *))) == NULL)
		diag_fail(d, "out of memory");
	return lines;
}

int check_kernel(const char *config, bool quiet, struct diag *d)
{
	char **lines = read_lines(config, d);
	unsigned missing = 0, optional_have = 0, optional = 0;

	if (!lines)
		return -1;
	if (!config_value(lines, "CONFIG_MODULES") && !config_value(lines, "CONFIG_64BIT")) {
		for (char **l = lines; *l; l++)
			free(*l);
		free(lines);
		return diag_fail(d, "%s does not look like a kernel config (no CONFIG_64BIT or CONFIG_MODULES)", config);
	}
	for (unsigned long i = 0; i < kernel_contract_size; i++) {
		const struct kernel_symbol *k = &kernel_contract[i];
		const char *got = config_value(lines, k->name);
		bool exact = got && strcmp(got, k->value) == 0;
		bool module = got && strcmp(got, "m") == 0;
		const char *verdict;

		if (k->required) {
			verdict = exact ? "ok" : "MISSING";
			missing += !exact;
		} else {
			optional++;
			optional_have += exact || module;
			verdict = exact ? "ok" : module ? "module" : "absent";
		}
		if (!quiet || (k->required && !exact))
			printf("%-8s %-9s %s=%s%s%s%s  (%s)\n", verdict, k->required ? "required" : "optional", k->name,
			       k->value, got && !exact && !module ? ", the config has " : "", got && !exact && !module ? got : "",
			       !got && k->required ? ", the config does not set it" : "", k->feature);
	}
	/* Landlock must also be among the LSMs the kernel starts by default. */
	const char *lsm = config_value(lines, "CONFIG_LSM");
	bool landlock = lsm && strstr(lsm, "landlock");
	missing += !landlock;
	if (!quiet || !landlock)
		printf("%-8s %-9s landlock in CONFIG_LSM%s  (Landlock path rules; or boot with lsm=landlock,...)\n",
		       landlock ? "ok" : "MISSING", "required", lsm ? "" : ", the config does not set CONFIG_LSM");
	printf("%s: %s; %u of %u optional features\n", config,
	       missing ? "a required feature is missing" : "every required feature is there", optional_have, optional);
	for (char **l = lines; *l; l++)
		free(*l);
	free(lines);
	return (int)missing;
}

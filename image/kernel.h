/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel contract: kernel-config/'s fragments, compiled in as a table
 * (mk/kernel-contract.sh), and the check of a kernel config against it. */
#ifndef BULKHEAD_KERNEL_H
#define BULKHEAD_KERNEL_H

#include <stdbool.h>
#include <stdio.h>

struct kernel_symbol {
	const char *name;    /* CONFIG_... */
	const char *value;   /* "y" */
	const char *feature; /* what bulkhead uses it for */
	bool required;       /* from required.config; else optional.config */
};

extern const struct kernel_symbol kernel_contract[];
extern const unsigned long kernel_contract_size;

#endif

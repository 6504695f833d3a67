/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shutdown: report the appliance's exit status and power off. */
#include <signal.h>
#include <stdlib.h>
#include <sys/io.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include "init.h"

/* The kernel's initial pid namespace has this fixed inode number
 * (PROC_PID_INIT_INO in include/linux/proc_ns.h). */
#define INITIAL_PID_NS_INODE 0xEFFFFFFCU

bool machine_init(void)
{
	struct stat st;

	return getpid() == 1 && stat("/proc/self/ns/pid", &st) == 0 && st.st_ino == INITIAL_PID_NS_INODE;
}

void shutdown_appliance(const struct boot_options *options, int status)
{
	/* QEMU's exit status has 7 bits left for ours, less the +1 (contract.h). */
	if (status > APPLIANCE_STATUS_MAX)
		status = APPLIANCE_STATUS_MAX;
	log_info("appliance exit status %d, powering off", status);
	/* PID 1 of a pid namespace on a host (the tests run us so) ends its
	 * namespace by exiting, and its exit status is the verdict; only the
	 * machine's PID 1 powers off. */
	if (!machine_init())
		exit(status);

	kill(-1, SIGKILL); /* whatever is left: orphans, stragglers */
	sync();
	if (options->debug_exit && ioperm(DEBUG_EXIT_PORT, 1, 1) == 0)
		outb(debug_exit_byte(status), DEBUG_EXIT_PORT);
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

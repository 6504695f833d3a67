/* Shutdown: report the appliance's exit status and power off. */
#include <signal.h>
#include <stdlib.h>
#include <sys/io.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "init.h"

/* QEMU's isa-debug-exit device: a byte written here ends QEMU with exit
 * status (byte << 1) | 1, which `bulkhead run` turns back into the byte. */
#define DEBUG_EXIT_PORT 0xf4

void shutdown_appliance(const struct boot_options *options, int status)
{
	/* QEMU's exit status has 7 bits left for ours. */
	if (status > 127)
		status = 127;
	log_info("appliance exit status %d, powering off", status);
	if (getpid() != 1)
		exit(status);

	kill(-1, SIGKILL); /* whatever is left: orphans, stragglers */
	sync();
	if (options->debug_exit && ioperm(DEBUG_EXIT_PORT, 1, 1) == 0)
		outb((unsigned char)status, DEBUG_EXIT_PORT);
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

/* bulkhead-init: PID 1 of a bulkhead appliance.
 *
 * Boot dumb, decide nothing: the builder wrote every decision into
 * appliance.json and the containers' config.json. Before the supervision
 * loop a failure ends the appliance with a non-zero status (never a panic);
 * after it, failures are warnings and the loop goes on. */
#include <string.h>
#include <unistd.h>

#include "init.h"

enum { STATUS_BOOT_FAILED = 125 };

/* The boot failed before supervision: say why, offer the emergency shell
 * when asked for, then end the appliance with a status (never a panic). */
static void boot_failed(const struct boot_options *options, const char *why)
{
	log_warn("%s", why);
	emergency_shell(options);
	shutdown_appliance(options, STATUS_BOOT_FAILED);
}

int main(int argc, char **argv)
{
	struct boot_options options = { 0 };
	struct appliance appliance;
	struct supervisor *supervisor;
	struct bh_err err = { 0 };

	boot_options_from_args(&options, argc, argv);
	if (boot_prepare(&options, &err) < 0 || initrd_check(&options, &err) < 0)
		boot_failed(&options, err.msg);
	init_limits(&options); /* reads /proc: after the mounts */
	debug_phase(&options, "mounts");
	if (appliance_load(APPLIANCE_JSON, &appliance, &err) < 0)
		boot_failed(&options, err.msg);
	debug_phase(&options, "appliance.json");
	/* Only the machine's PID 1: on a host (the tests) these modules and
	 * this network namespace are not ours. */
	if (machine_init()) {
		debug_kernel_boot(&options);
		modules_load(appliance.modules);
		debug_phase(&options, "modules");
		loopback_up();
		volumes_mount(&appliance);
		debug_phase(&options, "disks");
	}
	if (appliance.hostname && sethostname(appliance.hostname, strlen(appliance.hostname)) < 0)
		log_warn("sethostname %s failed", appliance.hostname);
	if (!(supervisor = supervisor_new(&appliance, &options, &err)))
		boot_failed(&options, err.msg);
	console_nonblocking(); /* the loop from here: PID 1 never waits for the host to read */
	log_info("appliance %s: %zu onboot, %zu services, %zu onshutdown", appliance.name, appliance.n_onboot,
		 appliance.n_services, appliance.n_onshutdown);
	debug_phase(&options, "supervisor");

	if (supervisor_run_onboot(supervisor)) {
		debug_phase(&options, "onboot");
		supervisor_run_services(supervisor, &options);
	}
	supervisor_shutdown(supervisor);
	volumes_unmount(&appliance);
	debug_phase(&options, "services and shutdown");

	shutdown_appliance(&options, supervisor_exit_status(supervisor));
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead-init: PID 1 of a bulkhead appliance.
 *
 * Boot dumb, decide nothing: the builder wrote every decision into
 * appliance.json and the containers' config.json. Before the supervision
 * loop a failure ends the appliance with a non-zero status (never a panic);
 * after it, failures are warnings and the loop goes on. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "init.h"

/* Each of these but SIGCHLD asks for a shutdown (supervise.c). */
static const int handled_signals[] = { SIGCHLD, SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGPWR, SIGHUP };

/* The boot failed before supervision: say why, offer the emergency shell
 * when asked for, then end the appliance with a status (never a panic). */
static void boot_failed(const struct boot_options *options, const char *why)
{
	log_warn("%s", why);
	emergency_shell(options);
	shutdown_appliance(options, APPLIANCE_STATUS_FAILED);
}

/* Blocks the signals the loop handles and opens its signalfd, or fails. */
static int signals_open(struct bh_err *err)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(handled_signals); i++)
		sigaddset(&set, handled_signals[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 || (fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		return bh_fail_errno(err, -errno, "signalfd");
	/* ctrl-alt-del then reaches us as SIGINT instead of rebooting at once. */
	if (machine_init())
		reboot(RB_DISABLE_CAD);
	return fd;
}

/* The machine's power button; none on a host (the tests). DRIVER_LOADING:
 * modules are loading in the background, the button's among them. */
static int power_open(bool driver_loading)
{
	if (!machine_init())
		return -1;
	int fd = power_button_open(driver_loading);
	if (fd < 0)
		log_warn("no power button: no ACPI event family or no button driver; an ACPI power-off will not reach us");
	return fd;
}

int main(int argc, char **argv)
{
	struct boot_options options = { 0 };
	struct appliance appliance;
	struct supervisor *supervisor;
	struct bh_err err = { 0 };
	struct net *net = NULL;
	pid_t module_loader = 0;

	/* init: true: a container's PID 1, told so by its arguments (reaper.c). */
	if (container_init_mode(argc, argv))
		return container_init_main(argc, argv);
	boot_options_from_args(&options, argc, argv);
	if (boot_prepare(&options, &err) < 0 || initrd_check(&options, &err) < 0)
		boot_failed(&options, err.msg);
	init_limits(&options); /* reads /proc: after the mounts */
	debug_phase(&options, "mounts");
	json_seed_nonblocking(); /* before PID 1's first JSON */
	if (appliance_load(APPLIANCE_JSON, &appliance, &err) < 0)
		boot_failed(&options, err.msg);
	debug_phase(&options, "appliance.json");
	userns_make_all(&appliance); /* before anything made for a container */
	debug_phase(&options, "user namespaces");
	/* Only the machine's PID 1: on a host (the tests) these modules and
	 * this network namespace are not ours. */
	if (machine_init()) {
		debug_kernel_boot(&options);
		bpf_jit_off();
		module_loader = modules_load(appliance.modules, appliance.module_options, appliance.n_background_modules);
		debug_phase(&options, "modules");
		loopback_up();
		volumes_mount(&appliance);
		debug_phase(&options, "disks");
		/* Before any container starts; a DHCP lease is not waited for. */
		net = net_start(appliance.interfaces, appliance.n_interfaces, NET_RESOLV_CONF);
		if (networks_start(&appliance, NET_RULES) < 0)
			boot_failed(&options, "network: the init is stranded in a container's network namespace");
		debug_phase(&options, "network");
	} else if (appliance.n_networks && networks_namespace_is_ours()) {
		/* Started on a host in a network namespace of its own (the
		 * tests): the containers' networks are ours to make there. */
		loopback_up();
		if (networks_start(&appliance, NET_RULES) < 0)
			boot_failed(&options, "network: the init is stranded in a container's network namespace");
	}
	/* After the user namespaces (and the modules), before any container starts. */
	images_mount_all(&appliance);
	/* Once the disks' modules are in, before any container starts. */
	if (secrets_prepare(&appliance, machine_init(), &err) < 0)
		boot_failed(&options, err.msg);
	if (appliance.hostname && sethostname(appliance.hostname, strlen(appliance.hostname)) < 0)
		log_warn("sethostname %s failed", appliance.hostname);
	/* What PID 1 owns, opened here and handed to the supervisor. */
	struct supervisor_inputs inputs = { .signal_fd = signals_open(&err), .net = net, .module_loader = module_loader };
	if (inputs.signal_fd < 0)
		boot_failed(&options, err.msg);
	inputs.power_fd = power_open(appliance.n_background_modules > 0);
	inputs.control = control_new(&options);
	if (!(supervisor = supervisor_new(&appliance, &options, &inputs, &err)))
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

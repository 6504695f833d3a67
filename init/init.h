/* bulkhead-init: PID 1 of the appliance. Shared declarations of its parts. */
#ifndef BULKHEAD_INIT_H
#define BULKHEAD_INIT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../runtime/runtime.h"

#define APPLIANCE_JSON "/etc/bulkhead/appliance.json"

/* ---- log.c: the console is our only log for now ---- */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes one container's line to the console as "[name] line". */
void log_container_line(const char *name, const char *line, size_t len);

/* ---- boot.c ---- */
struct boot_options {
	bool debug_exit;  /* bulkhead.exit=isa-debug-exit: report the status through QEMU */
};
/* Moves / off the initramfs and mounts the essentials. Returns 0 or -errno
 * with a message in err; PID 1 may give up only here, before the loop. */
int boot_prepare(struct boot_options *options, struct bh_err *err);

/* ---- appliance.c: what the builder decided ---- */
struct container_spec {
	char *name;
	char *bundle;
};

struct appliance {
	char *name;
	char *hostname;
	struct container_spec *onboot;
	size_t n_onboot;
	struct container_spec *services;
	size_t n_services;
};

int appliance_load(const char *path, struct appliance *out, struct bh_err *err);
void appliance_free(struct appliance *a);

/* ---- supervise.c ---- */
struct supervisor;
struct supervisor *supervisor_new(struct bh_err *err);
/* Runs each container to completion, one after another. */
void supervisor_run_onboot(struct supervisor *s, const struct appliance *a);
/* Starts every service, then supervises until all have exited or a
 * shutdown signal arrives. */
void supervisor_run_services(struct supervisor *s, const struct appliance *a);
/* Stops what still runs: SIGTERM, a grace period, then SIGKILL. */
void supervisor_stop_all(struct supervisor *s, int grace_ms);
/* The appliance's exit status: that of the first container that failed. */
int supervisor_exit_status(const struct supervisor *s);

/* ---- shutdown.c ---- */
/* Whether we are the machine's PID 1, not PID 1 of a namespace on a host. */
bool machine_init(void);
/* Syncs, reports STATUS and powers off. Never returns when PID 1. */
void shutdown_appliance(const struct boot_options *options, int status);

#endif

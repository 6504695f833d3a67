/* What bulkhead build writes for bulkhead-init to read, spelled once for
 * both: image/ includes this header and nothing else of init/. */
#ifndef BULKHEAD_CONTRACT_H
#define BULKHEAD_CONTRACT_H

/* Kernel options the builder puts on the command line (numbers in MiB). */
#define BOOT_OPTION_MEMORY "bulkhead.memory=" /* the memory the appliance was built to need */
#define BOOT_OPTION_INITRD "bulkhead.initrd=" /* what its initramfs takes unpacked */

/* The initramfs's last entry. The kernel unpacks entries in order: a write
 * it has no room for stops it, and a file it cannot create is left out, so
 * this empty file is there only when the whole archive was unpacked. */
#define INITRD_END "etc/bulkhead/initrd.end"

/* How each of the init's console lines starts; bulkhead run takes the first
 * as the sign that the guest runs (KVM can run it). */
#define INIT_CONSOLE_PREFIX "[init]"

/* The most containers (onboot, services and onshutdown together) one
 * appliance may declare: the builder refuses more, so that the init never
 * runs out of descriptors starting them.
 * PLACEHOLDER (helper h5): h1 measures the init's per-container descriptor
 * cost and sets the real value; the lead reconciles the two. */
#ifndef INIT_MAX_CONTAINERS
#define INIT_MAX_CONTAINERS 4000
#endif

#endif

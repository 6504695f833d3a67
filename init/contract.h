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
 * appliance may declare; the builder refuses more, saying why. Each costs
 * PID 1 two descriptors from its first start on: its output pipe while it
 * runs and its log, which stays open. The kernel starts the VM's PID 1 with
 * 1024/4096; the init raises both to fs.nr_open (1048576) but must not rely
 * on more than the 4096 it always has: 64 stay for its own (stdio,
 * signalfd, power button, the control line or socket and 8 peers with two
 * log files each, the 7 a start holds for a moment), and (4096 - 64) / 2 is
 * 2016. Beyond descriptors the loop is linear in the containers per event,
 * which 2000 keeps cheap. */
#define INIT_MAX_CONTAINERS 2000

#endif

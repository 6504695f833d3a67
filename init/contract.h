/* What bulkhead build writes for bulkhead-init to read, spelled once for
 * both: image/ includes this header and nothing else of init/. */
#ifndef BULKHEAD_CONTRACT_H
#define BULKHEAD_CONTRACT_H

/* Kernel options the builder puts on the command line (numbers in MiB). */
#define BOOT_OPTION_MEMORY "bulkhead.memory=" /* the memory the appliance was built to need */
#define BOOT_OPTION_INITRD "bulkhead.initrd=" /* what its initramfs takes unpacked */

/* The initramfs's last entry. The kernel unpacks entries in order and stops
 * at the first it has no room for, so this file is there only when the
 * whole archive was unpacked. */
#define INITRD_END "etc/bulkhead/initrd.end"

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The init's reading of the ACPI button driver's netlink event
 * (init/power.c), without a VM: the bytes the kernel sends for a press of
 * the power button (drivers/acpi/event.c's layout) are one, from port 0;
 * the same bytes from any other port, another button, another family,
 * a command other than the event's, or cut anywhere, are not, and never
 * read past what was received. qemu-tests/power.t shows the real button,
 * and the same forgery sent from containers. */
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdlib.h>

#include "../init/init.h"
#include "tap.h"

#define FAMILY 27

/* One message as acpi_bus_generate_netlink_event writes it: the
 * generic netlink header (ACPI_GENL_CMD_EVENT, version 1), then one
 * attribute (ACPI_GENL_ATTR_EVENT) holding device_class[20], bus_id[15],
 * type and data. */
struct event {
	struct nlmsghdr header;
	struct genlmsghdr genl;
	struct nlattr attr;
	char device_class[20];
	char bus_id[15];
	uint32_t type __attribute__((aligned(4)));
	uint32_t data;
};

static struct event press(const char *device_class)
{
	struct event e;

	memset(&e, 0, sizeof(e));
	e.header = (struct nlmsghdr){ .nlmsg_len = sizeof(e), .nlmsg_type = FAMILY };
	e.genl = (struct genlmsghdr){ .cmd = 1, .version = 1 };
	e.attr = (struct nlattr){ .nla_len = NLA_HDRLEN + 44, .nla_type = 1 };
	memcpy(e.device_class, device_class, strnlen(device_class, sizeof(e.device_class)));
	memcpy(e.bus_id, "LNXPWRBN:00", sizeof("LNXPWRBN:00"));
	e.type = 0x80;
	e.data = 1;
	return e;
}

TEST(the_kernels_power_button_event_is_a_press)
{
	struct event e = press("button/power");

	ASSERT_TRUE(sizeof(e) == NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN + 44);
	ASSERT_TRUE(power_message_is_press(&e, sizeof(e), 0, FAMILY));
}

TEST(the_same_bytes_from_a_process_are_not)
{
	struct event e = press("button/power");

	ASSERT_TRUE(!power_message_is_press(&e, sizeof(e), 1, FAMILY));
	ASSERT_TRUE(!power_message_is_press(&e, sizeof(e), 4242, FAMILY));
	ASSERT_TRUE(!power_message_is_press(&e, sizeof(e), UINT32_MAX, FAMILY));
}

TEST(other_buttons_families_and_commands_are_not)
{
	struct event e = press("button/sleep");

	ASSERT_TRUE(!power_message_is_press(&e, sizeof(e), 0, FAMILY));
	e = press("button/powerx");
	ASSERT_TRUE(!power_message_is_press(&e, sizeof(e), 0, FAMILY));
	e = press("button/power");
	ASSERT_TRUE(!power_message_is_press(&e, sizeof(e), 0, FAMILY + 1));
	ASSERT_TRUE(!power_message_is_press(&e, sizeof(e), 0, 0));
	e.genl.cmd = 2;
	ASSERT_TRUE(!power_message_is_press(&e, sizeof(e), 0, FAMILY));
	e = press("button/power");
	e.attr.nla_type = 2;
	ASSERT_TRUE(!power_message_is_press(&e, sizeof(e), 0, FAMILY));
}

/* A press after another message in the same read counts. */
TEST(a_press_second_in_a_read_counts)
{
	struct event both[2] = { press("button/sleep"), press("button/power") };

	ASSERT_TRUE(power_message_is_press(both, sizeof(both), 0, FAMILY));
}

/* Cut at every length, in a buffer of exactly that size (a read past it
 * would be AddressSanitizer's to see in make asan): never a press, since
 * the event's attribute no longer fits. */
TEST(a_message_cut_anywhere_is_not_a_press_and_is_not_read_past)
{
	struct event e = press("button/power");

	for (size_t n = 0; n < sizeof(e); n++) {
		char *copy = malloc(n ? n : 1);
		ASSERT_TRUE(copy != NULL);
		memcpy(copy, &e, n);
		if (power_message_is_press(copy, n, 0, FAMILY))
			TAP_FAIL("a message cut at %zu of %zu bytes was taken for a press", n, sizeof(e));
		free(copy);
	}
}

/* Lengths that lie: a header or an attribute that claims more than was
 * received, or an attribute too short for the event. */
TEST(lengths_that_lie_are_not_a_press)
{
	struct event e = press("button/power");

	e.header.nlmsg_len = sizeof(e) + 4;
	ASSERT_TRUE(!power_message_is_press(&e, sizeof(e), 0, FAMILY));
	e = press("button/power");
	e.attr.nla_len = NLA_HDRLEN + 44 + 8;
	ASSERT_TRUE(!power_message_is_press(&e, sizeof(e), 0, FAMILY));
	e.attr.nla_len = NLA_HDRLEN + 19;
	ASSERT_TRUE(!power_message_is_press(&e, sizeof(e), 0, FAMILY));
	e.attr.nla_len = 2;
	ASSERT_TRUE(!power_message_is_press(&e, sizeof(e), 0, FAMILY));
}

/* Random bytes from port 0: never a crash, and a press only by a
 * miracle the test would report. */
TEST(random_bytes_from_the_kernel_are_not_a_press)
{
	uint32_t buf[64];

	srand(17);
	for (int round = 0; round < 20000; round++) {
		size_t n = (size_t)rand() % sizeof(buf);
		for (size_t i = 0; i < sizeof(buf) / sizeof(buf[0]); i++)
			buf[i] = (uint32_t)rand();
		if (round % 2 && n >= NLMSG_HDRLEN) /* half of them with a header that fits */
			((struct nlmsghdr *)buf)->nlmsg_len = (uint32_t)n;
		if (power_message_is_press(buf, n, 0, FAMILY))
			TAP_FAIL("random bytes (round %d, %zu bytes) were taken for a press", round, n);
	}
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ACPI power button (QEMU's system_powerdown, a real one on metal),
 * heard as the kernel's ACPI button driver tells it to every listener: a
 * message on generic netlink's "acpi_event" family, as acpid hears it.
 *
 * Not through an input event device: that needs evdev, a second module
 * whose signature Debian's kernel checks as it loads (21 ms of a boot under
 * TCG, more than its work). The driver sends both for every press.
 *
 * The family's names and numbers are the kernel's (drivers/acpi/event.c),
 * not in its uapi headers: they have not changed since 2.6.23. */
#include <errno.h>
#include <limits.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "init.h"

#define ACPI_FAMILY "acpi_event"
#define ACPI_GROUP "acpi_mc_group"
#define ACPI_CMD_EVENT 1
#define ACPI_ATTR_EVENT 1
/* The event's first member: its device class, "button/power" for the power
 * button (NUL-padded to 20 bytes). */
#define ACPI_CLASS_BYTES 20
#define POWER_CLASS "button/power"

#define MESSAGE_BYTES 4096

/* Receives one message on FD into BUF: its length, and in *SENDER the
 * port it came from (0: the kernel); 0 for a truncated one (dropped), -1
 * when none is left. */
static ssize_t receive(int fd, char *buf, size_t size, uint32_t *sender)
{
	struct sockaddr_nl from = { 0 };
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
	static bool told_lost;

	if (n < 0 && errno == ENOBUFS && !told_lost) {
		/* The socket overflowed: only a flood from a process with
		 * CAP_NET_ADMIN over the VM's network does that. */
		log_warn("power button: ACPI events were lost (the socket overflowed); a press may have been missed");
		told_lost = true;
	}
	if (n < 0)
		return errno == EINTR || errno == ENOBUFS ? 0 : -1;
	*sender = msg.msg_namelen == sizeof(from) && from.nl_family == AF_NETLINK ? from.nl_pid : UINT32_MAX;
	return msg.msg_flags & MSG_TRUNC ? 0 : n;
}

/* The attributes of the generic netlink message at H (its length
 * checked), and their length in *LEN. */
static const uint8_t *attributes(const struct nlmsghdr *h, size_t *len)
{
	*len = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	return (const uint8_t *)NLMSG_DATA(h) + GENL_HDRLEN;
}

/* In a CTRL_CMD_GETFAMILY answer's multicast groups (the nested
 * attributes at GROUPS, LEN bytes, numbered from 1): the id of the group
 * named NAME, or 0. */
static uint32_t group_id(const uint8_t *groups, size_t len, const char *name)
{
	const uint8_t *g, *v;
	size_t g_len, v_len;
	uint32_t id = 0;

	for (uint16_t i = 1; (g = netlink_attribute(groups, len, i, &g_len)); i++)
		if ((v = netlink_attribute(g, g_len, CTRL_ATTR_MCAST_GRP_NAME, &v_len)) && v_len == strlen(name) + 1 &&
		    memcmp(v, name, v_len) == 0 && (v = netlink_attribute(g, g_len, CTRL_ATTR_MCAST_GRP_ID, &v_len)) &&
		    v_len >= sizeof(id)) {
			memcpy(&id, v, sizeof(id));
			return id;
		}
	return 0;
}

/* Asks the kernel for the acpi_event family; its id, and in *GROUP its
 * multicast group's; 0 if it has none (no ACPI, or no networking). The
 * kernel answers within the send, so the answer is read without waiting. */
static uint16_t acpi_family(int fd, uint32_t *group)
{
	struct {
		struct nlmsghdr header;
		struct genlmsghdr genl;
		struct nlattr name;
		char value[NLA_ALIGN(sizeof(ACPI_FAMILY))];
	} req = {
		.header = { .nlmsg_len = sizeof(req), .nlmsg_type = GENL_ID_CTRL, .nlmsg_flags = NLM_F_REQUEST },
		.genl = { .cmd = CTRL_CMD_GETFAMILY, .version = 1 },
		.name = { .nla_len = NLA_HDRLEN + sizeof(ACPI_FAMILY), .nla_type = CTRL_ATTR_FAMILY_NAME },
		.value = ACPI_FAMILY,
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char buf[MESSAGE_BYTES] __attribute__((aligned(NLMSG_ALIGNTO)));
	uint16_t family = 0;
	uint32_t sender = UINT32_MAX;

	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) != (ssize_t)sizeof(req))
		return 0;
	ssize_t n = receive(fd, buf, sizeof(buf), &sender);
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	if (n <= 0 || sender != 0 || !NLMSG_OK(h, (size_t)n) || h->nlmsg_type != GENL_ID_CTRL ||
	    h->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
		return 0;
	size_t len, v_len;
	const uint8_t *attrs = attributes(h, &len), *v;
	if ((v = netlink_attribute(attrs, len, CTRL_ATTR_FAMILY_ID, &v_len)) && v_len >= sizeof(family))
		memcpy(&family, v, sizeof(family));
	if ((v = netlink_attribute(attrs, len, CTRL_ATTR_MCAST_GROUPS, &v_len)))
		*group = group_id(v, v_len, ACPI_GROUP);
	return *group ? family : 0;
}

/* A socket that hears the ACPI events, or -1. The family's id is kept for
 * power_button_pressed: one per boot, one socket. */
static uint16_t acpi_family_id;

int power_button_open(bool driver_loading)
{
	uint32_t group = 0;
	_cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_GENERIC);

	/* The request gives the socket a port of its own (autobind): the
	 * kernel sends a group's messages past port 0, an unbound socket's. */
	if (fd < 0 || !(acpi_family_id = acpi_family(fd, &group)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
		return -1;
	/* The family exists with ACPI alone: without the button driver no
	 * press would ever come. One still loading says so if it fails. */
	if (!driver_loading && access("/sys/bus/acpi/drivers/button", F_OK) < 0)
		return -1;
	return steal_fd(&fd);
}

/* H is an ACPI event (of FAMILY) of the power button. */
static bool is_power_press(const struct nlmsghdr *h, uint16_t family)
{
	if (!family || h->nlmsg_type != family || h->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN) ||
	    ((struct genlmsghdr *)NLMSG_DATA(h))->cmd != ACPI_CMD_EVENT)
		return false;
	size_t len, event_len;
	const uint8_t *attrs = attributes(h, &len);
	const uint8_t *event = netlink_attribute(attrs, len, ACPI_ATTR_EVENT, &event_len);
	return event && event_len >= ACPI_CLASS_BYTES &&
	       strncmp((const char *)event, POWER_CLASS, ACPI_CLASS_BYTES) == 0;
}

/* At most this many messages a turn of the loop: a sender that keeps the
 * socket full (it needs CAP_NET_ADMIN over the VM's network) cannot hold
 * PID 1 here; the rest wait for the next turn. */
#define MESSAGES_A_TURN 64

bool power_message_is_press(const void *buf, size_t n, uint32_t sender, uint16_t family)
{
	/* A process in the init's network namespace (a container with
	 * network: host and CAP_NET_ADMIN there) may send to our socket and
	 * to the group; only the kernel sends from port 0. */
	/* Signed: NLMSG_NEXT takes a last message's alignment off what is
	 * left, which may go below zero, where NLMSG_OK stops. */
	ssize_t left = n > (size_t)SSIZE_MAX ? SSIZE_MAX : (ssize_t)n;

	if (sender != 0)
		return false;
	for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left))
		if (is_power_press(h, family))
			return true;
	return false;
}

bool power_button_pressed(int fd)
{
	char buf[MESSAGE_BYTES] __attribute__((aligned(NLMSG_ALIGNTO)));
	bool pressed = false;
	uint32_t sender = UINT32_MAX;
	ssize_t n;

	for (int i = 0; i < MESSAGES_A_TURN && (n = receive(fd, buf, sizeof(buf), &sender)) >= 0; i++)
		pressed |= n > 0 && power_message_is_press(buf, (size_t)n, sender, acpi_family_id);
	return pressed;
}

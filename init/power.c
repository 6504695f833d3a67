/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ACPI power button (QEMU's system_powerdown, a real one on metal):
 * the kernel's button driver reports it as KEY_POWER on an event device. */
#include <fcntl.h>
#include <linux/input.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "init.h"

#define BITS_PER_LONG (sizeof(unsigned long) * 8)

static bool has_power_key(int fd)
{
	unsigned long keys[KEY_MAX / BITS_PER_LONG + 1];

	memset(keys, 0, sizeof(keys));
	if (ioctl(fd, EVIOCGBIT(EV_KEY, sizeof(keys)), keys) < 0)
		return false;
	return keys[KEY_POWER / BITS_PER_LONG] & (1UL << (KEY_POWER % BITS_PER_LONG));
}

/* A keyboard reports KEY_POWER too (QEMU's AT keyboard does): the ACPI
 * button, named "Power Button" by its driver, is the one preferred. */
int power_button_open(void)
{
	char path[32], name[64];
	_cleanup_close_ int fallback = -1;

	for (int i = 0; i < 32; i++) {
		snprintf(path, sizeof(path), "/dev/input/event%d", i);
		_cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 || !has_power_key(fd))
			continue;
		memset(name, 0, sizeof(name));
		if (ioctl(fd, EVIOCGNAME(sizeof(name) - 1), name) >= 0 && strstr(name, "Power Button"))
			return steal_fd(&fd);
		if (fallback < 0)
			fallback = steal_fd(&fd);
	}
	return steal_fd(&fallback);
}

bool power_button_pressed(int fd)
{
	struct input_event events[16];
	bool pressed = false;
	ssize_t n;

	while ((n = read(fd, events, sizeof(events))) > 0)
		for (size_t i = 0; i < (size_t)n / sizeof(events[0]); i++)
			pressed |= events[i].type == EV_KEY && events[i].code == KEY_POWER && events[i].value == 1;
	return pressed;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* net-driver: the init's network code (init/net.c, netlink.c, dhcp.c) run
 * on its own, as tests/init-net.t needs it in a network namespace of its
 * making: the init configures interfaces only as the machine's PID 1.
 *
 *   net-driver RESOLV SPEC...
 *       SPEC: NAME=dhcp, or NAME=ADDRESS/PREFIX[,GATEWAY]; either may end
 *       in ;DNS (one server). Configures each as the init does, then turns
 *       the same poll loop the supervisor does (the DHCP sockets and their
 *       deadline) until SIGTERM or SIGINT. Logs go to stderr as the init's.
 *       Exits at once when no interface needs the loop (static only). */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "../../init/init.h"

static int parse_spec(char *text, struct interface_spec *spec)
{
	char *eq = strchr(text, '='), *dns = strchr(text, ';'), *slash, *comma;

	if (!eq || (size_t)(eq - text) >= sizeof(spec->name))
		return -1;
	memcpy(spec->name, text, (size_t)(eq - text));
	if (dns) {
		*dns++ = '\0';
		if (inet_pton(AF_INET, dns, &spec->dns[0]) != 1)
			return -1;
		spec->n_dns = 1;
	}
	char *value = eq + 1;
	if (strcmp(value, "dhcp") == 0) {
		spec->dhcp = true;
		return 0;
	}
	if (!(slash = strchr(value, '/')))
		return -1;
	*slash++ = '\0';
	if ((comma = strchr(slash, ','))) {
		*comma++ = '\0';
		if (inet_pton(AF_INET, comma, &spec->gateway) != 1)
			return -1;
	}
	spec->prefix = (unsigned)atoi(slash);
	return inet_pton(AF_INET, value, &spec->address) == 1 && spec->prefix >= 1 && spec->prefix <= 32 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct interface_spec specs[NET_POLL_MAX] = { 0 };
	struct pollfd fds[NET_POLL_MAX + 1];
	size_t n = 0;
	sigset_t set;

	if (argc < 3 || argc - 2 > NET_POLL_MAX) {
		fprintf(stderr, "usage: net-driver RESOLV SPEC...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++, n++)
		if (parse_spec(argv[i], &specs[n]) < 0) {
			fprintf(stderr, "net-driver: bad spec %s\n", argv[i]);
			return 2;
		}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);

	struct net *net = net_start(specs, n, argv[1]);
	if (!net)
		return 0;
	for (;;) {
		struct timespec ts;
		fds[0] = (struct pollfd){ .fd = signal_fd, .events = POLLIN };
		size_t n_net = net_poll_fds(net, fds + 1);
		long due = net_deadline(net), wait;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		wait = due == LONG_MAX ? -1 : due - (ts.tv_sec * 1000L + ts.tv_nsec / 1000000L);
		if (poll(fds, 1 + n_net, wait < 0 && due != LONG_MAX ? 0 : (int)(wait > 60000 ? 60000 : wait)) < 0 &&
		    errno != EINTR)
			return 1;
		if (fds[0].revents)
			return 0;
		net_handle(net, fds + 1, n_net);
	}
}

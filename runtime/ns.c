/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Namespaces: the OCI type names and their clone flags. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

static const struct {
	const char *type;
	int flag;
} namespace_types[] = {
	{ "pid", CLONE_NEWPID },   { "network", CLONE_NEWNET }, { "mount", CLONE_NEWNS },
	{ "ipc", CLONE_NEWIPC },   { "uts", CLONE_NEWUTS },     { "user", CLONE_NEWUSER },
	{ "cgroup", CLONE_NEWCGROUP },
};

int bh_ns_flag(const char *type, int *flag)
{
	for (size_t i = 0; i < ARRAY_SIZE(namespace_types); i++)
		if (strcmp(type, namespace_types[i].type) == 0) {
			*flag = namespace_types[i].flag;
			return 0;
		}
	return -EINVAL;
}

const char *bh_ns_type_at(size_t i)
{
	return i < ARRAY_SIZE(namespace_types) ? namespace_types[i].type : NULL;
}

int bh_ns_join(const struct bh_config *c, struct bh_err *err)
{
	for (size_t i = 0; i < c->n_joins; i++) {
		const struct bh_ns_join *join = &c->joins[i];
		_cleanup_close_ int fd = open(join->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return bh_fail_errno(err, -errno, "namespace %s", join->path);
		if (setns(fd, join->flag) < 0)
			return bh_fail_errno(err, -errno, "joining namespace %s", join->path);
	}
	return 0;
}

/* lo up through SOCK, a socket of the namespace it is in: 0, or -errno. */
static int loopback_up_through(int sock)
{
	struct ifreq ifr = { .ifr_name = "lo" };

	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	if (ifr.ifr_flags & IFF_UP)
		return 0;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(sock, SIOCSIFFLAGS, &ifr) < 0 ? -errno : 0;
}

int bh_loopback_up(void)
{
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (sock < 0)
		return -errno;
	int r = loopback_up_through(sock);
	close(sock);
	return r;
}

int bh_ns_new_network_ready(const struct bh_config *c, struct bh_err *err)
{
	/* A network namespace is born with its loopback down: 127.0.0.1
	 * unreachable, a process that talks to another of the container's
	 * over it (a health check's wget, php-fpm behind nginx) refused.
	 * runc and crun bring it up, Docker's --network none leaves it up,
	 * podman's none relies on the runtime for it. One joined by path is
	 * its maker's (podman's netavark, the init's networks): left as it is. */
	if (!(c->clone_flags & CLONE_NEWNET))
		return 0;
	int r = bh_loopback_up();
	return r < 0 ? bh_fail_errno(err, r, "bringing up lo in the container's new network namespace") : 0;
}

int bh_ns_loopback_socket_send(int to)
{
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	/* Without a socket the byte goes alone: the parent must not wait
	 * for one that does not come. */
	int r = bh_fd_send(to, sock, "s", 1);

	if (sock >= 0)
		close(sock);
	return r;
}

int bh_ns_loopback_up_received(int from, long timeout_ms)
{
	struct pollfd ready = { .fd = from, .events = POLLIN };
	int n;

	do
		n = poll(&ready, 1, (int)timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n < 0 ? -errno : -ETIMEDOUT;
	int sock = bh_fd_receive(from, MSG_DONTWAIT);
	if (sock < 0)
		return sock;
	int r = loopback_up_through(sock);
	close(sock);
	return r;
}

static int write_map(pid_t pid, const char *file, const struct bh_id_map *maps, size_t n, struct bh_err *err)
{
	char path[64], text[1024];
	size_t len = 0;

	/* The kernel takes the whole map in one write. */
	for (size_t i = 0; i < n && len < sizeof(text); i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%u %u %u\n", maps[i].container_id,
					maps[i].host_id, maps[i].size);
	if (len >= sizeof(text))
		return bh_fail(err, -E2BIG, "%s: too many mappings", file);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	int r = bh_write_file(path, text);
	if (r < 0)
		return bh_fail_errno(err, r, "writing %s", file);
	return 0;
}

int bh_ns_write_id_maps(const struct bh_config *c, pid_t pid, struct bh_err *err)
{
	if (!(c->clone_flags & CLONE_NEWUSER))
		return 0;
	int r = write_map(pid, "uid_map", c->uid_maps, c->n_uid_maps, err);
	return r < 0 ? r : write_map(pid, "gid_map", c->gid_maps, c->n_gid_maps, err);
}

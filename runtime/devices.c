/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The device cgroup of cgroup v2: linux.resources.devices compiled into an
 * eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE) and attached to the
 * container's cgroup, as crun and runc do. The kernel runs it on every
 * open and mknod of a device node by any process in the cgroup; it answers
 * 1 (allow) or 0 (deny, the caller gets EPERM).
 *
 * OCI's list is ordered and the last entry that matches wins. Access is
 * decided bit by bit (m, r, w): for each bit the request holds, the last
 * entry naming that bit and matching the device decides; a bit no entry
 * decides is denied. So "allow rwm" then "deny w" leaves r and m, and a
 * device no entry names is denied (deny by default).
 *
 * Two kinds of entries follow the config's, so that they win: the default
 * nodes every container gets (null, zero, full, random, urandom, tty, and
 * the terminal's ptmx and pty slaves) are allowed rwm, since the spec has
 * the runtime supply them and a node that cannot be opened is not supplied
 * (a config with only "deny all", as podman and `runc spec` write it, still
 * gets a working /dev/null, as under runc and crun); and each node of
 * linux.devices may be made (m), since the runtime makes it once the
 * program is attached; opening it stays as the list says. */
#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "internal.h"

/* Each rule takes at most 5 instructions per access bit: the caps on
 * entries keep every jump within the 16-bit offsets eBPF has. */
#define MAX_RULES (BH_MAX_DEVICE_RULES + ARRAY_SIZE(bh_default_device_rules) + BH_MAX_CONFIG_DEVICE_RULES)
#define MAX_INSNS (3 + 3 * (9 * MAX_RULES + 5) + 2)
/* linux.devices has no cap of its own; with a device list, this is it. */
#define BH_MAX_CONFIG_DEVICE_RULES 1024

#define RWM (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)
/* mount-dev.c's default nodes, by their numbers, the devpts's ptmx and its pty
 * slaves (136:N). Unlike runc's list, not c 5:1: a /dev/console made with
 * mknod would be the machine's console (the appliance's log), and a
 * terminal's /dev/console is the pty. spec.c writes them into the default. */
const struct bh_device_rule bh_default_device_rules[] = {
	{ true, 'c', 1, 3, RWM }, /* null */    { true, 'c', 1, 5, RWM }, /* zero */
	{ true, 'c', 1, 7, RWM }, /* full */    { true, 'c', 1, 8, RWM }, /* random */
	{ true, 'c', 1, 9, RWM }, /* urandom */ { true, 'c', 5, 0, RWM }, /* tty */
	{ true, 'c', 5, 2, RWM }, /* ptmx */    { true, 'c', 136, -1, RWM }, /* pty slaves */
};
const size_t bh_n_default_device_rules = ARRAY_SIZE(bh_default_device_rules);
/* The names of the first of those, the nodes mount-dev.c makes, in order. */
const char *const bh_default_node_names[] = { "null", "zero", "full", "random", "urandom", "tty" };
const size_t bh_n_default_nodes = ARRAY_SIZE(bh_default_node_names);

struct program {
	struct bpf_insn insns[MAX_INSNS];
	size_t n;
	/* The config's entries, then the ones that follow them (above). */
	struct bh_device_rule rules[MAX_RULES];
	size_t n_rules;
};

static void emit(struct program *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	/* MAX_INSNS bounds what compile() can emit; this is a backstop. */
	if (p->n >= MAX_INSNS)
		return;
	p->insns[p->n++] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

/* The registers the program keeps: the context comes in r1, and is kept
 * in r6 (callee-saved) for the passes to load the device from. */
enum { R0, R1, R2_TYPE, R3_ACCESS, R4_MAJOR, R5_MINOR, R6_CTX };

static void emit_exit(struct program *p, int verdict)
{
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, verdict);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static int type_bit(char type)
{
	return type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
}

/* One rule for one access bit: its checks skip to the next rule when the
 * device differs; past them, an allow jumps to DONE (patched by the
 * caller, its index returned), a deny ends the program. Returns the index
 * of the jump to patch, or -1 when there is none. */
static long emit_rule(struct program *p, const struct bh_device_rule *r)
{
	struct check {
		uint8_t reg;
		int32_t value;
	} checks[3];
	int k = 0;

	if (r->type != 'a')
		checks[k++] = (struct check){ R2_TYPE, type_bit(r->type) };
	if (r->major >= 0)
		checks[k++] = (struct check){ R4_MAJOR, (int32_t)r->major };
	if (r->minor >= 0)
		checks[k++] = (struct check){ R5_MINOR, (int32_t)r->minor };
	int tail = r->allow ? 1 : 2;
	/* r2 = type, r4 = major, r5 = minor, loaded afresh for each rule:
	 * what the verifier learnt of them on each way here (this check
	 * equal, that one not) is then dead, and those ways are one state to
	 * it, not one each. Loaded once, the default list took 1.6 ms to
	 * verify (1398 instructions walked for 209): most of a start. */
	emit(p, BPF_LDX | BPF_W | BPF_MEM, R2_TYPE, R6_CTX, 0, 0);
	emit(p, BPF_ALU64 | BPF_AND | BPF_K, R2_TYPE, 0, 0, 0xffff);
	emit(p, BPF_LDX | BPF_W | BPF_MEM, R4_MAJOR, R6_CTX, 4, 0);
	emit(p, BPF_LDX | BPF_W | BPF_MEM, R5_MINOR, R6_CTX, 8, 0);
	for (int j = 0; j < k; j++)
		emit(p, BPF_JMP32 | BPF_JNE | BPF_K, checks[j].reg, 0, (int16_t)(k - j - 1 + tail), checks[j].value);
	if (!r->allow) {
		emit_exit(p, 0);
		return -1;
	}
	emit(p, BPF_JMP | BPF_JA, 0, 0, 0, 0);
	return (long)p->n - 1;
}

static void patch(struct program *p, long at, size_t target)
{
	p->insns[at].off = (int16_t)((long)target - at - 1);
}

/* The list the program enforces: the config's, the defaults, then an m
 * for each char or block node of linux.devices (a fifo is no device). */
static void gather_rules(const struct bh_config *c, struct program *p)
{
	p->n_rules = 0;
	for (size_t i = 0; i < c->n_device_rules; i++)
		p->rules[p->n_rules++] = c->device_rules[i];
	for (size_t i = 0; i < ARRAY_SIZE(bh_default_device_rules); i++)
		p->rules[p->n_rules++] = bh_default_device_rules[i];
	for (size_t i = 0; i < c->n_devices; i++) {
		const struct bh_device *d = &c->devices[i];
		if (S_ISCHR(d->mode) || S_ISBLK(d->mode))
			p->rules[p->n_rules++] = (struct bh_device_rule){
				true, S_ISBLK(d->mode) ? 'b' : 'c', d->major, d->minor, BPF_DEVCG_ACC_MKNOD
			};
	}
}

static void compile(struct program *p)
{
	static const int bits[] = { BPF_DEVCG_ACC_MKNOD, BPF_DEVCG_ACC_READ, BPF_DEVCG_ACC_WRITE };
	static const int all_bits[] = { RWM };
	long pending[MAX_RULES + 1];
	/* When every entry names all three bits (the default list does),
	 * the last one that matches decides them all at once: one pass, not
	 * one per bit, a third of the program for the verifier to walk. */
	bool uniform = true;
	for (size_t i = 0; i < p->n_rules; i++)
		uniform &= p->rules[i].access == RWM;
	const int *passes = uniform ? all_bits : bits;
	size_t n_passes = uniform ? ARRAY_SIZE(all_bits) : ARRAY_SIZE(bits);

	p->n = 0;
	/* r3 = access (struct bpf_cgroup_dev_ctx's access_type >> 16). */
	emit(p, BPF_ALU64 | BPF_MOV | BPF_X, R6_CTX, R1, 0, 0);
	emit(p, BPF_LDX | BPF_W | BPF_MEM, R3_ACCESS, R6_CTX, 0, 0);
	emit(p, BPF_ALU64 | BPF_RSH | BPF_K, R3_ACCESS, 0, 0, 16);
	for (size_t b = 0; b < n_passes; b++) {
		size_t n_pending = 0;
		/* Not asked for: nothing to decide for this bit. */
		emit(p, BPF_ALU64 | BPF_MOV | BPF_X, R1, R3_ACCESS, 0, 0);
		emit(p, BPF_ALU64 | BPF_AND | BPF_K, R1, 0, 0, passes[b]);
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, R1, 0, 0, 0);
		pending[n_pending++] = (long)p->n - 1;
		/* The last entry that matches wins: walk them from the end. One
		 * that matches every device decides, and the verifier refuses
		 * code that cannot be reached: the earlier ones are not emitted. */
		bool decided = false;
		for (size_t i = p->n_rules; !decided && i-- > 0;) {
			const struct bh_device_rule *r = &p->rules[i];
			if (!(r->access & passes[b]))
				continue;
			long at = emit_rule(p, r);
			if (at >= 0)
				pending[n_pending++] = at;
			decided = r->type == 'a' && r->major < 0 && r->minor < 0;
		}
		if (!decided)
			emit_exit(p, 0);
		for (size_t i = 0; i < n_pending; i++)
			patch(p, pending[i], p->n);
	}
	emit_exit(p, 1);
}

static long bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

#define KERNEL_NEEDS " (enforcing linux.resources.devices needs a kernel with CONFIG_BPF_SYSCALL and CONFIG_CGROUP_BPF)"

/* The programs this process loaded, by their instructions. The init
 * starts many containers whose device lists are the same, and a program
 * once verified can be attached to any number of cgroups: the kernel
 * verifies it once per appliance, not once per start. Compared whole,
 * never by a hash: two lists must never share a program by accident. */
#define LOADED_MAX 4
static struct loaded {
	struct bpf_insn *insns; /* NULL: a free slot */
	size_t n;
	int fd;
} loaded[LOADED_MAX];
static size_t loaded_next; /* the slot to reuse when all are taken */

static int loaded_fd(const struct program *p)
{
	for (size_t i = 0; i < LOADED_MAX; i++)
		if (loaded[i].insns && loaded[i].n == p->n && !memcmp(loaded[i].insns, p->insns, p->n * sizeof(*p->insns)))
			return loaded[i].fd;
	return -1;
}

/* Keeps FD as P's program; false (FD closed) without memory. */
static bool remember_loaded(const struct program *p, int fd)
{
	struct loaded *slot = &loaded[loaded_next++ % LOADED_MAX];
	struct bpf_insn *copy = malloc(p->n * sizeof(*p->insns));

	if (!copy) {
		close(fd);
		return false;
	}
	if (slot->insns) {
		free(slot->insns);
		close(slot->fd);
	}
	memcpy(copy, p->insns, p->n * sizeof(*p->insns));
	*slot = (struct loaded){ .insns = copy, .n = p->n, .fd = fd };
	return true;
}

/* P's program: loaded before (the fd stays the cache's), or now. Returns
 * its fd, or -errno with err set. */
static int load_program(const struct program *p, struct bh_err *err)
{
	char log[1024] = "";
	union bpf_attr attr;
	int fd = loaded_fd(p);

	if (fd >= 0)
		return fd;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)p->insns;
	attr.insn_cnt = (uint32_t)p->n;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	/* Without a log: writing the verifier's story costs more than the
	 * verifying. Only a refused program is loaded again, with one, to
	 * say why (a log too small for the story leaves it unsaid). */
	if ((fd = (int)bpf(BPF_PROG_LOAD, &attr)) >= 0)
		return remember_loaded(p, fd) ? fd : bh_fail(err, -ENOMEM, "devices: out of memory");
	int e = errno;
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	if ((fd = (int)bpf(BPF_PROG_LOAD, &attr)) >= 0)
		close(fd); /* it passed this time: the first answer stands */
	log[strcspn(log, "\n")] = '\0';
	return bh_fail(err, -e, "devices: loading the device program: %s%s%s%s", strerror(e), log[0] ? ": " : "", log,
		       (e == ENOSYS || e == EINVAL) && !log[0] ? KERNEL_NEEDS : "");
}

int bh_devices_apply(const struct bh_config *c, int cgroup_fd, struct bh_err *err)
{
	/* About 300 KiB: not for the stack, and not for malloc either, which
	 * maps a block that size for each start and unmaps it after, a TLB
	 * flush each time. Ours for the process: bulkhead's programs apply
	 * device lists from one thread, one at a time. */
	static struct program program;
	struct program *p = &program;
	union bpf_attr attr;

	if (!c->has_device_rules)
		return 0;
	/* Without a cgroup of its own the container would share the caller's,
	 * and the list could not be applied to it alone: refuse rather than
	 * start a container without the rules its config asks for. */
	if (cgroup_fd < 0)
		return bh_fail(err, -EINVAL, "devices: linux.resources.devices needs linux.cgroupsPath, the cgroup to "
					     "attach the device program to");
	if (c->n_devices > BH_MAX_CONFIG_DEVICE_RULES)
		return bh_fail(err, -E2BIG, "devices: linux.devices has %zu entries; with linux.resources.devices at "
					    "most %d are supported", c->n_devices, BH_MAX_CONFIG_DEVICE_RULES);
	gather_rules(c, p);
	compile(p);
	int prog = load_program(p, err);
	if (prog < 0)
		return prog;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgroup_fd;
	attr.attach_bpf_fd = (uint32_t)prog;
	attr.attach_type = BPF_CGROUP_DEVICE;
	/* ALLOW_MULTI: the kernel runs the programs of every ancestor too and
	 * all must allow, so nothing below can widen what we grant. */
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (bpf(BPF_PROG_ATTACH, &attr) < 0)
		return bh_fail(err, -errno, "devices: attaching the device program to the cgroup: %s%s", strerror(errno),
			       errno == EINVAL || errno == ENOSYS ? KERNEL_NEEDS : "");
	/* The attachment holds the program too; the fd stays loaded[]'s. */
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Output formats. kernel+initrd is what QEMU's -kernel boots; raw-efi is
 * one GPT disk that UEFI firmware boots with no other file: an EFI System
 * Partition holding \EFI\BOOT\BOOTX64.EFI, the removable-media path that
 * firmware tries without any boot entry. That file is a unified kernel
 * image: systemd's UEFI stub with the kernel, the initrd and the command
 * line joined to it as PE sections, so nothing is read from the disk after
 * it and the command line cannot go missing. qcow2 is the same disk in
 * QEMU's format.
 *
 * Every byte is reproducible: objcopy's PE time stamp is replaced by
 * SOURCE_DATE_EPOCH, the FAT's serial and the GPT's GUIDs are derived from
 * the unified image's content, and mtools writes its time stamps from
 * SOURCE_DATE_EPOCH (FAT starts in 1980: earlier is clamped). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"

#define EFI_STUB "/usr/lib/systemd/boot/efi/linuxx64.efi.stub"
#define MIB (1024LL * 1024)
#define FAT_EPOCH 315532800LL /* 1980-01-01T00:00:00Z */
#define ESP_TYPE "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"

const struct format formats[N_FORMATS] = {
	[FORMAT_KERNEL_INITRD] = { "kernel+initrd", "initrd.img", NULL },
	[FORMAT_RAW_EFI] = { "raw-efi", "disk.img", "raw" },
	[FORMAT_QCOW2] = { "qcow2", "disk.qcow2", "qcow2" },
};

int format_named(const char *name)
{
	for (int i = 0; i < N_FORMATS; i++)
		if (strcmp(formats[i].name, name) == 0)
			return i;
	return -1;
}

int format_of(const char *dir)
{
	char path[PATH_MAX];

	for (int i = 0; i < N_FORMATS; i++) {
		if (!formats[i].qemu)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, formats[i].file);
		if (access(path, F_OK) == 0)
			return i;
	}
	return FORMAT_KERNEL_INITRD;
}

static long long source_date_epoch(void)
{
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	return epoch ? strtoll(epoch, NULL, 10) : 0;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Where a PE image's headers are: the COFF header follows the "PE\0\0"
 * signature whose offset sits at 0x3c; the optional header follows it. */
struct pe {
	size_t coff, optional;
};

static int pe_find(const unsigned char *data, size_t len, struct pe *pe)
{
	if (len < 0x40 || data[0] != 'M' || data[1] != 'Z')
		return -1;
	size_t at = le32(data + 0x3c);
	/* Up to the optional header's CheckSum, which is all we touch. */
	if (at + 4 + 20 + 68 > len || memcmp(data + at, "PE\0\0", 4) != 0)
		return -1;
	pe->coff = at + 4;
	pe->optional = pe->coff + 20;
	return 0;
}

/* The PE checksum: the 16-bit one's-complement-style sum of the file with
 * the checksum field left out, plus the file's length. */
static uint32_t pe_checksum(const unsigned char *data, size_t len, size_t field)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i += 2) {
		if (i == field || i == field + 2)
			continue;
		sum += (uint32_t)data[i] | (i + 1 < len ? (uint32_t)data[i + 1] << 8 : 0);
		sum = (sum & 0xffff) + (sum >> 16);
	}
	sum = (sum & 0xffff) + (sum >> 16);
	return sum + (uint32_t)len;
}

static int read_whole(const char *path, unsigned char **data, size_t *len, struct diag *d)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*data = NULL;
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return diag_errno(d, errno, "%s", path);
	}
	*len = (size_t)st.st_size;
	if (!(*data = malloc(*len ? *len : 1))) {
		close(fd);
		return diag_fail(d, "out of memory");
	}
	size_t got = 0;
	for (ssize_t n; got < *len; got += (size_t)n)
		if ((n = read(fd, *data + got, *len - got)) <= 0)
			break;
	close(fd);
	if (got != *len) {
		free(*data);
		*data = NULL;
		return diag_fail(d, "%s: short read", path);
	}
	return 0;
}

/* How far the stub's image reaches in memory (SizeOfImage): the sections
 * added to it go above that. */
static int stub_end(uint64_t *end, struct diag *d)
{
	unsigned char *data;
	size_t len;
	struct pe pe;

	if (access(EFI_STUB, R_OK) < 0)
		return diag_fail(d, "%s: %s; make deps installs it (Debian package systemd-boot-efi)", EFI_STUB,
				 strerror(errno));
	if (read_whole(EFI_STUB, &data, &len, d) < 0)
		return -1;
	int r = pe_find(data, len, &pe) < 0 ? diag_fail(d, "%s: not a PE image", EFI_STUB) : 0;
	if (r == 0)
		*end = le32(data + pe.optional + 56);
	free(data);
	return r;
}

static uint64_t align_up(uint64_t v, uint64_t to)
{
	return (v + to - 1) / to * to;
}

/* FNV-1a, 64 bits, continued from H: enough to tell contents apart for
 * identifiers (this is no integrity check). */
static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* A GUID named by the content hash H and what it is for (an RFC 9562
 * version 8 UUID: derived, not random). */
static void derived_guid(uint64_t h, const char *purpose, char *out, size_t size)
{
	unsigned char g[16];
	uint64_t a = fnv1a(h, purpose, strlen(purpose)), b = fnv1a(a, purpose, strlen(purpose));

	for (int i = 0; i < 8; i++) {
		g[i] = (unsigned char)(a >> (8 * i));
		g[8 + i] = (unsigned char)(b >> (8 * i));
	}
	g[6] = (unsigned char)((g[6] & 0x0f) | 0x80);
	g[8] = (unsigned char)((g[8] & 0x3f) | 0x80);
	snprintf(out, size, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", g[0], g[1], g[2],
		 g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

/* objcopy stamps the PE header with the time of the build: the stamp
 * becomes SOURCE_DATE_EPOCH and the checksum is made again. Returns the
 * content hash of the result in *HASH. */
static int make_reproducible(const char *path, uint64_t *hash, struct diag *d)
{
	unsigned char *data;
	size_t len;
	struct pe pe;

	if (read_whole(path, &data, &len, d) < 0)
		return -1;
	if (pe_find(data, len, &pe) < 0) {
		free(data);
		return diag_fail(d, "%s: objcopy wrote no PE image", path);
	}
	size_t stamp = pe.coff + 4, checksum = pe.optional + 64;
	put_le32(data + stamp, (uint32_t)source_date_epoch());
	put_le32(data + checksum, pe_checksum(data, len, checksum));
	int r = 0, fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || pwrite(fd, data + stamp, 4, (off_t)stamp) != 4 ||
	    pwrite(fd, data + checksum, 4, (off_t)checksum) != 4)
		r = diag_errno(d, errno, "%s", path);
	if (fd >= 0 && close(fd) < 0 && r == 0)
		r = diag_errno(d, errno, "%s", path);
	*hash = fnv1a(0xcbf29ce484222325ULL, data, len);
	free(data);
	return r;
}

/* DIR/uki.efi: the stub with .cmdline, .linux and .initrd above its own
 * sections, each page-aligned. */
static int make_uki(const char *dir, const char *cmdline, char *uki, size_t size, struct diag *d)
{
	char kernel[PATH_MAX], initrd[PATH_MAX], cmdline_file[PATH_MAX];
	char add_cmdline[PATH_MAX + 16], add_linux[PATH_MAX + 16], add_initrd[PATH_MAX + 16];
	char vma_cmdline[64], vma_linux[64], vma_initrd[64];
	struct stat k;
	uint64_t at = 0;

	snprintf(kernel, sizeof(kernel), "%s/kernel", dir);
	snprintf(initrd, sizeof(initrd), "%s/initrd.img", dir);
	snprintf(cmdline_file, sizeof(cmdline_file), "%s/uki-cmdline", dir);
	snprintf(uki, size, "%s/uki.efi", dir);
	if (stub_end(&at, d) < 0)
		return -1;
	if (stat(kernel, &k) < 0)
		return diag_errno(d, errno, "%s", kernel);
	/* The section holds the bare line: no newline for the kernel to see. */
	FILE *f = fopen(cmdline_file, "w");
	if (!f || fputs(cmdline, f) < 0 || fclose(f) != 0)
		return diag_errno(d, errno, "%s", cmdline_file);
	at = align_up(at, 4096);
	snprintf(vma_cmdline, sizeof(vma_cmdline), ".cmdline=0x%llx", (unsigned long long)at);
	at = align_up(at + strlen(cmdline) + 1, 4096);
	snprintf(vma_linux, sizeof(vma_linux), ".linux=0x%llx", (unsigned long long)at);
	at = align_up(at + (uint64_t)k.st_size, 4096);
	snprintf(vma_initrd, sizeof(vma_initrd), ".initrd=0x%llx", (unsigned long long)at);
	snprintf(add_cmdline, sizeof(add_cmdline), ".cmdline=%s", cmdline_file);
	snprintf(add_linux, sizeof(add_linux), ".linux=%s", kernel);
	snprintf(add_initrd, sizeof(add_initrd), ".initrd=%s", initrd);
	const char *argv[] = {
		"objcopy", "--add-section", add_cmdline, "--change-section-vma", vma_cmdline, "--add-section",
		add_linux, "--change-section-vma", vma_linux, "--add-section", add_initrd, "--change-section-vma",
		vma_initrd, EFI_STUB, uki, NULL,
	};
	int r = run_tool(argv, NULL, NULL, "binutils", d);
	unlink(cmdline_file);
	return r;
}

/* DIR/disk.img: a GPT with one partition, the ESP, from 1 MiB on; the
 * FAT is made and filled in place by mtools (IMAGE@@OFFSET), unmounted. */
static int make_disk(const char *dir, const char *uki, uint64_t hash, char *disk, size_t size, struct diag *d)
{
	struct stat st;

	if (stat(uki, &st) < 0)
		return diag_errno(d, errno, "%s", uki);
	/* Room for the FAT's own tables and some slack. */
	long long esp = align_up((uint64_t)st.st_size + (uint64_t)st.st_size / 50 + MIB, MIB);
	long long esp_sectors = esp / 512;
	snprintf(disk, size, "%s/disk.img", dir);
	int fd = open(disk, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	/* Before and after the ESP: the GPT and its backup, 1 MiB each. */
	if (fd < 0 || ftruncate(fd, MIB + esp + MIB) < 0 || close(fd) < 0)
		return diag_errno(d, errno, "%s", disk);

	char disk_guid[40], esp_guid[40], script[512];
	derived_guid(hash, "bulkhead disk", disk_guid, sizeof(disk_guid));
	derived_guid(hash, "bulkhead esp", esp_guid, sizeof(esp_guid));
	snprintf(script, sizeof(script),
		 "label: gpt\nlabel-id: %s\nunit: sectors\nfirst-lba: 2048\n"
		 "start=2048, size=%lld, type=" ESP_TYPE ", uuid=%s, name=\"EFI System\"\n",
		 disk_guid, esp_sectors, esp_guid);
	const char *sfdisk[] = { "sfdisk", "--quiet", "--no-reread", "--no-tell-kernel", disk, NULL };
	if (run_tool(sfdisk, NULL, script, "fdisk", d) < 0)
		return -1;

	/* Time stamps from SOURCE_DATE_EPOCH in UTC; no user's mtools
	 * configuration may change what is written. */
	long long epoch = source_date_epoch() < FAT_EPOCH ? FAT_EPOCH : source_date_epoch();
	char env_epoch[64], image[PATH_MAX + 32], serial[16], sectors[32];
	snprintf(env_epoch, sizeof(env_epoch), "SOURCE_DATE_EPOCH=%lld", epoch);
	const char *env[] = { env_epoch, "TZ=UTC", "MTOOLSRC=/dev/null", NULL };
	snprintf(image, sizeof(image), "%s@@%lld", disk, MIB);
	snprintf(serial, sizeof(serial), "%08x", (unsigned)(fnv1a(hash, "serial", 6) & 0xffffffffu));
	snprintf(sectors, sizeof(sectors), "%lld", esp_sectors);
	/* mcopy -m keeps the file's time: the UKI's is set to the epoch. */
	struct timespec times[2] = { { .tv_sec = (time_t)epoch }, { .tv_sec = (time_t)epoch } };
	if (utimensat(AT_FDCWD, uki, times, 0) < 0)
		return diag_errno(d, errno, "%s", uki);
	const char *mformat[] = { "mformat", "-i", image, "-N", serial, "-v", "BULKHEAD", "-H", "2048", "-T", sectors,
				  "-h", "64", "-s", "32", "::", NULL };
	const char *mmd[] = { "mmd", "-i", image, "::/EFI", "::/EFI/BOOT", NULL };
	const char *mcopy[] = { "mcopy", "-m", "-i", image, uki, "::/EFI/BOOT/BOOTX64.EFI", NULL };
	if (run_tool(mformat, env, NULL, "mtools", d) < 0 || run_tool(mmd, env, NULL, "mtools", d) < 0 ||
	    run_tool(mcopy, env, NULL, "mtools", d) < 0)
		return -1;
	return 0;
}

bool disk_kernel_has_efi_stub(const char *kernel)
{
	unsigned char head[0x40], pe[4];
	int fd = open(kernel, O_RDONLY | O_CLOEXEC);
	bool yes = false;

	/* An EFI stub makes the bzImage a PE file: "MZ", and at the offset
	 * in 0x3c, "PE\0\0". Without one it starts with a legacy boot sector. */
	if (fd >= 0 && pread(fd, head, sizeof(head), 0) == (ssize_t)sizeof(head) && head[0] == 'M' && head[1] == 'Z') {
		uint32_t offset = (uint32_t)head[0x3c] | (uint32_t)head[0x3d] << 8 | (uint32_t)head[0x3e] << 16 |
				  (uint32_t)head[0x3f] << 24;
		yes = pread(fd, pe, sizeof(pe), offset) == (ssize_t)sizeof(pe) && memcmp(pe, "PE\0\0", 4) == 0;
	}
	if (fd >= 0)
		close(fd);
	return yes;
}

int disk_write(const char *dir, int format, const char *cmdline, struct diag *d)
{
	char uki[PATH_MAX], disk[PATH_MAX], path[PATH_MAX];
	uint64_t hash = 0;

	if (make_uki(dir, cmdline, uki, sizeof(uki), d) < 0 || make_reproducible(uki, &hash, d) < 0 ||
	    make_disk(dir, uki, hash, disk, sizeof(disk), d) < 0)
		return -1;
	/* The disk holds them all now. */
	static const char *const parts[] = { "uki.efi", "kernel", "initrd.img" };
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, parts[i]);
		unlink(path);
	}
	if (format != FORMAT_QCOW2)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, formats[FORMAT_QCOW2].file);
	const char *convert[] = { "qemu-img", "convert", "-f", "raw", "-O", "qcow2", disk, path, NULL };
	if (run_tool(convert, NULL, NULL, "qemu-utils", d) < 0)
		return -1;
	unlink(disk);
	return 0;
}

#define _GNU_SOURCE
#include "CSystemCalls.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

int templatetrack_rename_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath) {
#ifdef SYS_renameat2
    return (int)syscall(SYS_renameat2, olddirfd, oldpath, newdirfd, newpath, RENAME_NOREPLACE);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int templatetrack_syncfs(int fd) {
    return syncfs(fd);
}

int templatetrack_reserve(int fd, long long length) {
    return fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)length);
}

int templatetrack_identity(int dirfd, const char *name, char *buffer, unsigned long size) {
    int flags = AT_SYMLINK_NOFOLLOW | (name[0] == 0 ? AT_EMPTY_PATH : 0);
    struct statx info;
    int written;
    if (statx(dirfd, name, flags, STATX_INO | STATX_BTIME, &info) == 0) {
        unsigned long long device = makedev(info.stx_dev_major, info.stx_dev_minor);
        if (info.stx_mask & STATX_BTIME) {
            written = snprintf(buffer, size, "%llu:%llu:%lld.%09u", device, (unsigned long long)info.stx_ino,
                (long long)info.stx_btime.tv_sec, (unsigned)info.stx_btime.tv_nsec);
        } else {
            written = snprintf(buffer, size, "%llu:%llu", device, (unsigned long long)info.stx_ino);
        }
    } else if (errno == ENOSYS || errno == EPERM) {  /* no statx, or one a seccomp filter refuses */
        struct stat plain;
        if (fstatat(dirfd, name, &plain, flags) != 0) return -1;
        written = snprintf(buffer, size, "%llu:%llu", (unsigned long long)plain.st_dev, (unsigned long long)plain.st_ino);
    } else {
        return -1;
    }
    if (written < 0 || (unsigned long)written >= size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

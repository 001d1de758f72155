#define _GNU_SOURCE
#include "CSystemCalls.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
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

#ifndef CSYSTEMCALLS_H
#define CSYSTEMCALLS_H

/// renameat2(RENAME_NOREPLACE): moves `oldpath` to `newpath` only if nothing is there, atomically.
/// Returns 0, or -1 with errno set (EEXIST when something is there).
int templatetrack_rename_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);

/// syncfs(2): writes out everything pending on the file system that holds `fd`.
/// Returns 0, or -1 with errno set.
int templatetrack_syncfs(int fd);

/// fallocate(2) with FALLOC_FL_KEEP_SIZE: reserves `length` bytes of disk for `fd` from offset 0
/// without changing its size. Returns 0, or -1 with errno set (EOPNOTSUPP where the file
/// system cannot, ENOSPC when the disk is too full).
int templatetrack_reserve(int fd, long long length);

#endif

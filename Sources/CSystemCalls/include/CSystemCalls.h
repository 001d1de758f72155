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

/// The identity of `name` in `dirfd` (of `dirfd` itself when `name` is empty), never following a
/// link: "device:inode", then ":seconds.nanoseconds" of its birth time where the file system
/// records one, so that a new file given a freed inode number is not taken for the old one.
/// Writes at most `size` bytes to `buffer`; returns 0, or -1 with errno set.
int templatetrack_identity(int dirfd, const char *name, char *buffer, unsigned long size);

#endif

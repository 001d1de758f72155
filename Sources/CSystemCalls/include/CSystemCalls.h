#ifndef TEMPLATETRACK_CSYSTEMCALLS_H
#define TEMPLATETRACK_CSYSTEMCALLS_H

/// Atomically swaps two paths (Linux renameat2 with RENAME_EXCHANGE). Returns 0 or -1 with errno.
int templatetrack_exchange_paths(const char *first, const char *second);

#endif

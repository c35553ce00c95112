/* storevfs.h — part of the store module: a database file written behind the connection,
 * by a thread of its own.
 *
 * Every page SQLite writes costs the connection's thread a pwrite, in which the kernel
 * copies the page into its cache (and does ext4's delayed allocation and the memory
 * cgroup's accounting): for a plan of 2 million rows, 560 MB of narvaro.sqlite, a third
 * of the insert's time, and 1.8 s when the whole file was written at the commit instead.
 * NV_STORE_VFS is SQLite's default VFS (https://sqlite.org/vfs.html) with one difference,
 * for a main database file only: xWrite copies the bytes into a queue and returns, and a
 * writer thread does the writes, in the order given, so that the file gets the same
 * bytes in the same order as without it. Every other method of that file first waits
 * for the writes it depends on: a read for the queued writes it overlaps, the rest
 * (size, truncate, sync, locks, file controls, close) for all of them. Temporary files
 * and journals are the default VFS's as they are.
 *
 * A write that fails is reported by the next call on the file that waits for it or
 * queues another write, with the code the default VFS gives (SQLITE_FULL for a full
 * disk, SQLITE_IOERR_WRITE else), and xGetLastError then gives its errno, so that
 * sqlite3_system_errno can name the cause; nothing more is written after it. With
 * synchronous = OFF SQLite does not wait for the file at the commit: the caller does,
 * with nv_store_vfs_flush, before it calls the database complete.
 *
 * The queue holds at most NV_STORE_VFS_QUEUE_BYTES; a write that finds it full waits.
 * When the thread cannot be started, or a queue entry cannot be allocated, the file is
 * written directly, as by the default VFS.
 *
 * Threads: the connection's thread and the file's writer; the file is used by one
 * connection (SQLITE_OPEN_NOMUTEX is fine). */
#ifndef NV_STORE_VFS_H
#define NV_STORE_VFS_H

#include <sqlite3.h>

/* The name to give sqlite3_open_v2. */
#define NV_STORE_VFS "narvaro-behind"

#define NV_STORE_VFS_QUEUE_BYTES (8 << 20)

/* Registers NV_STORE_VFS (not as the default), once; thread-safe. SQLITE_OK or SQLite's
 * error code. */
int nv_store_vfs_register(void);

/* Waits until every write queued for db's main file is done. SQLITE_OK, or the first
 * failed write's code with its errno in *sys_errno (0 when none; may be NULL). A file
 * of another VFS: SQLITE_OK at once. */
int nv_store_vfs_flush(sqlite3 *db, int *sys_errno);

#endif

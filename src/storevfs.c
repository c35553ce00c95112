/* storevfs.c — a database file written behind the connection (storevfs.h). */
#include "storevfs.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* File control opcode of nv_store_vfs_flush (SQLite leaves the opcodes above 100 to VFSes
 * of its users; this one spells "nvf1"). */
#define FCNTL_FLUSH 0x6e766631

/* The queue's slots, and how many queued writes wake an idle writer: a wake-up is a
 * system call on both sides, which at one a page cost more than the copies. */
enum { QUEUE_SLOTS = 1024, WAKE_AT = 64 };

/* One queued write. The buffer stays with its slot and is reused. */
typedef struct slot {
    sqlite3_int64 off;
    int n;
    size_t cap;
    unsigned char *buf;
} slot;

/* The flush's answer, through sqlite3_file_control. */
typedef struct flush_result {
    int sys_errno;
} flush_result;

typedef struct behind_file {
    sqlite3_file base;
    sqlite3_file *real; /* the default VFS's file, in the memory after this struct */
    int threaded;       /* a writer thread runs: the fields below are in use */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t queued; /* a slot was filled, or stop was set */
    pthread_cond_t done;   /* a slot was written */
    slot *ring;            /* QUEUE_SLOTS of them; the queue is head .. head + count */
    size_t head, count, bytes;
    sqlite3_int64 lo, hi; /* the byte range the queued writes cover (since it was last empty) */
    int idle;    /* the writer waits for f->queued */
    int waiting; /* the connection's thread waits for f->done */
    int stop;
    int rc, sys_errno; /* the first failed write */
} behind_file;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs behind_vfs;
static int register_rc = SQLITE_OK;
static pthread_once_t register_once = PTHREAD_ONCE_INIT;

/* The errno of the failure a method of this thread last returned from the writer's
 * queue; xGetLastError gives it instead of the default VFS's. */
static _Thread_local int last_errno;

static void *writer_main(void *arg)
{
    behind_file *f = arg;
    pthread_mutex_lock(&f->mu);
    for (;;) {
        while (!f->count && !f->stop) {
            f->idle = 1;
            pthread_cond_wait(&f->queued, &f->mu);
            f->idle = 0;
        }
        if (!f->count)
            break;
        /* The slot stays counted while it is written: the connection's thread fills
         * only the slots after the queue, and leaves this one alone. */
        slot *s = &f->ring[f->head];
        int failed = f->rc != SQLITE_OK;
        pthread_mutex_unlock(&f->mu);
        int rc = SQLITE_OK, e = 0;
        if (!failed) { /* nothing is written after a failure */
            errno = 0;
            rc = f->real->pMethods->xWrite(f->real, s->buf, s->n, s->off);
            e = errno;
        }
        pthread_mutex_lock(&f->mu);
        if (rc != SQLITE_OK && f->rc == SQLITE_OK)
            f->rc = rc, f->sys_errno = rc == SQLITE_FULL && !e ? ENOSPC : e;
        f->head = (f->head + 1) % QUEUE_SLOTS;
        f->count--;
        f->bytes -= (size_t)s->n;
        if (f->waiting)
            pthread_cond_signal(&f->done);
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

/* Waits for the writer to finish a write, waking it first if it waits for fewer than
 * WAKE_AT. Called with f->mu held. */
static void wait_done(behind_file *f)
{
    if (f->idle)
        pthread_cond_signal(&f->queued);
    f->waiting = 1;
    pthread_cond_wait(&f->done, &f->mu);
    f->waiting = 0;
}

/* Waits until no queued write overlaps [off, off + n) (every one, when n < 0); returns
 * the first failed write's code. Called with f->mu held. */
static int wait_for(behind_file *f, sqlite3_int64 off, sqlite3_int64 n)
{
    while (f->count && (n < 0 || (off < f->hi && off + n > f->lo)))
        wait_done(f);
    if (f->rc != SQLITE_OK)
        last_errno = f->sys_errno;
    return f->rc;
}

static int drain(behind_file *f)
{
    if (!f->threaded)
        return SQLITE_OK;
    pthread_mutex_lock(&f->mu);
    int rc = wait_for(f, 0, -1);
    pthread_mutex_unlock(&f->mu);
    return rc;
}

/* ---------------------------------------------------------------- the file's methods */

static int behind_close(sqlite3_file *file)
{
    behind_file *f = (behind_file *)file;
    int rc = drain(f);
    if (f->threaded) {
        pthread_mutex_lock(&f->mu);
        f->stop = 1;
        pthread_cond_signal(&f->queued);
        pthread_mutex_unlock(&f->mu);
        pthread_join(f->thread, NULL);
        for (size_t i = 0; i < QUEUE_SLOTS; i++)
            free(f->ring[i].buf);
        free(f->ring);
        pthread_cond_destroy(&f->queued);
        pthread_cond_destroy(&f->done);
        pthread_mutex_destroy(&f->mu);
        f->threaded = 0;
    }
    int rc2 = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
    return rc != SQLITE_OK ? rc : rc2;
}

static int behind_read(sqlite3_file *file, void *buf, int n, sqlite3_int64 off)
{
    behind_file *f = (behind_file *)file;
    last_errno = 0;
    if (f->threaded) {
        pthread_mutex_lock(&f->mu);
        int rc = wait_for(f, off, n);
        pthread_mutex_unlock(&f->mu);
        if (rc != SQLITE_OK)
            return rc;
    }
    return f->real->pMethods->xRead(f->real, buf, n, off);
}

static int behind_write(sqlite3_file *file, const void *buf, int n, sqlite3_int64 off)
{
    behind_file *f = (behind_file *)file;
    last_errno = 0;
    if (!f->threaded)
        return f->real->pMethods->xWrite(f->real, buf, n, off);
    pthread_mutex_lock(&f->mu);
    while (f->rc == SQLITE_OK && (f->count == QUEUE_SLOTS || (f->count && f->bytes + (size_t)n > NV_STORE_VFS_QUEUE_BYTES)))
        wait_done(f);
    if (f->rc != SQLITE_OK) {
        last_errno = f->sys_errno;
        pthread_mutex_unlock(&f->mu);
        return f->rc;
    }
    /* The slot after the queue is this thread's until it is counted. */
    slot *s = &f->ring[(f->head + f->count) % QUEUE_SLOTS];
    pthread_mutex_unlock(&f->mu);
    if (s->cap < (size_t)n) {
        unsigned char *b = realloc(s->buf, (size_t)n);
        if (!b) { /* no memory for the queue: this write is done here, after the others */
            int rc = drain(f);
            return rc != SQLITE_OK ? rc : f->real->pMethods->xWrite(f->real, buf, n, off);
        }
        s->buf = b, s->cap = (size_t)n;
    }
    memcpy(s->buf, buf, (size_t)n);
    s->off = off, s->n = n;
    pthread_mutex_lock(&f->mu);
    if (!f->count)
        f->lo = off, f->hi = off + n;
    else {
        if (off < f->lo) f->lo = off;
        if (off + n > f->hi) f->hi = off + n;
    }
    f->count++;
    f->bytes += (size_t)n;
    if (f->idle && f->count >= WAKE_AT)
        pthread_cond_signal(&f->queued);
    pthread_mutex_unlock(&f->mu);
    return SQLITE_OK;
}

/* The methods that wait for every queued write, then do what the default VFS does. */
#define AFTER_WRITES(call)                                  \
    behind_file *f = (behind_file *)file;                   \
    last_errno = 0;                                         \
    int rc = drain(f);                                      \
    return rc != SQLITE_OK ? rc : f->real->pMethods->call

static int behind_truncate(sqlite3_file *file, sqlite3_int64 size) { AFTER_WRITES(xTruncate(f->real, size)); }
static int behind_sync(sqlite3_file *file, int flags) { AFTER_WRITES(xSync(f->real, flags)); }
static int behind_file_size(sqlite3_file *file, sqlite3_int64 *size) { AFTER_WRITES(xFileSize(f->real, size)); }
static int behind_lock(sqlite3_file *file, int lock) { AFTER_WRITES(xLock(f->real, lock)); }
static int behind_unlock(sqlite3_file *file, int lock) { AFTER_WRITES(xUnlock(f->real, lock)); }
static int behind_check_reserved(sqlite3_file *file, int *out) { AFTER_WRITES(xCheckReservedLock(f->real, out)); }

static int behind_file_control(sqlite3_file *file, int op, void *arg)
{
    behind_file *f = (behind_file *)file;
    last_errno = 0;
    int rc = drain(f);
    if (op == FCNTL_FLUSH) {
        ((flush_result *)arg)->sys_errno = rc != SQLITE_OK ? last_errno : 0;
        return rc;
    }
    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileControl(f->real, op, arg);
}

/* These touch nothing that a write touches. */
static int behind_sector_size(sqlite3_file *file)
{
    behind_file *f = (behind_file *)file;
    return f->real->pMethods->xSectorSize(f->real);
}

static int behind_device_characteristics(sqlite3_file *file)
{
    behind_file *f = (behind_file *)file;
    return f->real->pMethods->xDeviceCharacteristics(f->real);
}

/* Version 1: no shared memory (WAL), which a file without a journal does not use, and no
 * xFetch, so that SQLite never reads the file through a mapping that a queued write has
 * not reached yet. */
static const sqlite3_io_methods behind_methods = {
    1,
    behind_close,
    behind_read,
    behind_write,
    behind_truncate,
    behind_sync,
    behind_file_size,
    behind_lock,
    behind_unlock,
    behind_check_reserved,
    behind_file_control,
    behind_sector_size,
    behind_device_characteristics,
    NULL, NULL, NULL, NULL, NULL, NULL,
};

/* ---------------------------------------------------------------- the VFS */

/* Starts the writer of a main database file; 0 when it cannot (the file is then written
 * directly). */
static int start_writer(behind_file *f)
{
    if (!(f->ring = calloc(QUEUE_SLOTS, sizeof *f->ring)))
        return 0;
    if (pthread_mutex_init(&f->mu, NULL) != 0)
        goto no_mutex;
    if (pthread_cond_init(&f->queued, NULL) != 0)
        goto no_queued;
    if (pthread_cond_init(&f->done, NULL) != 0)
        goto no_done;
    if (pthread_create(&f->thread, NULL, writer_main, f) == 0)
        return f->threaded = 1;
    pthread_cond_destroy(&f->done);
no_done:
    pthread_cond_destroy(&f->queued);
no_queued:
    pthread_mutex_destroy(&f->mu);
no_mutex:
    free(f->ring);
    f->ring = NULL;
    return 0;
}

static int behind_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags, int *out_flags)
{
    (void)vfs;
    behind_file *f = (behind_file *)file;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)(f + 1);
    int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        if (f->real->pMethods)
            f->real->pMethods->xClose(f->real);
        f->base.pMethods = NULL;
        return rc;
    }
    /* Other files (temporary ones, journals) are written directly: with no writer, every
     * method is the default VFS's. */
    if (flags & SQLITE_OPEN_MAIN_DB)
        start_writer(f);
    f->base.pMethods = &behind_methods;
    return SQLITE_OK;
}

static int behind_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int behind_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int behind_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *behind_dlopen(sqlite3_vfs *vfs, const char *name)
{
    (void)vfs;
    return real_vfs->xDlOpen(real_vfs, name);
}

static void behind_dlerror(sqlite3_vfs *vfs, int n, char *msg)
{
    (void)vfs;
    real_vfs->xDlError(real_vfs, n, msg);
}

static void (*behind_dlsym(sqlite3_vfs *vfs, void *lib, const char *sym))(void)
{
    (void)vfs;
    return real_vfs->xDlSym(real_vfs, lib, sym);
}

static void behind_dlclose(sqlite3_vfs *vfs, void *lib)
{
    (void)vfs;
    real_vfs->xDlClose(real_vfs, lib);
}

static int behind_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return real_vfs->xRandomness(real_vfs, n, out);
}

static int behind_sleep(sqlite3_vfs *vfs, int us)
{
    (void)vfs;
    return real_vfs->xSleep(real_vfs, us);
}

static int behind_current_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    return real_vfs->xCurrentTime(real_vfs, out);
}

static int behind_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    (void)vfs;
    if (real_vfs->iVersion >= 2 && real_vfs->xCurrentTimeInt64)
        return real_vfs->xCurrentTimeInt64(real_vfs, out);
    double d;
    int rc = real_vfs->xCurrentTime(real_vfs, &d);
    *out = (sqlite3_int64)(d * 86400000.0);
    return rc;
}

static int behind_last_error(sqlite3_vfs *vfs, int n, char *msg)
{
    (void)vfs;
    return last_errno ? last_errno : real_vfs->xGetLastError(real_vfs, n, msg);
}

static void register_vfs(void)
{
    if ((register_rc = sqlite3_initialize()) != SQLITE_OK)
        return;
    if (!(real_vfs = sqlite3_vfs_find(NULL))) {
        register_rc = SQLITE_ERROR;
        return;
    }
    behind_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(behind_file) + real_vfs->szOsFile,
        .mxPathname = real_vfs->mxPathname,
        .zName = NV_STORE_VFS,
        .xOpen = behind_open,
        .xDelete = behind_delete,
        .xAccess = behind_access,
        .xFullPathname = behind_full_pathname,
        .xDlOpen = behind_dlopen,
        .xDlError = behind_dlerror,
        .xDlSym = behind_dlsym,
        .xDlClose = behind_dlclose,
        .xRandomness = behind_randomness,
        .xSleep = behind_sleep,
        .xCurrentTime = behind_current_time,
        .xGetLastError = behind_last_error,
        .xCurrentTimeInt64 = behind_current_time_int64,
    };
    register_rc = sqlite3_vfs_register(&behind_vfs, 0);
}

int nv_store_vfs_register(void)
{
    pthread_once(&register_once, register_vfs);
    return register_rc;
}

int nv_store_vfs_flush(sqlite3 *db, int *sys_errno)
{
    flush_result r = {0};
    sqlite3_file *file = NULL;
    if (sys_errno)
        *sys_errno = 0;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK || !file ||
        file->pMethods != &behind_methods)
        return SQLITE_OK;
    int rc = file->pMethods->xFileControl(file, FCNTL_FLUSH, &r);
    if (sys_errno)
        *sys_errno = r.sys_errno;
    return rc;
}

/* storevfs: a database written behind the connection must be the same file, byte for
 * byte, as one written directly, also when a small page cache makes SQLite read back,
 * rewrite and move pages while their writes are still queued; and a write that fails in
 * the writer thread must not be lost: the statement, the commit or nv_store_vfs_flush
 * reports it, with the errno the file system gave (EFBIG past the file size limit). */
#include "nv_test.h"
#include "nv_test_sql.h"
#include "storevfs.h"

#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

/* A transaction that writes, reads back, updates and deletes across far more pages than
 * the cache holds (20 pages), with an index that grows in the middle of the file. */
static const char workload[] =
    "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = 20;"
    "BEGIN;"
    "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v BLOB);"
    "CREATE INDEX t_k ON t (k);"
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)"
    " INSERT INTO t SELECT i, printf('k%05d', (i * 7919) % 20000), zeroblob(100 + i % 300) FROM n;"
    "UPDATE t SET v = zeroblob(50) WHERE id % 3 = 0;"
    "DELETE FROM t WHERE id % 5 = 0;"
    "CREATE TABLE s AS SELECT id, k, length(v) AS n FROM t WHERE id % 2 = 0;"
    "COMMIT;";

static char *slurp(const char *path, long *n)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    *n = -1;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (*n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)*n + 1)) && fread(buf, 1, (size_t)*n, f) != (size_t)*n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

/* The workload into path through vfs (NULL: the default). */
static int write_db(const char *path, const char *vfs)
{
    sqlite3 *db = NULL;
    unlink(path);
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, workload, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = nv_store_vfs_flush(db, NULL);
    /* What was read back inside the transaction was what had been written. */
    if (rc == SQLITE_OK) {
        NV_CHECK_INT(nv_test_sql_long(db, "SELECT count(*) FROM t"), 16000);
        NV_CHECK_INT(nv_test_sql_long(db, "SELECT count(*) FROM s"), 8000);
        NV_CHECK_INT(nv_test_sql_long(db, "SELECT sum(n) FROM s WHERE id % 3 = 0"), 50 * 2667);
        char *ok = nv_test_sql_text(db, "PRAGMA integrity_check");
        NV_CHECK_STR(ok, "ok");
        sqlite3_free(ok);
    }
    sqlite3_close(db);
    return rc;
}

int main(void)
{
    char dir[] = "/tmp/nv-storevfs-XXXXXX", a[64], b[64];
    NV_CHECK(mkdtemp(dir) != NULL);
    snprintf(a, sizeof a, "%s/direct.sqlite", dir);
    snprintf(b, sizeof b, "%s/behind.sqlite", dir);
    NV_CHECK_INT(nv_store_vfs_register(), SQLITE_OK);
    NV_CHECK_INT(nv_store_vfs_register(), SQLITE_OK); /* once is enough, twice is harmless */
    NV_CHECK(sqlite3_vfs_find(NULL) != sqlite3_vfs_find(NV_STORE_VFS)); /* not the default */

    /* The same bytes. */
    NV_CHECK_INT(write_db(a, NULL), SQLITE_OK);
    NV_CHECK_INT(write_db(b, NV_STORE_VFS), SQLITE_OK);
    long na, nb;
    char *da = slurp(a, &na), *db = slurp(b, &nb);
    NV_CHECK(na > 2000000); /* far more than the cache and the queue's slots */
    NV_CHECK_INT(nb, na);
    NV_CHECK(da && db && na == nb && memcmp(da, db, (size_t)na) == 0);
    free(da);
    free(db);

    /* A write refused by the file system (past RLIMIT_FSIZE: EFBIG, not a signal) is
     * reported, by the statement that finds it or at the latest by the flush. */
    struct rlimit old, lim;
    NV_CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
    signal(SIGXFSZ, SIG_IGN);
    lim = old;
    lim.rlim_cur = 256 * 1024;
    NV_CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    sqlite3 *d = NULL;
    unlink(b);
    NV_CHECK_INT(sqlite3_open_v2(b, &d, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NV_STORE_VFS), SQLITE_OK);
    int rc = sqlite3_exec(d, workload, NULL, NULL, NULL), e = 0;
    if (rc == SQLITE_OK) {
        rc = nv_store_vfs_flush(d, &e);
        NV_CHECK_INT(rc & 0xff, SQLITE_IOERR);
    } else {
        NV_CHECK_INT(rc & 0xff, SQLITE_IOERR);
        e = sqlite3_system_errno(d);
    }
    NV_CHECK_INT(e, EFBIG);
    NV_CHECK_INT(nv_store_vfs_flush(d, NULL) & 0xff, SQLITE_IOERR); /* and it stays */
    sqlite3_close(d);
    NV_CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
    signal(SIGXFSZ, SIG_DFL);

    /* A database of the default VFS has nothing queued. */
    NV_CHECK_INT(sqlite3_open(":memory:", &d), SQLITE_OK);
    NV_CHECK_INT(nv_store_vfs_flush(d, &e), SQLITE_OK);
    NV_CHECK_INT(e, 0);
    sqlite3_close(d);

    unlink(a);
    unlink(b);
    rmdir(dir);
    return nv_test_report("test_storevfs");
}

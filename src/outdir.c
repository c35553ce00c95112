/* outdir.c — see outdir.h. */
#include "outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>


/* The working folders of this process that are not yet published or removed: what
 * nv_outdir_abandon_all removes when the process is told to stop. Each entry holds an
 * flock on its folder for as long as it lives, so that another process can tell a live
 * writer's folder from one that a killed writer left. */
typedef struct working {
    char *path;
    int fd;
    struct working *next;
} working;

static pthread_mutex_t working_lock = PTHREAD_MUTEX_INITIALIZER;
static working *working_list;

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    /* An entry another thread renamed or removed meanwhile (a finished map moved into
     * place) is no failure: stopping there would leave the rest of the tree behind. */
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

static int remove_tree_now(const char *dir)
{
    return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Forgets a working folder (the caller holds working_lock); 1 if it was registered. */
static int unregister_locked(const char *dir)
{
    for (working **w = &working_list; *w; w = &(*w)->next)
        if (strcmp((*w)->path, dir) == 0) {
            working *gone = *w;
            *w = gone->next;
            close(gone->fd); /* releases the flock */
            free(gone->path);
            free(gone);
            return 1;
        }
    return 0;
}

int nv_outdir_remove_tree(const char *dir)
{
    int rc = remove_tree_now(dir);
    pthread_mutex_lock(&working_lock);
    unregister_locked(dir);
    pthread_mutex_unlock(&working_lock);
    return rc;
}

void nv_outdir_abandon_all(void)
{
    /* The lock stays held: the process is about to end, and no folder may be registered
     * after this sweep. Writers may still be adding files, hence a few passes. */
    pthread_mutex_lock(&working_lock);
    struct stat sb;
    for (working *w = working_list; w; w = w->next)
        for (int pass = 0; pass < 50 && lstat(w->path, &sb) == 0; pass++)
            if (remove_tree_now(w->path) != 0)
                usleep(1000); /* a writer added a file after the listing: again, shortly */
}

/* The writer's pid in the name of a working folder ("….tmp-PID-XXXXXX"), or of batch's
 * "….tmp-PID" file; 0 for a name of an older narvaro (".….tmp-XXXXXX", no pid); -1 for a
 * name that is not a working folder's. */
static long working_pid(const char *name)
{
    size_t n = strlen(name);
    if (name[0] != '.')
        return -1;
    const char *tmp = NULL;
    for (const char *p = strstr(name, ".tmp-"); p; p = strstr(p + 1, ".tmp-"))
        tmp = p; /* the last one: the destination's own name may hold ".tmp-" */
    if (!tmp || tmp == name)
        return -1;
    const char *d = tmp + 5, *e = d;
    while (*e >= '0' && *e <= '9')
        e++;
    if (e > d && (*e == 0 || (*e == '-' && strlen(e + 1) == 6)))
        return strtol(d, NULL, 10);
    return name + n - d == 6 ? 0 : -1;
}

/* Is the writer of this working folder gone? Its pid must name no process, or name this
 * process and not one of its registered folders, and nobody may hold its flock. A pid
 * reused by another process keeps a leftover for a later run: the safe side. */
static int writer_gone(const char *path, long pid)
{
    if (pid == (long)getpid()) {
        for (working *w = working_list; w; w = w->next)
            if (strcmp(w->path, path) == 0)
                return 0;
    } else if (pid > 0 && !(kill((pid_t)pid, 0) != 0 && errno == ESRCH)) {
        return 0;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : 1;
    int free_lock = flock(fd, LOCK_EX | LOCK_NB) == 0;
    close(fd);
    return free_lock;
}

/* Removes the leftovers in folder whose name starts with prefix (all working folders
 * when prefix is NULL). Old-style names without a pid only when old_style is set. */
static void remove_stale(const char *folder, const char *prefix, int old_style)
{
    DIR *d = opendir(folder);
    if (!d)
        return;
    struct dirent *de;
    char path[4096];
    size_t k = prefix ? strlen(prefix) : 0;
    pthread_mutex_lock(&working_lock);
    while ((de = readdir(d)) != NULL) {
        if (prefix && strncmp(de->d_name, prefix, k) != 0)
            continue;
        long pid = working_pid(de->d_name);
        if (pid < 0 || (pid == 0 && !old_style))
            continue;
        if (snprintf(path, sizeof path, "%s/%s", folder, de->d_name) >= (int)sizeof path)
            continue;
        if (writer_gone(path, pid))
            remove_tree_now(path);
    }
    pthread_mutex_unlock(&working_lock);
    closedir(d);
}

void nv_outdir_remove_stale(const char *dir)
{
    char *copy1 = strdup(dir), *copy2 = strdup(dir), *prefix = NULL;
    if (copy1 && copy2 && asprintf(&prefix, ".%s.tmp-", basename(copy2)) >= 0)
        remove_stale(dirname(copy1), prefix, 0);
    free(prefix);
    free(copy1);
    free(copy2);
}

void nv_outdir_remove_stale_in(const char *folder)
{
    remove_stale(folder, NULL, 1);
}

/* Is dir something we may replace: an earlier result or an empty folder? */
static int replaceable(const char *dir)
{
    char marker[4096];
    snprintf(marker, sizeof marker, "%s/summary.json", dir);
    if (access(marker, F_OK) == 0)
        return 1;
    return rmdir(dir) == 0; /* empty: removed, so a plain rename follows */
}

static nv_status publish(const char *tmp, const char *dir, nv_error *err)
{
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        if (rename(tmp, dir) != 0)
            return nv_error_set(err, NV_ERR_FAIL, dir, 0, "cannot move the result into place: %s", strerror(errno));
        return NV_OK;
    }
    if (!S_ISDIR(sb.st_mode))
        return nv_error_set(err, NV_ERR_INPUT, dir, 0, "exists and is not a folder (choose another --out)");
    if (!replaceable(dir))
        return nv_error_set(err, NV_ERR_INPUT, dir, 0,
                            "exists and does not hold an earlier narvaro result; refusing to replace it "
                            "(choose another --out, or remove it)");
    if (stat(dir, &sb) != 0) { /* it was empty and is gone */
        if (rename(tmp, dir) != 0)
            return nv_error_set(err, NV_ERR_FAIL, dir, 0, "cannot move the result into place: %s", strerror(errno));
        return NV_OK;
    }
    /* Swap both folders in one step: there is never a moment without a complete result. */
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE) != 0)
        return nv_error_set(err, NV_ERR_FAIL, dir, 0, "cannot swap the new result into place: %s", strerror(errno));
    nv_outdir_remove_tree(tmp); /* now holds the earlier result */
    return NV_OK;
}

nv_status nv_outdir_check(const char *dir, nv_error *err)
{
    struct stat sb;
    if (!dir || !dir[0])
        return nv_error_set(err, NV_ERR_INPUT, NULL, 0, "--out needs a folder, not an empty path");
    char *copy = strdup(dir);
    if (!copy)
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    const char *parent = dirname(copy);
    int parent_ok = stat(parent, &sb) == 0 && S_ISDIR(sb.st_mode);
    nv_status st = NV_OK;
    if (!parent_ok)
        st = nv_error_set(err, NV_ERR_INPUT, dir, 0, "its parent folder %s does not exist (create it, or choose "
                          "another --out)", parent);
    free(copy);
    if (st != NV_OK || stat(dir, &sb) != 0)
        return st;
    if (!S_ISDIR(sb.st_mode))
        return nv_error_set(err, NV_ERR_INPUT, dir, 0, "exists and is not a folder (choose another --out)");
    char marker[4096];
    snprintf(marker, sizeof marker, "%s/summary.json", dir);
    if (access(marker, F_OK) == 0)
        return NV_OK;
    DIR *d = opendir(dir);
    int empty = d != NULL;
    for (struct dirent *de; d && empty && (de = readdir(d)) != NULL;)
        empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
    if (d)
        closedir(d);
    if (!empty)
        return nv_error_set(err, NV_ERR_INPUT, dir, 0,
                            "exists and does not hold an earlier narvaro result; refusing to replace it "
                            "(choose another --out, or remove it)");
    return NV_OK;
}

nv_status nv_outdir_publish(const char *tmp, const char *dir, nv_error *err)
{
    nv_status st = publish(tmp, dir, err);
    if (st == NV_OK) { /* tmp is no working folder of ours any more */
        pthread_mutex_lock(&working_lock);
        unregister_locked(tmp);
        pthread_mutex_unlock(&working_lock);
    }
    return st;
}

char *nv_outdir_temp_beside(const char *dir)
{
    char *copy1 = strdup(dir), *copy2 = strdup(dir), *tmpl = NULL;
    working *w = calloc(1, sizeof *w);
    int e = ENOMEM;
    pthread_mutex_lock(&working_lock);
    if (copy1 && copy2 && w &&
        asprintf(&tmpl, "%s/.%s.tmp-%ld-XXXXXX", dirname(copy1), basename(copy2), (long)getpid()) >= 0) {
        if (!mkdtemp(tmpl)) {
            e = errno;
            free(tmpl);
            tmpl = NULL;
        } else if ((w->fd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || flock(w->fd, LOCK_EX) != 0) {
            e = errno;
            if (w->fd >= 0)
                close(w->fd);
            rmdir(tmpl);
            free(tmpl);
            tmpl = NULL;
        } else if (!(w->path = strdup(tmpl))) {
            close(w->fd);
            rmdir(tmpl);
            free(tmpl);
            tmpl = NULL;
        } else {
            w->next = working_list;
            working_list = w;
            w = NULL;
        }
    }
    pthread_mutex_unlock(&working_lock);
    free(w);
    free(copy1);
    free(copy2);
    if (!tmpl)
        errno = e;
    return tmpl;
}

/* ---------------------------------------------------------------- single files */

/* The umask, without changing it (umask() would, for a moment, for every thread). */
static mode_t current_umask(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned mask = 022;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Umask: %o", &mask) == 1)
            break;
    if (f)
        fclose(f);
    return (mode_t)mask;
}

static void outfile_free(nv_outfile *f)
{
    if (f->write_path != f->target)
        free(f->write_path);
    free(f->target);
    f->write_path = f->target = NULL;
}

nv_status nv_outfile_begin(nv_outfile *f, const char *path, nv_error *err)
{
    struct stat sb, lsb;
    f->target = f->write_path = NULL;
    if (!path || !path[0])
        return nv_error_set(err, NV_ERR_INPUT, NULL, 0, "--out needs a file, not an empty path");
    int exists = stat(path, &sb) == 0;
    if (exists && S_ISDIR(sb.st_mode))
        return nv_error_set(err, NV_ERR_INPUT, path, 0, "is a folder; give a file name (e.g. %s/map.png)", path);
    if (exists && !S_ISREG(sb.st_mode)) { /* a device or a FIFO: written into, never replaced */
        if (!(f->target = strdup(path)))
            return nv_error_set(err, NV_ERR_FAIL, path, 0, "out of memory");
        f->write_path = f->target;
        return NV_OK;
    }
    /* A link stays a link: the file it points to is what gets replaced. */
    if (exists && lstat(path, &lsb) == 0 && S_ISLNK(lsb.st_mode))
        f->target = realpath(path, NULL);
    else
        f->target = strdup(path);
    char *copy1 = f->target ? strdup(f->target) : NULL, *copy2 = f->target ? strdup(f->target) : NULL;
    working *w = calloc(1, sizeof *w);
    nv_status st = NV_OK;
    if (!f->target || !copy1 || !copy2 || !w ||
        asprintf(&f->write_path, "%s/.%s.tmp-%ld-XXXXXX", dirname(copy1), basename(copy2), (long)getpid()) < 0) {
        f->write_path = NULL;
        st = nv_error_set(err, NV_ERR_FAIL, path, 0, "out of memory");
        goto done;
    }
    nv_outdir_remove_stale(f->target); /* what a killed writer of this file left */
    pthread_mutex_lock(&working_lock);
    int fd = mkstemp(f->write_path);
    int e = errno;
    if (fd >= 0 && (flock(fd, LOCK_EX) != 0 || fchmod(fd, exists ? sb.st_mode & 07777 : 0666 & ~current_umask()) != 0)) {
        e = errno;
        close(fd);
        unlink(f->write_path);
        fd = -1;
    }
    if (fd >= 0) {
        w->path = f->write_path;
        w->fd = fd;
        w->next = working_list;
        working_list = w;
        w = NULL;
    }
    pthread_mutex_unlock(&working_lock);
    if (fd < 0) {
        char *parent = dirname(copy1);
        struct stat psb;
        st = stat(parent, &psb) != 0 || !S_ISDIR(psb.st_mode)
                 ? nv_error_set(err, NV_ERR_INPUT, path, 0, "its folder %s does not exist (create it, or write "
                                "elsewhere)", parent)
                 : nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot create a file beside it: %s", strerror(e));
    }
done:
    free(w);
    free(copy1);
    free(copy2);
    if (st != NV_OK)
        outfile_free(f);
    return st;
}

/* Forgets the working file (its entry's path is f->write_path itself). */
static void outfile_unregister(nv_outfile *f)
{
    pthread_mutex_lock(&working_lock);
    for (working **w = &working_list; *w; w = &(*w)->next)
        if ((*w)->path == f->write_path) {
            working *gone = *w;
            *w = gone->next;
            close(gone->fd);
            free(gone);
            break;
        }
    pthread_mutex_unlock(&working_lock);
}

nv_status nv_outfile_commit(nv_outfile *f, nv_error *err)
{
    nv_status st = NV_OK;
    if (f->write_path && f->write_path != f->target) {
        if (rename(f->write_path, f->target) != 0) {
            st = nv_error_set(err, NV_ERR_FAIL, f->target, 0, "cannot move the finished file into place: %s",
                              strerror(errno));
            unlink(f->write_path);
        }
        outfile_unregister(f);
    }
    outfile_free(f);
    return st;
}

void nv_outfile_abort(nv_outfile *f, nv_error *err)
{
    if (err && f->write_path && f->write_path != f->target && strcmp(err->path, f->write_path) == 0)
        snprintf(err->path, sizeof err->path, "%s", f->target);
    if (f->write_path && f->write_path != f->target) {
        unlink(f->write_path);
        outfile_unregister(f);
    }
    outfile_free(f);
}

/* ---------------------------------------------------------------- messages */

/* s with every tmp replaced by dir, into a buffer of size bytes (truncated to fit). */
static void replace_all(char *s, size_t size, const char *tmp, const char *dir)
{
    char out[4096];
    size_t k = 0, lt = strlen(tmp), ld = strlen(dir);
    for (const char *p = s; *p && k + 1 < sizeof out;) {
        if (lt && strncmp(p, tmp, lt) == 0) {
            size_t n = ld < sizeof out - 1 - k ? ld : sizeof out - 1 - k;
            memcpy(out + k, dir, n);
            k += n;
            p += lt;
        } else {
            out[k++] = *p++;
        }
    }
    out[k] = '\0';
    size_t n = k < size ? k : size - 1; /* truncated to fit, as snprintf would */
    memcpy(s, out, n);
    s[n] = '\0';
}

void nv_outdir_name_destination(nv_error *err, const char *tmp, const char *dir)
{
    if (!err || !tmp || !dir)
        return;
    replace_all(err->path, sizeof err->path, tmp, dir);
    replace_all(err->message, sizeof err->message, tmp, dir);
}

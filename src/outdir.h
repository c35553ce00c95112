/* outdir.h — where narvaro writes: result folders and single files, each written whole
 * or not at all. A result goes into a working folder beside its destination (same file
 * system) and is swapped into place in one step when complete; a single file a user names
 * (render --out, --info, check --out) goes into a working file beside it that is renamed
 * over it. An interrupted, killed or failed write leaves the earlier result or file as it
 * was, and never a half-written one where a good one was.
 *
 * Working folders and files are named ".NAME.tmp-PID-XXXXXX" and flock'ed by the writing
 * process while it lives: a stop signal removes this process's (nv_outdir_abandon_all), and
 * a later writer to the same destination removes those whose writer is gone, never one of
 * a live process. Thread-safe. Paths returned are malloc'ed: the caller frees them. */
#ifndef NV_OUTDIR_H
#define NV_OUTDIR_H

#include "error.h"

/* Before any work: may dir become a result folder? Its parent must exist,
 * and dir be absent, empty or an earlier result (NV_ERR_INPUT otherwise). */
nv_status nv_outdir_check(const char *dir, nv_error *err);
/* A fresh working folder beside dir (same file system), named
 * ".DIR.tmp-PID-XXXXXX" and flock'ed by this process until it is published or removed;
 * NULL with errno set. Thread-safe. */
char *nv_outdir_temp_beside(const char *dir);
/* Removes the working folders beside dir whose writer is gone (killed, crashed): its pid
 * names no process and nobody holds the folder's lock. A live writer's folder, of this
 * process or another, is never touched. */
void nv_outdir_remove_stale(const char *dir);
/* The same for every working folder (and batch's plans.csv working file) in folder, also
 * those of older narvaro versions without a pid: for batch, which holds the folder's lock. */
void nv_outdir_remove_stale_in(const char *folder);
/* Removes every working folder this process has not yet published or removed, and lets
 * no new one be made: for a signal handler's thread (SIGINT, SIGTERM) before it ends the
 * process. Not async-signal-safe: call it from a thread that sigwait()ed. */
void nv_outdir_abandon_all(void);
/* Replaces dir with the finished folder tmp in one step (rename, or an atomic exchange
 * when dir exists), then removes what dir held before. dir must be absent, empty, or an
 * earlier narvaro result (it holds summary.json): anything else is refused. */
nv_status nv_outdir_publish(const char *tmp, const char *dir, nv_error *err);
/* rm -rf; 0 on success. A working folder of nv_outdir_temp_beside is forgotten. */
int nv_outdir_remove_tree(const char *dir);


/* A failure while writing into the working folder tmp is told as the user sees it: every
 * mention of tmp in err's path and message becomes dir, the destination they named. */
void nv_outdir_name_destination(nv_error *err, const char *tmp, const char *dir);

/* A file at a path a user names, written whole or not at all. */
typedef struct nv_outfile {
    char *target;     /* what is replaced: the path, or the file a symbolic link there points to */
    char *write_path; /* what to open and write: a working file beside target, or target itself
                       * when it is no regular file (/dev/stdout, /dev/null, a FIFO), which is
                       * written into directly and never replaced or removed */
} nv_outfile;

/* Starts writing path: removes the working files a killed writer left beside it, and
 * makes f->write_path. NV_ERR_INPUT when path is empty, a folder, or in a folder that does
 * not exist; NV_ERR_FAIL (with the system's reason) when the working file cannot be made. */
nv_status nv_outfile_begin(nv_outfile *f, const char *path, nv_error *err);
/* The file is complete: moves it into place (the mode of the file it replaces is kept;
 * a new file gets 0666 less the umask, as fopen gives). Frees f's paths. */
nv_status nv_outfile_commit(nv_outfile *f, nv_error *err);
/* The write failed: removes the working file, leaves the target as it was. err (may be
 * NULL) is the failure: where it names the working file it comes to name the path the
 * user gave. Frees f's paths; accepts an f that never began or already ended. */
void nv_outfile_abort(nv_outfile *f, nv_error *err);

#endif

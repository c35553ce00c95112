"""Single files a user names (render --out, --info, check --out) are written whole or not
at all, and narvaro never replaces or removes what is not a regular file there: a device
(/dev/null, /dev/stdout), a FIFO. A failed write leaves the earlier file as it was; a link
stays a link; the file's mode stays; what a killed writer left is removed by the next.
(Until this test, a render that failed while writing to /dev/null removed /dev/null.)"""
import os
import stat
import subprocess
import threading

from nvcli import NARVARO, PLAN_2020, case, check, check_eq, finish, run, tmpdir

WORK = tmpdir()
OUT = os.path.join(WORK, "run")
RC, _, ERR = run("analyze", "-q", "--no-maps", "--no-report", "--no-xlsx", "--offices", PLAN_2020, "--out", OUT)
DB = os.path.join(OUT, "narvaro.sqlite")
ROOT = os.geteuid() == 0


def leftovers(folder):
    return sorted(n for n in os.listdir(folder) if ".tmp-" in n)


def render(out, *args):
    return run("render", "--db", DB, "--map", "presence", "-q", "--out", out, *args)


@case
def a_render_into_a_device_writes_into_it_and_keeps_it():
    check_eq(RC, 0, f"analyze ({ERR})")
    if not ROOT:
        print("skipped: making device nodes needs root")
        return
    null = os.path.join(WORK, "null.png")
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    code, _, err = render(null)
    check_eq(code, 0, f"a map into a null device ({err})")
    check(stat.S_ISCHR(os.stat(null).st_mode), "null.png is still the device")
    full = os.path.join(WORK, "full.png")  # /dev/full: every write fails with ENOSPC
    os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    code, _, err = render(full)
    check_eq(code, 1, f"a map into a full device fails ({err})")
    check("full.png" in err and "No space left on device" in err, f"the message names the file and why: {err}")
    check(os.path.exists(full) and stat.S_ISCHR(os.stat(full).st_mode),
          "the device is neither removed nor replaced by a file")
    code, _, err = render(os.path.join(WORK, "info.png"), "--info")
    check_eq(code, 0, f"a map with its description ({err})")
    viol = os.path.join(WORK, "full.csv")
    os.mknod(viol, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    code, _, err = run("check", OUT, "--out", viol, "--rule", "offices >= 1")
    check_eq(code, 1, f"check into a full device fails ({err})")
    check(stat.S_ISCHR(os.stat(viol).st_mode), "check keeps the device too")
    check_eq(leftovers(WORK), [], "no working file left beside them")


@case
def a_render_into_a_fifo_streams_the_map():
    fifo = os.path.join(WORK, "pipe.png")
    os.mkfifo(fifo)
    got = {}

    def reader():
        with open(fifo, "rb") as f:
            got["bytes"] = f.read()

    t = threading.Thread(target=reader)
    t.start()
    code, _, err = render(fifo)
    t.join(timeout=60)
    check_eq(code, 0, f"a map into a FIFO ({err})")
    check(got.get("bytes", b"")[:8] == b"\x89PNG\r\n\x1a\n", "the reader got the PNG")
    check(stat.S_ISFIFO(os.stat(fifo).st_mode), "the FIFO is still a FIFO")


@case
def a_link_stays_a_link_and_the_mode_stays():
    real = os.path.join(WORK, "real.png")
    link = os.path.join(WORK, "link.png")
    with open(real, "wb") as f:
        f.write(b"an earlier map")
    os.chmod(real, 0o640)
    os.symlink("real.png", link)
    code, _, err = render(link)
    check_eq(code, 0, f"a map through a link ({err})")
    check(os.path.islink(link) and os.readlink(link) == "real.png", "link.png is still the link")
    with open(real, "rb") as f:
        check(f.read(8) == b"\x89PNG\r\n\x1a\n", "the file it points to is the new map")
    check_eq(stat.S_IMODE(os.stat(real).st_mode), 0o640, "the replaced file keeps its mode")
    fresh = os.path.join(WORK, "fresh.png")
    p = subprocess.run(["sh", "-c", 'umask 027; exec "$@"', "sh", NARVARO, "render", "--db", DB, "--map", "presence",
                        "-q", "--out", fresh], capture_output=True, text=True)
    check_eq(p.returncode, 0, p.stderr)
    check_eq(stat.S_IMODE(os.stat(fresh).st_mode), 0o640, "a new file: 0666 less the umask, as fopen gives")


@case
def a_failed_render_leaves_the_earlier_map():
    earlier = os.path.join(WORK, "earlier.png")
    code, _, err = render(earlier)
    check_eq(code, 0, err)
    with open(earlier, "rb") as f:
        before = f.read()
    code, _, err = render(earlier, "--county", "99")  # fails after the data is read
    check(code != 0, f"an unknown county fails ({err})")
    with open(earlier, "rb") as f:
        check(f.read() == before, "the earlier map is untouched")
    check_eq(leftovers(WORK), [], "no working file left")


@case
def what_a_killed_writer_left_is_removed_by_the_next():
    target = os.path.join(WORK, "again.png")
    stale = os.path.join(WORK, ".again.png.tmp-999999999-AbCdEf")  # no such pid
    with open(stale, "wb") as f:
        f.write(b"half a map")
    code, _, err = render(target)
    check_eq(code, 0, err)
    check(not os.path.exists(stale), "the dead writer's working file is gone")
    check(os.path.exists(target), "the map is there")


finish("test_output_files")

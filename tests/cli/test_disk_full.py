"""A full disk is named as such: "No space left on device" in narvaro's own message, at
whichever step the space runs out (the tables, SpatiaLite's set-up, the map), no line
from a library on stderr, and nothing half-written left behind.

The disk is a small tmpfs mounted in a mount namespace of this test alone (unshare -m as
root, else unshare -rm where user namespaces are allowed): nothing outside the test sees
it. Where neither is possible the test says so and is skipped (exit status 77)."""
import os
import subprocess
import sys

from nvcli import NARVARO, case, check, check_eq, finish, tmpdir

UNSHARE = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-rm"]


def on_small_disk(size_bytes, *args):
    """Runs narvaro with --out on a fresh tmpfs of size_bytes; returns (status, stderr,
    what is left on the disk)."""
    mnt = tmpdir()
    size_k = max(4, size_bytes // 1024)
    script = ('mount -t tmpfs -o size=%dk tmpfs "$1" || exit 99; shift; "$@"; rc=$?; '
              'ls -A "$MNT" > "$MNT.left"; exit $rc' % size_k)
    p = subprocess.run(UNSHARE + ["sh", "-c", script, "sh", mnt, NARVARO, *args, "--out", mnt + "/o"],
                       capture_output=True, text=True, env=dict(os.environ, MNT=mnt))
    left = None
    if os.path.exists(mnt + ".left"):
        with open(mnt + ".left") as f:
            left = f.read().split()
        os.unlink(mnt + ".left")
    return p.returncode, p.stderr, left


probe = subprocess.run(UNSHARE + ["sh", "-c", 'mount -t tmpfs -o size=64k tmpfs "$1"', "sh", tmpdir()],
                       capture_output=True, text=True)
if probe.returncode != 0:
    print("test_disk_full: skipped: cannot mount a tmpfs in a mount namespace here:", probe.stderr.strip())
    sys.exit(77)

# The sizes of a complete result, to place the full disk at each step.
full = os.path.join(tmpdir(), "o")
subprocess.run([NARVARO, "analyze", "--quiet", "--out", full], check=True)
sizes = {n: os.path.getsize(os.path.join(full, n)) for n in os.listdir(full) if n.endswith(".csv")}
tables = sum(sizes.values())
db = os.path.getsize(os.path.join(full, "narvaro.sqlite"))
png = os.path.getsize(os.path.join(full, "maps", "presence.png"))
everything = sum(os.path.getsize(os.path.join(d, n)) for d, _, names in os.walk(full) for n in names)


def check_full_disk(size, step, where):
    code, err, left = on_small_disk(size, "analyze", "--quiet")
    check_eq(code, 1, f"disk full {step}: exit status 1 ({err})")
    lines = err.strip().splitlines()
    check(lines and all(l.startswith("narvaro: ") for l in lines), f"{step}: only narvaro's own lines: {err}")
    check("No space left on device" in err, f"{step}: the message names the cause: {err}")
    check(where in err, f"{step}: the message names the file ({where}): {err}")
    check_eq(left, [], f"{step}: nothing left on the disk, no half result")


@case
def a_full_disk_while_writing_the_tables():
    check_full_disk(tables // 2, "while writing the tables", ".csv")


@case
def a_full_disk_while_spatialite_initialises():
    check_full_disk(tables + 48 * 1024, "while SpatiaLite initialises", "narvaro.sqlite")


@case
def a_full_disk_while_drawing_the_map():
    check_full_disk(tables + db + png // 2 + 16 * 1024, "while writing the map", "presence.png")


@case
def a_full_disk_while_rendering_keeps_the_earlier_map():
    """render --out a file that exists: the new map is written beside it and renamed over
    it only when complete, so a full disk half-way leaves the earlier map as it was."""
    earlier = os.path.join(full, "maps", "presence.png")
    mnt = tmpdir()
    size_k = (png + png // 2) // 1024  # room for the earlier map and half of another
    script = ('mount -t tmpfs -o size=%dk tmpfs "$1" || exit 99; cp "$2" "$1/map.png"; shift 2; "$@"; rc=$?; '
              'cmp -s "$EARLIER" "$MNT/map.png" && echo same > "$MNT.cmp"; ls -A "$MNT" > "$MNT.left"; exit $rc'
              % size_k)
    p = subprocess.run(UNSHARE + ["sh", "-c", script, "sh", mnt, earlier, NARVARO, "render", "--db",
                                  os.path.join(full, "narvaro.sqlite"), "--map", "presence", "--lang", "en", "-q", "--out",
                                  mnt + "/map.png"],
                       capture_output=True, text=True, env=dict(os.environ, MNT=mnt, EARLIER=earlier))
    check_eq(p.returncode, 1, f"render on a full disk: exit status 1 ({p.stderr})")
    check("No space left on device" in p.stderr and mnt + "/map.png" in p.stderr,
          f"the message names the map and the cause, not a working file: {p.stderr}")
    check(os.path.exists(mnt + ".cmp"), "the earlier map is there, byte for byte")
    with open(mnt + ".left") as f:
        check_eq(f.read().split(), ["map.png"], "and nothing else: no half map, no working file")
    for name in (mnt + ".cmp", mnt + ".left"):  # written beside the test's folder: not removed with it
        if os.path.exists(name):
            os.unlink(name)


@case
def enough_space_is_enough():
    code, err, left = on_small_disk(everything + 256 * 1024, "analyze", "--quiet")
    check_eq(code, 0, f"the same run with room to spare ({err})")
    check_eq(left, ["o"], "the result and nothing else")


finish("test_disk_full")

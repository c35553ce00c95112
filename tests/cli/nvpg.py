"""A throwaway PostgreSQL 15 + PostGIS 3 cluster for the tests, as bench/population.sh
starts one: initdb into a temporary folder, pg_ctl start on a Unix socket in it (no TCP
port), stopped and removed by stop() — call it in a finally. PostgreSQL refuses to run as
root: as root the server runs as the user postgres (Debian's package creates it)."""
import os
import shutil
import subprocess
import tempfile

PGBIN = "/usr/lib/postgresql/15/bin"


class Cluster:
    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="nvtest-pg-")
        self.data = os.path.join(self.root, "data")
        self.as_root = os.getuid() == 0
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self.started = False

    def _as_pg(self, *cmd):
        if self.as_root:
            cmd = ("runuser", "-u", "postgres", "--", *cmd)
        return subprocess.run(cmd, capture_output=True, text=True, cwd="/")

    def start(self):
        p = self._as_pg(f"{PGBIN}/initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                        "--locale=C", "-N")
        if p.returncode:
            raise RuntimeError("initdb: " + p.stderr)
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nshared_buffers = 64MB\n"
                    "max_connections = 40\n")
        p = self._as_pg(f"{PGBIN}/pg_ctl", "-D", self.data, "-l", os.path.join(self.root, "log"), "-w",
                        "-o", f"-k {self.root} -p 5432 -c listen_addresses=''", "start")
        if p.returncode:
            raise RuntimeError("pg_ctl start: " + p.stderr + p.stdout)
        self.started = True
        self.sql("postgres", "CREATE DATABASE narvaro")
        self.sql("postgres", "CREATE DATABASE plain")  # without PostGIS: narvaro adds it
        self.sql("narvaro", "CREATE EXTENSION postgis")
        return self

    def conn(self, db="narvaro"):
        """The --postgis argument for database db."""
        return f"PG:host={self.root} port=5432 dbname={db} user=postgres"

    def sql(self, db, query):
        """Rows of query as lists of strings (psql -At)."""
        p = subprocess.run(["psql", "-X", "-At", "-F", "|", "-v", "ON_ERROR_STOP=1", "-h", self.root, "-p", "5432",
                            "-U", "postgres", "-d", db, "-c", query], capture_output=True, text=True)
        if p.returncode:
            raise RuntimeError(f"psql: {query}: {p.stderr}")
        return [line.split("|") for line in p.stdout.splitlines()]

    def one(self, db, query):
        rows = self.sql(db, query)
        return rows[0][0] if rows else None

    def stop(self):
        try:
            if self.started:
                self._as_pg(f"{PGBIN}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

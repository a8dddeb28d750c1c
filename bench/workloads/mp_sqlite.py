"""mp_sqlite.py - benchmark workload: a pool of processes, each filling SQLite databases.

A multiprocessing.Pool of 4 worker processes runs TASKS tasks (40 by default); each task
creates a private SQLite database in a temporary folder ($TMPDIR), inserts 1000 rows in
transactions of 100, indexes and queries them, and removes the database.  The tracer sees
the pool's processes start (fork, or fork + exec where the start method is forkserver or
spawn), Python's and SQLite's allocations, the file I/O of the databases and the pipes and
locks of the pool.  Prints one checksum line.

Usage: python3 mp_sqlite.py [TASKS]
"""
import multiprocessing
import os
import sqlite3
import sys
import tempfile
import zlib

PROCS = 4
ROWS = 1000
BATCH = 100
PASSES = 2


def task(args):
    n, folder = args
    path = os.path.join(folder, "task-%d.db" % n)
    con = sqlite3.connect(path)
    # The disk is not what is measured: no fsync per transaction.
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, val REAL)")
    for b in range(0, ROWS, BATCH):
        with con:
            con.executemany("INSERT INTO item(name, grp, val) VALUES(?, ?, ?)",
                            (("name-%d-%d" % (n, i), (i * 7919 + n) % 100,
                              (i * 37 + n) % 1000 / 10.0) for i in range(b, b + BATCH)))
    con.execute("CREATE INDEX item_grp ON item(grp)")
    rows = con.execute("SELECT grp, count(*), sum(val), max(name) FROM item "
                       "GROUP BY grp ORDER BY grp").fetchall()
    # Most of the CPU goes here, inside SQLite: every pair of rows, PASSES times, in a few
    # calls (each call into SQLite is a few traced mutex operations, the pairs none).
    for k in range(PASSES):
        rows += con.execute("SELECT count(*), total(a.val * b.val) FROM item a JOIN item b "
                            "ON b.id > a.id WHERE (a.grp + b.grp) % ? = ?",
                            (PASSES, k)).fetchall()
    con.close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)
    return zlib.crc32(repr(rows).encode())


def main():
    tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    with tempfile.TemporaryDirectory(prefix="mp_sqlite-") as folder:
        with multiprocessing.Pool(PROCS) as pool:
            crcs = pool.map(task, [(n, folder) for n in range(tasks)], chunksize=1)
            # Leaving the with block would terminate the workers (SIGTERM): they are let
            # finish instead, as a program that uses a pool well does.
            pool.close()
            pool.join()
    if len(crcs) != tasks:
        raise SystemExit("mp_sqlite: a task failed")
    print("mp_sqlite: %d tasks, %d rows, checksum %08x"
          % (tasks, tasks * ROWS, zlib.crc32(repr(crcs).encode())))


if __name__ == "__main__":
    main()

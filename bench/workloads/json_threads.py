"""json_threads.py - benchmark workload: Python threads encoding and decoding JSON.

Four threads each build a list of records, encode it to JSON, decode it, and check the
result, ROUNDS times (100 by default).  Python's allocator, its GIL (a mutex and condition
variable) and its thread start-up are what the tracer sees.

Usage: python3 json_threads.py [ROUNDS]
"""
import json
import sys
import threading

THREADS = 4


def work(seed, rounds, out):
    total = 0
    for r in range(rounds):
        records = [{"id": i, "name": "item-%d-%d" % (seed, i), "tags": ["a", "b", str(i % 7)],
                    "score": (i * 37 + r) % 1000 / 10.0, "ok": i % 3 == 0}
                   for i in range(1000)]
        text = json.dumps(records)
        back = json.loads(text)
        if back != records:
            raise SystemExit("json_threads: round trip differs")
        total += len(text)
    out[seed] = total


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    out = {}
    threads = [threading.Thread(target=work, args=(t, rounds, out)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if len(out) != THREADS:
        raise SystemExit("json_threads: a thread failed")


main()

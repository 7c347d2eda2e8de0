"""psycopg 3 clients keep their own search_path through transaction pooling with track_session_settings (issue 18).

Usage: python3 psycopg_session_settings.py THREADS ROUNDS; connection from the libpq environment. Thread n sets
search_path to tenant_(n % 10): even threads in autocommit mode, odd ones in psycopg's implicit transaction, which
they commit. Every row of every round must come from the thread's own tenant. Prints "ok <rounds>" and exits 0
when every check passed; prints the first error and exits 1 otherwise.
"""
import sys

import psycopg

import threaded_clients

threads_wanted, rounds = int(sys.argv[1]), int(sys.argv[2])


def client(number):
    tenant = "tenant_%d" % (number % 10)
    with psycopg.connect(autocommit=number % 2 == 0) as conn:
        conn.execute("SET search_path TO %s, public" % tenant)
        if not conn.autocommit:
            conn.commit()
        for round_ in range(rounds):
            rows = conn.execute("SELECT tenant FROM items").fetchall()
            assert rows and all(row[0] == tenant for row in rows), "round %d got %r" % (round_, rows)
            if not conn.autocommit:
                conn.rollback()
        return rounds


threaded_clients.run(threads_wanted, client)

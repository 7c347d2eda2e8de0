"""psycopg 3 with prepare_threshold=0 through a transaction pooler (issue 7).

Usage: python3 psycopg_prepared.py THREADS TRANSACTIONS; connection from the libpq environment (PGHOST, PGPORT,
PGUSER, PGPASSWORD, PGDATABASE). Every statement is prepared server-side on its first execution (psycopg names
them _pg3_N). Each thread runs TRANSACTIONS transactions of shared and own statements and checks every result,
and once per thread checks that the server holds the pooler's statement names (PGBOUNCER_n). Prints
"ok <transactions>" and exits 0 when every check passed; prints the first error and exits 1 otherwise.
"""
import sys

import psycopg

import threaded_clients

threads_wanted, transactions = int(sys.argv[1]), int(sys.argv[2])


def client(number):
    with psycopg.connect(prepare_threshold=0) as conn:
        seen_pooler_names = False
        for round_ in range(transactions):
            with conn.transaction():
                cur = conn.execute("SELECT %s::int + %s::int", (number, round_))
                assert cur.fetchone()[0] == number + round_
                cur = conn.execute("SELECT %s::text || '-' || %s::int", ("c%d" % number, round_))
                assert cur.fetchone()[0] == "c%d-%d" % (number, round_)
                cur = conn.execute("SELECT %d * %%s::int" % number, (round_,))
                assert cur.fetchone()[0] == number * round_
                if not seen_pooler_names:
                    cur = conn.execute("SELECT count(*) FROM pg_prepared_statements"
                                       " WHERE name LIKE 'PGBOUNCER\\_%%'")
                    seen_pooler_names = cur.fetchone()[0] > 0
        assert seen_pooler_names, "the server never showed a PGBOUNCER_n statement"
        return transactions


threaded_clients.run(threads_wanted, client)

# psycopg 3 LISTEN through a transaction pooler (issue 18).
# Usage: python3 psycopg_listen.py NOTIFICATIONS; connection from PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE.
# One connection LISTENs, another sends NOTIFICATIONS notifications with pg_notify; the listener reads them with
# conn.notifies() and checks channel, payload and order. Prints "ok <count>" and exits 0, or the error and 1.
import signal
import sys

import psycopg

count = int(sys.argv[1])
signal.alarm(60)  # a lost notification would block notifies() for ever

listener = psycopg.connect(autocommit=True)
notifier = psycopg.connect(autocommit=True)
listener.execute("LISTEN psy_channel")
for i in range(count):
    notifier.execute("SELECT pg_notify('psy_channel', %s)", (f"n{i}",))

received = []
for note in listener.notifies():
    if note.channel != "psy_channel":
        print(f"unexpected channel {note.channel}")
        sys.exit(1)
    received.append(note.payload)
    if len(received) == count:
        break

expected = [f"n{i}" for i in range(count)]
if received != expected:
    print(f"expected {expected}, got {received}")
    sys.exit(1)
print(f"ok {len(received)}")

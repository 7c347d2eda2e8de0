"""The thread harness the psycopg scripts here share: run one client per thread, report like every script here.

run(threads, client) calls client(number) for number 0 .. threads-1, each in its own thread; a client returns how
many checks it passed and raises on the first that failed. Prints "ok <sum of the counts>" and exits 0 when every
client passed; prints the number of failed clients and the first error and exits 1 otherwise.
"""
import sys
import threading


def run(threads, client):
    errors = []
    counts = []

    def guarded(number):
        try:
            counts.append(client(number))
        except Exception as e:  # reported by the main thread
            errors.append("client %d: %r" % (number, e))

    workers = [threading.Thread(target=guarded, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        print("errors: %d, first: %s" % (len(errors), errors[0]))
        sys.exit(1)
    print("ok %d" % sum(counts))

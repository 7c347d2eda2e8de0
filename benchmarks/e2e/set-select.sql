-- SET traffic for the track_session_settings cost (docs/benchmarks.md): each pgbench transaction changes a
-- session setting and then reads one row, as an app that sets statement_timeout per request does.
\set aid random(1, 100000 * :scale)
SET statement_timeout = '5s';
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;

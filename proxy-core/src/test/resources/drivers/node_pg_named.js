// node-postgres named queries through a transaction pooler (issue 7).
// Usage: node node_pg_named.js CLIENTS TRANSACTIONS; connection from PGHOST, PGPORT, PGUSER, PGPASSWORD,
// PGDATABASE; require('pg') is found through NODE_PATH. A Pool of CLIENTS connections, each worker running
// TRANSACTIONS transactions of named queries ({name, text, values}: prepared once per connection by node-postgres)
// and checking every result. Prints "ok <transactions>" and exits 0, or prints the first error and exits 1.
'use strict';
const { Pool } = require('pg');

const clients = Number(process.argv[2]);
const transactions = Number(process.argv[3]);
const pool = new Pool({ max: clients });

function check(actual, expected, what) {
    if (String(actual) !== String(expected)) {
        throw new Error(`${what}: expected ${expected}, got ${actual}`);
    }
}

async function worker(number) {
    let sawPoolerNames = false;
    for (let round = 0; round < transactions; round++) {
        const client = await pool.connect();
        try {
            await client.query('BEGIN');
            let r = await client.query({ name: 'add', text: 'SELECT $1::int + $2::int AS v', values: [number, round] });
            check(r.rows[0].v, number + round, 'add');
            r = await client.query({ name: 'echo', text: "SELECT $1::text || '-' || $2::int AS v",
                values: [`c${number}`, round] });
            check(r.rows[0].v, `c${number}-${round}`, 'echo');
            r = await client.query({ name: `own${number}`, text: `SELECT ${number} * $1::int AS v`, values: [round] });
            check(r.rows[0].v, number * round, 'own');
            if (!sawPoolerNames) {
                r = await client.query({ name: 'names', text: "SELECT count(*) AS v FROM pg_prepared_statements"
                    + " WHERE name LIKE 'PGBOUNCER\\_%'", values: [] });
                sawPoolerNames = Number(r.rows[0].v) > 0;
            }
            await client.query('COMMIT');
        } finally {
            client.release();
        }
    }
    if (!sawPoolerNames) {
        throw new Error(`worker ${number}: the server never showed a PGBOUNCER_n statement`);
    }
    return transactions;
}

(async () => {
    const results = await Promise.allSettled(Array.from({ length: clients }, (_, n) => worker(n)));
    await pool.end();
    const failed = results.filter(r => r.status === 'rejected');
    if (failed.length > 0) {
        console.log(`errors: ${failed.length}, first: ${failed[0].reason}`);
        process.exit(1);
    }
    console.log(`ok ${results.reduce((sum, r) => sum + r.value, 0)}`);
})().catch(e => {
    console.log(`errors: 1, first: ${e}`);
    process.exit(1);
});

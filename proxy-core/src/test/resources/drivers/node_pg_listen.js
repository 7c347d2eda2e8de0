// node-postgres LISTEN through a transaction pooler (issue 18).
// Usage: node node_pg_listen.js NOTIFICATIONS; connection from PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE;
// require('pg') is found through NODE_PATH. One client LISTENs and counts client.on('notification'), another
// sends NOTIFICATIONS notifications; channel, payload and order are checked. Prints "ok <count>" and exits 0, or
// prints the error and exits 1.
'use strict';
const { Client } = require('pg');

const count = Number(process.argv[2]);

async function main() {
    const listener = new Client();
    const notifier = new Client();
    await listener.connect();
    await notifier.connect();
    const received = [];
    const all = new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${received.length} of ${count} arrived`)), 60000);
        listener.on('notification', (msg) => {
            if (msg.channel !== 'node_channel') {
                reject(new Error(`unexpected channel ${msg.channel}`));
            }
            received.push(msg.payload);
            if (received.length === count) {
                clearTimeout(timer);
                resolve();
            }
        });
    });
    await listener.query('LISTEN node_channel');
    for (let i = 0; i < count; i++) {
        await notifier.query(`NOTIFY node_channel, 'n${i}'`);
    }
    await all;
    for (let i = 0; i < count; i++) {
        if (received[i] !== `n${i}`) {
            throw new Error(`notification ${i}: got ${received[i]}`);
        }
    }
    await listener.end();
    await notifier.end();
    console.log(`ok ${received.length}`);
}

main().catch((e) => {
    console.log(e.stack || String(e));
    process.exit(1);
});

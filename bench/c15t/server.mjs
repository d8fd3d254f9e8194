// c15t's self-hosted backend, a target of bench/server_bench.py: the set-up its documentation
// gives (node_modules/@c15t/backend/docs/self-host): a Kysely instance on PostgreSQL (pg's Pool,
// its default size), c15tInstance() with the Kysely adapter, its Fetch handler served on Node
// by Hono's Node adapter. One Node process: c15t has no cluster option.
//
//   node server.mjs migrate   create c15t's tables with its own migrator, then exit
//   node server.mjs           serve on 127.0.0.1:$PORT under $C15T_BASE_PATH
//
// Environment: DATABASE_URL (postgresql://...), PORT, C15T_ORIGIN (the page origin the
// benchmark sends, c15t's trustedOrigins), C15T_BASE_PATH (default /api/c15t).

import { c15tInstance } from '@c15t/backend';
import { kyselyAdapter } from '@c15t/backend/db/adapters/kysely';
import { migrator } from '@c15t/backend/db/migrator';
import { DB } from '@c15t/backend/db/schema';
import { serve } from '@hono/node-server';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';

function database() {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
  return new Kysely({ dialect: new PostgresDialect({ pool }) });
}

async function migrate(db) {
  // The migrator @c15t/backend exports (the one c15t's CLI `migrate` command calls), to its
  // latest schema version; for Kysely it returns the operations, executed here.
  const result = await migrator({
    db: DB.client(kyselyAdapter({ db, provider: 'postgresql' })),
    schema: 'latest',
  });
  if (result && typeof result.execute === 'function') {
    await result.execute();
  }
}

function start(db) {
  const c15t = c15tInstance({
    appName: 'consent-bench',
    basePath: process.env.C15T_BASE_PATH || '/api/c15t',
    trustedOrigins: [process.env.C15T_ORIGIN],
    adapter: kyselyAdapter({ db, provider: 'postgresql' }),
  });
  const server = serve({
    fetch: c15t.handler,
    hostname: '127.0.0.1',
    port: Number(process.env.PORT),
  });
  process.on('SIGTERM', () => {
    server.close(() => db.destroy().then(() => process.exit(0)));
  });
}

const db = database();
if (process.argv[2] === 'migrate') {
  await migrate(db);
  await db.destroy();
} else {
  start(db);
}

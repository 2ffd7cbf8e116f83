import express from 'express';
import { Redis } from 'ioredis';
import pg from 'pg';
import { serveOnLoopback } from './serve-on-loopback.ts';
import { FLOOR_ROWS, readStoreFloorConfig } from './store-floor-config.ts';

/*
 * The store floor: the HTTP floor's Express handler plus ONE round trip to the store per
 * request, so it is the most any broker on that store can do with one store call per
 * request. Redis: EVALSHA of a script that returns 1. PostgreSQL: one durable single-row
 * UPDATE (synchronous_commit as the server has it, on by default) sent as a named
 * prepared statement, over a pool of the adapter's default size; the row is picked at
 * random among FLOOR_ROWS so the 64 clients do not queue on one row lock.
 */
const config = readStoreFloorConfig(process.env);

let roundTrip: () => Promise<void>;
let close: () => Promise<void>;
if (config.kind === 'redis') {
  const redis = new Redis(config.url, { maxRetriesPerRequest: 1 });
  const sha = (await redis.script('LOAD', 'return 1')) as string;
  roundTrip = async () => {
    await redis.evalsha(sha, 0);
  };
  close = async () => {
    await redis.quit();
  };
} else {
  const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize });
  const update = {
    name: 'bench_store_floor',
    text: `update "${config.schema}".floor set n = n + 1 where id = $1`,
  };
  roundTrip = async () => {
    await pool.query({ ...update, values: [1 + Math.floor(Math.random() * FLOOR_ROWS)] });
  };
  close = () => pool.end();
}

const app = express();
app.disable('x-powered-by');
app.use(express.json());
app.post('/floor', (_request, response, next) => {
  roundTrip().then(() => response.json({ status: 'ok' }), next);
});
await serveOnLoopback(app, close);

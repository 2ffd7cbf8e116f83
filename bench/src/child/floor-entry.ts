import express from 'express';
import { serveOnLoopback } from './serve-on-loopback.ts';

/*
 * The HTTP floor: the same Express with express.json and one trivial POST handler, on the
 * same Node. Whatever the broker costs beyond this is ours (auth, validation, logging,
 * the store round trip).
 */
const app = express();
app.disable('x-powered-by');
app.use(express.json());
app.post('/floor', (_request, response) => {
  response.json({ status: 'ok' });
});
await serveOnLoopback(app, () => Promise.resolve());

import { initContract } from '@ts-rest/core';
import {
  AcquireBodySchema,
  AcquireOkSchema,
  HeartbeatBodySchema,
  HeartbeatOkSchema,
  PayloadChunkBodySchema,
  PayloadChunkOkSchema,
  ReleaseBodySchema,
  ReleaseOkSchema,
} from '../schemas.js';
import { errorResponses } from './common.js';

const c = initContract();

export const leaseRouter = c.router(
  {
    acquire: {
      method: 'POST',
      path: '/acquire',
      body: AcquireBodySchema,
      responses: { 200: AcquireOkSchema },
      summary: 'Lease the least recently leased free credential of a kind.',
    },
    heartbeat: {
      method: 'POST',
      path: '/heartbeat',
      body: HeartbeatBodySchema,
      responses: { 200: HeartbeatOkSchema },
      summary: 'Extend a held lease.',
    },
    release: {
      method: 'POST',
      path: '/release',
      body: ReleaseBodySchema,
      responses: { 200: ReleaseOkSchema },
      summary: 'Give a lease back (idempotent).',
    },
    payloadChunk: {
      method: 'POST',
      path: '/payload-chunk',
      body: PayloadChunkBodySchema,
      responses: { 200: PayloadChunkOkSchema },
      summary: 'Read one piece of a payload too large to return inline.',
    },
  },
  { commonResponses: errorResponses, strictStatusCodes: true },
);

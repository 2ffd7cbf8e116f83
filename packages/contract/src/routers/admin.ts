import { initContract } from '@ts-rest/core';
import {
  AdminEventsBodySchema,
  AdminEventsOkSchema,
  AdminAddBodySchema,
  AdminAddOkSchema,
  AdminListBodySchema,
  AdminListOkSchema,
  AdminRemoveBodySchema,
  AdminRemoveOkSchema,
  AdminQueueBodySchema,
  AdminQueueOkSchema,
} from '../schemas.js';
import { AdminStatsBodySchema, AdminStatsOkSchema } from '../stats.js';
import { errorResponses } from './common.js';

const c = initContract();

export const adminRouter = c.router(
  {
    add: {
      method: 'POST',
      path: '/admin/add',
      body: AdminAddBodySchema,
      responses: { 200: AdminAddOkSchema },
      summary: 'Add a credential (maintainer).',
    },
    remove: {
      method: 'POST',
      path: '/admin/remove',
      body: AdminRemoveBodySchema,
      responses: { 200: AdminRemoveOkSchema },
      summary: 'Disable a credential; nothing is deleted (maintainer).',
    },
    list: {
      method: 'POST',
      path: '/admin/list',
      body: AdminListBodySchema,
      responses: { 200: AdminListOkSchema },
      summary: 'List credentials (maintainer).',
    },
    events: {
      method: 'POST',
      path: '/admin/events',
      body: AdminEventsBodySchema,
      responses: { 200: AdminEventsOkSchema },
      summary:
        'List lease and admin events, oldest first, filtered and paged; never a payload or token (maintainer).',
    },
    queue: {
      method: 'POST',
      path: '/admin/queue',
      body: AdminQueueBodySchema,
      responses: { 200: AdminQueueOkSchema },
      summary:
        "Each kind's wait queue in order: ticket fingerprints, owners, priorities, waited time (maintainer).",
    },
    stats: {
      method: 'POST',
      path: '/admin/stats',
      body: AdminStatsBodySchema,
      responses: { 200: AdminStatsOkSchema },
      summary:
        'Pools by kind and the last hour of grants and exhausted answers per minute (maintainer).',
    },
  },
  { commonResponses: errorResponses, strictStatusCodes: true },
);

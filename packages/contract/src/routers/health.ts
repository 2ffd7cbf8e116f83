import { initContract } from '@ts-rest/core';
import {
  AdminCredentialChangeOkSchema,
  AdminQuarantineBodySchema,
  AdminRestoreBodySchema,
  AdminUpdateBodySchema,
} from '../schemas.js';
import { errorResponses } from './common.js';

const c = initContract();

/** Credential health (spec additions §2): quarantine, restore, update (maintainer). */
export const healthRouter = c.router(
  {
    restore: {
      method: 'POST',
      path: '/admin/restore',
      body: AdminRestoreBodySchema,
      responses: { 200: AdminCredentialChangeOkSchema },
      summary:
        'Clear a quarantine, reset broken reports and re-enable a disabled credential; it goes to the head waiter, if any (maintainer).',
    },
    quarantine: {
      method: 'POST',
      path: '/admin/quarantine',
      body: AdminQuarantineBodySchema,
      responses: { 200: AdminCredentialChangeOkSchema },
      summary:
        'Never grant a credential again until restored; a current holder keeps its lease (maintainer).',
    },
    update: {
      method: 'POST',
      path: '/admin/update',
      body: AdminUpdateBodySchema,
      responses: { 200: AdminCredentialChangeOkSchema },
      summary:
        'Replace the payload and/or the note ("" clears it); a current holder keeps the version it was granted (maintainer).',
    },
  },
  { commonResponses: errorResponses, strictStatusCodes: true },
);

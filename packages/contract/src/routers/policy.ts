import { initContract } from '@ts-rest/core';
import {
  AdminPolicyGetBodySchema,
  AdminPolicyGetOkSchema,
  AdminPolicySetBodySchema,
  AdminPolicySetOkSchema,
} from '../schemas.js';
import { errorResponses } from './common.js';

const c = initContract();

/** Per-kind policy (spec additions §3), stored in the store and applied inside its steps. */
export const policyRouter = c.router(
  {
    set: {
      method: 'POST',
      path: '/admin/policy/set',
      body: AdminPolicySetBodySchema,
      responses: { 200: AdminPolicySetOkSchema },
      summary: "Patch a kind's policy: an absent field is unchanged, null clears it (maintainer).",
    },
    get: {
      method: 'POST',
      path: '/admin/policy/get',
      body: AdminPolicyGetBodySchema,
      responses: { 200: AdminPolicyGetOkSchema },
      summary: "One kind's policy, or every kind that has one (maintainer).",
    },
  },
  { commonResponses: errorResponses, strictStatusCodes: true },
);

import type { KindPolicy, brokerContract } from '@qa-broker/contract';
import type { KindPolicyRecord, PolicyPatch } from '@qa-broker/store';
import type { AppRouteImplementation } from '@ts-rest/express';
import type { BrokerDeps } from '../broker-deps.js';

/** Copies only the documented fields. */
function wirePolicy(policy: KindPolicyRecord): KindPolicy {
  const roles = policy.maxLeasesPerRole;
  const hasRoles = roles && (roles.ci !== undefined || roles.maintainer !== undefined);
  return {
    kind: policy.kind,
    updatedAtMs: policy.updatedAtMs,
    ...(policy.maxHoldMs === undefined ? {} : { maxHoldMs: policy.maxHoldMs }),
    ...(hasRoles
      ? {
          maxLeasesPerRole: {
            ...(roles.ci === undefined ? {} : { ci: roles.ci }),
            ...(roles.maintainer === undefined ? {} : { maintainer: roles.maintainer }),
          },
        }
      : {}),
    ...(policy.maxLeasesPerOwner === undefined
      ? {}
      : { maxLeasesPerOwner: policy.maxLeasesPerOwner }),
    ...(policy.quarantineAfterBroken === undefined
      ? {}
      : { quarantineAfterBroken: policy.quarantineAfterBroken }),
  };
}

export function adminPolicySetHandler(
  deps: BrokerDeps,
): AppRouteImplementation<typeof brokerContract.admin.policy.set> {
  return async ({ body }) => {
    const patch: PolicyPatch = {};
    if (body.maxHoldMs !== undefined) patch.maxHoldMs = body.maxHoldMs;
    if (body.maxLeasesPerRole !== undefined) patch.maxLeasesPerRole = body.maxLeasesPerRole;
    if (body.maxLeasesPerOwner !== undefined) patch.maxLeasesPerOwner = body.maxLeasesPerOwner;
    if (body.quarantineAfterBroken !== undefined) {
      patch.quarantineAfterBroken = body.quarantineAfterBroken;
    }
    const policy = await deps.store.setPolicy({
      kind: body.kind,
      patch,
      actorId: body.actorId ?? 'unknown',
    });
    return { status: 200, body: { status: 'ok', policy: wirePolicy(policy) } };
  };
}

export function adminPolicyGetHandler(
  deps: BrokerDeps,
): AppRouteImplementation<typeof brokerContract.admin.policy.get> {
  return async ({ body }) => {
    const policies = await deps.store.getPolicies(body.kind ? { kind: body.kind } : {});
    return { status: 200, body: { status: 'ok', policies: policies.map(wirePolicy) } };
  };
}

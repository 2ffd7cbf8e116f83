import { listAll } from './admin.ts';
import { callBroker } from './broker-call.ts';
import type { FinalState } from './history.ts';
import type { RunContext } from './run-context.ts';
import { FAKE_SECRETS } from './run-context.ts';

/**
 * After every lease has ended or expired: list everything, then acquire each kind until
 * POOL_EXHAUSTED through one broker (every active credential must come out exactly once)
 * and give the drained leases back.
 */
export async function finalState(ctx: RunContext, drainOwnerPrefix: string): Promise<FinalState> {
  const target = { index: 0, url: ctx.brokers[0]!.url };
  const listed = await listAll(ctx, target);
  if (!listed) throw new Error('the final admin/list did not answer ok');
  const drained: FinalState['drained'] = [];
  let drainStoreNowMs: number | undefined;
  const kinds = new Set([...ctx.kinds, ...listed.credentials.map((credential) => credential.kind)]);
  for (const kind of kinds) {
    const granted: { credentialId: string; leaseToken: string; ownerId: string }[] = [];
    for (let i = 0; i <= listed.credentials.length; i++) {
      const ownerId = `${drainOwnerPrefix}-${kind}-${i}`;
      const result = await callBroker(
        ctx.dispatcher,
        target.url,
        'acquire',
        FAKE_SECRETS.ci,
        { kind, ownerId, actorRole: 'ci', leaseTtlMs: ctx.leaseTtlMs.max },
        ctx.requestTimeoutMs,
      );
      if (result.code === 'POOL_EXHAUSTED') break;
      if (result.outcome !== 'ok' || !result.body)
        throw new Error(`final drain acquire answered ${result.httpStatus ?? result.code}`);
      const body = result.body;
      drainStoreNowMs ??= Number(body.expiresAtMs) - Number(body.leaseTtlMs);
      granted.push({
        credentialId: String(body.credentialId),
        leaseToken: String(body.leaseToken),
        ownerId,
      });
    }
    drained.push({ kind, credentialIds: granted.map((lease) => lease.credentialId) });
    for (const lease of granted) {
      await callBroker(
        ctx.dispatcher,
        target.url,
        'release',
        FAKE_SECRETS.ci,
        { kind, actorRole: 'ci', ...lease },
        ctx.requestTimeoutMs,
      );
    }
  }
  return {
    credentials: listed.credentials.map((credential) => ({
      credentialId: credential.credentialId,
      kind: credential.kind,
      status: credential.status,
      ...(credential.lease ? { lease: { expiresAtMs: credential.lease.expiresAtMs } } : {}),
    })),
    drained,
    ...(drainStoreNowMs !== undefined ? { drainStoreNowMs } : {}),
  };
}

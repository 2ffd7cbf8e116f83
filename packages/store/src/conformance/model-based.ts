import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialStore } from '../store.js';
import type { BrokerEvent, CredentialRecord } from '../types.js';
import { T0, chunkedPayload, onePiecePayload, uniqueId, type OpenStore } from './harness.js';
import { CredentialModel, type ModelEvent } from './model.js';

/** How a command presents itself to the lease it targets. */
const presentations = [
  'holder',
  'holder',
  'holder',
  'wrongToken',
  'wrongOwner',
  'wrongKind',
  'wrongRole',
] as const;
type Presentation = (typeof presentations)[number];

const ttlArb = fc.constantFrom(30_000, 45_000, 120_000);
const roleArb = fc.constantFrom('ci' as const, 'maintainer' as const);

const commandArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant('add' as const),
      kind: fc.nat(1),
      disabled: fc.boolean(),
      chunked: fc.boolean(),
      note: fc.boolean(),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      type: fc.constant('acquire' as const),
      kind: fc.nat(1),
      owner: fc.nat(2),
      role: roleArb,
      ttl: ttlArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant('heartbeat' as const),
      target: fc.nat(),
      as: fc.constantFrom(...presentations),
      ttl: ttlArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant('release' as const),
      target: fc.nat(),
      as: fc.constantFrom(...presentations),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('readChunk' as const),
      target: fc.nat(),
      as: fc.constantFrom(...presentations),
      index: fc.nat(3),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('remove' as const),
      target: fc.nat(),
      missing: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant('advance' as const),
      ms: fc.constantFrom(0, 1, 999, 29_999, 30_000, 45_001, 200_000),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('list' as const), kind: fc.nat(1) }) },
);
type Command = typeof commandArb extends fc.Arbitrary<infer C> ? C : never;

/** Drops the optional event message and the id the store assigns; the model has neither. */
function comparableEvent(event: BrokerEvent | ModelEvent): string {
  const { eventId: _id, message: _message, ...rest } = event as BrokerEvent;
  return JSON.stringify(
    Object.fromEntries(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : 1))),
  );
}

function withoutPayload(record: CredentialRecord): CredentialRecord {
  const { payload: _payload, ...rest } = record;
  return rest;
}

async function runSequence(store: CredentialStore, commands: Command[]): Promise<void> {
  const model = new CredentialModel();
  const run = uniqueId('model');
  const kinds = [`${run}-k0`, `${run}-k1`];
  const ids: string[] = [];
  const missingIds: string[] = [];
  let now = T0;
  let tokens = 0;

  const keyFor = (target: number, as: Presentation) => {
    const credentialId = ids.length === 0 ? `${run}-none` : ids[target % ids.length]!;
    const holder = model.holderOf(credentialId);
    const kind = model.kindOf(credentialId) ?? kinds[0]!;
    return {
      credentialId,
      kind: as === 'wrongKind' ? kinds.find((k) => k !== kind)! : kind,
      ownerId: as === 'wrongOwner' ? 'owner-intruder' : (holder?.ownerId ?? 'owner-0'),
      leaseToken: as === 'wrongToken' || !holder ? 'fake-wrong-token' : holder.leaseToken,
      actorRole:
        as === 'wrongRole'
          ? holder?.actorRole === 'ci'
            ? ('maintainer' as const)
            : ('ci' as const)
          : (holder?.actorRole ?? ('ci' as const)),
    };
  };

  for (const [step, command] of commands.entries()) {
    const where = `step ${step} ${JSON.stringify(command)}`;
    switch (command.type) {
      case 'add': {
        const credentialId = `${run}-c${ids.length.toString().padStart(3, '0')}`;
        ids.push(credentialId);
        const input = {
          credentialId,
          kind: kinds[command.kind]!,
          payload: command.chunked
            ? chunkedPayload([`{"n":"fake-${ids.length}`, '-tail"}'])
            : onePiecePayload(`{"n":"fake-${ids.length}"}`),
          status: command.disabled ? ('disabled' as const) : ('active' as const),
          actorId: 'model-admin',
          ...(command.note ? { note: `fake note ${ids.length}` } : {}),
          nowMs: now,
        };
        expect(withoutPayload(await store.addCredential(input)), where).toEqual(
          model.addCredential(input),
        );
        break;
      }
      case 'acquire': {
        tokens += 1;
        const input = {
          kind: kinds[command.kind]!,
          ownerId: `owner-${command.owner}`,
          actorRole: command.role,
          leaseToken: `fake-${run}-t${tokens}`,
          leaseTtlMs: command.ttl,
          nowMs: now,
        };
        expect(await store.acquire(input), where).toEqual(model.acquire(input));
        break;
      }
      case 'heartbeat': {
        const { actorRole: _role, ...key } = keyFor(command.target, command.as);
        const input = { ...key, leaseTtlMs: command.ttl, nowMs: now };
        expect(await store.heartbeat(input), where).toEqual(model.heartbeat(input));
        break;
      }
      case 'release': {
        const input = { ...keyFor(command.target, command.as), nowMs: now };
        expect(await store.release(input), where).toEqual(model.release(input));
        break;
      }
      case 'readChunk': {
        const input = { ...keyFor(command.target, command.as), index: command.index, nowMs: now };
        expect(await store.readPayloadChunk(input), where).toEqual(model.readPayloadChunk(input));
        break;
      }
      case 'remove': {
        let credentialId = keyFor(command.target, 'holder').credentialId;
        if (command.missing || ids.length === 0) {
          credentialId = `${run}-missing-${missingIds.length}`;
          missingIds.push(credentialId);
        }
        const input = { credentialId, actorId: 'model-admin', nowMs: now };
        const actual = await store.disableCredential(input);
        const expected = model.disableCredential(input);
        expect(
          actual.ok ? { ...actual, credential: withoutPayload(actual.credential) } : actual,
          where,
        ).toEqual(expected);
        break;
      }
      case 'advance':
        now += command.ms;
        break;
      case 'list': {
        const filter = {
          kind: kinds[command.kind]!,
          status: 'all' as const,
          includePayload: command.kind === 1,
          limit: 500,
        };
        expect(await store.listCredentials(filter), where).toEqual(model.listCredentials(filter));
        break;
      }
    }
  }

  for (const kind of kinds) {
    const filter = { kind, status: 'all' as const, includePayload: true, limit: 500 };
    expect(await store.listCredentials(filter), 'final list').toEqual(
      model.listCredentials(filter),
    );
  }
  const ours = new Set([...kinds, ...ids, ...missingIds]);
  const actualEvents: BrokerEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listEvents({ fromMs: T0, limit: 500, ...(cursor ? { cursor } : {}) });
    actualEvents.push(...page.events);
    cursor = page.nextCursor;
  } while (cursor);
  const mine = actualEvents.filter(
    (event) => ours.has(event.kind ?? '') || ours.has(event.credentialId ?? ''),
  );
  expect(mine.map(comparableEvent).sort(), 'events').toEqual(
    model.events.map(comparableEvent).sort(),
  );
}

export function describeModelBased(openStore: OpenStore, options: { numRuns?: number } = {}): void {
  describe('model-based', () => {
    let store: CredentialStore | undefined;
    // One store for the whole property: every run works in its own kinds and ids.
    beforeAll(async () => {
      store = await openStore();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('random sequences of add/acquire/heartbeat/release/read/remove/advance match the reference model', async () => {
      if (!store) throw new Error('store not opened');
      const opened = store;
      await fc.assert(
        fc.asyncProperty(fc.array(commandArb, { minLength: 1, maxLength: 40 }), (commands) =>
          runSequence(opened, commands),
        ),
        { numRuns: options.numRuns ?? 30 },
      );
    });
  });
}

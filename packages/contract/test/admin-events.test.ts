import { describe, expect, it } from 'vitest';
import {
  AdminEventsBodySchema,
  AdminEventsOkSchema,
  brokerContract,
  parseBody,
} from '../src/index.js';

describe('admin/events', () => {
  it('is a maintainer POST at /admin/events', () => {
    expect(brokerContract.admin.events).toMatchObject({ method: 'POST', path: '/admin/events' });
  });

  it('accepts an empty body and every filter, trimmed, blanks omitted', () => {
    expect(parseBody(AdminEventsBodySchema, {})).toEqual({ ok: true, value: {} });
    expect(
      parseBody(AdminEventsBodySchema, {
        kind: ' telegram ',
        credentialId: 'c-1',
        eventType: 'acquire_failed',
        category: ' lease',
        fromMs: 0,
        toMs: 10,
        limit: 500,
        cursor: '   ',
      }),
    ).toEqual({
      ok: true,
      value: {
        kind: 'telegram',
        credentialId: 'c-1',
        eventType: 'acquire_failed',
        category: 'lease',
        fromMs: 0,
        toMs: 10,
        limit: 500,
      },
    });
  });

  it('names the failing field, in heading order', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ kind: 5 }, 'Expected "kind" to be a string.'],
      [{ credentialId: 'x'.repeat(129) }, 'Expected "credentialId" to be at most 128 characters.'],
      [
        { eventType: 'grant' },
        'Expected "eventType" to be one of "acquire", "acquire_failed", "release", "quarantine", "add", "disable", "disable_failed", "restore", "update", "policy".',
      ],
      [{ category: 'all' }, 'Expected "category" to be "lease" or "admin".'],
      [{ fromMs: -1 }, 'Expected "fromMs" to be a non-negative integer.'],
      [{ toMs: '5' }, 'Expected "toMs" to be a non-negative integer.'],
      [{ limit: 0 }, 'Expected "limit" to be a positive integer.'],
      [{ cursor: 7 }, 'Expected "cursor" to be a string.'],
      [{ kind: 5, limit: 0 }, 'Expected "kind" to be a string.'],
    ];
    for (const [body, message] of cases) {
      expect(parseBody(AdminEventsBodySchema, body)).toEqual({
        ok: false,
        code: 'INVALID_BODY',
        message,
      });
    }
  });

  it('answers events of both categories; a lease event needs its owner, an admin one its actor', () => {
    const ok = AdminEventsOkSchema.safeParse({
      status: 'ok',
      count: 2,
      nextCursor: 'c',
      events: [
        {
          eventId: '1',
          category: 'lease',
          eventType: 'acquire',
          kind: 'k',
          actorRole: 'ci',
          ownerId: 'o',
          occurredAtMs: 1,
          credentialId: 'c-1',
        },
        {
          eventId: '2',
          category: 'admin',
          eventType: 'disable_failed',
          actorRole: 'maintainer',
          actorId: 'a',
          occurredAtMs: 2,
          code: 'LEASE_ACTIVE',
          message: 'm',
        },
      ],
    });
    expect(ok.success).toBe(true);
    const mixed = AdminEventsOkSchema.safeParse({
      status: 'ok',
      count: 1,
      events: [
        { eventId: '1', category: 'admin', eventType: 'acquire', actorRole: 'ci', occurredAtMs: 1 },
      ],
    });
    expect(mixed.success).toBe(false);
  });
});

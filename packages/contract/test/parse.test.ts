import { describe, expect, it } from 'vitest';
import {
  AcquireBodySchema,
  AdminListBodySchema,
  HeartbeatBodySchema,
  checkLeaseTtl,
  parseAdminAddBody,
  parseBody,
} from '../src/index.js';

describe('field rules', () => {
  it('reports the first failing field in heading order with upstream messages', () => {
    expect(parseBody(AcquireBodySchema, { actorRole: 'ci', ownerId: 5 })).toEqual({
      ok: false,
      code: 'INVALID_BODY',
      message: 'Expected "kind" to be a string.',
    });
    expect(parseBody(AcquireBodySchema, { actorRole: 'ci', kind: '  ', ownerId: 'o' })).toEqual({
      ok: false,
      code: 'INVALID_BODY',
      message: 'Expected "kind" to be non-empty.',
    });
  });

  it('rejects non-objects and a wrong actorRole with its own code', () => {
    for (const body of [null, [], 3, 'x']) {
      expect(parseBody(AcquireBodySchema, body)).toMatchObject({
        code: 'INVALID_BODY',
        message: 'Request body must be a JSON object.',
      });
    }
    expect(parseBody(AcquireBodySchema, { actorRole: 'CI', kind: 'k', ownerId: 'o' })).toEqual({
      ok: false,
      code: 'INVALID_ACTOR_ROLE',
      message: 'Expected "actorRole" to be "maintainer" or "ci".',
    });
    expect(parseBody(AcquireBodySchema, { kind: 'k', ownerId: 'o' })).toMatchObject({
      code: 'INVALID_BODY',
      message: 'Expected "actorRole" to be a string.',
    });
  });

  it('trims strings, drops empty optionals and refuses numeric strings', () => {
    const ok = parseBody(AcquireBodySchema, {
      actorRole: 'ci',
      kind: ' telegram ',
      ownerId: 'o',
      leaseTtlMs: null,
      excludeCredentialIds: ['x'],
    });
    expect(ok).toEqual({ ok: true, value: { actorRole: 'ci', kind: 'telegram', ownerId: 'o' } });
    expect(
      parseBody(HeartbeatBodySchema, {
        actorRole: 'ci',
        kind: 'k',
        ownerId: 'o',
        credentialId: 'c',
        leaseToken: 't',
        leaseTtlMs: '30000',
      }),
    ).toMatchObject({
      code: 'INVALID_BODY',
      message: 'Expected "leaseTtlMs" to be a positive integer.',
    });
    expect(parseBody(AdminListBodySchema, { status: 'gone' })).toMatchObject({
      message: 'Expected "status" to be "active", "disabled", or "all".',
    });
    expect(parseBody(AdminListBodySchema, { kind: 'k'.repeat(129) })).toMatchObject({
      message: 'Expected "kind" to be at most 128 characters.',
    });
  });

  it('checks ranges against the bounds in force', () => {
    expect(checkLeaseTtl(undefined)).toEqual({ ok: true, value: 1_200_000 });
    expect(checkLeaseTtl(29_999)).toEqual({
      ok: false,
      code: 'INVALID_LEASE_TTL',
      message: 'leaseTtlMs must be between 30000 and 7200000.',
    });
  });
});

describe('admin/add', () => {
  const telegram = {
    groupId: '-100123',
    driverToken: ' fake-driver ',
    sutToken: 'fake-sut',
    extra: 1,
  };

  it('normalizes a known kind and keeps an unknown kind as given', () => {
    expect(parseAdminAddBody({ kind: 'telegram', payload: telegram, note: '  ' })).toEqual({
      ok: true,
      value: {
        kind: 'telegram',
        payload: { groupId: '-100123', driverToken: 'fake-driver', sutToken: 'fake-sut' },
      },
    });
    const custom = { anything: [1, 2] };
    const result = parseAdminAddBody({ kind: 'custom', payload: custom, status: 'disabled' });
    expect(result).toEqual({
      ok: true,
      value: { kind: 'custom', payload: custom, status: 'disabled' },
    });
  });

  it('checks the payload against its kind before note, actorId and status', () => {
    expect(
      parseAdminAddBody({ kind: 'telegram', payload: { ...telegram, groupId: 'abc' }, note: 5 }),
    ).toEqual({
      ok: false,
      code: 'INVALID_PAYLOAD',
      message:
        'Credential payload for kind "telegram" must include "groupId" as a numeric chat id string.',
    });
    expect(parseAdminAddBody({ kind: 'telegram', payload: [] })).toMatchObject({
      code: 'INVALID_BODY',
      message: 'Expected "payload" to be a JSON object.',
    });
    expect(parseAdminAddBody({ kind: 'telegram', payload: telegram, status: 'all' })).toMatchObject(
      {
        message: 'Expected "status" to be "active" or "disabled".',
      },
    );
  });
});

describe('payload depth', () => {
  /** `levels` levels of objects and arrays, the payload itself included. */
  function nested(levels: number): Record<string, unknown> {
    let value: unknown = 'leaf';
    for (let level = levels; level > 1; level--) value = level % 2 ? { next: value } : [value];
    return { next: value };
  }

  it('accepts 64 levels and refuses 65 with INVALID_PAYLOAD, before the kind check', () => {
    expect(parseAdminAddBody({ kind: 'custom', payload: nested(64) })).toMatchObject({ ok: true });
    expect(parseAdminAddBody({ kind: 'telegram', payload: nested(65), note: 5 })).toEqual({
      ok: false,
      code: 'INVALID_PAYLOAD',
      message: 'Credential payload is nested too deeply (more than 64 levels).',
    });
  });

  it('walks 200,000 levels without overflowing the stack', () => {
    expect(parseAdminAddBody({ kind: 'custom', payload: nested(200_000) })).toMatchObject({
      code: 'INVALID_PAYLOAD',
    });
  });
});

describe('text every store can keep', () => {
  it('refuses NUL characters and unpaired surrogates in string fields, naming the field', () => {
    for (const bad of ['a\u0000b', '\ud800', 'x\udc00', '\udbffz']) {
      expect(parseBody(AcquireBodySchema, { actorRole: 'ci', kind: bad, ownerId: 'o' })).toEqual({
        ok: false,
        code: 'INVALID_BODY',
        message: 'Expected "kind" to contain no NUL characters or unpaired surrogates.',
      });
      expect(parseBody(AdminListBodySchema, { kind: bad })).toMatchObject({ code: 'INVALID_BODY' });
    }
    // Paired surrogates (astral characters) are ordinary text.
    expect(
      parseBody(AcquireBodySchema, { actorRole: 'ci', kind: 'k😀', ownerId: 'ö日' }),
    ).toMatchObject({
      ok: true,
    });
    // Earlier fields still win: the rule is one more check of the same field.
    expect(
      parseBody(AcquireBodySchema, { actorRole: 'ci', kind: 'a\u0000', ownerId: 5 }),
    ).toMatchObject({
      message: 'Expected "kind" to contain no NUL characters or unpaired surrogates.',
    });
  });
});

describe('actorRole', () => {
  it('answers INVALID_ACTOR_ROLE for any present string that is not a role, empty included', () => {
    for (const actorRole of ['', '   ', 'admin', 'x'.repeat(300)]) {
      expect(parseBody(AcquireBodySchema, { actorRole, kind: 'k', ownerId: 'o' })).toMatchObject({
        code: 'INVALID_ACTOR_ROLE',
      });
    }
    expect(
      parseBody(AcquireBodySchema, { actorRole: ' ci ', kind: 'k', ownerId: 'o' }),
    ).toMatchObject({
      ok: true,
      value: { actorRole: 'ci' },
    });
  });
});

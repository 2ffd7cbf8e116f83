import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerError, sendableReason } from '../src/index.js';
import {
  grantBody,
  okRelease,
  startFakeBroker,
  type FakeBroker,
  type FakeRequest,
} from './support/fake-broker.js';
import { nodeCommand } from './support/run-bin.js';
import { runInProcess } from './support/run-in-process.js';

/** Every fake started by the current test, closed after it. */
let fakes: FakeBroker[] = [];
afterEach(async () => {
  await Promise.all(fakes.map((broker) => broker.close()));
  fakes = [];
});

const summary = (extra: Record<string, unknown> = {}) => ({
  credentialId: 'fake-credential-9',
  kind: 'fake',
  status: 'active',
  createdAtMs: 1,
  updatedAtMs: 2,
  lastLeasedAtMs: 0,
  ...extra,
});
const policy = (extra: Record<string, unknown> = {}) => ({
  kind: 'fake',
  updatedAtMs: Date.UTC(2026, 10, 30, 12),
  ...extra,
});

/** Grants from acquire, heartbeats as `heartbeat` says, ok for everything else that is asked. */
async function fakeBroker(
  options: {
    grant?: Record<string, unknown>;
    heartbeat?: Record<string, unknown>;
    admin?: (request: FakeRequest) => unknown;
  } = {},
): Promise<FakeBroker> {
  const fake = await startFakeBroker((request) => {
    if (request.route === '/acquire') {
      return { status: 200, body: { ...grantBody(), ...options.grant } };
    }
    if (request.route === '/heartbeat') {
      return {
        status: 200,
        body: { status: 'ok', expiresAtMs: Date.now() + 1_200_000, ...options.heartbeat },
      };
    }
    if (request.route === '/release') return { status: 200, body: okRelease };
    return { status: 200, body: options.admin?.(request) ?? { status: 'ok' } };
  });
  fakes.push(fake);
  return fake;
}

const releasesOf = (broker: FakeBroker) =>
  broker.requests.filter((request) => request.route === '/release').map((request) => request.body);

describe('release outcome on the wire', () => {
  it('sends v1’s body for an ok release, and outcome and reason for a broken one', async () => {
    const broker = await fakeBroker();
    const client = broker.client('ci');
    const ok = await client.acquireLease('fake');
    await ok.release();
    const broken = await client.acquireLease('fake');
    await broken.release({ outcome: 'broken', reason: '  bot token revoked\n' });
    await broken.release({ outcome: 'ok' });
    const [okBody, brokenBody, ...more] = releasesOf(broker);
    expect(more).toHaveLength(0);
    expect(okBody).not.toHaveProperty('outcome');
    expect(okBody).not.toHaveProperty('reason');
    expect(brokenBody).toMatchObject({
      credentialId: broken.credentialId,
      outcome: 'broken',
      reason: 'bot token revoked',
    });
  });

  it('markBroken makes a plain release, withLease and `await using` report the credential broken', async () => {
    const broker = await fakeBroker();
    const client = broker.client('ci');
    const value = await client.withLease('fake', (lease) => {
      lease.markBroken('login page says the account is locked');
      return 42;
    });
    expect(value).toBe(42);
    await expect(
      client.withLease('fake', (lease) => {
        lease.markBroken();
        throw new Error('test failed');
      }),
    ).rejects.toThrow('test failed');
    {
      await using lease = await client.acquireLease('fake');
      lease.markBroken('from a scope');
    }
    const overridden = await client.acquireLease('fake');
    overridden.markBroken('changed my mind');
    await overridden.release({ outcome: 'ok' });
    const bodies = releasesOf(broker);
    expect(bodies.map((body) => [body.outcome, body.reason])).toEqual([
      ['broken', 'login page says the account is locked'],
      ['broken', undefined],
      ['broken', 'from a scope'],
      [undefined, undefined],
    ]);
  });

  it('cleans a reason the broker would refuse instead of failing the release', async () => {
    expect(sendableReason('a\u0000b')).toBe('ab');
    expect(sendableReason('lone \ud800 surrogate')).toBe('lone  surrogate');
    expect(sendableReason('   ')).toBeUndefined();
    const long = sendableReason('x'.repeat(999) + '😀' + 'y'.repeat(10));
    // The emoji's pair would be cut in half at 1,000: it goes whole.
    expect(long).toBe('x'.repeat(999));
    expect(sendableReason('z'.repeat(1_500))).toHaveLength(1_000);

    const broker = await fakeBroker();
    const lease = await broker.client('ci').acquireLease('fake');
    await lease.release({ outcome: 'broken', reason: 'r'.repeat(5_000) });
    expect(releasesOf(broker)[0]!.reason).toBe('r'.repeat(1_000));
  });

  it('shows the hold cap from the grant, and a newer one from a heartbeat', async () => {
    const cap = Date.now() + 3_600_000;
    const broker = await fakeBroker({
      grant: { maxExpiresAtMs: cap },
      heartbeat: { maxExpiresAtMs: cap - 1_000 },
    });
    const lease = await broker.client('ci').acquireLease('fake');
    expect(lease.maxExpiresAtMs).toBe(cap);
    await lease.heartbeat();
    expect(lease.maxExpiresAtMs).toBe(cap - 1_000);
    await lease.release();

    const uncapped = await (await fakeBroker()).client('ci').acquireLease('fake');
    expect(uncapped.maxExpiresAtMs).toBeUndefined();
    await uncapped.release();
  });

  it('counts the lease lost at its hold cap, unless a heartbeat says the cap is gone', async () => {
    const capped = await fakeBroker({ grant: { maxExpiresAtMs: Date.now() + 300 } });
    const lease = await capped.client('ci').acquireLease('fake');
    const reason = await new Promise<unknown>((resolve) =>
      lease.signal.addEventListener('abort', () => resolve(lease.signal.reason), { once: true }),
    );
    expect(lease.state).toBe('lost');
    expect(reason).toBeInstanceOf(BrokerError);
    expect((reason as BrokerError).code).toBe('LEASE_LOST');
    expect((reason as BrokerError).message).toMatch(/reached its kind's maxHoldMs limit at /);
    await lease.release();

    // The policy was cleared after the grant: heartbeat answers carry no cap any more.
    const cleared = await fakeBroker({ grant: { maxExpiresAtMs: Date.now() + 400 } });
    const kept = await cleared.client('ci').acquireLease('fake');
    await kept.heartbeat();
    expect(kept.maxExpiresAtMs).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(kept.state).toBe('held');
    expect(kept.signal.aborted).toBe(false);
    await kept.release();
  });
});

describe('admin calls on the wire', () => {
  it('sends restore, quarantine, update and policy bodies as the contract names them', async () => {
    const broker = await fakeBroker({
      admin: (request) =>
        request.route.startsWith('/admin/policy/')
          ? request.route.endsWith('/get')
            ? { status: 'ok', policies: [policy({ maxHoldMs: 60_000 })] }
            : { status: 'ok', policy: policy() }
          : { status: 'ok', changed: true, credential: summary() },
    });
    const admin = broker.client('maintainer');
    expect(await admin.restoreCredential('c1', { actorId: 'alice' })).toEqual({
      changed: true,
      credential: summary(),
    });
    await admin.quarantineCredential('c2', { reason: 'revoked' });
    await admin.updateCredential({ credentialId: 'c3', note: '' });
    await admin.updateCredential({ credentialId: 'c4', payload: { apiKey: 'fake-key' } });
    await admin.setPolicy({ kind: 'fake', maxLeasesPerRole: { ci: null }, maxHoldMs: null });
    expect(await admin.getPolicy('fake')).toEqual(policy({ maxHoldMs: 60_000 }));
    expect(await admin.getPolicy('other')).toBeUndefined();
    expect(await admin.getPolicies()).toHaveLength(1);
    expect(broker.requests.map((request) => [request.route, request.body])).toEqual([
      ['/admin/restore', { credentialId: 'c1', actorId: 'alice' }],
      ['/admin/quarantine', { credentialId: 'c2', reason: 'revoked' }],
      ['/admin/update', { credentialId: 'c3', note: '' }],
      ['/admin/update', { credentialId: 'c4', payload: { apiKey: 'fake-key' } }],
      ['/admin/policy/set', { kind: 'fake', maxLeasesPerRole: { ci: null }, maxHoldMs: null }],
      ['/admin/policy/get', { kind: 'fake' }],
      ['/admin/policy/get', { kind: 'other' }],
      ['/admin/policy/get', {}],
    ]);
  });

  it('refuses an update with nothing to change, and one over the payload ceiling, before any request', async () => {
    const broker = await fakeBroker();
    const admin = broker.client('maintainer', { payloadMaxBytes: 100 });
    const empty = await admin.updateCredential({ credentialId: 'c1' }).catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(BrokerError);
    expect((empty as BrokerError).code).toBe('INVALID_CONFIG');
    const big = await admin
      .updateCredential({ credentialId: 'c1', payload: { blob: 'b'.repeat(200) } })
      .catch((e: unknown) => e);
    expect((big as BrokerError).code).toBe('PAYLOAD_TOO_LARGE_FOR_CLIENT');
    expect(broker.requests).toHaveLength(0);
  });
});

describe('qa-broker policy set (flags to body)', () => {
  it('turns durations, ROLE=N pairs and "none" into a patch', async () => {
    const broker = await fakeBroker({ admin: () => ({ status: 'ok', policy: policy() }) });
    const set = await runInProcess(
      [
        'policy',
        'set',
        '--kind',
        'fake',
        '--max-hold',
        '1h',
        '--max-leases-per-role',
        'ci=2,maintainer=none',
        '--max-leases-per-owner',
        'null',
        '--quarantine-after-broken',
        '2',
        '--actor-id',
        'alice',
      ],
      broker.env(),
    );
    expect(set.code).toBe(0);
    const cleared = await runInProcess(
      ['policy', 'set', '--kind', 'fake', '--max-leases-per-role', 'none', '--max-hold', 'None'],
      broker.env(),
    );
    expect(cleared.code).toBe(0);
    const zero = await runInProcess(
      [
        'policy',
        'set',
        '--kind',
        'fake',
        '--max-leases-per-role',
        'maintainer=0',
        '--max-hold',
        '30s',
      ],
      broker.env(),
    );
    expect(zero.code).toBe(0);
    expect(broker.requests.map((request) => request.body)).toEqual([
      {
        kind: 'fake',
        maxHoldMs: 3_600_000,
        maxLeasesPerRole: { ci: 2, maintainer: null },
        maxLeasesPerOwner: null,
        quarantineAfterBroken: 2,
        actorId: 'alice',
      },
      expect.objectContaining({ kind: 'fake', maxLeasesPerRole: null, maxHoldMs: null }),
      expect.objectContaining({
        kind: 'fake',
        maxLeasesPerRole: { maintainer: 0 },
        maxHoldMs: 30_000,
      }),
    ]);
  });

  it('refuses what the broker would refuse, saying how to write it, without a request', async () => {
    const broker = await fakeBroker();
    const cases: [string[], string][] = [
      [['--kind', 'k'], 'Nothing to set'],
      [['--max-hold', '1h'], '--kind is required'],
      [['--kind', 'k', '--max-hold', '10s'], '--max-hold must be at least 30s'],
      [['--kind', 'k', '--max-hold', 'soon'], '--max-hold must be a positive duration'],
      [['--kind', 'k', '--max-leases-per-role', '2'], 'ROLE=N pairs'],
      [['--kind', 'k', '--max-leases-per-role', 'admin=2'], 'the role must be ci or maintainer'],
      [['--kind', 'k', '--max-leases-per-role', 'ci=1,ci=2'], 'names ci twice'],
      [
        ['--kind', 'k', '--max-leases-per-role', 'ci=-1'],
        '--max-leases-per-role ci must be a whole number of at least 0',
      ],
      [
        ['--kind', 'k', '--max-leases-per-owner', '0'],
        '--max-leases-per-owner must be a whole number of at least 1',
      ],
      [['--kind', 'k', '--quarantine-after-broken', '1.5'], '--quarantine-after-broken must be'],
    ];
    for (const [flags, message] of cases) {
      const result = await runInProcess(['policy', 'set', ...flags], broker.env());
      expect({ flags, code: result.code }).toEqual({ flags, code: 2 });
      expect(result.stderr).toContain(message);
    }
    const unknown = await runInProcess(['policy', 'frob'], broker.env());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('use "policy get" or "policy set"');
    expect((await runInProcess(['policy'], broker.env())).code).toBe(2);
    expect(broker.requests).toHaveLength(0);
  });
});

describe('qa-broker credentials update (flags to body)', () => {
  it('sends an empty note to clear it, and needs something to change', async () => {
    const broker = await fakeBroker({
      admin: () => ({ status: 'ok', changed: true, credential: summary() }),
    });
    const cleared = await runInProcess(
      ['credentials', 'update', '--credential-id', 'c1', '--note', '', '--actor-id', 'bob'],
      broker.env(),
    );
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toBe('Updated the note of credential c1.\n');
    expect(broker.requests[0]).toMatchObject({
      route: '/admin/update',
      body: { credentialId: 'c1', note: '', actorId: 'bob' },
    });
    const nothing = await runInProcess(
      ['credentials', 'update', '--credential-id', 'c1'],
      broker.env(),
    );
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('Give --payload-file F, --note T, or both');
    expect(broker.requests).toHaveLength(1);
  });
});

describe('qa-broker run --broken-exit-code', () => {
  /** A command that writes `report` (if any) to the report file and exits with `code`. */
  const command = (code: number, report?: string) =>
    nodeCommand(
      `const fs = require('node:fs');
       const file = process.env.QA_CREDENTIAL_REPORT_FILE;
       console.log(JSON.stringify({ file: file ?? null, mode: file ? (fs.statSync(file).mode & 0o777).toString(8) : null }));
       console.error('secret-looking output fake-token-123');
       ${report === undefined ? '' : `fs.writeFileSync(file, ${JSON.stringify(report)});`}
       process.exit(${code});`,
    );

  async function runWith(flags: string[], code: number, report?: string) {
    const broker = await fakeBroker();
    const result = await runInProcess(
      ['run', '--kind', 'fake', ...flags, '--', ...command(code, report)],
      broker.env(),
    );
    const seen = JSON.parse(result.stdout.split('\n')[0]!) as { file: string | null; mode: string };
    const release = releasesOf(broker)[0]!;
    return { result, seen, release };
  }

  it('reports the credential broken with the first line of the report file, then deletes it', async () => {
    const { result, seen, release } = await runWith(
      ['--broken-exit-code', '3'],
      3,
      'account locked by the provider\nsecond line is not read\n',
    );
    expect(result.code).toBe(3);
    expect(seen.file).toMatch(/qa-broker-report-.*\/report$/);
    expect(seen.mode).toBe('600');
    expect(existsSync(seen.file!)).toBe(false);
    expect(release).toMatchObject({ outcome: 'broken', reason: 'account locked by the provider' });
    expect(result.stderr).toContain('exited with 3: reporting credential fake-credential-');
  });

  it('never takes the reason from the output: no report means a reason naming the exit code', async () => {
    const { release } = await runWith(['--broken-exit-code', '3'], 3);
    expect(release.outcome).toBe('broken');
    expect(release.reason).toBe(
      'The command exited with 3 (--broken-exit-code) and wrote no reason to QA_CREDENTIAL_REPORT_FILE.',
    );
    expect(JSON.stringify(release)).not.toContain('fake-token-123');
  });

  it('cuts a long first line at 1,000 characters', async () => {
    const { release } = await runWith(['--broken-exit-code', '9'], 9, `${'w'.repeat(3_000)}\r\n`);
    expect(release.reason).toBe('w'.repeat(1_000));
  });

  it('releases ok on any other exit, and passes no report file without the flag', async () => {
    const other = await runWith(['--broken-exit-code', '3'], 4, 'not broken, just failing');
    expect(other.result.code).toBe(4);
    expect(other.release).not.toHaveProperty('outcome');
    expect(existsSync(other.seen.file!)).toBe(false);

    const broker = await fakeBroker();
    const inherited = await runInProcess(
      ['run', '--kind', 'fake', '--', ...command(0)],
      broker.env({ QA_CREDENTIAL_REPORT_FILE: '/tmp/not-yours' }),
    );
    expect(JSON.parse(inherited.stdout.split('\n')[0]!)).toEqual({ file: null, mode: null });
    expect(releasesOf(broker)[0]).not.toHaveProperty('outcome');
  });

  it('stops the command at the hold cap and exits 3, saying so', async () => {
    const cap = Date.now() + 800;
    const broker = await fakeBroker({ grant: { maxExpiresAtMs: cap } });
    const result = await runInProcess(
      [
        'run',
        '--kind',
        'fake',
        '--',
        ...nodeCommand('process.on("SIGTERM", () => process.exit(0)); setInterval(() => {}, 1000)'),
      ],
      broker.env(),
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      `qa-broker: the kind's policy ends this lease by ${new Date(cap).toISOString()} at the latest.`,
    );
    expect(result.stderr).toMatch(/reached its kind's maxHoldMs limit at .*stopping the command/);
    expect(releasesOf(broker)).toHaveLength(1);
  });

  it('refuses an exit code out of 1-255', async () => {
    const broker = await fakeBroker();
    for (const value of ['0', '256', 'x']) {
      const result = await runInProcess(
        ['run', '--kind', 'fake', '--broken-exit-code', value, '--', 'true'],
        broker.env(),
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--broken-exit-code must be a whole number from 1 to 255.');
    }
    expect(broker.requests).toHaveLength(0);
  });
});

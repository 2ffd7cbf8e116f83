import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPgliteStore } from '@qa-broker/store-postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIsolatedStore } from '../../store-redis/test/support/test-redis.js';
import type { BrokerClient } from '../src/index.js';
import {
  startBroker,
  uniqueKind,
  type CredentialStore,
  type RunningBroker,
} from './support/broker.js';
import { summaryOf } from './support/lease-status.js';
import { nodeCommand, runBin } from './support/run-bin.js';
import { runInProcess } from './support/run-in-process.js';

/** Real stores: PGlite (as the other CLI tests) and Redis. */
const STORES: [string, () => Promise<{ store: CredentialStore; close: () => Promise<void> }>][] = [
  [
    'pglite',
    async () => {
      const store = await openPgliteStore({});
      return { store, close: () => store.close() };
    },
  ],
  [
    'redis',
    async () => {
      const { store, cleanup } = await openIsolatedStore();
      return { store, close: cleanup };
    },
  ],
];

const cellsOf = (line: string | undefined) => (line ?? '').split(/\s{2,}/);

for (const [storeName, openStore] of STORES) {
  describe(`qa-broker health and policy commands (${storeName})`, () => {
    let close: () => Promise<void>;
    let broker: RunningBroker;
    let admin: BrokerClient;
    let dir: string;

    beforeAll(async () => {
      const opened = await openStore();
      close = opened.close;
      broker = await startBroker(opened.store);
      admin = broker.client('maintainer');
      dir = await mkdtemp(join(tmpdir(), 'qa-broker-cli-health-'));
    });
    afterAll(async () => {
      await broker?.stop();
      await close?.();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('quarantines and restores, and the list shows quarantine and broken columns', async () => {
      const kind = uniqueKind('cli-q');
      const { credentialId } = await admin.addCredential({ kind, payload: { apiKey: 'fake' } });
      const quarantined = await runInProcess(
        [
          'credentials',
          'quarantine',
          '--credential-id',
          credentialId,
          '--reason',
          'banned by the provider',
          '--actor-id',
          'alice',
        ],
        broker.env(),
      );
      expect(quarantined.code).toBe(0);
      expect(quarantined.stdout).toBe(
        `Quarantined credential ${credentialId}: it will not be leased until restored.\n`,
      );

      const table = await runInProcess(['credentials', 'list', '--kind', kind], broker.env());
      const lines = table.stdout.trimEnd().split('\n');
      expect(cellsOf(lines[0])).toEqual([
        'credentialId',
        'fingerprint',
        'kind',
        'status',
        'leased',
        'quarantined',
        'broken',
        'note',
        'reason',
      ]);
      expect(cellsOf(lines[1]).slice(3)).toEqual([
        'active',
        'no',
        'yes(maintainer:alice)',
        '0',
        '-',
        'banned by the provider',
      ]);

      const json = await runInProcess(
        ['credentials', 'list', '--kind', kind, '--json'],
        broker.env(),
      );
      const listed = JSON.parse(json.stdout) as { credentials: Record<string, unknown>[] };
      expect(listed.credentials[0]).toMatchObject({
        quarantine: {
          reason: 'banned by the provider',
          reportedBy: 'alice',
          actorRole: 'maintainer',
        },
      });

      const again = await runInProcess(
        ['credentials', 'quarantine', '--credential-id', credentialId, '--json'],
        broker.env(),
      );
      expect(JSON.parse(again.stdout)).toMatchObject({ status: 'ok', changed: false });

      const restored = await runInProcess(
        ['credentials', 'restore', '--credential-id', credentialId],
        broker.env(),
      );
      expect(restored.stdout).toBe(
        `Restored credential ${credentialId}: active, not quarantined, broken reports reset.\n`,
      );
      const healthy = await runInProcess(
        ['credentials', 'restore', '--credential-id', credentialId],
        broker.env(),
      );
      expect(healthy.stdout).toBe(`Credential ${credentialId} was already active and healthy.\n`);
      expect((await summaryOf(admin, kind, credentialId)).quarantine).toBeUndefined();

      const missing = await runInProcess(
        ['credentials', 'restore', '--credential-id', 'no-such-credential'],
        broker.env(),
      );
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^qa-broker: .+\n$/);
    });

    it('run --broken-exit-code reports the credential broken with the reason from the report file', async () => {
      const kind = uniqueKind('cli-run');
      const { credentialId } = await admin.addCredential({ kind, payload: { apiKey: 'fake' } });
      const result = await runBin(
        [
          'run',
          '--kind',
          kind,
          '--broken-exit-code',
          '42',
          '--',
          ...nodeCommand(
            `require('node:fs').writeFileSync(process.env.QA_CREDENTIAL_REPORT_FILE, 'token rejected: 401\\n');
             console.log('output with fake-secret-value');
             process.exit(42);`,
          ),
        ],
        broker.env({ QA_BROKER_ROLE: 'ci', QA_BROKER_OWNER_ID: 'ci-job-7' }),
      );
      expect(result.code).toBe(42);
      const summary = await summaryOf(admin, kind, credentialId);
      expect(summary.lease).toBeUndefined();
      expect(summary).toMatchObject({
        brokenReports: 1,
        quarantine: { reason: 'token rejected: 401', reportedBy: 'ci-job-7', actorRole: 'ci' },
      });
      const table = await runInProcess(['credentials', 'list', '--kind', kind], broker.env());
      expect(cellsOf(table.stdout.split('\n')[1]).slice(4)).toEqual([
        'no',
        'yes(ci:ci-job-7)',
        '1',
        '-',
        'token rejected: 401',
      ]);

      // Any other exit is an ok release: the restored credential is leased and given back.
      await admin.restoreCredential(credentialId);
      const failing = await runInProcess(
        [
          'run',
          '--kind',
          kind,
          '--broken-exit-code',
          '42',
          '--',
          ...nodeCommand('process.exit(1)'),
        ],
        broker.env(),
      );
      expect(failing.code).toBe(1);
      const after = await summaryOf(admin, kind, credentialId);
      expect(after.quarantine).toBeUndefined();
      expect(after.lease).toBeUndefined();
    });

    it('updates payload and note, and clears the note with --note ""', async () => {
      const kind = uniqueKind('cli-upd');
      const { credentialId } = await admin.addCredential({
        kind,
        payload: { apiKey: 'fake-old' },
        note: 'old note',
      });
      const payloadFile = join(dir, `${kind}.json`);
      await writeFile(payloadFile, JSON.stringify({ apiKey: 'fake-new' }));
      const updated = await runInProcess(
        [
          'credentials',
          'update',
          '--credential-id',
          credentialId,
          '--payload-file',
          payloadFile,
          '--note',
          'rotated',
          '--json',
        ],
        broker.env(),
      );
      expect(updated.code).toBe(0);
      const body = JSON.parse(updated.stdout) as Record<string, unknown>;
      expect(body).toMatchObject({ status: 'ok', changed: true, credential: { note: 'rotated' } });
      expect(updated.stdout).not.toContain('fake-new');
      const lease = await broker.client('ci').acquireLease(kind);
      expect(lease.payload).toEqual({ apiKey: 'fake-new' });
      await lease.release();

      const cleared = await runInProcess(
        ['credentials', 'update', '--credential-id', credentialId, '--note', ''],
        broker.env(),
      );
      expect(cleared.stdout).toBe(`Updated the note of credential ${credentialId}.\n`);
      expect((await summaryOf(admin, kind, credentialId)).note).toBeUndefined();
      const same = await runInProcess(
        ['credentials', 'update', '--credential-id', credentialId, '--note', ''],
        broker.env(),
      );
      expect(same.stdout).toBe(
        `Credential ${credentialId} already had that note; nothing changed.\n`,
      );
    });

    it('sets and shows a policy, as a table and as JSON', async () => {
      const kind = uniqueKind('cli-pol');
      const empty = await runInProcess(['policy', 'get', '--kind', kind], broker.env());
      expect(empty.stdout).toContain(`Kind "${kind}" has no policy`);

      const set = await runInProcess(
        [
          'policy',
          'set',
          '--kind',
          kind,
          '--max-hold',
          '1h',
          '--max-leases-per-role',
          'ci=2',
          '--max-leases-per-owner',
          '1',
          '--quarantine-after-broken',
          '2',
        ],
        broker.env(),
      );
      expect(set.code).toBe(0);
      const setLines = set.stdout.trimEnd().split('\n');
      expect(setLines[0]).toBe(`Policy of kind "${kind}" is now:`);
      expect(cellsOf(setLines[1])).toEqual([
        'kind',
        'maxHold',
        'perRole.ci',
        'perRole.maintainer',
        'perOwner',
        'quarantineAfter',
        'updated',
      ]);
      expect(cellsOf(setLines[2]).slice(0, 6)).toEqual([kind, '1h', '2', '-', '1', '2']);

      const patched = await runInProcess(
        ['policy', 'set', '--kind', kind, '--max-leases-per-owner', 'none', '--max-hold', '90s'],
        broker.env(),
      );
      expect(patched.code).toBe(0);
      const got = await runInProcess(['policy', 'get', '--kind', kind, '--json'], broker.env());
      expect(JSON.parse(got.stdout)).toEqual({
        status: 'ok',
        policies: [
          {
            kind,
            updatedAtMs: expect.any(Number) as number,
            maxHoldMs: 90_000,
            maxLeasesPerRole: { ci: 2 },
            quarantineAfterBroken: 2,
          },
        ],
      });
      const table = await runInProcess(['policy', 'get'], broker.env());
      const row = table.stdout.split('\n').find((line) => line.startsWith(`${kind} `));
      expect(cellsOf(row).slice(0, 6)).toEqual([kind, '90s', '2', '-', '-', '2']);

      const ciRole = await runInProcess(
        ['policy', 'get'],
        broker.env({ QA_BROKER_ROLE: 'ci', QA_BROKER_SECRET_MAINTAINER: 'fake-wrong-secret' }),
      );
      expect(ciRole.code).toBe(1);
    });
  });
}

describe('qa-broker help for the health and policy commands', () => {
  it('prints help for each, and lists them in the main help', async () => {
    for (const [argv, usage] of [
      [['credentials', 'restore', '--help'], 'Usage: qa-broker credentials restore'],
      [['credentials', 'quarantine', '-h'], 'Usage: qa-broker credentials quarantine'],
      [['credentials', 'update', '--help'], 'Usage: qa-broker credentials update'],
      [['policy', '--help'], 'Usage: qa-broker policy <get|set>'],
      [['policy', 'get', '--help'], 'Usage: qa-broker policy get'],
      [['policy', 'set', '--help'], 'Usage: qa-broker policy set'],
    ] as const) {
      const result = await runInProcess([...argv], {});
      expect({ argv, code: result.code }).toEqual({ argv, code: 0 });
      expect(result.stdout.startsWith(usage)).toBe(true);
    }
    const main = await runInProcess(['--help'], {});
    for (const command of [
      'credentials restore',
      'credentials quarantine',
      'credentials update',
      'policy get',
      'policy set',
    ]) {
      expect(main.stdout).toContain(`  ${command} `);
    }
    const run = await runInProcess(['run', '--help'], {});
    expect(run.stdout).toContain('[--broken-exit-code N]');
    expect(run.stdout).toContain('QA_CREDENTIAL_REPORT_FILE');
  });
});

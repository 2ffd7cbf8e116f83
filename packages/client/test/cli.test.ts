import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPgliteStore } from '@qa-broker/store-postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrokerClient } from '../src/index.js';
import {
  CI_SECRET,
  SHORT_LEASE_BOUNDS,
  startBroker,
  telegramPayload,
  uniqueKind,
  type CredentialStore,
  type RunningBroker,
} from './support/broker.js';
import { summaryOf } from './support/lease-status.js';
import { nodeCommand, runBin, startBin } from './support/run-bin.js';
import { runInProcess } from './support/run-in-process.js';

let store: CredentialStore;
let broker: RunningBroker;
let admin: BrokerClient;
let dir: string;

beforeAll(async () => {
  store = await openPgliteStore({});
  broker = await startBroker(store);
  admin = broker.client('maintainer');
  dir = await mkdtemp(join(tmpdir(), 'qa-broker-cli-'));
});
afterAll(async () => {
  await broker?.stop();
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function fingerprint(credentialId: string): string {
  return `sha256:${createHash('sha256').update(credentialId).digest('hex').slice(0, 16)}`;
}

async function isLeased(kind: string, credentialId: string): Promise<boolean> {
  return (await summaryOf(admin, kind, credentialId)).lease !== undefined;
}

describe('qa-broker credentials', () => {
  it('adds, lists and removes a credential, as a table and as JSON', async () => {
    const kind = uniqueKind('cli');
    const payloadFile = join(dir, 'payload.json');
    await writeFile(payloadFile, JSON.stringify({ apiKey: 'fake-api-key-1' }));

    const added = await runBin(
      ['credentials', 'add', '--kind', kind, '--payload-file', payloadFile, '--note', 'first one'],
      broker.env(),
    );
    expect(added.code).toBe(0);
    const credentialId = /Added credential (\S+) /.exec(added.stdout)?.[1];
    expect(credentialId).toBeDefined();
    expect(added.stdout).toContain(fingerprint(credentialId!));

    const addedJson = await runBin(
      [
        'credentials',
        'add',
        '--kind',
        kind,
        '--payload-file',
        payloadFile,
        '--status',
        'disabled',
        '--json',
      ],
      broker.env(),
    );
    expect(addedJson.code).toBe(0);
    const second = (
      JSON.parse(addedJson.stdout) as { status: string; credential: Record<string, string> }
    ).credential;
    expect(second).toMatchObject({ kind, status: 'disabled' });
    expect(second.credentialFingerprint).toBe(fingerprint(second.credentialId!));

    const lease = await broker.client('ci').acquireLease(kind);
    expect(lease.credentialId).toBe(credentialId);

    const table = await runBin(['credentials', 'list', '--kind', kind], broker.env());
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]!.split(/\s{2,}/)).toEqual([
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
    expect(lines).toHaveLength(3);
    expect(lines[1]!.split(/\s{2,}/)).toEqual([
      credentialId,
      fingerprint(credentialId!),
      kind,
      'active',
      `yes(ci:${lease.ownerId})`,
      'no',
      '0',
      'first one',
      '-',
    ]);
    expect(lines[2]!.split(/\s{2,}/)).toEqual([
      second.credentialId,
      second.credentialFingerprint,
      kind,
      'disabled',
      'no',
      'no',
      '0',
      '-',
      '-',
    ]);
    expect(table.stdout).not.toContain('fake-api-key-1');
    await lease.release();

    const secrets = await runBin(
      ['credentials', 'list', '--kind', kind, '--show-secrets'],
      broker.env(),
    );
    expect(secrets.stdout.split('\n')[0]).toMatch(/note\s+reason\s+payload$/);
    expect(secrets.stdout).toContain('{"apiKey":"fake-api-key-1"}');

    const listed = await runBin(
      ['credentials', 'list', '--kind', kind, '--status', 'active', '--json'],
      broker.env(),
    );
    const body = JSON.parse(listed.stdout) as {
      status: string;
      count: number;
      credentials: Record<string, unknown>[];
    };
    expect(body).toMatchObject({ status: 'ok', count: 1 });
    expect(body.credentials[0]).toMatchObject({
      credentialId,
      credentialFingerprint: fingerprint(credentialId!),
    });
    expect(body.credentials[0]!.payload).toBeUndefined();

    const removed = await runBin(
      ['credentials', 'remove', '--credential-id', credentialId!],
      broker.env(),
    );
    expect(removed).toMatchObject({ code: 0 });
    expect(removed.stdout).toContain(`Disabled credential ${credentialId}.`);
    const again = await runBin(
      ['credentials', 'remove', '--credential-id', credentialId!, '--json'],
      broker.env(),
    );
    expect(JSON.parse(again.stdout)).toMatchObject({
      status: 'ok',
      changed: false,
      credential: { status: 'disabled' },
    });
    expect((await summaryOf(admin, kind, credentialId!)).status).toBe('disabled');
  });

  it('refuses a payload file over the ceiling before any request', async () => {
    const payloadFile = join(dir, 'big.json');
    await writeFile(payloadFile, JSON.stringify({ blob: 'z'.repeat(500) }));
    // Nothing listens on port 9: a request would fail with NETWORK_ERROR instead.
    const result = await runInProcess(
      ['credentials', 'add', '--kind', 'k', '--payload-file', payloadFile],
      {
        QA_BROKER_URL: 'http://127.0.0.1:9',
        QA_BROKER_ALLOW_INSECURE_HTTP: '1',
        QA_BROKER_TOKEN: 'fake',
        QA_BROKER_PAYLOAD_MAX_BYTES: '100',
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^qa-broker: --payload-file .* is \d+ bytes, over the payload ceiling of 100 bytes/,
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('reports errors as one line, or as JSON on stdout with --json', async () => {
    const wrong = broker.env({ QA_BROKER_SECRET_MAINTAINER: 'fake-wrong-secret' });
    const plain = await runInProcess(['credentials', 'list'], wrong);
    expect(plain).toEqual({
      code: 1,
      stdout: '',
      stderr: 'qa-broker: Credential broker secret is invalid.\n',
    });
    const json = await runInProcess(['credentials', 'list', '--json'], wrong);
    expect(json.code).toBe(1);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toEqual({
      status: 'error',
      code: 'AUTH_INVALID',
      message: 'Credential broker secret is invalid.',
      exitCode: 1,
    });
    expect(plain.stderr + json.stdout).not.toContain('fake-wrong-secret');
  });

  it('exits 2 on usage errors', async () => {
    const env = broker.env();
    for (const argv of [
      ['credentials', 'add', '--payload-file', 'x'],
      ['credentials', 'list', '--limit', 'ten'],
      ['credentials', 'list', '--status', 'leased'],
      ['credentials', 'frobnicate'],
      ['nope'],
      ['run', '--kind', 'k'],
      ['run', '--kind', 'k', '--payload-env', 'A', '--payload-file', 'f', '--', 'true'],
      ['run', '--kind', 'k', '--payload-env', 'bad name', '--', 'true'],
    ]) {
      const result = await runInProcess(argv, env);
      expect({ argv, code: result.code }).toEqual({ argv, code: 2 });
      expect(result.stderr).toMatch(/^qa-broker: .*\(see --help\)\n$/);
    }
    const json = await runInProcess(['run', '--json', '--kind', 'k'], env);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'error', code: 'USAGE', exitCode: 2 });
  });

  it('prints help for every command', async () => {
    for (const argv of [
      ['--help'],
      ['credentials', '--help'],
      ['credentials', 'add', '--help'],
      ['credentials', 'list', '-h'],
      ['credentials', 'remove', '--help'],
      ['credentials', 'doctor', '--help'],
      ['run', '--help'],
    ]) {
      const result = await runInProcess(argv, {});
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^Usage: qa-broker/);
    }
  });

  it('doctor reports a healthy setup, and says how to fix a broken one', async () => {
    const healthy = await runInProcess(['credentials', 'doctor'], broker.env());
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toMatch(/ok {4}auth/);
    expect(healthy.stdout).toMatch(/ok {4}admin/);

    const ci = await runInProcess(
      ['credentials', 'doctor', '--json'],
      broker.env({ QA_BROKER_ROLE: 'ci' }),
    );
    expect(JSON.parse(ci.stdout)).toMatchObject({ status: 'ok' });

    const badToken = await runInProcess(
      ['credentials', 'doctor'],
      broker.env({ QA_BROKER_TOKEN: 'fake-wrong' }),
    );
    expect(badToken.code).toBe(1);
    expect(badToken.stdout).toMatch(/FAIL {2}auth .*AUTH_INVALID/);
    expect(badToken.stdout).toContain('fix: set QA_BROKER_TOKEN or QA_BROKER_SECRET_MAINTAINER');
    expect(badToken.stdout).not.toContain('fake-wrong');

    const mismatch = await runInProcess(
      ['credentials', 'doctor'],
      broker.env({
        QA_BROKER_ROLE: 'ci',
        QA_BROKER_TOKEN: broker.env().QA_BROKER_SECRET_MAINTAINER!,
      }),
    );
    expect(mismatch.stdout).toContain('set QA_BROKER_ROLE to match it');

    const prefix = await runInProcess(
      ['credentials', 'doctor'],
      broker.env({ QA_BROKER_ENDPOINT_PREFIX: '/wrong/v1' }),
    );
    expect(prefix.stdout).toContain('fix: check QA_BROKER_ENDPOINT_PREFIX');

    const unreachable = await runInProcess(
      ['credentials', 'doctor', '--url', 'http://127.0.0.1:9'],
      broker.env(),
    );
    expect(unreachable.code).toBe(1);
    expect(unreachable.stdout).toMatch(/FAIL {2}reachable NETWORK_ERROR/);

    const insecure = await runInProcess(
      ['credentials', 'doctor'],
      broker.env({ QA_BROKER_ALLOW_INSECURE_HTTP: '0' }),
    );
    expect(insecure.stdout).toMatch(/FAIL {2}url .*set QA_BROKER_ALLOW_INSECURE_HTTP/);
  });
});

describe('qa-broker run', () => {
  const showEnv = nodeCommand(
    `const fs = require('node:fs');
     const file = process.env.QA_CREDENTIAL_PAYLOAD_FILE;
     console.log(JSON.stringify({
       id: process.env.QA_CREDENTIAL_ID,
       fencing: process.env.QA_CREDENTIAL_FENCING_TOKEN,
       payload: process.env.QA_CREDENTIAL_PAYLOAD ?? null,
       custom: process.env.MY_PAYLOAD ?? null,
       file: file ?? null,
       fileMode: file ? (fs.statSync(file).mode & 0o777).toString(8) : null,
       fileContent: file ? fs.readFileSync(file, 'utf8') : null,
       brokerSecret: process.env.QA_BROKER_SECRET_CI ?? null,
     }));`,
  );

  async function poolOfOne() {
    const kind = uniqueKind('run');
    const { credentialId } = await admin.addCredential({ kind, payload: telegramPayload(3) });
    return { kind, credentialId };
  }

  it('hands the command its payload in an env var and releases after it exits', async () => {
    const { kind, credentialId } = await poolOfOne();
    const result = await runBin(
      ['run', '--kind', kind, '--', ...showEnv],
      broker.env({ QA_BROKER_ROLE: 'ci' }),
    );
    expect(result.code).toBe(0);
    const seen = JSON.parse(result.stdout) as Record<string, string | null>;
    expect(seen.id).toBe(credentialId);
    expect(Number(seen.fencing)).toBeGreaterThan(0);
    expect(JSON.parse(seen.payload!)).toEqual(telegramPayload(3));
    expect(seen.brokerSecret).toBeNull();
    expect(seen.file).toBeNull();
    expect(result.stderr).toContain(`leased credential ${credentialId}`);
    expect(await isLeased(kind, credentialId)).toBe(false);

    const custom = await runBin(
      ['run', '--kind', kind, '--payload-env', 'MY_PAYLOAD', '--', ...showEnv],
      broker.env(),
    );
    const customSeen = JSON.parse(custom.stdout) as Record<string, string | null>;
    expect(JSON.parse(customSeen.custom!)).toEqual(telegramPayload(3));
    expect(customSeen.payload).toBeNull();
  });

  it('writes the payload to a 0600 file that must not exist, and deletes it afterwards', async () => {
    const { kind, credentialId } = await poolOfOne();
    const path = join(dir, 'lease-payload.json');
    const result = await runBin(
      ['run', '--kind', kind, '--payload-file', path, '--', ...showEnv],
      broker.env(),
    );
    expect(result.code).toBe(0);
    const seen = JSON.parse(result.stdout) as Record<string, string | null>;
    expect(seen).toMatchObject({ file: path, fileMode: '600', payload: null, id: credentialId });
    expect(JSON.parse(seen.fileContent!)).toEqual(telegramPayload(3));
    expect(existsSync(path)).toBe(false);
    expect(await isLeased(kind, credentialId)).toBe(false);

    await writeFile(path, 'already here');
    const refused = await runBin(
      ['run', '--kind', kind, '--payload-file', path, '--', ...showEnv],
      broker.env(),
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('already exists');
    expect(refused.stdout).toBe('');
    expect(await isLeased(kind, credentialId)).toBe(false);
    expect(existsSync(path)).toBe(true);
    await rm(path);
  });

  it("exits with the command's own code and releases after a failure", async () => {
    const { kind, credentialId } = await poolOfOne();
    const result = await runBin(
      ['run', '--kind', kind, '--', ...nodeCommand('process.exit(7)')],
      broker.env(),
    );
    expect(result.code).toBe(7);
    expect(await isLeased(kind, credentialId)).toBe(false);
    const missing = await runBin(
      ['run', '--kind', kind, '--', join(dir, 'no-such-command')],
      broker.env(),
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/qa-broker: Could not start .*ENOENT/);
    expect(await isLeased(kind, credentialId)).toBe(false);
  });

  it('forwards SIGTERM to the command, exits 128+15 and releases', async () => {
    const { kind, credentialId } = await poolOfOne();
    const running = startBin(
      [
        'run',
        '--kind',
        kind,
        '--',
        ...nodeCommand('console.error("child ready"); setInterval(() => {}, 1000)'),
      ],
      broker.env(),
    );
    await running.stderrIncludes('child ready');
    expect(await isLeased(kind, credentialId)).toBe(true);
    running.process.kill('SIGTERM');
    const result = await running.done;
    expect(result.code).toBe(143);
    expect(await isLeased(kind, credentialId)).toBe(false);
  });

  it('waits in the queue with its position on stderr, seen by qa-broker queue, then runs', async () => {
    const { kind, credentialId } = await poolOfOne();
    const holder = await admin.acquireLease(kind);
    const running = startBin(
      [
        'run',
        '--kind',
        kind,
        '--wait-timeout',
        '30s',
        '--',
        ...nodeCommand('console.error("ran")'),
      ],
      // Asks held open for 1 s: several re-asks while the holder keeps the credential.
      broker.env({ QA_BROKER_HTTP_TIMEOUT_MS: '3000' }),
    );
    await running.stderrIncludes(`waiting for a "${kind}" credential: position 1 of 1,`);
    const shown = await runInProcess(['queue', '--kind', kind], broker.env());
    expect(shown.code).toBe(0);
    expect(shown.stdout.split('\n')[0]).toMatch(/^kind\s+position\s+fingerprint\s+owner\s+role/);
    expect(shown.stdout).toMatch(
      new RegExp(
        `^${kind}\\s+1\\s+sha256:[0-9a-f]{16}\\s+\\S+\\s+\\w+\\s+0\\s+\\d+\\.\\d s\\s+parked$`,
        'm',
      ),
    );
    await holder.release();
    const result = await running.done;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('ran');
    expect(await isLeased(kind, credentialId)).toBe(false);
  });

  it('exits 4 when the pool is still exhausted after the wait, with progress on stderr', async () => {
    const kind = uniqueKind('none');
    const result = await runBin(
      ['run', '--kind', kind, '--no-queue', '--wait-timeout', '600', '--', 'true'],
      broker.env(),
    );
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(
      new RegExp(
        `no "${kind}" credential is free \\(POOL_EXHAUSTED\\); retrying in 0\\.\\d s, waited \\d+\\.\\d s of 0\\.6 s\\.`,
      ),
    );
    expect(result.stderr).toMatch(
      /qa-broker: No available credential for kind ".*"\. Waited \d+\.\d s \(limit 0\.6 s\)/,
    );
    const json = await runBin(
      ['run', '--json', '--no-queue', '--kind', kind, '--wait-timeout', '200ms', '--', 'true'],
      broker.env(),
    );
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: 'error',
      code: 'POOL_EXHAUSTED',
      exitCode: 4,
    });
  });

  it('stops waiting on SIGINT and exits 128+2 without taking a credential', async () => {
    const kind = uniqueKind('interrupt');
    const running = startBin(['run', '--kind', kind, '--no-queue', '--', 'true'], broker.env());
    await running.stderrIncludes(`no "${kind}" credential is free`);
    const { credentialId } = await admin.addCredential({ kind, payload: { n: 1 } });
    running.process.kill('SIGINT');
    const result = await running.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain(`stopped waiting for a "${kind}" credential (SIGINT)`);
    expect(await isLeased(kind, credentialId)).toBe(false);
  });

  it('stops the command and exits 3 when the lease is lost', async () => {
    const flaky = await startBroker(store, { leaseBounds: SHORT_LEASE_BOUNDS });
    const { kind, credentialId } = await poolOfOne();
    const running = startBin(
      [
        'run',
        '--kind',
        kind,
        '--lease-ttl',
        '800',
        '--heartbeat-interval',
        '100',
        '--',
        ...nodeCommand(
          'console.error("child ready"); process.on("SIGTERM", () => { console.error("child got SIGTERM"); process.exit(0); }); setInterval(() => {}, 1000)',
        ),
      ],
      flaky.env({ QA_BROKER_HTTP_TIMEOUT_MS: '300', QA_BROKER_SECRET_CI: CI_SECRET }),
    );
    await running.stderrIncludes('child ready');
    await flaky.stop();
    const result = await running.done;
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('child got SIGTERM');
    expect(result.stderr).toMatch(
      /qa-broker: Lease on credential .* was lost: no heartbeat succeeded within its 800 ms TTL; the command was stopped\./,
    );
    expect(result.stdout).toBe('');
    // The broker is gone, so the lease was not given back: it just runs out.
    expect(await isLeased(kind, credentialId)).toBe(true);
  });
});

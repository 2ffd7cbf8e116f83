import { afterEach, describe, expect, it } from 'vitest';
import {
  exhaustedBody,
  grantBody,
  okRelease,
  startFakeBroker,
  waitingBody,
  waitOf,
  type FakeAnswer,
  type FakeBroker,
  type FakeRequest,
} from './support/fake-broker.js';
import { nodeCommand, startBin } from './support/run-bin.js';
import { runInProcess } from './support/run-in-process.js';

let fake: FakeBroker | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** A fake broker: the nth acquire gets `answers[n]` (the last repeats), release is ok, admin/queue as given. */
async function scripted(
  answers: ((request: FakeRequest) => FakeAnswer)[],
  queueBody: unknown = { status: 'ok', queues: [] },
): Promise<FakeBroker> {
  let acquires = 0;
  fake = await startFakeBroker((request) => {
    if (request.route === '/release') return { status: 200, body: okRelease };
    if (request.route === '/admin/queue') return { status: 200, body: queueBody };
    const answer = answers[Math.min(acquires, answers.length - 1)]!;
    acquires += 1;
    return answer(request);
  });
  return fake;
}

const waiting =
  (position: number, queueLength: number, delayMs = 0) =>
  (request: FakeRequest): FakeAnswer => ({
    status: 409,
    body: waitingBody(waitOf(request)?.ticket, position, queueLength),
    delayMs,
  });
const granted = (request: FakeRequest): FakeAnswer => ({
  status: 200,
  body: grantBody({ ticket: waitOf(request)?.ticket }),
});
const quietCommand = nodeCommand('');

describe('qa-broker run in the wait queue', () => {
  it('prints its position on stderr while it waits, then runs the command', async () => {
    const broker = await scripted([waiting(3, 7), waiting(2, 7, 1_100), granted]);
    const result = await runInProcess(
      ['run', '--kind', 'fake', '--wait-timeout', '1m', '--', ...quietCommand],
      broker.env(),
    );
    expect(result.code).toBe(0);
    const progress = result.stderr.split('\n').filter((line) => line.includes('waiting for'));
    expect(progress).toHaveLength(2);
    expect(progress[0]).toMatch(
      /^qa-broker: waiting for a "fake" credential: position 3 of 7, 0\.\d s\.$/,
    );
    expect(progress[1]).toMatch(
      /^qa-broker: waiting for a "fake" credential: position 2 of 7, 1\.\d s\.$/,
    );
    expect(result.stderr).toContain('qa-broker: leased credential fake-credential-');
    expect(result.stdout).toBe('');
  });

  it('prints at most about one progress line a second', async () => {
    const broker = await scripted([
      waiting(5, 5),
      waiting(4, 5),
      waiting(3, 5),
      waiting(2, 5),
      granted,
    ]);
    const result = await runInProcess(
      ['run', '--json', '--kind', 'fake', '--', ...quietCommand],
      broker.env(),
    );
    expect(result.code).toBe(0);
    const progress = result.stderr.split('\n').filter((line) => line.includes('waiting for'));
    expect(progress).toEqual([expect.stringContaining('position 5 of 5')]);
    expect(result.stdout).toBe('');
  });

  it('takes durations with units, a priority, and --no-queue', async () => {
    const broker = await scripted([granted]);
    const args = ['--lease-ttl', '5m', '--heartbeat-interval', '30s', '--wait-timeout', '2h'];
    const withPriority = await runInProcess(
      ['run', '--kind', 'fake', ...args, '--priority', '7', '--', ...quietCommand],
      broker.env({ QA_BROKER_ROLE: 'maintainer' }),
    );
    expect(withPriority.code).toBe(0);
    const polled = await runInProcess(
      ['run', '--kind', 'fake', '--no-queue', '--lease-ttl', '45000', '--', ...quietCommand],
      broker.env(),
    );
    expect(polled.code).toBe(0);
    const [first, second] = broker.requests.filter((r) => r.route === '/acquire');
    expect(first!.body).toMatchObject({
      leaseTtlMs: 300_000,
      heartbeatIntervalMs: 30_000,
      wait: { maxWaitMs: 0, priority: 7 },
    });
    expect(second!.body).toMatchObject({ leaseTtlMs: 45_000 });
    expect(second!.body).not.toHaveProperty('wait');
  });

  it('refuses a duration it cannot read, and a priority out of range', async () => {
    const broker = await scripted([granted]);
    for (const [flag, value, message] of [
      ['--wait-timeout', '90 sec', '--wait-timeout must be a positive duration such as 250ms'],
      ['--lease-ttl', '-1s', '--lease-ttl must be a positive duration'],
      ['--heartbeat-interval', '0', '--heartbeat-interval must be a positive duration'],
      ['--priority', '101', '--priority must be a whole number from -100 to 100.'],
    ] as const) {
      const result = await runInProcess(
        ['run', '--kind', 'fake', `${flag}=${value}`, '--', ...quietCommand],
        broker.env(),
      );
      expect(result.code, flag).toBe(2);
      expect(result.stderr).toContain(message);
    }
    expect(broker.requests).toEqual([]);
  });

  it('stops a held-open wait at once on SIGINT, and asks once more to give back a late grant', async () => {
    const broker = await scripted([
      waiting(1, 1),
      // Held open for 20 s: only the cut can end it soon.
      waiting(1, 1, 20_000),
      granted,
    ]);
    const running = startBin(['run', '--kind', 'fake', '--', ...quietCommand], broker.env());
    await running.stderrIncludes('position 1 of 1');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const signalledAt = Date.now();
    running.process.kill('SIGINT');
    const result = await running.done;
    expect(result.code).toBe(130);
    expect(Date.now() - signalledAt).toBeLessThan(5_000);
    expect(result.stderr).toContain('stopped waiting for a "fake" credential (SIGINT)');
    const asked = broker.requests.filter((r) => r.route === '/acquire');
    expect(asked).toHaveLength(3);
    expect(waitOf(asked[2]!)).toMatchObject({ ticket: waitOf(asked[0]!)?.ticket, maxWaitMs: 0 });
    // The last ask found the ticket granted: that lease went straight back.
    expect(broker.requests.at(-1)).toMatchObject({ route: '/release' });
  });

  it('polls as before, with the old progress line, against a broker without the queue', async () => {
    const broker = await scripted([() => ({ status: 409, body: exhaustedBody(100) })]);
    const result = await runInProcess(
      ['run', '--kind', 'fake', '--wait-timeout', '0.3s', '--', ...quietCommand],
      broker.env(),
    );
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(
      /no "fake" credential is free \(POOL_EXHAUSTED\); retrying in 0\.1 s, waited 0\.\d s of 0\.3 s\./,
    );
    expect(result.stderr).toMatch(/Waited \d+\.\d s \(limit 0\.3 s\)/);
  });
});

describe('qa-broker queue', () => {
  const queues = {
    status: 'ok',
    queues: [
      {
        kind: 'telegram',
        waiters: [
          {
            position: 1,
            ticketFingerprint: 'sha256:0123456789abcdef',
            ownerId: 'ci-lane-1',
            actorRole: 'ci',
            priority: 0,
            waitedMs: 12_400,
            mode: 'parked',
          },
          {
            position: 2,
            ticketFingerprint: 'sha256:fedcba9876543210',
            ownerId: 'old-client',
            actorRole: 'ci',
            priority: 0,
            waitedMs: 3_000,
            mode: 'polling',
          },
        ],
      },
    ],
  };

  it('shows the queue as a table, and as JSON', async () => {
    const broker = await scripted([granted], queues);
    const table = await runInProcess(
      ['queue', '--kind', 'telegram', '--limit', '10'],
      broker.env(),
    );
    expect(table.code).toBe(0);
    expect(table.stdout.trimEnd().split('\n')).toEqual([
      'kind      position  fingerprint              owner       role  priority  waited  mode',
      'telegram  1         sha256:0123456789abcdef  ci-lane-1   ci    0         12.4 s  parked',
      'telegram  2         sha256:fedcba9876543210  old-client  ci    0         3.0 s   polling',
    ]);
    expect(broker.requests[0]).toMatchObject({
      route: '/admin/queue',
      body: { kind: 'telegram', limit: 10 },
    });

    const json = await runInProcess(['queue', '--json'], broker.env());
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(queues);
    expect(broker.requests[1]!.body).toEqual({});
  });

  it('says when no one waits, and refuses a limit out of range', async () => {
    const broker = await scripted([granted]);
    const empty = await runInProcess(['queue', '--kind', 'discord'], broker.env());
    expect(empty.stdout).toBe('No one is waiting for a "discord" credential.\n');
    const bad = await runInProcess(['queue', '--limit', '0'], broker.env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--limit must be a whole number from 1 to 500.');
    const help = await runInProcess(['queue', '--help'], broker.env());
    expect(help.stdout).toContain('Usage: qa-broker queue [--kind K] [--limit N]');
    const main = await runInProcess(['--help'], broker.env());
    expect(main.stdout).toMatch(/^ {2}queue {16}show who waits for which kind \(maintainer\)$/m);
    const run = await runInProcess(['run', '--help'], broker.env());
    expect(run.stdout).toContain('[--priority N | --no-queue]');
  });
});

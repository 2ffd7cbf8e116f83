import { afterEach, describe, expect, it } from 'vitest';
import { BrokerError, type PoolWaitEvent } from '../src/index.js';
import {
  errorBody,
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let fake: FakeBroker | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** A fake broker whose nth acquire gets `answers[n]` (the last one repeats); release is ok. */
async function scripted(answers: ((request: FakeRequest) => FakeAnswer)[]): Promise<FakeBroker> {
  let acquires = 0;
  fake = await startFakeBroker((request) => {
    if (request.route === '/release') return { status: 200, body: okRelease };
    const answer = answers[Math.min(acquires, answers.length - 1)]!;
    acquires += 1;
    return answer(request);
  });
  return fake;
}

const ticketOf = (request: FakeRequest) => waitOf(request)?.ticket;
const acquires = (broker: FakeBroker) => broker.requests.filter((r) => r.route === '/acquire');

/** The queue's answers: park (up to `parkMs`, as a broker holds the request open), then wait. */
const waiting =
  (position: number, queueLength: number, parkMs = 50) =>
  (request: FakeRequest): FakeAnswer => ({
    status: 409,
    body: waitingBody(ticketOf(request), position, queueLength),
    delayMs: Math.min(Number(waitOf(request)?.maxWaitMs ?? 0), parkMs),
  });
const granted = (request: FakeRequest): FakeAnswer => ({
  status: 200,
  body: grantBody({ ticket: ticketOf(request), waitedMs: 1_234 }),
});

describe('acquire in the wait queue', () => {
  it('queues under one random ticket, re-asks at once and reports its place', async () => {
    const broker = await scripted([waiting(3, 5), waiting(2, 4), granted]);
    const events: PoolWaitEvent[] = [];
    const lease = await broker
      .client('ci', { httpTimeoutMs: 5_000 })
      .acquireLease('fake', { waitTimeoutMs: 60_000, onWait: (event) => events.push(event) });

    const asked = acquires(broker);
    expect(asked).toHaveLength(3);
    const ticket = ticketOf(asked[0]!);
    expect(ticket).toMatch(UUID);
    expect(asked.map(ticketOf)).toEqual([ticket, ticket, ticket]);
    // The first ask only learns where we stand; later ones stay open until 2 s before the
    // HTTP timeout.
    expect(asked.map((r) => waitOf(r)?.maxWaitMs)).toEqual([0, 3_000, 3_000]);
    expect(asked.every((r) => waitOf(r)?.priority === undefined)).toBe(true);

    expect(events.map((e) => [e.position, e.queueLength, e.queued, e.nextDelayMs])).toEqual([
      [3, 5, true, 0],
      [2, 4, true, 0],
    ]);
    expect(events[0]!.error).toMatchObject({
      code: 'POOL_EXHAUSTED',
      queue: { waiting: true, position: 3, queueLength: 5 },
    });
    // The ticket is a secret: the error does not carry it.
    expect(JSON.stringify(events[0]!.error.queue)).not.toContain(String(ticket));
    await lease.release();
  });

  it('asks for at most 30 s, 2 s under its HTTP timeout, and never past the wait timeout', async () => {
    const long = await scripted([waiting(1, 1), granted]);
    await long.client('ci', { httpTimeoutMs: 60_000 }).withLease('fake', () => undefined);
    expect(acquires(long).map((r) => waitOf(r)?.maxWaitMs)).toEqual([0, 30_000]);
    await long.close();

    const short = await scripted([waiting(1, 1), granted]);
    await short
      .client('ci', { httpTimeoutMs: 5_000 })
      .withLease('fake', () => undefined, { waitTimeoutMs: 1_200 });
    const maxWait = Number(waitOf(acquires(short)[1]!)?.maxWaitMs);
    expect(maxWait).toBeGreaterThan(0);
    expect(maxWait).toBeLessThanOrEqual(1_200);
  });

  it('never holds a request open when its HTTP timeout leaves no room, and does not spin', async () => {
    const broker = await scripted([waiting(2, 2), waiting(1, 2), granted]);
    const events: PoolWaitEvent[] = [];
    await broker
      .client('ci', { httpTimeoutMs: 1_500 })
      .withLease('fake', () => undefined, { onWait: (event) => events.push(event) });
    expect(acquires(broker).map((r) => waitOf(r)?.maxWaitMs)).toEqual([0, 0, 0]);
    expect(events.map((e) => e.nextDelayMs)).toEqual([250, 250]);
  });

  it('sends the priority, and no wait at all with queue: false', async () => {
    const broker = await scripted([granted]);
    await broker.client('maintainer').withLease('fake', () => undefined, { priority: 50 });
    await broker.client('ci').withLease('fake', () => undefined, { queue: false });
    const [withPriority, plain] = acquires(broker);
    expect(waitOf(withPriority!)).toMatchObject({ maxWaitMs: 0, priority: 50 });
    expect(plain!.body).not.toHaveProperty('wait');
  });

  it('polls on retryAfterMs as before against a broker that answers without a ticket', async () => {
    const v1Refusal = (): FakeAnswer => ({ status: 409, body: exhaustedBody(150) });
    const v1Grant = (): FakeAnswer => ({ status: 200, body: grantBody() });
    const broker = await scripted([v1Refusal, v1Refusal, v1Grant]);
    const events: PoolWaitEvent[] = [];
    const started = Date.now();
    const lease = await broker
      .client('ci')
      .acquireLease('fake', { onWait: (event) => events.push(event) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(lease.credentialId).toMatch(/^fake-credential-/);
    expect(events.map((e) => [e.queued, e.nextDelayMs, e.position])).toEqual([
      [false, 150, undefined],
      [false, 150, undefined],
    ]);
    // The old broker ignores `wait`; the client keeps one ticket and never parks a request.
    const asked = acquires(broker);
    expect(new Set(asked.map(ticketOf)).size).toBe(1);
    expect(asked.map((r) => waitOf(r)?.maxWaitMs)).toEqual([0, 0, 0]);
    await lease.release();
  });

  it('retries QUEUE_FULL, STORE_UNAVAILABLE and a cut connection with the same ticket', async () => {
    const broker = await scripted([
      () => ({ status: 503, body: errorBody('QUEUE_FULL', 100) }),
      waiting(4, 4),
      () => ({ status: 503, body: errorBody('STORE_UNAVAILABLE', 100) }),
      () => ({ status: 0, body: null, destroy: true }),
      granted,
    ]);
    const events: PoolWaitEvent[] = [];
    const lease = await broker
      .client('ci')
      .acquireLease('fake', { waitTimeoutMs: 10_000, onWait: (event) => events.push(event) });
    expect(events.map((e) => e.error.code)).toEqual([
      'QUEUE_FULL',
      'POOL_EXHAUSTED',
      'STORE_UNAVAILABLE',
      'NETWORK_ERROR',
    ]);
    expect(events.map((e) => e.queued)).toEqual([false, true, true, true]);
    expect(events[0]!.nextDelayMs).toBe(100);
    const asked = acquires(broker);
    expect(asked).toHaveLength(5);
    expect(new Set(asked.map(ticketOf)).size).toBe(1);
    await lease.release();
  });

  it('throws a transient failure at once before the broker has shown that it queues', async () => {
    const broker = await scripted([() => ({ status: 503, body: errorBody('STORE_UNAVAILABLE') })]);
    const error = await broker
      .client('ci')
      .acquireLease('fake')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerError);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', transient: true });
    expect(acquires(broker)).toHaveLength(1);
  });

  it('gives up after the wait timeout with the queue answer, saying how long it waited', async () => {
    const broker = await scripted([waiting(2, 3, 60_000)]);
    const error = (await broker
      .client('ci')
      .acquireLease('fake', { waitTimeoutMs: 400 })
      .catch((e: unknown) => e)) as BrokerError;
    expect(error).toBeInstanceOf(BrokerError);
    expect(error).toMatchObject({ code: 'POOL_EXHAUSTED', queue: { waiting: true, position: 2 } });
    expect(error.message).toMatch(/position 2 of 3.*Waited \d+\.\d s \(limit 0\.4 s\)/);
  });

  it('cuts a parked request when cancelled and gives back a grant its ticket already holds', async () => {
    const controller = new AbortController();
    const broker = await scripted([
      waiting(1, 1),
      // Parked: the broker would answer only after 20 s.
      () => ({ status: 409, body: waitingBody('unused', 1, 1), delayMs: 20_000 }),
      // The re-ask after the cut: the ticket's grant had been delivered meanwhile.
      granted,
    ]);
    const started = Date.now();
    const error = await broker
      .client('ci')
      .acquireLease('fake', {
        signal: controller.signal,
        onWait: () => setTimeout(() => controller.abort(new Error('test cancel')), 200),
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ABORTED' });
    // Far sooner than the held-open ask would have ended.
    expect(Date.now() - started).toBeLessThan(5_000);
    const asked = acquires(broker);
    expect(asked).toHaveLength(3);
    expect(asked[1]!.closedEarly).toBe(true);
    expect(waitOf(asked[2]!)).toMatchObject({ ticket: ticketOf(asked[0]!), maxWaitMs: 0 });
    const release = broker.requests.find((r) => r.route === '/release');
    expect(String(release?.body.credentialId)).toMatch(/^fake-credential-/);
    expect(String(release?.body.leaseToken)).toMatch(/^fake-lease-token-/);
  });
});

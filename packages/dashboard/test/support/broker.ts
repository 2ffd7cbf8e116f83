import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { brokerContract } from '@qa-broker/contract';
import { initClient } from '@ts-rest/core';

/** Obviously fake role secrets. */
export const MAINTAINER_SECRET = 'fake-dashboard-maintainer-secret';
export const CI_SECRET = 'fake-dashboard-ci-secret';

const bin = resolve(import.meta.dirname, '..', '..', '..', 'server', 'bin', 'qa-broker-server.js');

function contractClient(baseUrl: string, secret: string) {
  return initClient(brokerContract, {
    baseUrl,
    baseHeaders: { authorization: `Bearer ${secret}` },
    validateResponse: true,
    throwOnUnknownStatus: true,
  });
}

export interface RunningBroker {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** The dashboard's address. */
  dashboardUrl: string;
  maintainer: ReturnType<typeof contractClient>;
  ci: ReturnType<typeof contractClient>;
  stop(): Promise<void>;
}

/**
 * The real `qa-broker-server serve` (what `pnpm start` runs) on an in-memory PGlite and
 * a free loopback port; resolves once it logs that it listens.
 */
export async function startBroker(): Promise<RunningBroker> {
  const child: ChildProcess = spawn(
    process.execPath,
    [bin, 'serve', '--port', '0', '--store', 'pglite:memory', '--log-level', 'info'],
    {
      env: {
        PATH: process.env.PATH ?? '',
        QA_BROKER_SECRET_MAINTAINER: MAINTAINER_SECRET,
        QA_BROKER_SECRET_CI: CI_SECRET,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const origin = await new Promise<string>((resolveUrl, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(
      () => reject(new Error(`The broker did not start:\n${stderr}`)),
      30_000,
    );
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'listening' && entry.url) {
          clearTimeout(timer);
          resolveUrl(entry.url);
        }
      } catch {
        // not a log line
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`The broker exited (${code}) before listening:\n${stderr}`));
    });
  });
  const baseUrl = `${origin}/qa-credentials/v1`;
  return {
    origin,
    dashboardUrl: `${origin}/dashboard`,
    maintainer: contractClient(baseUrl, MAINTAINER_SECRET),
    ci: contractClient(baseUrl, CI_SECRET),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

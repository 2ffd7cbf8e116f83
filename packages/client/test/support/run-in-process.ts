import { PassThrough } from 'node:stream';
import { run } from '../../src/cli.js';

/** The CLI's run() in-process, with its output captured. */
export async function runInProcess(argv: string[], env: Record<string, string | undefined>) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await run(argv, { env, stdout, stderr });
  return { code, stdout: out, stderr: err };
}

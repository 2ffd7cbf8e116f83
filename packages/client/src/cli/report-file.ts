import { constants } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_LENGTHS } from '@qa-broker/contract';
import { BrokerError } from '../broker-error.js';
import { sendableReason } from '../release-reason.js';

export const REPORT_FILE_ENV = 'QA_CREDENTIAL_REPORT_FILE';

/** Enough for a first line of 1,000 characters in any UTF-8 (4 bytes each at most). */
const READ_MAX_BYTES = MAX_LENGTHS.reason * 4;

/**
 * An empty file, 0600 in a fresh 0700 directory of its own, where the command may write
 * why it failed. Only its first line is ever read: the command's output is never scraped,
 * since it may hold secrets.
 */
export interface ReportFile {
  path: string;
  /** The first line, cleaned and cut to 1,000 characters; undefined when there is none. */
  readReason(): Promise<string | undefined>;
  remove(): Promise<void>;
}

export async function createReportFile(): Promise<ReportFile> {
  let dir: string;
  try {
    dir = await mkdtemp(join(tmpdir(), 'qa-broker-report-'));
    const path = join(dir, 'report');
    await (await open(path, 'wx', 0o600)).close();
    return {
      path,
      readReason: () => readFirstLine(path),
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    throw new BrokerError(
      'INVALID_CONFIG',
      `Could not create the report file for --broken-exit-code in ${tmpdir()} (${(error as NodeJS.ErrnoException).code ?? 'unknown error'}): set TMPDIR to a writable directory.`,
      { transient: false, cause: error },
    );
  }
}

async function readFirstLine(path: string): Promise<string | undefined> {
  let handle;
  try {
    // Non-blocking and no symlinks: a FIFO or link put in its place must not hang or redirect us.
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    // The command may have deleted it: then it reported nothing.
    return undefined;
  }
  try {
    if (!(await handle.stat()).isFile()) return undefined;
    const buffer = Buffer.alloc(READ_MAX_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, READ_MAX_BYTES, 0);
    // A character cut by the read limit decodes as U+FFFD at the end, past 1,000 characters.
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
    return sendableReason(firstLine);
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

import { readFile, stat } from 'node:fs/promises';
import { BrokerError } from '../broker-error.js';

function fileError(message: string, cause?: unknown): BrokerError {
  return new BrokerError('INVALID_CONFIG', message, { transient: false, cause });
}

/**
 * Reads a credential payload file: refused before any request when it is over the ceiling,
 * and it must hold one JSON object. Messages never quote the file's content.
 */
export async function readPayloadFile(
  path: string,
  payloadMaxBytes: number,
): Promise<Record<string, unknown>> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw fileError(`--payload-file ${path} is not a regular file.`);
    size = info.size;
  } catch (error) {
    if (error instanceof BrokerError) throw error;
    throw fileError(`--payload-file ${path} cannot be read.`, error);
  }
  if (size > payloadMaxBytes) {
    throw new BrokerError(
      'PAYLOAD_TOO_LARGE_FOR_CLIENT',
      `--payload-file ${path} is ${size} bytes, over the payload ceiling of ${payloadMaxBytes} bytes (QA_BROKER_PAYLOAD_MAX_BYTES).`,
      { transient: false },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw fileError(`--payload-file ${path} is not valid JSON.`, error);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw fileError(`--payload-file ${path} must hold a JSON object.`);
  }
  return parsed as Record<string, unknown>;
}

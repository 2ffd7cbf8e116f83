import { isChunkMarker, utf8ByteLength } from '@qa-broker/contract';
import { BrokerError } from './broker-error.js';
import { abortedError } from './sleep.js';

export interface HydrateOptions {
  /** Ceiling for the whole serialized payload, in UTF-8 bytes. */
  payloadMaxBytes: number;
  /** Reads piece `index` of the chunked payload. */
  readChunk: (index: number) => Promise<{ data: string; index: number }>;
  signal?: AbortSignal | undefined;
}

function corrupt(message: string): BrokerError {
  return new BrokerError('PAYLOAD_CORRUPT', message, { transient: false });
}

function tooLarge(bytes: number, max: number): BrokerError {
  return new BrokerError(
    'PAYLOAD_TOO_LARGE_FOR_CLIENT',
    `Credential payload is ${bytes} bytes, over the client's ceiling of ${max} bytes: raise QA_BROKER_PAYLOAD_MAX_BYTES.`,
    { transient: false },
  );
}

/**
 * Returns the payload as acquire gave it, or, when acquire sent the chunk marker, reads
 * every piece in order and checks it against the marker: never more bytes than the ceiling,
 * the announced piece count and UTF-8 byte length, and a JSON object at the end.
 */
export async function hydratePayload(
  payload: Record<string, unknown>,
  options: HydrateOptions,
): Promise<Record<string, unknown>> {
  if (!isChunkMarker(payload)) return payload;
  const { byteLength, chunkCount } = payload;
  if (byteLength > options.payloadMaxBytes) throw tooLarge(byteLength, options.payloadMaxBytes);

  const pieces: string[] = [];
  let bytes = 0;
  for (let index = 0; index < chunkCount; index++) {
    if (options.signal?.aborted) throw abortedError(options.signal, 'Reading the payload');
    const chunk = await options.readChunk(index);
    if (chunk.index !== index) {
      throw corrupt(`Payload chunk ${index} came back labelled as chunk ${chunk.index}.`);
    }
    bytes += utf8ByteLength(chunk.data);
    if (bytes > options.payloadMaxBytes) throw tooLarge(bytes, options.payloadMaxBytes);
    if (bytes > byteLength) {
      throw corrupt(`Payload chunks exceed the announced ${byteLength} bytes.`);
    }
    pieces.push(chunk.data);
  }
  if (bytes !== byteLength) {
    throw corrupt(`Payload chunks add up to ${bytes} bytes, not the announced ${byteLength}.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(pieces.join(''));
  } catch {
    throw corrupt('Reassembled payload chunks are not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw corrupt('Reassembled payload is not a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

import type { IncomingMessage } from 'node:http';
import { BrokerError } from './broker-error.js';

/** The client went away before its body arrived; there is no one left to answer. */
export class RequestAbortedError extends Error {
  override readonly name = 'RequestAbortedError';
  readonly code = 'REQUEST_ABORTED';
}

function tooLarge(limitBytes: number): BrokerError {
  return new BrokerError(
    'PAYLOAD_TOO_LARGE',
    `Request body is larger than ${limitBytes} bytes: send a smaller body or raise the server limit.`,
  );
}

/**
 * Reads a request body into memory, refusing it as soon as it passes `limitBytes`:
 * a declared Content-Length over the limit is refused before reading anything, and a
 * streamed body is never buffered beyond the limit.
 */
export function readRawBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limitBytes) {
    return Promise.reject(tooLarge(limitBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limitBytes) {
        cleanup();
        chunks.length = 0;
        reject(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, received));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new RequestAbortedError('The request body could not be read.', { cause: error }));
    };
    const onClose = () => {
      if (req.complete) return;
      cleanup();
      reject(new RequestAbortedError('The client closed the connection before its body arrived.'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** Any body bytes as JSON, whatever the content-type; an empty body is not JSON. */
export function parseJsonBody(raw: Buffer): unknown {
  let text = raw.toString('utf8');
  // A leading byte-order mark is not JSON, but some tools send one.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BrokerError('INVALID_JSON', 'Request body must be valid JSON.');
  }
}

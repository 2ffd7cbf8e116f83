import { MAX_LENGTHS } from '@qa-broker/contract';

/** NUL and unpaired surrogates: the broker refuses text that holds them. */
// eslint-disable-next-line no-control-regex -- NUL is what is removed
const UNSENDABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * A broken-release reason the broker accepts as it is: without NULs or unpaired
 * surrogates, trimmed, at most 1,000 characters (never cutting a surrogate pair). A
 * release the broker refused for its reason would leave the credential leased, so the
 * reason is cut to fit rather than refused. Undefined when nothing is left.
 */
export function sendableReason(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let reason = text.replace(UNSENDABLE, '').trim();
  if (reason.length > MAX_LENGTHS.reason) {
    reason = reason.slice(0, MAX_LENGTHS.reason);
    // A high surrogate left at the end lost its pair to the cut.
    if (/[\ud800-\udbff]$/.test(reason)) reason = reason.slice(0, -1);
    reason = reason.trimEnd();
  }
  return reason || undefined;
}

import { randomBytes } from 'node:crypto';

/**
 * Tags that tell one script call's reply from another's. Unique per process (a random
 * prefix, then a counter), so a reply can only ever match the call that sent it.
 */
const processPrefix = randomBytes(4).toString('hex');
let counter = 0;

export function nextCallTag(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${processPrefix}:${counter.toString(36)}`;
}

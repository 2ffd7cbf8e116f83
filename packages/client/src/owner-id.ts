import { randomBytes } from 'node:crypto';
import type { ActorRole } from '@qa-broker/contract';

/** `qa-broker-<role>-<pid>-<8 random hex>`: unique per process, readable in `credentials list`. */
export function defaultOwnerId(role: ActorRole): string {
  return `qa-broker-${role}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

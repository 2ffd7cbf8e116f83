import { createHash, timingSafeEqual } from 'node:crypto';
import type { ActorRole } from '@qa-broker/contract';
import { BrokerError } from './broker-error.js';

export interface RoleSecrets {
  maintainer?: string;
  ci?: string;
}

/**
 * The bearer token of an Authorization header, or undefined when it is missing or
 * malformed: trimmed, split on whitespace, scheme `bearer` in any case, a non-empty token.
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const parts = header.trim().split(/\s+/);
  if (parts.length !== 2) return undefined;
  const [scheme, token] = parts;
  if (scheme?.toLowerCase() !== 'bearer' || !token) return undefined;
  return token;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Checks bearer tokens against the role secrets. Tokens are compared as SHA-256 digests
 * with `timingSafeEqual`, so neither the content nor the length of a secret leaks through
 * response timing.
 */
export class RoleAuthenticator {
  readonly #maintainer: Buffer | undefined;
  readonly #ci: Buffer | undefined;

  constructor(secrets: RoleSecrets) {
    const maintainer = secrets.maintainer?.trim();
    const ci = secrets.ci?.trim();
    this.#maintainer = maintainer ? digest(maintainer) : undefined;
    this.#ci = ci ? digest(ci) : undefined;
  }

  /** The role a token carries; the maintainer secret is checked first. */
  #roleOf(token: string): ActorRole | undefined {
    const presented = digest(token);
    // Both comparisons always run, so timing does not tell which secret matched.
    const isMaintainer =
      this.#maintainer !== undefined && timingSafeEqual(presented, this.#maintainer);
    const isCi = this.#ci !== undefined && timingSafeEqual(presented, this.#ci);
    if (isMaintainer) return 'maintainer';
    if (isCi) return 'ci';
    return undefined;
  }

  /** Lease routes: either role, or the matching auth error. */
  leaseRole(header: string | undefined): ActorRole {
    const token = bearerToken(header);
    if (token === undefined) throw new BrokerError('AUTH_REQUIRED');
    if (this.#maintainer === undefined && this.#ci === undefined) {
      throw new BrokerError('SERVER_MISCONFIGURED', 'No broker role secrets are configured.');
    }
    const role = this.#roleOf(token);
    if (role === undefined) throw new BrokerError('AUTH_INVALID');
    return role;
  }

  /** Admin routes: the maintainer secret only. */
  requireMaintainer(header: string | undefined): void {
    const token = bearerToken(header);
    if (token === undefined) throw new BrokerError('AUTH_REQUIRED');
    if (this.#maintainer === undefined) {
      throw new BrokerError(
        'SERVER_MISCONFIGURED',
        'Admin endpoints require QA_BROKER_SECRET_MAINTAINER.',
      );
    }
    const role = this.#roleOf(token);
    if (role === 'maintainer') return;
    if (role === 'ci') {
      throw new BrokerError(
        'AUTH_ROLE_MISMATCH',
        'Admin endpoints require maintainer credentials.',
      );
    }
    throw new BrokerError('AUTH_INVALID');
  }
}

export function roleMismatchMessage(tokenRole: ActorRole, requested: ActorRole): string {
  return `Secret role "${tokenRole}" cannot be used as actorRole "${requested}".`;
}

import { UsageError } from './cli-io.js';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/;

/**
 * A duration as people write it, in milliseconds: `250ms`, `90s`, `1.5s`, `5m`, `1h`; a
 * plain number is milliseconds (as the QA_BROKER_*_MS variables are). Must come to a
 * positive whole number of milliseconds.
 */
export function parseDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text.trim().toLowerCase());
  if (!match) return undefined;
  const unit = (match[2] ?? 'ms') as keyof typeof UNIT_MS;
  const ms = Number(match[1]) * UNIT_MS[unit];
  // Rounding guards against 0.1 * 1000-style float noise; a fraction of a millisecond is refused.
  const rounded = Math.round(ms);
  if (Math.abs(ms - rounded) > 1e-6 || rounded < 1 || !Number.isSafeInteger(rounded)) {
    return undefined;
  }
  return rounded;
}

/** A duration flag, or a usage error that shows how to write one. */
export function durationFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDurationMs(value);
  if (ms === undefined) {
    throw new UsageError(
      `${flag} must be a positive duration such as 250ms, 90s, 5m or 1h (a plain number is milliseconds), not "${value}".`,
    );
  }
  return ms;
}

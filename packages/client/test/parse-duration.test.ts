import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/cli/cli-io.js';
import { durationFlag, parseDurationMs } from '../src/cli/parse-duration.js';

describe('duration flags', () => {
  it('reads units as people write them, and plain numbers as milliseconds', () => {
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('90s')).toBe(90_000);
    expect(parseDurationMs('1.5s')).toBe(1_500);
    expect(parseDurationMs('0.1s')).toBe(100);
    expect(parseDurationMs('5m')).toBe(300_000);
    expect(parseDurationMs('1h')).toBe(3_600_000);
    expect(parseDurationMs(' 2M ')).toBe(120_000);
    expect(parseDurationMs('600')).toBe(600);
  });

  it('refuses what is not a positive whole number of milliseconds', () => {
    for (const text of [
      '',
      'soon',
      '90 sec',
      '-5s',
      '0',
      '0s',
      '1.5',
      '0.5ms',
      '1d',
      '5m30s',
      's',
    ]) {
      expect(parseDurationMs(text), text).toBeUndefined();
    }
  });

  it('turns a bad flag into a usage error that shows how to write one', () => {
    expect(durationFlag(undefined, '--wait-timeout')).toBeUndefined();
    expect(durationFlag('5m', '--wait-timeout')).toBe(300_000);
    const error = (() => {
      try {
        durationFlag('ninety', '--wait-timeout');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      '--wait-timeout must be a positive duration such as 250ms, 90s, 5m or 1h (a plain number is milliseconds), not "ninety".',
    );
  });
});

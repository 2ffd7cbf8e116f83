import { StoreError } from '@qa-broker/store';
import { describe, expect, it } from 'vitest';
import { toStoreError } from '../src/errors.js';

function replyError(message: string): Error {
  const error = new Error(message);
  error.name = 'ReplyError';
  // What ioredis attaches: the command with its arguments (payloads, tokens).
  Object.assign(error, { command: { name: 'evalsha', args: ['fake-secret-token'] } });
  return error;
}

describe('toStoreError', () => {
  it.each([
    ['LOADING Redis is loading the dataset in memory', 'STORE_UNAVAILABLE'],
    ['BUSY Redis is busy running a script', 'STORE_UNAVAILABLE'],
    ["READONLY You can't write against a read only replica.", 'STORE_UNAVAILABLE'],
    ['CLUSTERDOWN The cluster is down', 'STORE_UNAVAILABLE'],
    ['CLUSTERDOWN Hash slot not served', 'STORE_UNAVAILABLE'],
    ['MOVED 12182 127.0.0.1:7102', 'STORE_UNAVAILABLE'],
    ['ASK 12182 127.0.0.1:7102', 'STORE_UNAVAILABLE'],
    ['TRYAGAIN Multiple keys request during rehashing of slot', 'STORE_UNAVAILABLE'],
    ['ERR user_script:1: Script attempted to access nonexistent global variable', 'INTERNAL_ERROR'],
    ['WRONGTYPE Operation against a key holding the wrong kind of value', 'INTERNAL_ERROR'],
  ])('maps the reply "%s" to %s', (message, code) => {
    const mapped = toStoreError(replyError(message), 'acquire');
    expect(mapped).toBeInstanceOf(StoreError);
    expect(mapped.code).toBe(code);
  });

  it('maps connection failures and timeouts to STORE_UNAVAILABLE', () => {
    for (const message of [
      'Connection is closed.',
      'Command timed out',
      "Stream isn't writeable and enableOfflineQueue options is false",
      "Cluster isn't ready and enableOfflineQueue options is false",
      'Too many Cluster redirections. Last error: MOVED 1 127.0.0.1:7100',
    ]) {
      expect(toStoreError(new Error(message), 'heartbeat').code).toBe('STORE_UNAVAILABLE');
    }
  });

  it('keeps only the name and message of the cause, never the command arguments', () => {
    const mapped = toStoreError(replyError('ERR boom'), 'acquire');
    expect(mapped.cause).toBeInstanceOf(Error);
    expect(mapped.cause).toMatchObject({ name: 'ReplyError', message: 'ERR boom' });
    expect(mapped.cause).not.toHaveProperty('command');
    expect(JSON.stringify(mapped, Object.getOwnPropertyNames(mapped))).not.toContain('fake-secret');
  });

  it('passes a StoreError through unchanged', () => {
    const original = new StoreError('INTERNAL_ERROR', 'already mapped');
    expect(toStoreError(original, 'x')).toBe(original);
  });
});

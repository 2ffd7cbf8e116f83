import { describe, expect, it } from 'vitest';
import { NODE_FLAGS_APPLIED_ENV, reexecPlan } from '../src/node-flags.js';

const base = {
  execPath: '/usr/bin/node',
  execArgv: ['--enable-source-maps'],
  argv: ['/usr/bin/node', '/app/bin/qa-broker-server.js', 'serve', '--port', '0'],
  env: { PATH: '/bin' },
};

describe('reexecPlan', () => {
  it('re-executes the same command with the missing flags first and marks the env', () => {
    expect(reexecPlan(base, ['--max-semi-space-size=8'])).toEqual({
      args: [
        '/usr/bin/node',
        '--max-semi-space-size=8',
        '--enable-source-maps',
        '/app/bin/qa-broker-server.js',
        'serve',
        '--port',
        '0',
      ],
      env: { PATH: '/bin', [NODE_FLAGS_APPLIED_ENV]: '--max-semi-space-size=8' },
    });
  });

  it('never re-executes twice: the marker stops it', () => {
    const env = { ...base.env, [NODE_FLAGS_APPLIED_ENV]: '--max-semi-space-size=8' };
    expect(reexecPlan({ ...base, env }, ['--max-semi-space-size=8'])).toBeUndefined();
  });

  it("keeps the operator's own value, from node's argv or NODE_OPTIONS", () => {
    const flags = ['--max-semi-space-size=8', '--max-old-space-size=256'];
    expect(
      reexecPlan({ ...base, execArgv: ['--max_semi_space_size=4'] }, flags)?.args.slice(1, 3),
    ).toEqual(['--max-old-space-size=256', '--max_semi_space_size=4']);
    expect(
      reexecPlan(
        {
          ...base,
          env: {
            NODE_OPTIONS: '--max-old-space-size=512 --max-semi-space-size=16',
          },
        },
        flags,
      ),
    ).toBeUndefined();
  });
});

import { POLICY } from '@qa-broker/contract';
import type { CredentialChangeResult } from '../client.js';
import { cliClient, cliClientOptions } from './cli-client.js';
import { EXIT, UsageError, writeJson, writeLine, type CliIo } from './cli-io.js';
import { defaultActorId, help, withFingerprint } from './credentials-commands.js';
import { parseFlags, requireFlag } from './parse-flags.js';
import { readPayloadFile } from './read-payload-file.js';
import { USAGE } from './usage.js';

function report(io: CliIo, json: boolean, result: CredentialChangeResult, line: string): number {
  if (json) {
    writeJson(io, {
      status: 'ok',
      changed: result.changed,
      credential: withFingerprint(result.credential),
    });
  } else {
    writeLine(io.stdout, line);
  }
  return EXIT.ok;
}

/** `qa-broker credentials restore --credential-id ID`: back into the pool. */
export async function credentialsRestore(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, {
    'credential-id': { type: 'string' },
    'actor-id': { type: 'string' },
  });
  if (flags.help) return help(io, USAGE.restore);
  const credentialId = requireFlag(flags['credential-id'], '--credential-id');
  const client = cliClient(io, flags, 'maintainer');
  const actorId = flags['actor-id'] ?? defaultActorId();
  const result = await client.restoreCredential(credentialId, actorId ? { actorId } : {});
  return report(
    io,
    flags.json === true,
    result,
    result.changed
      ? `Restored credential ${credentialId}: active, not quarantined, broken reports reset.`
      : `Credential ${credentialId} was already active and healthy.`,
  );
}

/** `qa-broker credentials quarantine --credential-id ID [--reason T]`: out of the pool. */
export async function credentialsQuarantine(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, {
    'credential-id': { type: 'string' },
    reason: { type: 'string' },
    'actor-id': { type: 'string' },
  });
  if (flags.help) return help(io, USAGE.quarantine);
  const credentialId = requireFlag(flags['credential-id'], '--credential-id');
  const client = cliClient(io, flags, 'maintainer');
  const actorId = flags['actor-id'] ?? defaultActorId();
  const result = await client.quarantineCredential(credentialId, {
    ...(flags.reason === undefined ? {} : { reason: flags.reason }),
    ...(actorId === undefined ? {} : { actorId }),
  });
  const held = result.credential.lease ? ' Its current holder keeps its lease.' : '';
  return report(
    io,
    flags.json === true,
    result,
    result.changed
      ? `Quarantined credential ${credentialId}: it will not be leased until restored.${held}`
      : `Credential ${credentialId} was already quarantined.`,
  );
}

/** `qa-broker credentials update --credential-id ID [--payload-file F] [--note T]`. */
export async function credentialsUpdate(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, {
    'credential-id': { type: 'string' },
    'payload-file': { type: 'string' },
    note: { type: 'string' },
    'actor-id': { type: 'string' },
  });
  if (flags.help) return help(io, USAGE.update);
  const credentialId = requireFlag(flags['credential-id'], '--credential-id');
  if (flags['payload-file'] === undefined && flags.note === undefined) {
    throw new UsageError('Give --payload-file F, --note T, or both (--note "" clears the note).');
  }
  const options = cliClientOptions(io, flags, 'maintainer');
  const payload =
    flags['payload-file'] === undefined
      ? undefined
      : await readPayloadFile(
          requireFlag(flags['payload-file'], '--payload-file'),
          options.payloadMaxBytes ?? POLICY.payloadMaxBytes,
        );
  const client = cliClient(io, flags, 'maintainer');
  const actorId = flags['actor-id'] ?? defaultActorId();
  const result = await client.updateCredential({
    credentialId,
    ...(payload === undefined ? {} : { payload }),
    ...(flags.note === undefined ? {} : { note: flags.note }),
    ...(actorId === undefined ? {} : { actorId }),
  });
  const what = [payload === undefined ? '' : 'payload', flags.note === undefined ? '' : 'note']
    .filter(Boolean)
    .join(' and ');
  const held =
    payload !== undefined && result.credential.lease
      ? ' Its current holder keeps the payload it was granted; the next lease gets the new one.'
      : '';
  return report(
    io,
    flags.json === true,
    result,
    result.changed
      ? `Updated the ${what} of credential ${credentialId}.${held}`
      : `Credential ${credentialId} already had that ${what}; nothing changed.`,
  );
}

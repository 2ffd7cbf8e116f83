import { CREDENTIAL_STATUSES, LIST_STATUSES, POLICY } from '@qa-broker/contract';
import type { CredentialSummary } from '@qa-broker/contract';
import { userInfo } from 'node:os';
import { cliClient, cliClientOptions } from './cli-client.js';
import { EXIT, writeJson, writeLine, type CliIo } from './cli-io.js';
import { credentialFingerprint } from './fingerprint.js';
import { formatTable, textCell } from './format-table.js';
import { oneOfFlag, parseFlags, positiveIntegerFlag, requireFlag } from './parse-flags.js';
import { readPayloadFile } from './read-payload-file.js';
import { USAGE } from './usage.js';

/** Who did it, for the admin event log: the local user name when there is one. */
export function defaultActorId(): string | undefined {
  try {
    return userInfo().username || undefined;
  } catch {
    return undefined;
  }
}

export function withFingerprint(credential: CredentialSummary) {
  return { ...credential, credentialFingerprint: credentialFingerprint(credential.credentialId) };
}

export async function credentialsAdd(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, {
    kind: { type: 'string' },
    'payload-file': { type: 'string' },
    note: { type: 'string' },
    status: { type: 'string' },
    'actor-id': { type: 'string' },
  });
  if (flags.help) return help(io, USAGE.add);
  const kind = requireFlag(flags.kind, '--kind');
  const payloadFile = requireFlag(flags['payload-file'], '--payload-file');
  const status = oneOfFlag(flags.status, '--status', CREDENTIAL_STATUSES);
  const options = cliClientOptions(io, flags, 'maintainer');
  const payload = await readPayloadFile(
    payloadFile,
    options.payloadMaxBytes ?? POLICY.payloadMaxBytes,
  );
  const client = cliClient(io, flags, 'maintainer');
  const actorId = flags['actor-id'] ?? defaultActorId();
  const credential = await client.addCredential({
    kind,
    payload,
    ...(flags.note === undefined ? {} : { note: flags.note }),
    ...(status === undefined ? {} : { status }),
    ...(actorId === undefined ? {} : { actorId }),
  });
  if (flags.json) {
    writeJson(io, { status: 'ok', credential: withFingerprint(credential) });
  } else {
    writeLine(
      io.stdout,
      `Added credential ${credential.credentialId} (${credentialFingerprint(credential.credentialId)}), kind "${credential.kind}", ${credential.status}.`,
    );
  }
  return EXIT.ok;
}

export async function credentialsList(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, {
    kind: { type: 'string' },
    status: { type: 'string' },
    limit: { type: 'string' },
    'show-secrets': { type: 'boolean' },
  });
  if (flags.help) return help(io, USAGE.list);
  const status = oneOfFlag(flags.status, '--status', LIST_STATUSES);
  const limit = positiveIntegerFlag(flags.limit, '--limit');
  const showSecrets = flags['show-secrets'] === true;
  const client = cliClient(io, flags, 'maintainer');
  const credentials = await client.listCredentials({
    ...(flags.kind === undefined ? {} : { kind: flags.kind }),
    ...(status === undefined ? {} : { status }),
    ...(limit === undefined ? {} : { limit }),
    includePayload: showSecrets,
  });
  if (flags.json) {
    writeJson(io, {
      status: 'ok',
      count: credentials.length,
      credentials: credentials.map(withFingerprint),
    });
    return EXIT.ok;
  }
  const now = Date.now();
  const header = [
    'credentialId',
    'fingerprint',
    'kind',
    'status',
    'leased',
    'quarantined',
    'broken',
    'note',
    'reason',
  ];
  const rows = credentials.map((credential) => {
    const lease = credential.lease;
    const leased =
      lease && lease.expiresAtMs > now ? `yes(${lease.actorRole}:${lease.ownerId})` : 'no';
    const quarantine = credential.quarantine;
    const row = [
      credential.credentialId,
      credentialFingerprint(credential.credentialId),
      credential.kind,
      credential.status,
      leased,
      quarantine ? `yes(${quarantine.actorRole}:${quarantine.reportedBy})` : 'no',
      String(credential.brokenReports ?? 0),
      textCell(credential.note),
      textCell(quarantine?.reason),
    ];
    return showSecrets ? [...row, JSON.stringify(credential.payload ?? null)] : row;
  });
  writeLine(io.stdout, formatTable(showSecrets ? [...header, 'payload'] : header, rows));
  return EXIT.ok;
}

export async function credentialsRemove(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, {
    'credential-id': { type: 'string' },
    'actor-id': { type: 'string' },
  });
  if (flags.help) return help(io, USAGE.remove);
  const credentialId = requireFlag(flags['credential-id'], '--credential-id');
  const client = cliClient(io, flags, 'maintainer');
  const actorId = flags['actor-id'] ?? defaultActorId();
  const result = await client.removeCredential(credentialId, actorId ? { actorId } : {});
  if (flags.json) {
    writeJson(io, {
      status: 'ok',
      changed: result.changed,
      credential: withFingerprint(result.credential),
    });
  } else {
    writeLine(
      io.stdout,
      result.changed
        ? `Disabled credential ${credentialId}.`
        : `Credential ${credentialId} was already disabled.`,
    );
  }
  return EXIT.ok;
}

export function help(io: CliIo, text: string): number {
  writeLine(io.stdout, text);
  return EXIT.ok;
}

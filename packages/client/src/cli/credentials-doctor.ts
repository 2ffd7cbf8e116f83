import { BrokerError } from '../broker-error.js';
import { createBrokerClient, type BrokerClient } from '../client.js';
import {
  clientOptionsFromEnv,
  ENV_NAMES,
  missingTokenMessage,
  readEnv,
  resolveRole,
  resolveToken,
} from '../env-config.js';
import { EXIT, writeJson, writeLine, type CliIo } from './cli-io.js';
import { help } from './credentials-commands.js';
import { parseFlags } from './parse-flags.js';
import { USAGE } from './usage.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

const PROBE_ID = 'qa-broker-doctor-probe';

/**
 * Checks the configuration step by step and stops at the first step the others depend on.
 * The auth probe is a heartbeat on a credential that cannot exist: auth is checked before
 * anything else, it changes nothing and writes no event, and CREDENTIAL_NOT_FOUND means
 * the token was accepted for the role.
 */
export async function credentialsDoctor(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, {});
  if (flags.help) return help(io, USAGE.doctor);
  const checks: Check[] = [];
  await runChecks(io, flags.url, checks);
  const healthy = checks.every((check) => check.ok);
  if (flags.json) {
    writeJson(io, { status: healthy ? 'ok' : 'error', checks });
  } else {
    for (const check of checks) {
      writeLine(
        io.stdout,
        `${check.ok ? 'ok  ' : 'FAIL'}  ${check.name.padEnd(9)} ${check.detail}`,
      );
      if (check.fix) writeLine(io.stdout, `      ${' '.repeat(9)} fix: ${check.fix}`);
    }
    writeLine(
      io.stdout,
      healthy ? 'Everything looks right.' : 'Something is wrong: see the fixes above.',
    );
  }
  return healthy ? EXIT.ok : EXIT.error;
}

async function runChecks(io: CliIo, url: string | undefined, checks: Check[]): Promise<void> {
  let role;
  try {
    role = resolveRole(io.env);
    checks.push({ name: 'role', ok: true, detail: `${role.value} (from ${role.from})` });
  } catch (error) {
    checks.push({
      name: 'role',
      ok: false,
      detail: messageOf(error),
      fix: `set ${ENV_NAMES.role[0]} to ci or maintainer`,
    });
    return;
  }
  const token = resolveToken(io.env, role.value);
  checks.push(
    token
      ? { name: 'token', ok: true, detail: `set (from ${token.from}; value not shown)` }
      : {
          name: 'token',
          ok: false,
          detail: missingTokenMessage(role.value),
          fix: missingTokenMessage(role.value),
        },
  );

  let client: BrokerClient;
  try {
    // Without a token, a placeholder still lets us check the URL and reachability.
    const env = token ? io.env : { ...io.env, QA_BROKER_TOKEN: 'placeholder-no-token' };
    client = createBrokerClient(
      clientOptionsFromEnv(env, url === undefined ? {} : { baseUrl: url }),
    );
    const from = url !== undefined ? '--url' : (readEnv(io.env, ENV_NAMES.url)?.from ?? '');
    checks.push({ name: 'url', ok: true, detail: `${client.endpoint} (from ${from})` });
  } catch (error) {
    checks.push({
      name: 'url',
      ok: false,
      detail: messageOf(error),
      fix: 'set the variable named above',
    });
    return;
  }

  const probe = await probeLeaseRoute(client);
  if (probe.reachable) {
    checks.push({
      name: 'reachable',
      ok: true,
      detail: `the broker answered at ${client.endpoint}`,
    });
  } else {
    checks.push({
      name: 'reachable',
      ok: false,
      detail: probe.detail,
      fix: `check ${ENV_NAMES.url[0]} and ${ENV_NAMES.endpointPrefix[0]}, and that the broker is running and reachable from here`,
    });
    return;
  }
  if (!token) return;
  checks.push({ name: 'auth', ...probe.auth });
  if (role.value === 'maintainer' && probe.auth.ok) {
    try {
      await client.listCredentials({ limit: 1 });
      checks.push({ name: 'admin', ok: true, detail: 'admin routes accept this token' });
    } catch (error) {
      checks.push({
        name: 'admin',
        ok: false,
        detail: messageOf(error),
        fix: `set ${ENV_NAMES.secretMaintainer[0]} (or QA_BROKER_TOKEN) to the broker's maintainer secret`,
      });
    }
  }
}

interface ProbeResult {
  reachable: boolean;
  detail: string;
  auth: { ok: boolean; detail: string; fix?: string };
}

async function probeLeaseRoute(client: BrokerClient): Promise<ProbeResult> {
  try {
    await client.routes.heartbeat({
      actorRole: client.role,
      kind: PROBE_ID,
      ownerId: client.ownerId,
      credentialId: PROBE_ID,
      leaseToken: PROBE_ID,
    });
    return { reachable: true, detail: '', auth: { ok: true, detail: 'token accepted' } };
  } catch (error) {
    if (!(error instanceof BrokerError)) throw error;
    if (error.httpStatus === undefined || error.code === 'INVALID_RESPONSE') {
      const detail =
        error.code === 'INVALID_RESPONSE'
          ? `something answered, but not a qa-broker: ${error.message}`
          : `${error.code}: ${error.message}`;
      return { reachable: false, detail, auth: { ok: false, detail } };
    }
    return { reachable: true, detail: '', auth: authVerdict(client, error) };
  }
}

function authVerdict(client: BrokerClient, error: BrokerError): ProbeResult['auth'] {
  const role = client.role;
  const roleSecret = role === 'ci' ? ENV_NAMES.secretCi[0] : ENV_NAMES.secretMaintainer[0];
  const code = error.code;
  if (code === 'CREDENTIAL_NOT_FOUND')
    return { ok: true, detail: `token accepted for role ${role}` };
  if (code === 'AUTH_INVALID' || code === 'AUTH_REQUIRED') {
    return {
      ok: false,
      detail: `the broker refused the token (${code})`,
      fix: `set QA_BROKER_TOKEN or ${roleSecret} to the broker's ${role} secret`,
    };
  }
  if (code === 'AUTH_ROLE_MISMATCH') {
    return {
      ok: false,
      detail: error.message,
      fix: `the token is the other role's secret: set ${ENV_NAMES.role[0]} to match it, or use the ${role} secret`,
    };
  }
  if (code === 'NOT_FOUND') {
    return {
      ok: false,
      detail: `no broker route at ${client.endpoint}`,
      fix: `check ${ENV_NAMES.endpointPrefix[0]} (default /qa-credentials/v1)`,
    };
  }
  if (code === 'SERVER_MISCONFIGURED') {
    return {
      ok: false,
      detail: error.message,
      fix: 'configure the role secrets on the broker server',
    };
  }
  return { ok: false, detail: `${code}: ${error.message}` };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : 'unknown error';
}

import type { ActorRole } from '@qa-broker/contract';
import { createBrokerClient, type BrokerClient, type BrokerClientOptions } from '../client.js';
import { clientOptionsFromEnv, type EnvOverrides } from '../env-config.js';
import type { CliIo } from './cli-io.js';

/** Client options from the environment, with `--url` on top; admin commands force the maintainer role. */
export function cliClientOptions(
  io: CliIo,
  flags: { url?: string | undefined },
  role?: ActorRole,
): BrokerClientOptions {
  const overrides: EnvOverrides = {};
  if (flags.url !== undefined) overrides.baseUrl = flags.url;
  if (role !== undefined) overrides.role = role;
  return clientOptionsFromEnv(io.env, overrides);
}

export function cliClient(
  io: CliIo,
  flags: { url?: string | undefined },
  role?: ActorRole,
  extra: Partial<BrokerClientOptions> = {},
): BrokerClient {
  return createBrokerClient({ ...cliClientOptions(io, flags, role), ...extra });
}

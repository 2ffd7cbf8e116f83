export { brokerAppControls, createBrokerApp } from './app.js';
export type { BrokerAppControls, BrokerAppOptions } from './app.js';
export { fingerprintOfTicketId, sealToken, ticketIdOf, unsealToken } from './queue/ticket-seal.js';
export { RoleAuthenticator, bearerToken } from './auth.js';
export type { RoleSecrets } from './auth.js';
export { AuthFailureLimiter } from './auth-failure-limiter.js';
export type { AuthFailureLimit } from './auth-failure-limiter.js';
export { BrokerError, PayloadUnreadableError } from './broker-error.js';
export { PayloadCodec, chunkMarker, identityCipher } from './payload-codec.js';
export type { PieceCipher, PieceContext } from './payload-codec.js';
export { startRetentionSweep, sweepEventsOnce } from './retention-sweep.js';
export type { RetentionSweepOptions, SweepResult } from './retention-sweep.js';
export { createBrokerLogger } from './logger.js';
export type { TextSink } from './text-sink.js';
export { startBroker } from './main.js';
export type { RunningBroker } from './main.js';
export {
  DEFAULT_AUTH_FAILURE_LIMIT,
  DEFAULT_HTTP_TIMEOUTS,
  loadMigrateConfig,
  loadRotateKeysConfig,
  loadServeConfig,
} from './config.js';
export type { Env, HttpTimeouts, MigrateConfig, RotateKeysConfig, ServeConfig } from './config.js';
export { DEFAULT_STORE_TIMEOUT_MS, guardStore } from './guarded-store.js';
export type { StoreGuardOptions } from './guarded-store.js';
export { run } from './cli.js';
export type { CliIo } from './cli.js';
export {
  EncryptionKeysError,
  Keyring,
  SealedPieceError,
  isSealedPiece,
  parseEncryptionKeys,
  sealedKeyId,
} from './encryption/keyring.js';
export type { EncryptionKey } from './encryption/keyring.js';
export { keyringCipher } from './encryption/keyring-cipher.js';
export { rotateKeys } from './encryption/rotate-keys.js';
export type {
  RotateKeysOptions,
  RotationFailure,
  RotationSummary,
} from './encryption/rotate-keys.js';
export { BROKER_NODE_FLAGS, applyBrokerNodeFlags, reexecPlan } from './node-flags.js';

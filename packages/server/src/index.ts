export { createBrokerApp } from './app.js';
export type { BrokerAppOptions } from './app.js';
export { RoleAuthenticator, bearerToken } from './auth.js';
export type { RoleSecrets } from './auth.js';
export { BrokerError, PayloadUnreadableError } from './broker-error.js';
export { PayloadCodec, chunkMarker, identityCipher } from './payload-codec.js';
export type { PieceCipher, PieceContext } from './payload-codec.js';
export { startRetentionSweep, sweepEventsOnce } from './retention-sweep.js';
export type { RetentionSweepOptions, SweepResult } from './retention-sweep.js';

export {
  BrokerError,
  CLIENT_ERROR_CODES,
  isBrokerError,
  isPoolExhaustedCode,
  type BrokerErrorCode,
  type ClientErrorCode,
  type QueueStanding,
} from './broker-error.js';
export type { BrokerRoutes } from './broker-routes.js';
export {
  createBrokerClient,
  DEFAULT_HTTP_TIMEOUT_MS,
  DEFAULT_WAIT_TIMEOUT_MS,
  type AddCredentialInput,
  type CredentialChangeResult,
  type KindPolicy,
  type SetPolicyInput,
  type UpdateCredentialInput,
  type BrokerClient,
  type BrokerClientOptions,
  type ListCredentialsInput,
  type ListEventsInput,
  type EventsPage,
  type ListQueueInput,
  type KindQueue,
  type RemoveCredentialResult,
  type WithLeaseOptions,
} from './client.js';
export type { AcquireLeaseOptions } from './acquire-lease.js';
export {
  brokerClientFromEnv,
  clientOptionsFromEnv,
  ENV_NAMES,
  isTruthy,
  type Env,
  type EnvOverrides,
} from './env-config.js';
export { HEARTBEAT_RETRY_DELAYS_MS, heartbeatRetryDelayMs } from './heartbeat-loop.js';
export type { Lease, LeaseState, ReleaseOptions } from './lease.js';
export { sendableReason } from './release-reason.js';
export { POOL_WAIT_SCHEDULE_MS, poolWaitDelayMs, type PoolWaitEvent } from './pool-wait.js';
export { HTTP_TIMEOUT_MARGIN_MS } from './acquire-lease.js';
export { checkBaseUrl, checkEndpointPrefix, isLoopbackHost } from './url-policy.js';
export type { PayloadOf, KnownKind } from '@qa-broker/contract';

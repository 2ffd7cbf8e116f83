/** Every rule the checker enforces; a green run means none of them fired. */
export type ViolationRule =
  /** Two leases of one credential were certainly held at the same moment. */
  | 'overlap'
  /** A lease granted certainly later got a fencing token that is not larger (or two leases share one). */
  | 'fencing-order'
  /** A heartbeat or release with an old token was accepted after a newer grant (or after its own release). */
  | 'stale-accepted'
  /** A heartbeat answered that a lease was gone while it was certainly still held. */
  | 'lease-lost-early'
  /** A credential was granted after its removal was acknowledged. */
  | 'removed-granted'
  /** A credential was still leased, or could not be acquired, once every lease had ended or expired. */
  | 'not-free-at-end'
  /** admin/list did not show a lease that was certainly held (lost by a store restart?). */
  | 'acknowledged-grant-lost'
  /** The store granted a lease that no acquire explains (a definite failure, another credential, twice). */
  | 'unexplained-grant'
  /** An acquire answered ok but the store holds no acquire event for it. */
  | 'grant-event-missing'
  /** The store granted a lease certainly after the broker had told the client it was unavailable. */
  | 'granted-after-gave-up'
  /** Lease times do not fit one store clock: some broker used its own clock. */
  | 'store-clock-inconsistent'
  /** A parked ticket was granted while a live ticket of equal priority that joined certainly earlier still waited. */
  | 'fifo-order'
  /** A credential stayed free (or undelivered) past the hand-off bound while a live parked ticket waited. */
  | 'idle-while-waiting'
  /** The history itself is broken (a harness bug), so nothing else can be trusted. */
  | 'malformed-history';

export interface Violation {
  rule: ViolationRule;
  credentialId?: string;
  /** The operations that show it. */
  opIds: number[];
  message: string;
}

/** The ARGV form of "now" every script takes: the explicit test time, or "" for Redis TIME. */
export function nowArgument(nowMs: number | undefined): string {
  return nowMs === undefined ? '' : String(Math.trunc(nowMs));
}

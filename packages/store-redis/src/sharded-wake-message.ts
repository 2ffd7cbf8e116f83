/**
 * The message of a sharded wake-up (src/lua/includes/wake-broker.lua): the JSON array
 * `[brokerId, ticketId]`, published on the kind's channel, which every broker waiting on
 * the kind hears. JSON because the store takes any string as brokerId and ticketId, so no
 * separator character is safe. Anything else on the channel (the watchdog's probes) is
 * not a wake-up.
 */
export function ticketIdFor(brokerId: string, message: string): string | undefined {
  if (!message.startsWith('[')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
  const [to, ticketId] = parsed as unknown[];
  return to === brokerId && typeof ticketId === 'string' ? ticketId : undefined;
}

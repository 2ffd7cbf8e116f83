const MAX_MESSAGE_CHARS = 300;

/**
 * A loggable description of an error and its causes: names, codes and shortened
 * messages, never the error object itself (a driver error can carry query parameters,
 * and those can be payloads).
 */
export function describeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const code = (error as { code?: unknown }).code;
  const description: Record<string, unknown> = {
    name: error.name,
    message: error.message.slice(0, MAX_MESSAGE_CHARS),
  };
  if (typeof code === 'string' || typeof code === 'number') description.code = code;
  if (error.cause !== undefined && depth < 3)
    description.cause = describeError(error.cause, depth + 1);
  return description;
}

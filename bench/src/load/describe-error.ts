/** A short, secret-free description of a failure for the report (never a body or token). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = 'code' in error && typeof error.code === 'string' ? ` ${error.code}` : '';
    return `${error.name}${code}: ${error.message}`.slice(0, 300);
  }
  return String(error).slice(0, 300);
}

const startedAt = performance.now();

/** Progress lines go to stderr so stdout carries only the final table. */
export function progress(line: string): void {
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${seconds}s] ${line}\n`);
}

/** A text sink that records everything and can wait for a pattern to appear. */
export class Capture {
  text = '';
  #waiters: { pattern: RegExp; resolve: (match: RegExpMatchArray) => void }[] = [];

  write = (chunk: string | Buffer): boolean => {
    this.text += chunk.toString();
    this.#waiters = this.#waiters.filter((waiter) => {
      const match = this.text.match(waiter.pattern);
      if (match) waiter.resolve(match);
      return !match;
    });
    return true;
  };

  /** Resolves with the first match of `pattern`; rejects after `timeoutMs` with what was seen. */
  waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const match = this.text.match(pattern);
    if (match) return Promise.resolve(match);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${pattern}; output so far:\n${this.text}`)),
        timeoutMs,
      );
      this.#waiters.push({
        pattern,
        resolve: (found) => {
          clearTimeout(timer);
          resolve(found);
        },
      });
    });
  }
}

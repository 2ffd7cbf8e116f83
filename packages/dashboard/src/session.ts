/**
 * The maintainer secret lives in sessionStorage only (spec additions, section 4): gone
 * when the tab closes, never in localStorage, a cookie or a URL.
 */
const KEY = 'qa-broker.maintainer-secret';

export function loadSecret(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function saveSecret(secret: string): void {
  sessionStorage.setItem(KEY, secret);
}

export function clearSecret(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Storage unavailable: nothing was kept.
  }
}

import type { Polled } from '../poll.js';

/** What a view shows before its first answer: loading, or why it failed. */
export function LoadState({ polled, what }: { polled: Polled<unknown>; what: string }) {
  if (polled.error) {
    return (
      <p class="error" role="alert">
        Could not load the {what}: {polled.error.message}
      </p>
    );
  }
  return <p class="loading">Loading the {what}…</p>;
}

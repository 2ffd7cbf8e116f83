import type { ComponentChildren } from 'preact';

/**
 * A table in a region that scrolls sideways on a narrow screen. The region is focusable
 * and named, so keyboard users can scroll it too.
 */
export function ScrollTable({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label={label}>
      <table>
        <caption class="visually-hidden">{label}</caption>
        {children}
      </table>
    </div>
  );
}

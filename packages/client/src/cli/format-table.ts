/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [render(header), ...rows.map(render)].join('\n');
}

/** Free text as one table cell: control characters as spaces, cut at `max` with "…". */
export function textCell(text: string | undefined, max = 80): string {
  if (text === undefined || text.trim() === '') return '-';
  // eslint-disable-next-line no-control-regex -- control characters are what is replaced
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

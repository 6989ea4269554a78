import { stripVTControlCharacters } from 'node:util';

/** How a column is aligned. */
export type Align = 'left' | 'right';

/** A column of {@link renderTable}. */
export interface Column {
  readonly header: string;
  readonly align?: Align;
}

/** The width a cell takes on screen, colours left out. */
export function visibleWidth(text: string): number {
  return [...stripVTControlCharacters(text)].length;
}

function pad(text: string, width: number, align: Align): string {
  const gap = ' '.repeat(Math.max(0, width - visibleWidth(text)));
  return align === 'right' ? gap + text : text + gap;
}

/**
 * A plain table: a header row and rows, columns two spaces apart, sized to their widest cell (colour codes
 * do not count). The last column is not padded, so lines carry no trailing blanks.
 *
 * @example
 * renderTable([{ header: 'NAME' }, { header: 'N', align: 'right' }], [['a', '1']]);
 */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  options: { readonly header?: (text: string) => string } = {},
): string[] {
  const widths = columns.map((column, i) =>
    Math.max(visibleWidth(column.header), ...rows.map((row) => visibleWidth(row[i] ?? ''))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => {
        const last = i === columns.length - 1;
        const align = columns[i]?.align ?? 'left';
        return last && align === 'left' ? cell : pad(cell, widths[i] ?? 0, align);
      })
      .join('  ')
      .trimEnd();
  const style = options.header ?? ((text: string) => text);
  return [style(line(columns.map((c) => c.header))), ...rows.map(line)];
}

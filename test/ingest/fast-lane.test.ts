/**
 * The fast lanes (quote-free lines split without papaparse, canonical rows read in place by
 * `bindLine`) must give exactly what the ordinary path gives. The ordinary path is forced by
 * quoting the first cell of every line (`"rmm"` is the cell `rmm`): papaparse then splits every
 * record and the format converts it cell by cell.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonical } from '../../functions/ingest/formats/canonical.js';
import { plainCells } from '../../functions/ingest/csv-stream.js';
import { readBytes, type ReadResult } from './helpers.js';

type Columns = Parameters<typeof canonical.bind>[0];

const COLUMNS = [
  'vendor',
  'account_id',
  'vendor_sku',
  'quantity',
  'usage_date',
  'unit_cost',
  'cost',
  'currency',
  'reference',
];

/** Per column: clean cells (the fast lane's) and cells only the ordinary path can read or refuse. */
const cell = (clean: string[], dirty: string[]): fc.Arbitrary<string> =>
  fc.oneof({ arbitrary: fc.constantFrom(...clean), weight: 4 }, { arbitrary: fc.constantFrom(...dirty), weight: 1 });
const CELLS = [
  cell(['rmm', 'Microsoft', 'PAX8', 'ré'], [' rmm', 'rmm ', '', 'NULL', 'null', 'a\tb', '\u00a0rmm', 'x'.repeat(70)]),
  cell(['a1', 'acct-42', 'é1'], ['', ' a1 ', 'NULL', 'a\u0001b', 'A'.repeat(300)]),
  cell(['seat', 'sku-1', 'sé'], ['', 'NULL', ' seat']),
  cell(
    ['1', '0', '12.5', '007', '.5', '5.', '-0', '-0.0', '+3', '12345678901234', '0.000001'],
    ['-1', '1e3', '1,000', '', 'NULL', ' 2', 'abc', '-', '.', '123456789012345'],
  ),
  cell(
    ['2025-01-02', '2024-02-29'],
    ['2025-02-29', '2025-13-01', '2025-1-02', '', 'NULL', ' 2025-01-02', '2025-01-02T00:00:00Z'],
  ),
  cell(['', '1.25', '-2', '99999999999999'], ['NULL', ' 3', '1e-7', 'x']),
  cell(['', '10', '-10.50', '0', '+.5'], ['NULL', '$5']),
  cell(['', 'USD'], ['usd', 'Eur', 'US', 'USDX', 'NULL', ' USD', 'U1D']),
  cell(['', 'R1', 'R2'], ['NULL', ' R3', 'R\u0002']),
];

const row = fc.tuple(...CELLS).map((cells) => cells.join(','));
const odd = fc.constantFrom(
  '',
  '   ',
  'rmm,a1,seat,1,2025-01-02,,,',
  'rmm,a1,seat,1,2025-01-02,,,,R9,extra',
  'rmm,a1,seat,1,2025-01-02,,,,\uFFFD',
  'x',
);
const file = fc
  .tuple(
    fc.array(fc.oneof({ arbitrary: row, weight: 6 }, { arbitrary: odd, weight: 1 }), { maxLength: 25 }),
    fc.constantFrom('\n', '\r\n'),
    fc.boolean(),
    fc.constantFrom(
      COLUMNS,
      [...COLUMNS].reverse(),
      ['extra', ...COLUMNS],
      [...COLUMNS.slice(0, 5), 'reference', 'note'],
    ),
  )
  .map(([rows, eol, finalEol, header]) => ({ header, body: rows.join(eol) + (finalEol ? eol : ''), eol }));

/** Everything a read produces, Decs as their exact text. */
function outcome({ summary, records }: ReadResult): unknown {
  const { name: _name, sha256: _sha, bytes: _bytes, ...counts } = summary;
  return { counts, records: JSON.parse(JSON.stringify(records)) as unknown };
}

/** Rows written for `header` (whose columns may be reordered or extra): cells picked by name from the canonical order. */
function reorder(body: string, eol: string, header: readonly string[]): string {
  return body
    .split(eol)
    .map((line) => {
      const cells = line.split(',');
      if (cells.length !== COLUMNS.length) return line;
      return header.map((name) => cells[COLUMNS.indexOf(name)] ?? 'x').join(',');
    })
    .join(eol);
}

describe('fast lanes', () => {
  it('read canonical files exactly as the ordinary path does, whatever the chunk size', async () => {
    await fc.assert(
      fc.asyncProperty(file, fc.integer({ min: 1, max: 200 }), async ({ header, body, eol }, size) => {
        const rows = reorder(body, eol, header);
        const text = `${header.join(',')}${eol}${rows}`;
        const quoted = text
          .split(eol)
          .map((line) => line.replace(/^[^,]*/, (first) => `"${first}"`))
          .join(eol);
        const expected = outcome(await readBytes('usage.csv', Buffer.from(quoted), size));
        const fast = Buffer.from(text);
        expect(outcome(await readBytes('usage.csv', fast, size))).toEqual(expected);
        expect(outcome(await readBytes('usage.csv', fast))).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  it('canonical bindLine returns what bind returns for the same cells, or leaves the line', () => {
    const columns = Object.fromEntries(COLUMNS.map((key, index) => [key, { key, index }])) as Columns;
    const byLine = canonical.bindLine?.(columns, COLUMNS.length);
    const byCells = canonical.bind(columns);
    expect(byLine).toBeDefined();
    let taken = 0;
    fc.assert(
      fc.property(row, fc.constantFrom('\n', '\r\n'), (line, eol) => {
        const text = `${line}${eol}`;
        const ctx = { file: 'f', line: 2 };
        const record = byLine?.(text, 0, text.length - 1, ctx);
        if (record === undefined) return;
        taken++;
        expect(record).toEqual(byCells(plainCells(text, 0, text.length - 1) ?? [], ctx));
      }),
      { numRuns: 3000 },
    );
    expect(taken).toBeGreaterThan(0);
  });

  it('has no fast lane when two columns sit on one cell', () => {
    const columns = Object.fromEntries(COLUMNS.map((key) => [key, { key, index: 0 }])) as Columns;
    expect(canonical.bindLine?.(columns, 1)).toBeUndefined();
  });
});

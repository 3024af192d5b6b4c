import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import Papa from 'papaparse';
import { CsvStream, plainCells, type CsvBatch } from '../../functions/ingest/csv-stream.js';

interface Split {
  readonly line: number;
  readonly fields: string[];
  readonly problem?: string;
  readonly raw?: string;
}

function collect(batch: CsvBatch, out: Split[]): string | undefined {
  for (const run of batch.plain) {
    for (let start = run.start, line = run.line; start < run.end; line++) {
      const stop = run.text.indexOf('\n', start);
      const fields = plainCells(run.text, start, stop);
      if (fields) out.push({ line, fields });
      start = stop + 1;
    }
  }
  batch.records.forEach((fields, i) => {
    const problem = batch.problems?.get(i);
    out.push({
      line: batch.lines[i] as number,
      fields,
      ...(problem ? { problem: problem.reason, ...(problem.raw === undefined ? {} : { raw: problem.raw }) } : {}),
    });
  });
  return batch.limit?.message;
}

function split(text: string, size = text.length || 1, maxChars?: number): { records: Split[]; limit?: string } {
  const stream = new CsvStream(maxChars);
  const records: Split[] = [];
  for (let at = 0; at < text.length; at += size) {
    const limit = collect(stream.push(text.slice(at, at + size)), records);
    if (limit) return { records, limit };
  }
  collect(stream.end(), records);
  return { records };
}

const records = (text: string, size?: number): Split[] => split(text, size).records;

describe('CsvStream (papaparse)', () => {
  it('gives each record the physical line it starts on, counting newlines inside quotes', () => {
    // Prepare
    const text = 'h1,h2\n"a\nb",c\n\nd,"e\r\nf"\r\ng,h';
    // Act
    const result = records(text);
    // Assess
    expect(result.map((r) => [r.line, r.fields])).toEqual([
      [1, ['h1', 'h2']],
      [2, ['a\nb', 'c']],
      [5, ['d', 'e\r\nf']],
      [7, ['g', 'h']],
    ]);
  });

  it('unescapes doubled quotes and keeps commas inside quotes', () => {
    expect(records('"say ""hi""","1,2",x\n')[0]?.fields).toEqual(['say "hi"', '1,2', 'x']);
  });

  it('keeps empty fields, including a trailing one', () => {
    expect(records('a,,"",\n')[0]?.fields).toEqual(['a', '', '', '']);
  });

  it('keeps a quote inside an unquoted cell literally', () => {
    expect(records('a,27" monitor,b\n')[0]?.fields).toEqual(['a', '27" monitor', 'b']);
  });

  it('skips blank and whitespace-only lines, CRLF included', () => {
    expect(records('\r\n  \na,b\r\n\r\n\t\nc,d').map((r) => [r.line, r.fields])).toEqual([
      [3, ['a', 'b']],
      [6, ['c', 'd']],
    ]);
  });

  it('marks a record whose quote never closes, holding the rest of the file', () => {
    expect(records('x,y\na,"b\nc,d\n')).toEqual([
      { line: 1, fields: ['x', 'y'] },
      { line: 2, fields: ['a', 'b\nc,d\n'], problem: expect.stringContaining('unterminated') },
    ]);
  });

  it('rejects only the record with text after a closing quote and resumes on the next line', () => {
    // Prepare: papaparse alone would swallow the next lines looking for another closing quote.
    const text = 'h1,h2,h3\n"ab"c,d,e\nf,"g\nh",i\nj,k,l\n';
    // Act
    const result = records(text);
    // Assess
    expect(result).toEqual([
      { line: 1, fields: ['h1', 'h2', 'h3'] },
      { line: 2, fields: ['c', 'd', 'e'], problem: expect.stringMatching(/malformed/), raw: '"ab"c,d,e' },
      { line: 3, fields: ['f', 'g\nh', 'i'] },
      { line: 5, fields: ['j', 'k', 'l'] },
    ]);
  });

  it('accepts blanks between a closing quote and the delimiter, as papaparse does', () => {
    expect(records('"a"  ,"b" \r\nc,d\n').map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it('stops with a limit error when one record outgrows the limit, after the records before it', () => {
    // Act
    const result = split(`a,b\n"${'x\n'.repeat(100)}`, 7, 100);
    // Assess
    expect(result.records.map((r) => r.fields)).toEqual([['a', 'b']]);
    expect(result.limit).toMatch(/row starting at line 2 is longer than 100 characters/);
  });

  it('splits the same records whatever the chunk size', () => {
    const cell = fc.oneof(
      fc.constantFrom('', 'a', 'b c', '"', '""', ',', '\n', '\r\n', 'x"y', ' '),
      fc.string({ maxLength: 5 }),
    );
    const csv = fc
      .array(fc.array(cell, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 })
      .map(
        (rows) =>
          rows
            .map((row) => row.map((c) => (/[",\r\n]/.test(c) || c === '' ? `"${c.replace(/"/g, '""')}"` : c)).join(','))
            .join('\r\n') + '\n',
      );
    fc.assert(
      fc.property(csv, fc.integer({ min: 1, max: 9 }), (text, size) => {
        expect(records(text, size)).toEqual(records(text));
      }),
    );
  });

  it('splits quote-free lines (its fast path, without papaparse) exactly as papaparse does', () => {
    // Prepare: papaparse's own records for the same text, with the reader's rules on top
    // (blank lines skipped, a CRLF's \r dropped from the last cell, physical lines).
    const piece = fc.constantFrom('a', 'b c', ',', ',,', '\n', '\r\n', '\r', ' ', '\t', '\uFFFD', 'é', '1.5', 'NULL');
    const text = fc.array(piece, { maxLength: 40 }).map((parts) => parts.join(''));
    const expected = (input: string): Split[] => {
      const out: Split[] = [];
      Papa.parse<string[]>(input, { delimiter: ',', newline: '\n' }).data.forEach((row, i) => {
        const fields = row.map((cell, j) => (j === row.length - 1 && cell.endsWith('\r') ? cell.slice(0, -1) : cell));
        if (fields.length > 1 || (fields[0] as string).trim() !== '') out.push({ line: i + 1, fields });
      });
      return out;
    };
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 9 }), (input, size) => {
        expect(records(input, size)).toEqual(expected(input));
      }),
      { numRuns: 500 },
    );
  });

  it('switches between its quote-free fast path and papaparse at the line of a quote', () => {
    // Act
    const result = records('h1,h2\na,b\n"c\nd",e\nf,g\r\n\n"h""",i\nj,k', 4);
    // Assess
    expect(result.map((r) => [r.line, r.fields])).toEqual([
      [1, ['h1', 'h2']],
      [2, ['a', 'b']],
      [3, ['c\nd', 'e']],
      [5, ['f', 'g']],
      [7, ['h"', 'i']],
      [8, ['j', 'k']],
    ]);
  });

  it('splits hostile text (stray quotes, missing newline) the same whatever the chunk size', () => {
    const piece = fc.constantFrom('a', '"', '""', ',', '\n', '\r\n', ' ', 'x"y', '"q"z', '\uFFFD');
    const text = fc.array(piece, { maxLength: 30 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 9 }), (input, size) => {
        expect(records(input, size)).toEqual(records(input));
      }),
      { numRuns: 500 },
    );
  });
});

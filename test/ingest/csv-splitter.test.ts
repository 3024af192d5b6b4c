import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CsvLimitError, CsvSplitter, type CsvRecord } from '../../functions/ingest/csv-splitter.js';

function split(text: string, size = text.length || 1): CsvRecord[] {
  const splitter = new CsvSplitter();
  const out: CsvRecord[] = [];
  for (let at = 0; at < text.length; at += size) splitter.push(text.slice(at, at + size), out);
  return splitter.end(out);
}

describe('CsvSplitter', () => {
  it('gives each record the physical line it starts on, counting newlines inside quotes', () => {
    // Prepare
    const text = 'h1,h2\n"a\nb",c\n\nd,"e\r\nf"\r\ng,h';
    // Act
    const records = split(text);
    // Assess
    expect(records.map((r) => [r.line, r.fields])).toEqual([
      [1, ['h1', 'h2']], [2, ['a\nb', 'c']], [5, ['d', 'e\r\nf']], [7, ['g', 'h']],
    ]);
  });

  it('unescapes doubled quotes and keeps commas inside quotes', () => {
    expect(split('"say ""hi""","1,2",x\n')[0]?.fields).toEqual(['say "hi"', '1,2', 'x']);
  });

  it('keeps empty fields, including a trailing one', () => {
    expect(split('a,,"",\n')[0]?.fields).toEqual(['a', '', '', '']);
  });

  it('marks a record whose quote never closes', () => {
    expect(split('a,"b\nc,d\n')).toEqual([{ fields: ['a', 'b\nc,d\n'], line: 1, error: expect.stringContaining('unterminated') }]);
  });

  it('marks text after a closing quote as malformed', () => {
    expect(split('"ab"c,d\n')[0]?.error).toMatch(/malformed/);
  });

  it('throws CsvLimitError when one record outgrows the limit', () => {
    // Prepare
    const splitter = new CsvSplitter(100);
    // Act + Assess
    expect(() => splitter.push(`"${'x'.repeat(200)}`)).toThrow(CsvLimitError);
  });

  it('splits the same records whatever the chunk size', () => {
    const cell = fc.oneof(fc.constantFrom('', 'a', 'b c', '"', '""', ',', '\n', '\r\n', 'x"y'), fc.string({ maxLength: 5 }));
    const csv = fc.array(fc.array(cell, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }).map((rows) =>
      rows.map((row) => row.map((c) => (/[",\r\n]/.test(c) || c === '' ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join('\r\n') + '\n');
    fc.assert(fc.property(csv, fc.integer({ min: 1, max: 9 }), (text, size) => {
      expect(split(text, size)).toEqual(split(text));
    }));
  });
});

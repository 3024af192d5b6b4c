import { describe, expect, it } from 'vitest';
import { csvCell, escapeHtml, safeFilename, safeHeader } from '../../functions/render/escape.js';

describe('escapeHtml', () => {
  it('escapes the five HTML metacharacters', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y'`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;',
    );
  });

  it('leaves ordinary text alone', () => {
    expect(escapeHtml('Brouwer en Zonen — 12.50 EUR')).toBe('Brouwer en Zonen — 12.50 EUR');
  });
});

describe('csvCell', () => {
  it('neutralizes a formula and quotes it by RFC 4180', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
  });

  it('neutralizes every formula trigger', () => {
    expect(csvCell('+1+2')).toBe("'+1+2");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tcmd')).toBe("'\tcmd");
    expect(csvCell('\r=1')).toBe(`"'\r=1"`);
  });

  it('leaves plain numbers as they are', () => {
    expect(csvCell('-5.00')).toBe('-5.00');
    expect(csvCell('+12')).toBe('+12');
    expect(csvCell('1250.00')).toBe('1250.00');
  });

  it('quotes commas, quotes and line breaks', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('')).toBe('');
  });
});

describe('safeHeader', () => {
  it('strips CR, LF and control characters so no header line can start', () => {
    expect(safeHeader('Acme\r\nBcc: evil@example.com')).toBe('Acme Bcc: evil@example.com');
    expect(safeHeader('a\u0000b\u007fc\u2028d')).toBe('a b c d');
  });

  it('keeps ordinary text, including non-ASCII', () => {
    expect(safeHeader('Invoice OSP-2025-000001 — Zoë & Co')).toBe('Invoice OSP-2025-000001 — Zoë & Co');
  });
});

describe('safeFilename', () => {
  it('keeps only portable file-name characters', () => {
    expect(safeFilename('../etc/passwd')).toBe('_etc_passwd');
    expect(safeFilename('OSP-2025-000001')).toBe('OSP-2025-000001');
  });
});

/**
 * Escaping at the three edges where user text leaves TrueUp: HTML bodies, email header values
 * and CSV cells. Every value that came from a user's file (names, descriptions, emails,
 * addresses) goes through one of these before it is written.
 */
import { isPlainDecimal } from '../domain/money.js';
import { replaceControlCharacters } from '../text/control-characters.js';

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Leading characters that make Excel, LibreOffice or Google Sheets evaluate a cell. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One RFC 4180 CSV cell. A cell that a spreadsheet would run as a formula (leading `=`, `+`,
 * `-`, `@`, tab or CR) is prefixed with `'` so it shows as text (OWASP "CSV injection"); plain
 * numbers such as `-5.00` are left as they are so amounts stay numeric. The cell is quoted
 * when it holds a comma, a quote, CR or LF.
 */
export function csvCell(s: string): string {
  const neutral = FORMULA_START.test(s) && !isPlainDecimal(s) ? `'${s}` : s;
  return /[",\r\n]/.test(neutral) ? `"${neutral.replace(/"/g, '""')}"` : neutral;
}

/**
 * A single-line header value: every run of CR, LF and other control characters (C0, DEL, C1,
 * and the Unicode line/paragraph separators) becomes one space, so a value can never start a
 * new header line.
 */
export function safeHeader(s: string): string {
  // Each control character becomes a space; the runs of spaces then collapse to one.
  return replaceControlCharacters(s, ' ').replace(/ {2,}/g, ' ').trim();
}

/** A file name safe for a Content-Disposition parameter and any file system. */
export function safeFilename(s: string): string {
  const cleaned = s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[.]+/, '');
  return cleaned || 'attachment';
}

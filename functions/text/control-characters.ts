/**
 * Control characters: C0 (tab, CR, LF, NUL …), DEL, C1 (NEL …) and the Unicode line and
 * paragraph separators. None of them belongs in a one-line identifier, a header value, an object
 * key or a message; the callers refuse them, replace them or write them as escapes.
 */

/** Matches one control character (no `g` flag: `test` and `exec` keep no state). */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const EVERY_CONTROL_CHARACTER = new RegExp(CONTROL_CHARACTER.source, 'g');

/** `text` with every control character replaced by `by` (or by what `by` gives for it). */
export function replaceControlCharacters(text: string, by: string | ((character: string) => string)): string {
  return typeof by === 'string' ? text.replace(EVERY_CONTROL_CHARACTER, by) : text.replace(EVERY_CONTROL_CHARACTER, by);
}

/** The `\uXXXX` escape of one character (lower-case hex, as JSON.stringify writes it). */
export function unicodeEscape(character: string): string {
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

import { describe, expect, it } from 'vitest';
import { CONTROL_CHARACTER, replaceControlCharacters, unicodeEscape } from '../../functions/text/control-characters.js';

describe('control characters', () => {
  it('are C0, DEL, C1 and the Unicode line and paragraph separators, nothing else', () => {
    const controls = ['\u0000', '\t', '\n', '\r', '\u001f', '\u007f', '\u0085', '\u009f', '\u2028', '\u2029'];
    const plain = [' ', '~', '\u00a0', 'é', '\u2027', '\u202a', '\ufffd'];
    expect(controls.filter((c) => !CONTROL_CHARACTER.test(c))).toEqual([]);
    expect(plain.filter((c) => CONTROL_CHARACTER.test(c))).toEqual([]);
  });

  it('are replaced one by one, by a string or by what a function gives', () => {
    expect(replaceControlCharacters('a\r\nb\u2028c', '_')).toBe('a__b_c');
    expect(replaceControlCharacters('a\u0000b\u0085', unicodeEscape)).toBe('a\\u0000b\\u0085');
  });
});

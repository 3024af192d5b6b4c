/** The part of fontkit (no types of its own) that TrueUp uses: opening a font to ask which characters it has. */
declare module 'fontkit' {
  export interface Font {
    hasGlyphForCodePoint(codePoint: number): boolean;
  }
  export function create(buffer: Uint8Array): Font;
}

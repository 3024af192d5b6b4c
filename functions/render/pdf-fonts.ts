/**
 * The fonts of the invoice PDF: Noto Sans (Latin, Greek, Cyrillic and more) and Noto Sans JP
 * (Japanese, with the CJK ideographs of most Chinese names), regular and bold, SIL OFL 1.1.
 * pdfkit embeds the subset of each font a document uses (with a ToUnicode map, so the text can
 * be copied and searched), but it has no fallback of its own: `fontRuns` splits every text
 * into runs by which font has the glyphs, and names the characters neither has.
 *
 * Where the files are: in a Lambda function, in `trueup-pdf-fonts/` beside the bundle (lib/bundling.ts
 * copies them there, for the functions whose bundle renders PDFs); from the source tree, in
 * node_modules. Each file is read once per process, the Japanese ones (5.5 MB each) only when a
 * text needs them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { create, type Font } from 'fontkit';
import { FONT_FILES, PDF_FONTS_DIR, type FontFace } from './pdf-font-files.js';

export type { FontFace };

const fonts = new Map<FontFace, Font>();

function fontPath(face: FontFace): string {
  const { file, module } = FONT_FILES[face];
  const beside = fileURLToPath(new URL(`./${PDF_FONTS_DIR}/${file}`, import.meta.url));
  return existsSync(beside) ? beside : createRequire(import.meta.url).resolve(module);
}

/**
 * The face opened with fontkit, once per process: pdfkit takes the opened font as it is, so
 * documents share its parsed tables and glyph cache (opening the file for each document cost
 * more than drawing the invoice); each document still embeds its own subset.
 */
export function fontObject(face: FontFace): Font {
  let font = fonts.get(face);
  if (!font) {
    font = create(readFileSync(fontPath(face)));
    fonts.set(face, font);
  }
  return font;
}

function has(face: FontFace, codePoint: number): boolean {
  return fontObject(face).hasGlyphForCodePoint(codePoint);
}

export interface FontRun {
  readonly text: string;
  /** 'sans' or 'jp' (the bold variant is the caller's choice). */
  readonly family: 'sans' | 'jp';
}

/** Characters drawn in whatever font is current: spaces and controls never start a new run. */
const NEUTRAL = /[\s\u200b-\u200f]/u;

/**
 * `text` split into runs of one font each: Noto Sans where it has the glyph, else Noto Sans JP
 * where that has it. A character neither has stays in the current run (it prints as an empty
 * box) and is added to `missing`.
 */
export function fontRuns(text: string, missing?: Set<string>): FontRun[] {
  const runs: { text: string; family: 'sans' | 'jp' }[] = [];
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0;
    let family: 'sans' | 'jp' | undefined;
    if (NEUTRAL.test(char)) family = undefined;
    else if (has('sans', codePoint)) family = 'sans';
    else if (has('jp', codePoint)) family = 'jp';
    else missing?.add(char);
    const last = runs[runs.length - 1];
    if (last && (family === undefined || family === last.family)) last.text += char;
    else runs.push({ text: char, family: family ?? 'sans' });
  }
  return runs;
}

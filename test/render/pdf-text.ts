/**
 * Reads back what renderInvoicePdf wrote, without a PDF library: the tests inflate every
 * FlateDecode stream of the real (compressed) output and collect the hex strings of each
 * text-showing operator (pdfkit writes text as `[<hex> kern <hex> ...] TJ`), so they check
 * the bytes that ship rather than a test-only uncompressed variant. An embedded font's hex
 * is glyph codes, decoded with the font's ToUnicode map (what a PDF viewer uses to copy and
 * search text); a standard font's is WinAnsi.
 */
import { inflateSync } from 'node:zlib';

const WIN_ANSI = new TextDecoder('windows-1252');

/** The decoded content streams of a PDF. */
export function pdfStreams(pdf: Buffer): string[] {
  const raw = pdf.toString('latin1');
  const streams: string[] = [];
  const re = /<<([^]*?)>>\s*stream\r?\n/g;
  for (let match = re.exec(raw); match; match = re.exec(raw)) {
    const start = match.index + match[0].length;
    const end = raw.indexOf('endstream', start);
    const data = pdf.subarray(start, end);
    streams.push(/\/FlateDecode/.test(match[1] ?? '') ? inflateSync(data).toString('latin1') : data.toString('latin1'));
    re.lastIndex = end;
  }
  return streams;
}

/** The inflated stream of object `id`. */
function objectStream(pdf: Buffer, raw: string, id: string): string | undefined {
  const at = raw.search(new RegExp(`(^|\\n)${id} 0 obj`));
  if (at < 0) return undefined;
  const header = /<<([^]*?)>>\s*stream\r?\n/.exec(raw.slice(at));
  if (!header) return undefined;
  const start = at + header.index + header[0].length;
  const data = pdf.subarray(start, raw.indexOf('endstream', start));
  return /\/FlateDecode/.test(header[1] ?? '') ? inflateSync(data).toString('latin1') : data.toString('latin1');
}

/** A ToUnicode CMap as pdfkit writes it: `<0000> <00ff> [<0041> <d83d de00> …]` ranges. */
function parseCMap(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const range of cmap.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*\[([^\]]*)\]/g)) {
    let code = parseInt(range[1] ?? '0', 16);
    for (const entry of (range[3] ?? '').matchAll(/<([0-9a-fA-F ]*)>/g)) {
      const units = (entry[1] ?? '')
        .split(' ')
        .filter(Boolean)
        .flatMap((u) => u.match(/.{4}/g) ?? [])
        .map((u) => parseInt(u, 16));
      map.set(code, String.fromCharCode(...units));
      code += 1;
    }
  }
  return map;
}

/** Each font resource name (`F1`) with its ToUnicode map, for the embedded fonts. */
function fontMaps(pdf: Buffer): Map<string, Map<number, string>> {
  const raw = pdf.toString('latin1');
  const maps = new Map<string, Map<number, string>>();
  for (const ref of raw.matchAll(/\/(F\d+) (\d+) 0 R/g)) {
    const name = ref[1] ?? '';
    if (maps.has(name)) continue;
    const object = new RegExp(`(?:^|\\n)${ref[2]} 0 obj\\s*<<([^]*?)>>\\s*endobj`).exec(raw);
    const toUnicode = /\/ToUnicode (\d+) 0 R/.exec(object?.[1] ?? '');
    if (!toUnicode) continue;
    const cmap = objectStream(pdf, raw, toUnicode[1] ?? '');
    if (cmap) maps.set(name, parseCMap(cmap));
  }
  return maps;
}

/** Every text run (one TJ operator: one wrapped line of one text call, or one font's part of it), in drawing order. */
export function pdfTextRuns(pdf: Buffer): string[] {
  const maps = fontMaps(pdf);
  const runs: string[] = [];
  for (const stream of pdfStreams(pdf)) {
    let font: Map<number, string> | undefined;
    for (const op of stream.matchAll(/\/(F\d+)\s+[\d.]+\s+Tf|\[((?:<[0-9a-fA-F]*>|\s|-?[\d.]+)*)\]\s*TJ/g)) {
      if (op[1] !== undefined) {
        font = maps.get(op[1]);
        continue;
      }
      const hex = [...(op[2] ?? '').matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1] ?? '').join('');
      runs.push(
        font
          ? (hex.match(/.{4}/g) ?? []).map((code) => font?.get(parseInt(code, 16)) ?? '\ufffd').join('')
          : WIN_ANSI.decode(Buffer.from(hex, 'hex')),
      );
    }
  }
  return runs;
}

/** All the text, the runs joined: a text drawn in two fonts reads as one. */
export function pdfText(pdf: Buffer): string {
  return pdfTextRuns(pdf).join('');
}

/** Page objects (`/Type /Page`, not `/Type /Pages`). */
export function pdfPageCount(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type \/Page(?![a-zA-Z])/g) ?? []).length;
}

/**
 * Reads back what renderInvoicePdf wrote, without a PDF library: the tests inflate every
 * FlateDecode stream of the real (compressed) output and collect the hex strings of each
 * text-showing operator (pdfkit writes text as `[<hex> kern <hex> ...] TJ` in WinAnsi), so
 * they check the bytes that ship rather than a test-only uncompressed variant.
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

/** Every text run (one TJ operator: one wrapped line of one text call), in drawing order. */
export function pdfTextRuns(pdf: Buffer): string[] {
  const runs: string[] = [];
  for (const stream of pdfStreams(pdf)) {
    for (const tj of stream.matchAll(/\[((?:<[0-9a-fA-F]*>|\s|-?[\d.]+)*)\]\s*TJ/g)) {
      const hex = [...(tj[1] ?? '').matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1] ?? '').join('');
      runs.push(WIN_ANSI.decode(Buffer.from(hex, 'hex')));
    }
  }
  return runs;
}

/** Page objects (`/Type /Page`, not `/Type /Pages`). */
export function pdfPageCount(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type \/Page(?![a-zA-Z])/g) ?? []).length;
}

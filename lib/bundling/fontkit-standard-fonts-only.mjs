// What `fontkit` resolves to in TrueUp's Lambda bundles (esbuild alias, lib/bundling.ts).
//
// pdfkit imports fontkit's `create` only to open font files (TTF, OTF, WOFF, WOFF2, TTC) for
// embedding; the 14 standard PDF fonts are read from their AFM metrics instead. The invoice PDF
// uses Helvetica and Helvetica-Bold only (functions/render/invoice-pdf.ts), so fontkit and its
// dependencies (restructure, unicode-properties, brotli…), ~280 KB minified, would ship unused.
// Embedding a font file in a Lambda function fails here with this message; to embed one, drop
// the `fontkit` alias in lib/bundling.ts (and alias `brotli/decompress.js` to node:zlib's
// brotliDecompressSync, which avoids fontkit's 486 KB pure-JS brotli decoder).
export function create() {
  throw new Error(
    "TrueUp's Lambda bundles include pdfkit's 14 standard fonts only; embedding a font file needs fontkit, "
    + 'which lib/bundling.ts aliases away (see lib/bundling/fontkit-standard-fonts-only.mjs).',
  );
}

// What `brotli/decompress.js` resolves to in TrueUp's Lambda bundles (esbuild alias, lib/bundling.ts).
//
// fontkit decompresses WOFF2 fonts with the `brotli` package's pure-JavaScript decoder, 486 KB
// minified, more than half of a Lambda's bundle budget. Node has Brotli built in: this stand-in
// has the same signature, `decompress(buffer, outSize?)` → Uint8Array, over node:zlib.
import { brotliDecompressSync } from 'node:zlib';

export default function decompress(buffer, outSize) {
  const out = brotliDecompressSync(buffer);
  return new Uint8Array(out.buffer, out.byteOffset, outSize ?? out.length);
}

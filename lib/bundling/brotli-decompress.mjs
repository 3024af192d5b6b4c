// Stand-in for the `brotli` package's `decompress.js` (see lib/bundling.ts BROTLI_ALIAS): same
// signature, decoded by Node's built-in zlib instead of 486 KB of JavaScript.
import { brotliDecompressSync } from 'node:zlib';

export default function decompress(buffer) {
  return new Uint8Array(brotliDecompressSync(buffer));
}

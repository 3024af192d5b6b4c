// What `zod` resolves to in TrueUp's Lambda bundles (esbuild alias, lib/bundling.ts ZOD_ALIAS).
//
// zod's entry point exports `z` as a namespace object (`import * as z …; export { z }`). Code
// that imports `{ z }` — ours, and @aws-lambda-powertools/parser's — makes esbuild keep every
// member of that object, so each bundle carried all of zod: 457 KB minified, 264 KB of it the
// 50 translation locales. This entry exports the same names, but its `z` is api.mjs, which
// leaves out locales, the core namespace, JSON Schema conversion and compile: ~140 KB.
import * as z from './api.mjs';

export * from './api.mjs';
export { z, z as default };

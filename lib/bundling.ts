/**
 * One definition of how a handler is bundled, shared by the TrueUpFunction construct (CDK's
 * NodejsFunction runs esbuild with it) and `npm run bundle-report` (esbuild's API with the same
 * options), so the size the report prints is the size that ships.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root (where package-lock.json and node_modules live). */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where the Lambda handlers live; `<name>.ts` exports `handler`. */
export const HANDLERS_DIR = join(PROJECT_ROOT, 'functions', 'handlers');

/** The esbuild target matching the Lambda runtime TrueUpFunction uses (nodejs24.x). */
export const ESBUILD_TARGET = 'node24';

/**
 * ESM output: CommonJS dependencies (papaparse, fontkit, linebreak, …) call `require` for Node
 * built-ins, which an ES module lacks. The banner gives the bundle a real `require`.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __trueupCreateRequire } from 'node:module'; const require = __trueupCreateRequire(import.meta.url);";

/**
 * fontkit (under pdfkit) imports the `brotli` package's 486 KB pure-JS decoder only to read
 * WOFF2 fonts. Node has brotli built in; this alias swaps the decoder for node:zlib.
 */
export const BROTLI_ALIAS = { 'brotli/decompress.js': join(PROJECT_ROOT, 'lib', 'bundling', 'brotli-decompress.mjs') } as const;

/** The SDK v3 comes with the Lambda Node.js runtime; it is not bundled (CDK's default for Node ≥ 18). */
export const EXTERNAL_MODULES = ['@aws-sdk/*'] as const;

/** Prefer ES module entry points (smaller after tree shaking), fall back to CommonJS. */
export const MAIN_FIELDS = ['module', 'main'] as const;

/**
 * pdfkit 0.20 loads its 14 standard-font metrics at run time with
 * `createRequire(import.meta.url)('#standard-fonts/<Font>')`, a package-internal import that
 * esbuild cannot follow. These shell commands, run after bundling, put the metric files next to
 * the bundle and a package.json whose `imports` map resolves them, so `doc.font('Helvetica')`
 * works in Lambda. Costs ~190 KB per function; harmless where no PDF is rendered.
 */
export function pdfkitFontCommands(outputDir: string): string[] {
  const fonts = join(PROJECT_ROOT, 'node_modules', 'pdfkit', 'js', 'standard-fonts');
  const packageJson = JSON.stringify({ imports: { '#standard-fonts/*': './standard-fonts/*.cjs' } });
  return [
    `mkdir -p "${outputDir}/standard-fonts/chunks"`,
    `cp "${fonts}"/*.cjs "${outputDir}/standard-fonts/"`,
    `cp "${fonts}"/chunks/*.cjs "${outputDir}/standard-fonts/chunks/"`,
    `printf '%s' '${packageJson}' > "${outputDir}/package.json"`,
  ];
}

/** Bundle size budget per function (minified JavaScript, without the source map). */
export const BUNDLE_BUDGET_BYTES = 1024 * 1024;

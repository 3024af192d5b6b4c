/**
 * One definition of how a handler is bundled, shared by the PipelineFunction construct (CDK's
 * NodejsFunction runs esbuild with it) and `npm run bundle-report` (esbuild's API with the same
 * options), so the size the report prints is the size that ships.
 */
import { fileURLToPath } from 'node:url';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FONT_FILES, FONT_LICENSES, PDF_FONTS_DIR } from '../functions/render/pdf-font-files.js';

/** The repository root (where package-lock.json and node_modules live). */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where the Lambda handlers live; `<name>.ts` exports `handler`. */
export const HANDLERS_DIR = join(PROJECT_ROOT, 'functions', 'handlers');

/** The esbuild target matching the Lambda runtime PipelineFunction uses (nodejs24.x). */
export const ESBUILD_TARGET = 'node24';

/**
 * ESM output: CommonJS dependencies (papaparse, linebreak, ssh2, …) call `require` for Node
 * built-ins and read `__dirname`, which an ES module lacks (ssh2 reads it while loading, so
 * without it the collector fails at init). The banner defines `require`, `__filename` and
 * `__dirname` for the bundle.
 */
export const ESM_BANNER = [
  "import { createRequire as __trueupCreateRequire } from 'node:module';",
  "import { fileURLToPath as __trueupFileURLToPath } from 'node:url';",
  "import { dirname as __trueupDirname } from 'node:path';",
  'const require = __trueupCreateRequire(import.meta.url);',
  'const __filename = __trueupFileURLToPath(import.meta.url);',
  'const __dirname = __trueupDirname(__filename);',
].join(' ');

/**
 * Packages replaced in every Lambda bundle (esbuild `alias`). Each stand-in exports the same
 * names as what it replaces and throws a clear error if a left-out part is ever used.
 *
 * - `zod`: zod's entry exports `z` as a namespace object; `import { z } from 'zod'` (ours and
 *   @aws-lambda-powertools/parser's) makes esbuild keep all of it, 457 KB with 50 locales. The
 *   stand-in's `z` leaves out locales, the core namespace, JSON Schema conversion and compile
 *   (lib/bundling/zod/). An alias also rewrites subpaths: `zod/mini` would need its own entry.
 * - `brotli/decompress.js`: fontkit (which the invoice PDF needs to embed Noto Sans) decodes
 *   WOFF2 with a 486 KB pure-JavaScript Brotli decoder; the stand-in uses node:zlib's
 *   (lib/bundling/brotli-decompress.mjs).
 */
export const ALIASES: Readonly<Record<string, string>> = {
  zod: join(PROJECT_ROOT, 'lib', 'bundling', 'zod', 'index.mjs'),
  'brotli/decompress.js': join(PROJECT_ROOT, 'lib', 'bundling', 'brotli-decompress.mjs'),
};

/**
 * Not bundled:
 * - `@aws-sdk/*`: the SDK v3 comes with the Lambda Node.js runtime (CDK's default for Node ≥ 18).
 * - `*.node`, `cpu-features`: native add-ons (ssh2's optional crypto binding and cpu-features,
 *   under the collector's SFTP driver), built for this machine, not for Lambda's arm64. ssh2
 *   requires both inside try/catch and uses its JavaScript ciphers without them.
 */
export const EXTERNAL_MODULES = ['@aws-sdk/*', '*.node', 'cpu-features'] as const;

/** Prefer ES module entry points (smaller after tree shaking), fall back to CommonJS. */
export const MAIN_FIELDS = ['module', 'main'] as const;

/**
 * pdfkit 0.20 loads its 14 standard-font metrics at run time with
 * `createRequire(import.meta.url)('#standard-fonts/<Font>')`, a package-internal import that
 * esbuild cannot follow. After bundling, the metric files (54 KB) are put next to the bundle
 * with a package.json whose `imports` map resolves them, so `doc.font('Helvetica')` works in
 * Lambda — only in bundles that contain pdfkit, i.e. that reference `#standard-fonts/`.
 */
export const STANDARD_FONTS_DIR = join(PROJECT_ROOT, 'node_modules', 'pdfkit', 'js', 'standard-fonts');
const STANDARD_FONTS_MARKER = '#standard-fonts/';

/** Whether a bundle (index.mjs text) loads pdfkit's standard fonts. */
export function needsStandardFonts(bundle: string): boolean {
  return bundle.includes(STANDARD_FONTS_MARKER);
}

/** The files that go next to such a bundle, relative to STANDARD_FONTS_DIR and to the bundle's `standard-fonts/`. */
export function standardFontFiles(): string[] {
  const cjs = (dir: string): string[] =>
    readdirSync(join(STANDARD_FONTS_DIR, dir))
      .filter((f) => f.endsWith('.cjs'))
      .map((f) => (dir ? `${dir}/${f}` : f));
  return [...cjs(''), ...cjs('chunks')];
}

/** The package.json beside the bundle: resolves pdfkit's `#standard-fonts/*` to the copied files. */
export const STANDARD_FONTS_PACKAGE_JSON = JSON.stringify({
  imports: { [`${STANDARD_FONTS_MARKER}*`]: './standard-fonts/*.cjs' },
});

/**
 * The Noto Sans files the invoice PDF embeds (functions/render/pdf-fonts.ts) go beside the
 * bundles that render PDFs, in PDF_FONTS_DIR, which such a bundle names (its marker): 12 MB of
 * font files, next to the code and outside its 1 MB budget.
 */
export function needsPdfFonts(bundle: string): boolean {
  return bundle.includes(PDF_FONTS_DIR);
}

/** Each font file and its licence: where it is in node_modules and its name in PDF_FONTS_DIR. */
export function pdfFontFiles(): { from: string; to: string }[] {
  return [...Object.values(FONT_FILES), ...FONT_LICENSES].map(({ file, module }) => ({
    from: join(PROJECT_ROOT, 'node_modules', module),
    to: file,
  }));
}

/** NodejsFunction afterBundling commands: copy the standard fonts and the Noto fonts when the bundle needs them. */
export function pdfkitFontCommands(outputDir: string): string[] {
  return [
    `if grep -q '${STANDARD_FONTS_MARKER}' "${outputDir}/index.mjs"; then ` +
      `mkdir -p "${outputDir}/standard-fonts/chunks" && ` +
      `cp "${STANDARD_FONTS_DIR}"/*.cjs "${outputDir}/standard-fonts/" && ` +
      `cp "${STANDARD_FONTS_DIR}"/chunks/*.cjs "${outputDir}/standard-fonts/chunks/" && ` +
      `printf '%s' '${STANDARD_FONTS_PACKAGE_JSON}' > "${outputDir}/package.json"; fi`,
    `if grep -q '${PDF_FONTS_DIR}' "${outputDir}/index.mjs"; then ` +
      `mkdir -p "${outputDir}/${PDF_FONTS_DIR}" && ` +
      pdfFontFiles()
        .map(({ from, to }) => `cp "${from}" "${outputDir}/${PDF_FONTS_DIR}/${to}"`)
        .join(' && ') +
      '; fi',
  ];
}

/** Bundle size budget per function (minified JavaScript, without the source map). */
export const BUNDLE_BUDGET_BYTES = 1024 * 1024;

/**
 * The few functions allowed more, each with its reason. books-publish carries Xero's official
 * SDK (xero-node, ~1.3 MB minified: every model of every Xero API) and Intuit's OAuth client; it
 * runs once a day, so its cold start does not matter. Making both external (`nodeModules`) or
 * one function per system would bring it back under 1 MB: the next step in docs/scale.md.
 */
const BUDGET_EXCEPTIONS: Readonly<Record<string, number>> = { 'books-publish': 3 * 1024 * 1024 };

/** The budget of one function's bundle. */
export function bundleBudget(name: string): number {
  return BUDGET_EXCEPTIONS[name] ?? BUNDLE_BUDGET_BYTES;
}

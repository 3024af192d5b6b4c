/**
 * Builds one handler the way PipelineFunction's NodejsFunction does (same esbuild options from
 * lib/bundling.ts, same afterBundling step), with esbuild's API: the directory it writes is
 * what the Lambda asset holds. Used by `npm run bundle-report` and test/cdk/bundling.test.ts.
 */
import { build, type Metafile } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  ALIASES,
  ESBUILD_TARGET,
  ESM_BANNER,
  EXTERNAL_MODULES,
  HANDLERS_DIR,
  MAIN_FIELDS,
  needsPdfFonts,
  needsStandardFonts,
  pdfFontFiles,
  PROJECT_ROOT,
  STANDARD_FONTS_DIR,
  STANDARD_FONTS_PACKAGE_JSON,
  standardFontFiles,
} from './bundling.js';
import { PDF_FONTS_DIR } from '../functions/render/pdf-font-files.js';

export interface HandlerBundle {
  /** Where index.mjs (and its map, fonts and package.json) were written. */
  readonly dir: string;
  /** index.mjs: minified JavaScript without the source map. */
  readonly bytes: number;
  readonly gzip: number;
  /** pdfkit's standard-font metrics copied next to it (0 when the bundle has no pdfkit). */
  readonly fontBytes: number;
  /** The Noto font files copied beside it for the invoice PDF (0 when the bundle renders no PDF). */
  readonly pdfFontBytes: number;
  readonly metafile: Metafile;
}

/** The Lambda handlers: every .ts in functions/handlers/ that exports `handler` (runtime.ts is shared code). */
export function handlerNames(): string[] {
  return readdirSync(HANDLERS_DIR)
    .filter(
      (file) =>
        file.endsWith('.ts') &&
        /export const handler\b|export (async )?function handler\b/.test(
          readFileSync(join(HANDLERS_DIR, file), 'utf8'),
        ),
    )
    .map((file) => basename(file, '.ts'))
    .sort();
}

/** Bundles `functions/handlers/<name>.ts` (or any entry file) into `outDir`. */
export async function bundleHandler(nameOrEntry: string, outDir: string): Promise<HandlerBundle> {
  const entry = nameOrEntry.endsWith('.ts') ? nameOrEntry : join(HANDLERS_DIR, `${nameOrEntry}.ts`);
  const outfile = join(outDir, 'index.mjs');
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: PROJECT_ROOT,
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: ESBUILD_TARGET,
    minify: true,
    sourcemap: 'external',
    sourcesContent: false,
    mainFields: [...MAIN_FIELDS],
    external: [...EXTERNAL_MODULES],
    banner: { js: ESM_BANNER },
    alias: { ...ALIASES },
    metafile: true,
    logLevel: 'error',
  });
  const code = readFileSync(outfile);
  let fontBytes = 0;
  if (needsStandardFonts(code.toString('utf8'))) {
    for (const file of standardFontFiles()) {
      const to = join(outDir, 'standard-fonts', file);
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(join(STANDARD_FONTS_DIR, file), to);
      fontBytes += statSync(to).size;
    }
    writeFileSync(join(outDir, 'package.json'), STANDARD_FONTS_PACKAGE_JSON);
  }
  let pdfFontBytes = 0;
  if (needsPdfFonts(code.toString('utf8'))) {
    mkdirSync(join(outDir, PDF_FONTS_DIR), { recursive: true });
    for (const { from, to } of pdfFontFiles()) {
      copyFileSync(from, join(outDir, PDF_FONTS_DIR, to));
      pdfFontBytes += statSync(from).size;
    }
  }
  return {
    dir: outDir,
    bytes: code.length,
    gzip: gzipSync(code).length,
    fontBytes,
    pdfFontBytes,
    metafile: result.metafile,
  };
}

/** Bytes in the bundle per npm package (or per top-level source folder), largest first. */
export function largestPackages(metafile: Metafile, count: number): [string, number][] {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined);
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input.split('/').slice(0, 2).join('/');
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + bytesInOutput);
  }
  return [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, count);
}

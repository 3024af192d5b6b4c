/**
 * `npm run bundle-report`: bundles every handler in functions/handlers/ with esbuild using the
 * options TrueUpFunction gives NodejsFunction (lib/bundling.ts), prints
 * `bundle <name> bytes=N gzip=N`, and exits 1 when any bundle reaches the 1 MB budget.
 * N is the minified JavaScript (index.mjs) without its external source map.
 */
import { build } from 'esbuild';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  BROTLI_ALIAS, BUNDLE_BUDGET_BYTES, ESBUILD_TARGET, ESM_REQUIRE_BANNER, EXTERNAL_MODULES, HANDLERS_DIR, MAIN_FIELDS, PROJECT_ROOT,
} from './bundling.js';

/** Handler entries: every .ts in functions/handlers/ that exports `handler` (runtime.ts is shared code). */
function handlerEntries(): string[] {
  return readdirSync(HANDLERS_DIR)
    .filter((file) => file.endsWith('.ts') && /export const handler\b|export (async )?function handler\b/.test(readFileSync(join(HANDLERS_DIR, file), 'utf8')))
    .sort();
}

async function main(): Promise<void> {
  const outRoot = mkdtempSync(join(tmpdir(), 'trueup-bundles-'));
  let over = 0;
  try {
    for (const file of handlerEntries()) {
      const name = basename(file, '.ts');
      const outfile = join(outRoot, name, 'index.mjs');
      const result = await build({
        entryPoints: [join(HANDLERS_DIR, file)],
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
        banner: { js: ESM_REQUIRE_BANNER },
        alias: { ...BROTLI_ALIAS },
        metafile: true,
        logLevel: 'error',
      });
      const bytes = statSync(outfile).size;
      const gzip = gzipSync(readFileSync(outfile)).length;
      const flag = bytes >= BUNDLE_BUDGET_BYTES ? ' OVER-BUDGET' : '';
      if (flag) {
        over += 1;
        const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined);
        const byPackage = new Map<string, number>();
        for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
          const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input.split('/').slice(0, 2).join('/');
          byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + bytesInOutput);
        }
        const top = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([pkg, n]) => `${pkg}=${n}`).join(' ');
        console.log(`bundle ${name} bytes=${bytes} gzip=${gzip}${flag} largest: ${top}`);
      } else {
        console.log(`bundle ${name} bytes=${bytes} gzip=${gzip}`);
      }
    }
  } finally {
    rmSync(outRoot, { recursive: true, force: true });
  }
  if (over > 0) {
    console.error(`${over} bundle(s) at or over the ${BUNDLE_BUDGET_BYTES}-byte budget`);
    process.exitCode = 1;
  }
}

await main();

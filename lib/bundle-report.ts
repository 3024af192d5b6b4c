/**
 * `npm run bundle-report`: bundles every handler in functions/handlers/ with esbuild using the
 * options PipelineFunction gives NodejsFunction (lib/bundling.ts), prints
 * `bundle <name> bytes=N gzip=N [fonts=N]`, and exits 1 when any bundle reaches the 1 MB budget.
 * N is the minified JavaScript (index.mjs) without its external source map; `fonts` is the size
 * of pdfkit's standard-font metrics shipped next to the bundles that render PDFs.
 * `--largest` adds the six largest packages of every bundle (always shown for one over budget).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE_BUDGET_BYTES, bundleBudget } from './bundling.js';
import { bundleHandler, handlerNames, largestPackages } from './bundle.js';

async function main(): Promise<void> {
  const showLargest = process.argv.includes('--largest');
  const outRoot = mkdtempSync(join(tmpdir(), 'trueup-bundles-'));
  let over = 0;
  try {
    for (const name of handlerNames()) {
      const bundle = await bundleHandler(name, join(outRoot, name));
      const overBudget = bundle.bytes >= bundleBudget(name);
      if (overBudget) over += 1;
      const fonts = `${bundle.fontBytes > 0 ? ` fonts=${bundle.fontBytes}` : ''}${bundle.pdfFontBytes > 0 ? ` pdf-fonts=${bundle.pdfFontBytes}` : ''}`;
      const flag = overBudget ? ' OVER-BUDGET' : '';
      const largest =
        overBudget || showLargest
          ? ` largest: ${largestPackages(bundle.metafile, 6)
              .map(([pkg, n]) => `${pkg}=${n}`)
              .join(' ')}`
          : '';
      console.log(`bundle ${name} bytes=${bundle.bytes} gzip=${bundle.gzip}${fonts}${flag}${largest}`);
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

/**
 * The Lambda bundles as they ship (lib/bundle.ts builds them with PipelineFunction's options):
 * within budget, loadable, and behaving as the source does despite the zod and brotli
 * stand-ins of lib/bundling.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliCompressSync } from 'node:zlib';
import * as realZod from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleHandler, handlerNames, type HandlerBundle } from '../../lib/bundle.js';
import {
  ALIASES,
  BUNDLE_BUDGET_BYTES,
  bundleBudget,
  PROJECT_ROOT,
  pdfFontFiles,
  pdfkitFontCommands,
} from '../../lib/bundling.js';
import { PDF_FONTS_DIR } from '../../functions/render/pdf-font-files.js';
import { renderInvoicePdf } from '../../functions/render/invoice-pdf.js';
import { sampleView } from '../render/sample.js';

/** What a function's environment holds (values do not matter: nothing is called at load). */
const LAMBDA_ENV = {
  TABLE_NAME: 'trueup-test',
  USAGE_BUCKET: 'usage',
  ARTIFACTS_BUCKET: 'artifacts',
  WORK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/work',
  DISCREPANCY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/disc',
  SES_CONFIGURATION_SET: 'trueup',
  MSP_TIMEZONE: 'America/Chicago',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  // Set by the stack on books-publish only (CDK config `books: true`).
  BOOKS_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:TrueUpBooksSecret-AbCdEf',
  // Set by the stack on the web function only (CDK config `web: true`).
  USER_POOL_ID: 'us-east-1_TestPool1',
  USER_POOL_CLIENT_ID: 'testclient123',
  COGNITO_DOMAIN_URL: 'https://trueup-test.auth.us-east-1.amazoncognito.com',
  CONSOLE_URL: 'https://d111111abcdef8.cloudfront.net',
};

/** Runs an ES module script with Node, as Lambda would load the bundle; returns stdout. */
function node(script: string, env: Record<string, string> = {}): string {
  return execFileSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
}

let outRoot: string;
const bundles = new Map<string, HandlerBundle>();

beforeAll(async () => {
  outRoot = mkdtempSync(join(tmpdir(), 'trueup-bundles-test-'));
  // The AWS SDK is external (the Lambda runtime provides it): resolve it from the project.
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(outRoot, 'node_modules'), 'dir');
  for (const name of handlerNames()) bundles.set(name, await bundleHandler(name, join(outRoot, name)));
}, 180_000);

afterAll(() => {
  if (outRoot) rmSync(outRoot, { recursive: true, force: true });
});

describe('Lambda bundles', () => {
  it('bundles every handler, the collector included, each under the 1 MB budget', () => {
    expect([...bundles.keys()]).toEqual([
      'aging-report',
      'apply-payments',
      'auto-pay',
      'billing-run',
      'books-publish',
      'collector',
      'discrepancy-worker',
      'dunning-run',
      'ingest-file',
      'invoice-worker',
      'payments-endpoint',
      'reconciliation-report',
      'ses-events',
      'statements',
      'web',
    ]);
    for (const [name, bundle] of bundles)
      expect({ name, under: bundle.bytes < bundleBudget(name) }).toEqual({ name, under: true });
  });

  it('leaves zod’s locales out of every bundle, fontkit out of those that render no PDF, and the JavaScript Brotli decoder out of all', () => {
    const withFontkit: string[] = [];
    for (const [name, bundle] of bundles) {
      const output = Object.values(bundle.metafile.outputs).find((o) => o.entryPoint !== undefined)!;
      const inputs = Object.entries(output.inputs)
        .filter(([, i]) => i.bytesInOutput > 0)
        .map(([path]) => path);
      expect(inputs.filter((i) => /node_modules\/zod\/v4\/locales\/(?!en\.js|index\.js)/.test(i))).toEqual([]); // English only
      expect(inputs.filter((i) => i.includes('node_modules/brotli/'))).toEqual([]);
      if (inputs.some((i) => i.includes('node_modules/fontkit/'))) withFontkit.push(name);
    }
    // The dunning run attaches a statement of account (dunning.statement), the statements job renders them.
    expect(withFontkit).toEqual(['dunning-run', 'invoice-worker', 'statements']);
  });

  it('ships pdfkit’s standard fonts and the Noto fonts with the PDF renderers only, beside their code', () => {
    const withFonts = [...bundles].filter(([, b]) => b.fontBytes > 0).map(([name]) => name);
    const withPdfFonts = [...bundles].filter(([, b]) => b.pdfFontBytes > 0).map(([name]) => name);

    expect(withFonts).toEqual(['dunning-run', 'invoice-worker', 'statements']);
    expect(withPdfFonts).toEqual(['dunning-run', 'invoice-worker', 'statements']);
    const dir = bundles.get('invoice-worker')!.dir;
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))).toEqual({
      imports: { '#standard-fonts/*': './standard-fonts/*.cjs' },
    });
    expect(existsSync(join(dir, 'standard-fonts', 'HelveticaBold.cjs'))).toBe(true);
    for (const { to } of pdfFontFiles()) expect(existsSync(join(dir, PDF_FONTS_DIR, to))).toBe(true);
    expect(bundles.get('invoice-worker')!.pdfFontBytes).toBeGreaterThan(BUNDLE_BUDGET_BYTES); // the fonts are files, outside the code's budget
    expect(existsSync(join(bundles.get('billing-run')!.dir, 'package.json'))).toBe(false);
    expect(existsSync(join(bundles.get('billing-run')!.dir, PDF_FONTS_DIR))).toBe(false);
  });

  it('copies the same font files in CDK’s afterBundling commands as in lib/bundle.ts', () => {
    const commands = pdfkitFontCommands('/asset').join('\n');
    for (const { from, to } of pdfFontFiles())
      expect(commands).toContain(`cp "${from}" "/asset/${PDF_FONTS_DIR}/${to}"`);
    expect(commands).toContain(`grep -q '${PDF_FONTS_DIR}' "/asset/index.mjs"`);
  });

  it('loads every bundled handler in Node (module init runs: environment, clients, schemas)', () => {
    const names = [...bundles.keys()];
    const script = `const out = {};
for (const [name, dir] of ${JSON.stringify(names.map((n) => [n, pathToFileURL(join(outRoot, n, 'index.mjs')).href]))}) {
  out[name] = typeof (await import(dir)).handler;
}
console.log(JSON.stringify(out));`;

    const loaded = JSON.parse(node(script, LAMBDA_ENV)) as Record<string, string>;

    expect(loaded).toEqual(Object.fromEntries(names.map((n) => [n, 'function'])));
  });

  it('validates with zod’s English messages inside a bundle (the collector rejects a bad event before any AWS call)', () => {
    const collector = pathToFileURL(join(outRoot, 'collector', 'index.mjs')).href;
    const script = `const { handler } = await import(${JSON.stringify(collector)});
try { await handler({ source: 42 }); console.log('no error'); } catch (error) { console.log(JSON.stringify(error.issues)); }`;

    const issues = JSON.parse(node(script, LAMBDA_ENV)) as unknown;

    const expected = realZod.z.object({ source: realZod.z.string().min(1).optional() }).safeParse({ source: 42 })
      .error?.issues;
    expect(issues).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(JSON.stringify(issues)).toContain('expected string, received number');
  });

  it('renders the invoice PDF byte for byte as the source does (fontkit, the Noto fonts read from beside the bundle)', async () => {
    const dir = join(outRoot, 'render-pdf');
    const bundle = await bundleHandler(join(PROJECT_ROOT, 'test', 'cdk', 'fixtures', 'render-sample-pdf.ts'), dir);
    expect(bundle.pdfFontBytes).toBeGreaterThan(0);

    for (const [lines, name] of [
      [3, 'Brouwer & Zonen B.V.'],
      [120, 'Łódź Zahnärzte Čeština 東京'],
    ] as const) {
      const out = join(dir, `invoice-${lines}.pdf`);
      // The bundle reads the fonts from beside itself (bundleHandler copied them there).
      execFileSync(process.execPath, [join(dir, 'index.mjs'), out, String(lines), name], {
        env: { PATH: process.env.PATH ?? '' },
      });
      const bundled = readFileSync(out);
      const source = await renderInvoicePdf(sampleView(lines, { client: { name } }));
      expect(bundled.equals(source)).toBe(true);
    }
  });
});

describe('the zod stand-in (lib/bundling/zod)', () => {
  const LEFT_OUT = ['compile', 'core', 'fromJSONSchema', 'locales', 'toJSONSchema', 'withParser'];

  it('exports the same names as zod, its z the same members as zod’s z', async () => {
    const standIn = (await import(pathToFileURL(ALIASES.zod!).href)) as {
      z: Record<string, unknown>;
      default: unknown;
    };

    expect(Object.keys(standIn).sort()).toEqual(Object.keys(realZod).sort());
    expect(Object.keys(standIn.z).sort()).toEqual(Object.keys(realZod.z).sort());
    expect(standIn.default).toBe(standIn.z);
    const differs = Object.keys(realZod.z)
      .filter((key) => standIn.z[key] !== (realZod.z as Record<string, unknown>)[key])
      .sort();
    expect(differs).toEqual(LEFT_OUT);
  });

  it('throws a message naming the stand-in when a left-out member is used', async () => {
    const { z } = (await import(pathToFileURL(ALIASES.zod!).href)) as {
      z: { locales: { en(): unknown }; toJSONSchema(s: unknown): unknown };
    };

    expect(() => z.locales.en()).toThrow(/z\.locales\.en is left out of TrueUp's Lambda bundles .*lib\/bundling\/zod/);
    expect(() => z.toJSONSchema({})).toThrow(/z\.toJSONSchema is left out/);
  });
});

describe('the brotli stand-in', () => {
  it('decompresses as the brotli package does, over node:zlib', async () => {
    const { default: decompress } = (await import(pathToFileURL(ALIASES['brotli/decompress.js']!).href)) as {
      default(buffer: Uint8Array, size?: number): Uint8Array;
    };
    const text = Buffer.from('Łódź Zahnärzte Čeština 東京 '.repeat(50));

    const out = decompress(brotliCompressSync(text), text.length);

    expect(out).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(out).equals(text)).toBe(true);
  });
});

/**
 * Headless Chromium for the browser tests: the Chromium of the npm package `@sparticuz/chromium`
 * (installed by `npm ci` with the other dev dependencies, so no apt-get and no browser download
 * by Playwright), driven by playwright-core, with a fresh profile and everything that phones
 * home switched off, and a static file server on 127.0.0.1 so the pages are opened over HTTP as
 * a person serving the output folder would. `CHROMIUM_PATH` points at another Chromium or Chrome.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import sparticuz from '@sparticuz/chromium';
import { chromium, type BrowserContext } from 'playwright-core';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** CHROMIUM_PATH if set, else the npm package's Chromium (unpacked into the OS temp folder on first use). */
async function chromiumExecutable(): Promise<{ path: string; args: string[] }> {
  const override = process.env.CHROMIUM_PATH;
  if (override) {
    if (!existsSync(override))
      throw new Error(
        `CHROMIUM_PATH is ${override}, and there is no file there. Unset it to use the Chromium of @sparticuz/chromium (npm ci installs it).`,
      );
    return { path: override, args: ARGS };
  }
  return { path: await sparticuz.executablePath(), args: [...new Set([...sparticuz.args, ...ARGS])] };
}

/** Launches Chromium, or fails saying why: the browser tests never skip. */
export async function launchChromium(): Promise<Browser> {
  const { path, args } = await chromiumExecutable();
  const profile = await mkdtemp(join(tmpdir(), 'trueup-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: path,
    headless: true,
    args,
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * What a plain static server (`python3 -m http.server`, `npx serve`) sends: HTML without a
 * charset, so a page that does not declare its own encoding shows up in the tests.
 */
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html',
  '.json': 'application/json',
  '.pdf': 'application/pdf',
  '.csv': 'text/csv',
  '.eml': 'message/rfc822',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface StaticServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves `root` read-only on 127.0.0.1 and a free port; anything outside it or missing is a 404. */
export async function serveFolder(root: string): Promise<StaticServer> {
  const base = resolve(root);
  const server: Server = createServer((request, response) => {
    void (async () => {
      const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
      const file = resolve(base, `.${path.endsWith('/') ? `${path}index.html` : path}`);
      const found = file.startsWith(base + sep) && (await stat(file).catch(() => undefined))?.isFile();
      if (request.method !== 'GET' || !found) {
        response.writeHead(found ? 405 : 404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const body = await readFile(file);
      response
        .writeHead(200, {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'content-length': body.length,
        })
        .end(body);
    })().catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

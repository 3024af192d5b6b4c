/**
 * The local web server: the console's assets at their paths, `/portal/*` to the portal route
 * only when one is given, everything else to the console route with the local user; a
 * multipart body keeps its bytes; a body over the limit is refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, startWebServer, type WebServer } from '../../../functions/adapters/local/web-server.js';
import type { ConsoleUser, HttpRequest } from '../../../functions/app/http-types.js';
import { CONSOLE_ASSETS } from '../../../functions/render/console/assets.js';

let server: WebServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const seen: { request: HttpRequest; user?: ConsoleUser }[] = [];
const consoleRoute = async (request: HttpRequest, user: ConsoleUser) => {
  seen.push({ request, user });
  return { status: 200, headers: { 'content-type': 'text/plain' }, body: `console ${user.id} ${request.path}` };
};

describe('startWebServer', () => {
  it('serves the assets, the console with the local user, and 404 for the portal when none is given', async () => {
    server = await startWebServer({ console: consoleRoute, user: { id: 'ann', role: 'viewer' } });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const asset of CONSOLE_ASSETS) {
      const response = await fetch(`${server.url}${asset.path}`);
      expect(response.headers.get('content-type')).toBe(asset.contentType);
      expect(await response.text()).toBe(asset.body);
    }
    const page = await fetch(`${server.url}/invoices?q=C1`);
    expect(await page.text()).toBe('console ann /invoices');
    expect(seen.at(-1)?.request.query).toEqual({ q: 'C1' });
    expect(seen.at(-1)?.request.origin).toBe(server.url);
    expect((await fetch(`${server.url}/portal/x`)).status).toBe(404);
  });

  it('hands /portal/* to the portal route, keeps multipart bytes, and refuses a body over the limit', async () => {
    server = await startWebServer({
      console: consoleRoute,
      user: { id: 'ann', role: 'admin' },
      portal: async (request) => ({ status: 200, headers: {}, body: `portal ${request.path}` }),
    });
    expect(await (await fetch(`${server.url}/portal/i/abc`)).text()).toBe('portal /portal/i/abc');
    const bytes = Buffer.from([0x1f, 0x8b, 0xff, 0x00, 0xe9]);
    await fetch(`${server.url}/usage/upload`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
      body: Buffer.concat([Buffer.from('--b\r\n\r\n'), bytes, Buffer.from('\r\n--b--')]),
    });
    expect(Buffer.from(seen.at(-1)!.request.body, 'latin1').subarray(7, 12)).toEqual(bytes);
    const big = await fetch(`${server.url}/usage/upload`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: Buffer.alloc(MAX_BODY_BYTES + 1),
    }).catch(() => undefined);
    // Refused while it arrives: a 413, or the connection closed before the whole body was sent.
    expect(big === undefined || big.status === 413).toBe(true);
  });
});

/**
 * The client portal on the embedded runtime: `simulate` with `portal` in trueup.json emails
 * links that its local portal server opens (on the simulated day), the same links run to run;
 * without `portal` nothing of it is wired; `trueup portal link` prints a link the running local
 * portal opens, and refuses an unknown client.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli.js';
import { removeLocalFile, writeLocalFile } from '../../bin/connection.js';
import { readOrCreatePortalKey, simulatePortalKey } from '../../functions/adapters/local/local-portal.js';
import { simulate } from '../../functions/local-runner/simulate.js';
import type { LocalRuntime } from '../../functions/local-runner/local-runtime.js';

const FIXTURE_DATA = join(import.meta.dirname, '../fixtures/conformance/data');
const FROM = '2025-01-30';
const TO = '2025-02-02';

let root: string;
let data: string;
let runtime: LocalRuntime | undefined;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trueup-portal-'));
  data = join(root, 'data');
  await cp(FIXTURE_DATA, data, { recursive: true });
  const settings = JSON.parse(await readFile(join(data, 'trueup.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(data, 'trueup.json'), JSON.stringify({ ...settings, portal: { linkDays: 14 } }));
  runtime = (await simulate({ data, from: FROM, to: TO, out: join(root, 'out'), keepRunning: true })).runtime;
}, 180_000);

afterAll(async () => {
  await removeLocalFile();
  await runtime?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

const linksIn = (text: string | undefined): string[] =>
  [...(text ?? '').matchAll(/http:\/\/127\.0\.0\.1:\d+\/portal\/[^\s"<>]+/g)].map((m) => m[0].replace(/&amp;/g, '&'));

describe('the portal in simulate', () => {
  it('emails every invoice with a portal link that the local portal opens, for that client only', async () => {
    const invoices = (await runtime!.aws.sentEmails()).filter((m) => m.subject.startsWith('Invoice '));
    expect(invoices.length).toBeGreaterThan(1);
    const links = invoices.map((m) => linksIn(m.text)[0]!);
    for (const [i, m] of invoices.entries()) expect(linksIn(m.html)).toContain(links[i]);
    expect(links.every((l) => l.startsWith(`${runtime!.portal!.url}/portal/`))).toBe(true);

    const first = new URL(links[0]!);
    const home = await fetch(first);
    expect(home.status).toBe(200);
    const body = await home.text();
    const number = /Invoice (\S+) from/.exec(invoices[0]!.subject)![1]!;
    expect(body).toContain(number);

    // The same token on another client's path is refused.
    const other = links.map((l) => new URL(l)).find((u) => u.pathname !== first.pathname)!;
    const crossed = await fetch(`${runtime!.portal!.url}${other.pathname}${first.search}`);
    expect(crossed.status).toBe(403);
  });

  it("signs with the data folder's fixed key", async () => {
    expect(await runtime!.deps.portal!.linkKey()).toBe(simulatePortalKey(data));
    expect(simulatePortalKey(data)).toBe(simulatePortalKey(`${data}/`));
    expect(simulatePortalKey(data)).not.toBe(simulatePortalKey(`${data}-other`));
  });
});

describe('trueup portal link', () => {
  async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const spies = [
      vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
        out += `${a.join(' ')}\n`;
      }),
      vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
        err += `${a.join(' ')}\n`;
      }),
      vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
        err += String(chunk);
        return true;
      }),
    ];
    try {
      return { code: await main(['node', 'trueup', ...args]), out, err };
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  }

  it("prints a fresh link the running portal opens (on today's clock) and refuses an unknown client", async () => {
    await writeLocalFile(runtime!);
    const printed = await run('portal', 'link', '--client', 'K-001', '--days', '2');
    expect(printed.code).toBe(0);
    const url = printed.out.trim();
    expect(url).toMatch(new RegExp(`^${runtime!.portal!.url}/portal/K-001\\?t=\\d+\\.[A-Za-z0-9_-]{22}$`));
    const expiry = Number(/t=(\d+)\./.exec(url)![1]) * 1000;
    expect(Math.abs(expiry - (Date.now() + 2 * 86_400_000))).toBeLessThan(60_000);
    const opened = await fetch(url);
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain('<h1>');

    const unknown = await run('portal', 'link', '--client', 'K-404');
    const badDays = await run('portal', 'link', '--client', 'K-001', '--days', '0');
    expect([unknown.code, badDays.code]).toEqual([1, 1]);
    expect(unknown.err.trim()).toBe('--client: No client "K-404" (see clients.csv).');
    expect(badDays.err).toContain('"0" is not a whole number of days from 1 to 365');
  });
});

describe('the local portal key', () => {
  it('is created once in .trueup/portal-key (owner only) and read back after', async () => {
    const file = join(root, 'state', 'portal-key');
    const first = await readOrCreatePortalKey(file);
    const again = await readOrCreatePortalKey(file);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(again).toBe(first);
    const { stat } = await import('node:fs/promises');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});

/**
 * The outputs of `trueup simulate` opened as a person would: served from the output folder on
 * 127.0.0.1 and read in headless Chromium. The index page lists every invoice and report and
 * no link is dead; each invoice page shows its number, client, lines and totals as in its
 * JSON and fits a phone's width too; the reconciliation and aging reports show their headline
 * figures and charts; no page logs an error, loads anything from elsewhere or needs a
 * horizontal scrollbar.
 *
 * TRUEUP_SCREENSHOTS=<dir> also saves a full-page PNG of each page checked, to look at.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvoiceJson } from '../../functions/app/invoice-json.js';
import { Dec } from '../../functions/domain/money.js';
import type { InvoiceLineKind } from '../../functions/domain/billing-types.js';
import { formatsFor } from '../../functions/render/format.js';
import { lineDescription } from '../../functions/render/invoice-model.js';
import { simulate } from '../../functions/local-runner/simulate.js';
import { launchChromium, serveFolder, type Browser, type StaticServer } from './chromium.js';

const FIXTURE_DATA = join(import.meta.dirname, '../fixtures/conformance/data');
/** A copy of the conformance data folder with receipts on, so receipts are among the emails. */
let DATA = FIXTURE_DATA;
/** Two billing runs, dunning and weekly aging reports: every kind of output, in a few seconds. */
const FROM = '2025-01-28';
const TO = '2025-03-10';
const SCREENSHOTS = process.env.TRUEUP_SCREENSHOTS;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

/**
 * What the functions run inside Chromium use of the page's globals: declared here, in this
 * module only, because the project compiles for Node without the DOM library.
 */
interface PageElement {
  readonly textContent: string | null;
  readonly firstChild: { readonly textContent: string | null } | null;
  readonly nextElementSibling: PageElement | null;
  readonly children: ArrayLike<PageElement>;
  readonly href?: string;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
  getBoundingClientRect(): { readonly width: number; readonly height: number };
}
declare const document: {
  readonly characterSet: string;
  readonly title: string;
  readonly documentElement: { readonly scrollWidth: number };
  readonly images: Iterable<{
    readonly src: string;
    readonly complete: boolean;
    readonly naturalWidth: number;
    readonly naturalHeight: number;
  }>;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
};
declare const window: { readonly innerWidth: number };

interface Visit {
  readonly consoleErrors: string[];
}

let out: string;
let browser: Browser | undefined;
let server: StaticServer | undefined;
let page: Page;
/** Requests to anything but the local server: aborted, and none may be attempted. */
const offOrigin: string[] = [];
let current: Visit = { consoleErrors: [] };

const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;
const text = (s: string | null | undefined): string => (s ?? '').replace(/\s+/g, ' ').trim();

async function visit(path: string, shot?: string): Promise<Page> {
  current = { consoleErrors: [] };
  const response = await page.goto(`${server?.origin ?? ''}/${path}`, { waitUntil: 'load' });
  expect(response?.status(), path).toBe(200);
  if (SCREENSHOTS && shot) {
    await mkdir(SCREENSHOTS, { recursive: true });
    await writeFile(join(SCREENSHOTS, `${shot}.png`), await page.screenshot({ fullPage: true }));
  }
  return page;
}

/** What every page must satisfy once loaded. */
async function expectCleanPage(path: string): Promise<void> {
  const facts = await page.evaluate(() => ({
    charset: document.characterSet,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    images: [...document.images].map((i) => ({
      src: i.src,
      ok: i.complete && i.naturalWidth > 0 && i.naturalHeight > 0,
    })),
    title: document.title,
  }));
  expect(facts.charset, `${path} declares its encoding`).toBe('UTF-8');
  expect(facts.title, `${path} has a title`).not.toBe('');
  expect(facts.overflow, `${path} fits the window without scrolling sideways`).toBeLessThanOrEqual(0);
  expect(
    facts.images.filter((i) => !i.ok),
    `${path} images load`,
  ).toEqual([]);
  expect(current.consoleErrors, `${path} console errors`).toEqual([]);
  expect(offOrigin, 'requests off the local server').toEqual([]);
}

/** The rendered size of every bar of every chart (`role="img"`) on the page. */
async function chartBars(): Promise<{ label: string; bars: { width: number; height: number }[] }[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('[role="img"]')].map((chart) => ({
      label: chart.getAttribute('aria-label') ?? '',
      bars: [...chart.querySelectorAll('[data-bar]')].map((bar) => {
        const box = bar.getBoundingClientRect();
        return { width: box.width, height: box.height };
      }),
    })),
  );
}

beforeAll(async () => {
  browser = await launchChromium();
  out = await mkdtemp(join(tmpdir(), 'trueup-browser-'));
  DATA = join(out, '..', `${out.split(/[\\/]/).at(-1) ?? 'x'}-data`);
  await cp(FIXTURE_DATA, DATA, { recursive: true });
  const settings = await readJson<Record<string, unknown>>(join(DATA, 'trueup.json'));
  await writeFile(join(DATA, 'trueup.json'), JSON.stringify({ ...settings, receipts: { enabled: true } }));
  await simulate({ data: DATA, from: FROM, to: TO, out });
  server = await serveFolder(out);
  const origin = server.origin;
  await browser.context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`)) return route.continue();
    offOrigin.push(url);
    return route.abort('blockedbyclient');
  });
  page = await browser.context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') current.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => current.consoleErrors.push(error.message));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (out) await rm(out, { recursive: true, force: true });
  if (DATA !== FIXTURE_DATA) await rm(DATA, { recursive: true, force: true });
});

const clientNames = async (): Promise<Map<string, string>> =>
  new Map(
    (await readFile(join(DATA, 'clients.csv'), 'utf8'))
      .trim()
      .split(/\r?\n/)
      .slice(1)
      .map((row) => row.split(','))
      .map(([id, name]) => [id ?? '', name ?? '']),
  );

describe('the outputs of trueup simulate in headless Chromium', () => {
  it('index page: lists every invoice and report, and every link resolves on the local server', async () => {
    await visit('index.html', 'index');
    await expectCleanPage('index.html');
    const settings = await readJson<{ msp: { name: string } }>(join(DATA, 'trueup.json'));
    expect(text(await page.textContent('h1'))).toBe(`TrueUp — ${settings.msp.name}`);

    const hrefs = await page.evaluate(() => [...document.querySelectorAll('a[href]')].map((a) => a.href ?? ''));
    const local = `${server?.origin ?? ''}/`;
    expect(
      hrefs.filter((h) => !h.startsWith(local)),
      'links off the output folder',
    ).toEqual([]);
    const paths = new Set(hrefs.map((h) => h.slice(local.length)));

    const invoices = (await readdir(join(out, 'invoices')))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5));
    const periods = (await readdir(join(out, 'reconciliation'))).map((f) => f.slice(0, -5));
    const emails = await readdir(join(out, 'emails'));
    expect(invoices.length).toBeGreaterThan(10);
    expect(periods).toEqual(['2025-01', '2025-02']);
    const expected = [
      ...invoices.flatMap((n) => ['pdf', 'html', 'json'].map((ext) => `invoices/${n}.${ext}`)),
      ...periods.flatMap((p) => [
        `reconciliation/${p}.json`,
        `reports/reconciliation-${p}.html`,
        `reports/discrepancies-${p}.csv`,
      ]),
      `reports/aging-${TO}.html`,
      `reports/aging-${TO}.csv`,
      `reports/unapplied-payments-${TO}.csv`,
      'notifications.json',
      ...emails.map((f) => `emails/${f}`),
    ];
    expect([...paths].sort()).toEqual([...new Set(expected)].sort());

    // Each invoice's row shows its client by name, period, total and balance as in its JSON, and
    // its status as of --to: "overdue" for an unpaid one past its due date.
    const names = await clientNames();
    const rows = await page.evaluate(() =>
      [...document.querySelectorAll('tr')].map((r) => Array.from(r.children, (c) => c.textContent ?? '')),
    );
    const jsons: InvoiceJson[] = [];
    for (const number of invoices) {
      const json = await readJson<InvoiceJson>(join(out, 'invoices', `${number}.json`));
      jsons.push(json);
      const late = json.status !== 'paid' && json.dueDate < TO;
      const status = late
        ? json.status === 'partially_paid'
          ? 'overdue (partially paid)'
          : 'overdue'
        : json.status.replace(/_/g, ' ');
      expect(rows, number).toContainEqual([
        number,
        names.get(json.clientId),
        json.period,
        json.issueDate,
        json.dueDate,
        `${json.total} ${json.currency}`,
        json.balance,
        status,
        'HTML · JSON',
      ]);
    }
    const shown = rows.filter((r) => invoices.includes(r[0] ?? '')).map((r) => r[7]);
    expect(shown).toContain('overdue');
    expect(shown).toContain('open'); // not yet due: open, not overdue
    expect(shown).toContain('paid');

    // Totals per currency: billed, collected and outstanding add up the invoices' JSON.
    const cents = (s: string): bigint => BigInt(s.replace('.', ''));
    const format = (v: bigint, like: string): string => {
      const places = like.split('.')[1]?.length ?? 0;
      const digits = (v < 0n ? -v : v).toString().padStart(places + 1, '0');
      return `${v < 0n ? '-' : ''}${places ? `${digits.slice(0, -places)}.${digits.slice(-places)}` : digits}`;
    };
    for (const currency of [...new Set(jsons.map((j) => j.currency))]) {
      const mine = jsons.filter((j) => j.currency === currency);
      const billed = mine.reduce((s, j) => s + cents(j.total), 0n);
      const outstanding = mine.reduce((s, j) => s + (cents(j.balance) > 0n ? cents(j.balance) : 0n), 0n);
      const collected = mine.reduce((s, j) => s + cents(j.total) - cents(j.balance), 0n);
      const like = mine[0]?.total ?? '0';
      expect(rows, `${currency} totals`).toContainEqual(
        expect.arrayContaining([currency, format(billed, like), format(collected, like), format(outstanding, like)]),
      );
    }

    // Receipts are on in this data folder: they are listed among the emails.
    const receipts = rows.filter((r) => r[1] === 'receipt');
    expect(receipts.length).toBeGreaterThan(5);
    expect(receipts.every((r) => r[3]?.startsWith('Receipt: payment of'))).toBe(true);

    // On a phone the page itself never scrolls sideways; wide tables scroll in their own box.
    await page.setViewportSize(PHONE);
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
      'index.html at 390 px',
    ).toBeLessThanOrEqual(0);
    if (SCREENSHOTS) await writeFile(join(SCREENSHOTS, 'index-phone.png'), await page.screenshot({ fullPage: true }));
    await page.setViewportSize(DESKTOP);

    for (const href of hrefs) {
      const response = await fetch(href);
      expect(response.status, href).toBe(200);
      const body = Buffer.from(await response.arrayBuffer());
      expect(body.length, href).toBeGreaterThan(0);
      if (href.endsWith('.pdf')) expect(body.subarray(0, 5).toString('latin1'), href).toBe('%PDF-');
    }

    // Follow one link as a person would: the first invoice's HTML page opens.
    const first = invoices.sort()[0] ?? '';
    await Promise.all([page.waitForURL(`**/invoices/${first}.html`), page.click(`a[href="invoices/${first}.html"]`)]);
    expect(text(await page.textContent('.meta'))).toContain(first);
  });

  it('invoice pages: number, client, dates, lines and totals equal to the invoice JSON', async () => {
    const clients = await clientNames();
    const numbers = (await readdir(join(out, 'invoices')))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort();
    for (const [index, number] of numbers.entries()) {
      const json = await readJson<InvoiceJson>(join(out, 'invoices', `${number}.json`));
      const path = `invoices/${number}.html`;
      await visit(path, index === 0 ? 'invoice' : undefined);
      await expectCleanPage(path);
      const shown = await page.evaluate(() => ({
        title: document.title,
        meta: Object.fromEntries(
          [...document.querySelectorAll('.meta tr')].map((r) => [
            r.querySelector('th')?.textContent,
            r.querySelector('td')?.textContent,
          ]),
        ),
        billTo: document.querySelector('.billto')?.textContent ?? '',
        lines: [...document.querySelectorAll('table.lines tbody tr:not(.group)')].map((r) => {
          const cells = [...r.querySelectorAll('td')];
          const description = cells[0]?.firstChild?.textContent ?? '';
          return {
            description,
            quantity: cells[1]?.textContent ?? '',
            unitPrice: cells[2]?.textContent ?? '',
            amount: cells[3]?.textContent ?? '',
          };
        }),
        totals: Object.fromEntries(
          [...document.querySelectorAll('.totals tr')].map((r) => [
            r.querySelector('th')?.textContent,
            r.querySelector('td')?.textContent,
          ]),
        ),
      }));
      expect(shown.title, path).toContain(number);
      // Dates and money for people, in the settings' locale (the conformance folder sets none: en-US).
      const f = formatsFor();
      expect(shown.meta, path).toMatchObject({
        'Invoice number': number,
        'Issue date': f.date(json.issueDate),
        'Due date': f.date(json.dueDate),
      });
      expect(shown.meta['Billing period'], path).toBe(f.period(json.period));
      expect(text(shown.billTo), path).toContain(clients.get(json.clientId));
      expect(text(shown.billTo), path).toContain(`Client ID: ${json.clientId}`);

      // The page groups lines by kind; as a multiset they are the JSON's lines (numbers without
      // their thousands separators, quantities at the 4 decimals the page shows).
      const plain = (s: string): string => new Dec(s.replace(/,/g, '')).toString();
      const shownKey = (l: { description: string; quantity: string; unitPrice: string; amount: string }): string =>
        [text(l.description), plain(l.quantity), plain(l.unitPrice), l.amount.replace(/,/g, '')].join(' | ');
      const jsonKey = (l: InvoiceJson['lines'][number]): string =>
        [
          text(lineDescription({ kind: l.kind as InvoiceLineKind, description: l.description }, json.currency, f)),
          new Dec(l.quantity).toDecimalPlaces(4).toString(),
          new Dec(l.unitPrice).toString(),
          l.amount,
        ].join(' | ');
      expect(shown.lines.map(shownKey).sort(), path).toEqual(json.lines.map(jsonKey).sort());
      expect(shown.totals, path).toMatchObject({
        Subtotal: f.money(new Dec(json.subtotal), json.currency),
        Total: f.moneyWithCode(new Dec(json.total), json.currency),
      });
      expect(Object.entries(shown.totals).find(([label]) => label?.startsWith('Tax '))?.[1], path).toBe(
        f.money(new Dec(json.tax), json.currency),
      );

      // On a phone (opened from the invoice email) it still fits the screen's width.
      await page.setViewportSize(PHONE);
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
        `${path} on a phone`,
      ).toBeLessThanOrEqual(0);
      if (SCREENSHOTS && index === 0)
        await writeFile(join(SCREENSHOTS, 'invoice-phone.png'), await page.screenshot({ fullPage: true }));
      await page.setViewportSize(DESKTOP);
    }
  });

  it('reconciliation reports: headline figures of the reconciliation JSON, the trend chart and the tables', async () => {
    const periods = (await readdir(join(out, 'reconciliation'))).map((f) => f.slice(0, -5)).sort();
    for (const [index, period] of periods.entries()) {
      const json = await readJson<{
        metrics: { pairs: number; discrepancies: number; discrepancyRate: string };
        discrepancies: unknown[];
      }>(join(out, 'reconciliation', `${period}.json`));
      const path = `reports/reconciliation-${period}.html`;
      await visit(path, `reconciliation-${period}`);
      await expectCleanPage(path);
      expect(text(await page.textContent('h1'))).toBe(`Reconciliation report ${period}`);
      const rate = `${new Dec(json.metrics.discrepancyRate).times(100).toFixed(2)}%`;
      expect(text(await page.textContent('body'))).toContain(
        `${json.metrics.pairs} pairs, ${json.metrics.discrepancies} discrepancies, discrepancy rate ${rate}`,
      );

      const charts = await chartBars();
      expect(charts, path).toHaveLength(1);
      expect(charts[0]?.bars, path).toHaveLength(index + 1);
      for (const bar of charts[0]?.bars ?? [])
        expect(bar.width > 0 && bar.height > 0, `${path} bar ${JSON.stringify(bar)}`).toBe(true);

      // The "By type" counts add up to the discrepancies listed in the JSON.
      const byType = await page.evaluate(() => {
        const table = [...document.querySelectorAll('h2')].find((h) => h.textContent === 'By type')?.nextElementSibling;
        return [...(table?.querySelectorAll('tr') ?? [])]
          .slice(1)
          .map((r) => Number(Array.from(r.children)[1]?.textContent));
      });
      expect(
        byType.reduce((a, b) => a + b, 0),
        path,
      ).toBe(json.discrepancies.length);
    }
  });

  it('aging report: per-currency open totals and buckets as in the aging CSV, one chart per currency', async () => {
    const csv = (await readFile(join(out, 'reports', `aging-${TO}.csv`), 'utf8'))
      .trim()
      .split(/\r?\n/)
      .map((r) => r.split(','));
    const totals = csv.filter((r) => r[0] === 'TOTAL');
    expect(totals.length).toBeGreaterThan(1);
    const path = `reports/aging-${TO}.html`;
    await visit(path, 'aging');
    await expectCleanPage(path);
    expect(text(await page.textContent('h1'))).toBe(`AR aging as of ${TO}`);
    const body = text(await page.textContent('body'));
    const tableTotals = await page.evaluate(() =>
      [...document.querySelectorAll('tr')]
        .map((r) => Array.from(r.children, (c) => c.textContent ?? ''))
        .filter((cells) => cells[0] === 'TOTAL'),
    );
    for (const [, , currency = '', ...amounts] of totals) {
      expect(body, `${currency} headline`).toContain(`${currency} ${amounts.at(-1) ?? ''} open`);
      expect(tableTotals, `${currency} total row`).toContainEqual(['TOTAL', currency, ...amounts]);
    }

    const charts = await chartBars();
    expect(charts.map((c) => c.label)).toEqual(totals.map((t) => expect.stringContaining(t[2] ?? '') as unknown));
    for (const chart of charts) {
      expect(chart.bars.length, chart.label).toBeGreaterThan(0);
      for (const bar of chart.bars)
        expect(bar.width > 0 && bar.height > 0, `${chart.label} bar ${JSON.stringify(bar)}`).toBe(true);
    }
  });
});

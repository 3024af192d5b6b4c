/**
 * A client pays an invoice online, as a person would, on the embedded stand-in: the invoice
 * page from `trueup simulate` (payments and receipts on) is opened in headless Chromium, its
 * Pay button followed to the payments endpoint, which hands over to the local Stripe
 * stand-in's checkout page; its Pay button posts the signed webhooks back. Then: both webhooks
 * were accepted, the money was applied once, the client got a receipt, the Pay link now says
 * the invoice is paid, and dunning no longer writes about it.
 *
 * Everything is on 127.0.0.1: the output folder's static server, the payments endpoint and the
 * Stripe stand-in; any other request is aborted and fails the test.
 */
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvoiceJson } from '../../functions/app/invoice-json.js';
import { runDunning } from '../../functions/app/run-dunning.js';
import { addDays } from '../../functions/domain/dates.js';
import { Dec, formatMoney } from '../../functions/domain/money.js';
import { simulate } from '../../functions/local-runner/simulate.js';
import type { LocalRuntime } from '../../functions/local-runner/local-runtime.js';
import { launchChromium, serveFolder, type Browser, type StaticServer } from './chromium.js';

const FIXTURE_DATA = join(import.meta.dirname, '../fixtures/conformance/data');
/** The billing run of 2025-02-01 issues the invoices; nothing is due yet on --to. */
const FROM = '2025-01-30';
const TO = '2025-02-02';

let root: string;
let out: string;
let runtime: LocalRuntime | undefined;
let browser: Browser | undefined;
let server: StaticServer | undefined;
const offMachine: string[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trueup-pay-'));
  const data = join(root, 'data');
  out = join(root, 'out');
  await cp(FIXTURE_DATA, data, { recursive: true });
  const settings = JSON.parse(await readFile(join(data, 'trueup.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(
    join(data, 'trueup.json'),
    JSON.stringify({ ...settings, receipts: { enabled: true }, payments: { methods: ['card'] } }),
  );
  const result = await simulate({ data, from: FROM, to: TO, out, keepRunning: true });
  runtime = result.runtime;
  runtime?.payments?.live(); // as `trueup local` and the demo's --serve: webhooks delivered as they come
  server = await serveFolder(out);
  browser = await launchChromium();
  await browser.context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') return route.continue();
    offMachine.push(url.href);
    return route.abort('blockedbyclient');
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await runtime?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

/** The first invoice of the run with money to pay, from its JSON. */
async function openInvoice(): Promise<InvoiceJson> {
  for (const name of (await readdir(join(out, 'invoices'))).filter((n) => n.endsWith('.json')).sort()) {
    const invoice = JSON.parse(await readFile(join(out, 'invoices', name), 'utf8')) as InvoiceJson;
    if (invoice.status === 'open' && new Dec(invoice.balance).greaterThan(0)) return invoice;
  }
  throw new Error('The run issued no open invoice');
}

async function until<T>(what: string, read: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('paying an invoice from its Pay button', () => {
  it('pays once, sends a receipt, shows the invoice paid and stops its dunning', async () => {
    const deps = runtime!.deps;
    const invoice = await openInvoice();
    const page = await browser!.context.newPage();

    // The invoice page, served from the output folder as a person would open it.
    await page.goto(`${server!.origin}/invoices/${invoice.number}.html`);
    const pay = page.locator('a.pay');
    await expect(pay.textContent()).resolves.toContain(`Pay ${invoice.currency}`);
    await Promise.all([page.waitForURL(/\/c\/pay\//), pay.click()]);

    // The stand-in's checkout page asks for the balance, then its Pay button completes it.
    await expect(page.locator('body').textContent()).resolves.toContain(invoice.number);
    await Promise.all([page.waitForURL(new RegExp(`/paid/${invoice.number}$`)), page.locator('#pay').click()]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Thank you for your payment');

    // Applied once, by the first of the two webhooks; the second was a duplicate of the same money.
    const paid = await until('the payment to be applied', async () => {
      const account = await deps.ledger.getInvoice(invoice.number);
      return account && account.paymentCount > 0 ? account : undefined;
    });
    expect(paid.paymentCount).toBe(1);
    expect(formatMoney(paid.paid, invoice.currency)).toBe(invoice.total);
    const events = await until('both webhooks to be handled', async () => {
      const all = (await deps.ledger.listProviderEvents()).filter((e) => e.invoiceNumber === invoice.number);
      return all.length === 2 ? all : undefined;
    });
    expect(events.map((e) => e.type).sort()).toEqual(['checkout.session.completed', 'payment_intent.succeeded']);
    expect(new Set(events.map((e) => e.outcome)).size).toBe(1); // both name the same payment

    // The receipt reached the client's inbox, once.
    const receipts = await until('the receipt email', async () => {
      const sent = (await runtime!.aws.sentEmails()).filter(
        (m) => m.subject.includes(invoice.number) && /receipt/i.test(m.subject),
      );
      return sent.length > 0 ? sent : undefined;
    });
    expect(receipts).toHaveLength(1);

    // The Pay link now says there is nothing left to pay.
    await page.goto(`${server!.origin}/invoices/${invoice.number}.html`);
    await Promise.all([page.waitForLoadState('load'), page.locator('a.pay').click()]);
    await expect(page.locator('h1').textContent()).resolves.toBe(`Invoice ${invoice.number} is paid`);

    // Dunning on the due date and after writes to others, never about this invoice.
    for (const day of [invoice.dueDate, addDays(invoice.dueDate, 7)]) await runDunning(deps, { today: day });
    const dunned = (await deps.ledger.sentLog())
      .concat(await deps.ledger.pendingOutbox())
      .filter((e) => e.kind === 'dunning');
    expect(dunned.length).toBeGreaterThan(0);
    expect(dunned.flatMap((e) => e.invoices.map((i) => i.number))).not.toContain(invoice.number);
    expect(offMachine).toEqual([]);
    await page.close();
  }, 120_000);
});

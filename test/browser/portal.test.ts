/**
 * A client uses the portal as a person would, on the embedded stand-in: `trueup simulate` with
 * `portal` and `payments` on, the portal link taken from an invoice email in the local SES
 * inbox and opened in headless Chromium. The client sees the balance and the invoice, opens its
 * PDF, pays it from the portal through the local Stripe stand-in, and another client questions
 * an invoice (disputed, the billing team emailed once). A client's token is refused on another
 * client's invoice. axe-core finds nothing serious or critical on the portal pages, and at 390 px
 * wide nothing scrolls sideways.
 *
 * Everything is on 127.0.0.1; any other request is aborted and fails the test.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkMessageSchema } from '../../functions/app/messages.js';
import { handleWorkMessage } from '../../functions/app/work-messages.js';
import type { SentEmail } from '../../functions/adapters/local/ses-local.js';
import { simulate } from '../../functions/local-runner/simulate.js';
import type { LocalRuntime } from '../../functions/local-runner/local-runtime.js';
import { launchChromium, type Browser } from './chromium.js';

const FIXTURE_DATA = join(import.meta.dirname, '../fixtures/conformance/data');
/** The billing run of 2025-02-01 issues the invoices; nothing is due yet on --to. */
const FROM = '2025-01-30';
const TO = '2025-02-02';

const AXE_SOURCE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let root: string;
let runtime: LocalRuntime | undefined;
let browser: Browser | undefined;
const offMachine: string[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trueup-portal-browser-'));
  const data = join(root, 'data');
  await cp(FIXTURE_DATA, data, { recursive: true });
  const settings = JSON.parse(await readFile(join(data, 'trueup.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(
    join(data, 'trueup.json'),
    JSON.stringify({ ...settings, payments: { methods: ['card'] }, portal: { linkDays: 30 } }),
  );
  runtime = (await simulate({ data, from: FROM, to: TO, out: join(root, 'out'), keepRunning: true })).runtime;
  runtime?.payments?.live(); // as `trueup local`: webhooks delivered as they come
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
  await runtime?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

/** The invoice emails in the local SES inbox, by client id (from the portal link they carry). */
async function invoiceEmails(): Promise<{ email: SentEmail; number: string; link: string; clientId: string }[]> {
  return (await runtime!.aws.sentEmails())
    .filter((m) => /^Invoice \S+ from /.test(m.subject)) // not the billing team's `Invoice questioned:`
    .map((email) => {
      const link = /href="(http:\/\/127\.0\.0\.1:\d+\/portal\/[^"]+)"/
        .exec(email.html ?? '')![1]!
        .replace(/&amp;/g, '&');
      return {
        email,
        number: /^Invoice (\S+) from/.exec(email.subject)![1]!,
        link,
        clientId: decodeURIComponent(new URL(link).pathname.split('/')[2]!),
      };
    })
    .sort((a, b) => (a.number < b.number ? -1 : 1));
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

/** axe-core's serious and critical findings on the page (its source evaluated: the CSP allows no script tag). */
async function seriousFindings(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run(): Promise<{ violations: { id: string; impact?: string; nodes: unknown[] }[] }> };
      }
    ).axe;
    return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact ?? '', nodes: v.nodes.length }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.nodes})`);
}

async function scrollsSideways(page: Page): Promise<boolean> {
  await page.setViewportSize({ width: 390, height: 844 });
  // A string, evaluated in the page: the tests are compiled without the DOM's types.
  const wider = (await page.evaluate('document.documentElement.scrollWidth > window.innerWidth')) as boolean;
  await page.setViewportSize({ width: 1280, height: 900 });
  return wider;
}

async function drainWork(): Promise<void> {
  await runtime!.drain(runtime!.queues.work, WorkMessageSchema, (m) => handleWorkMessage(runtime!.deps, m));
}

describe('the client portal in a browser', () => {
  it('shows the balance and invoice, serves the PDF, pays from the portal, and is accessible at 390 px', async () => {
    const [mine] = await invoiceEmails();
    const page = await browser!.context.newPage();

    // The link from the email opens the client's home: the balance and the open invoice.
    await page.goto(mine!.link);
    await expect(page.locator('h1').textContent()).resolves.toBeTruthy();
    const home = (await page.locator('main').textContent()) ?? '';
    expect(home).toContain('Balance');
    expect(home).toContain(mine!.number);
    expect(await seriousFindings(page)).toEqual([]);
    expect(await scrollsSideways(page)).toBe(false);

    // The invoice's page, its PDF as stored.
    await Promise.all([page.waitForURL(/\/invoices\//), page.locator(`a:text-is("${mine!.number}")`).click()]);
    await expect(page.locator('h1').textContent()).resolves.toBe(`Invoice ${mine!.number}`);
    expect(await seriousFindings(page)).toEqual([]);
    expect(await scrollsSideways(page)).toBe(false);
    const pdfHref = await page.locator('a:text-is("Download PDF")').getAttribute('href');
    const pdf = await page.request.get(new URL(pdfHref!, page.url()).href);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');

    // Pay from the portal: the payments endpoint, the stand-in's checkout, its Pay button.
    await Promise.all([page.waitForURL(/\/c\/pay\//), page.locator('a.button', { hasText: 'Pay' }).click()]);
    await expect(page.locator('body').textContent()).resolves.toContain(mine!.number);
    await Promise.all([page.waitForURL(new RegExp(`/paid/${mine!.number}$`)), page.locator('#pay').click()]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Thank you for your payment');
    await until('the payment to be applied', async () => {
      const account = await runtime!.deps.ledger.getInvoice(mine!.number);
      return account && account.paymentCount > 0 ? account : undefined;
    });

    // Back in the portal, the invoice is under the paid ones, and the payment is listed.
    await page.goto(mine!.link);
    const after = (await page.locator('main').textContent()) ?? '';
    const paid = after.slice(after.indexOf('Paid invoices'), after.indexOf('Credit notes'));
    expect(paid).toContain(mine!.number);
    expect(after.slice(after.indexOf('Payments'))).not.toContain('No payments received yet');
    expect(offMachine).toEqual([]);
    await page.close();
  }, 120_000);

  it('questions an invoice: marked disputed, the billing team emailed once, the form gone', async () => {
    const [, theirs] = await invoiceEmails();
    const page = await browser!.context.newPage();
    await page.goto(theirs!.link);
    await Promise.all([page.waitForURL(/\/invoices\//), page.locator(`a:text-is("${theirs!.number}")`).click()]);
    await page.locator('#reason').fill('We cancelled two seats in December.');
    await Promise.all([page.waitForURL(/questioned=1/), page.locator('button[type=submit]').click()]);
    await expect(page.locator('[role=status]').textContent()).resolves.toContain('we received your question');
    expect(await page.locator('#reason').count()).toBe(0);
    expect(await seriousFindings(page)).toEqual([]);

    // Asking again (a resent form) changes nothing and sends nothing more.
    const token = new URL(theirs!.link).searchParams.get('t')!;
    const origin = new URL(theirs!.link).origin;
    const again = await page.request.post(`${origin}/portal/${theirs!.clientId}/invoices/${theirs!.number}/question`, {
      headers: { origin },
      form: { t: token, reason: 'Again' },
      maxRedirects: 0,
    });
    expect(again.status()).toBe(303);
    await drainWork();

    const account = await runtime!.deps.ledger.getInvoice(theirs!.number);
    expect(account?.disputedOn).toBe(TO);
    expect(account?.disputeReason).toContain('We cancelled two seats in December.');
    const alerts = (await runtime!.aws.sentEmails()).filter((m) => m.subject.startsWith('Invoice questioned:'));
    const name = (await runtime!.deps.ledger.loadReferenceData())!.clients.find(
      (c) => c.clientId === theirs!.clientId,
    )!.name;
    expect(alerts.map((m) => m.subject)).toEqual([
      `Invoice questioned: ${theirs!.number} by ${name} — Osprey Networks`,
    ]);
    expect(offMachine).toEqual([]);
    await page.close();
  }, 60_000);

  it("refuses a client's token on another client's invoice", async () => {
    const [mine, theirs] = await invoiceEmails();
    const page = await browser!.context.newPage();
    const token = new URL(mine!.link).searchParams.get('t')!;
    const origin = new URL(mine!.link).origin;

    const underMine = await page.goto(
      `${origin}/portal/${encodeURIComponent(mine!.clientId)}/invoices/${theirs!.number}?t=${token}`,
    );
    expect(underMine?.status()).toBe(404);
    expect(await page.locator('main').textContent()).not.toContain(theirs!.number);

    const underTheirs = await page.goto(
      `${origin}/portal/${encodeURIComponent(theirs!.clientId)}/invoices/${theirs!.number}?t=${token}`,
    );
    expect(underTheirs?.status()).toBe(403);
    await expect(page.locator('h1').textContent()).resolves.toBe('This link is not valid');
    expect(await seriousFindings(page)).toEqual([]);
    await page.close();
  }, 60_000);
});

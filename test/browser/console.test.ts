/**
 * The billing team's console in headless Chromium, on the embedded stand-in (docs/console.md):
 * the conformance data simulated in hold mode (drafts await review, discrepancies are open),
 * served by the local web server as `trueup local` serves it. A person approves drafts, resolves
 * a discrepancy with a note, drills from an invoice line to the vendor rows behind it, and
 * reads the audit log; every page passes axe-core with no serious or critical violation and
 * does not scroll sideways at 390 px. Any request off 127.0.0.1 fails the test.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { simulate } from '../../functions/local-runner/simulate.js';
import type { LocalRuntime } from '../../functions/local-runner/local-runtime.js';
import { serveConsole } from '../../functions/local-runner/serve-console.js';
import type { WebServer } from '../../functions/adapters/local/web-server.js';
import { launchChromium, type Browser } from './chromium.js';

const FIXTURE_DATA = join(import.meta.dirname, '../fixtures/conformance/data');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let root: string;
let runtime: LocalRuntime | undefined;
let web: WebServer | undefined;
let browser: Browser | undefined;
let axeSource = '';
const offMachine: string[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trueup-console-'));
  const data = join(root, 'data');
  await cp(FIXTURE_DATA, data, { recursive: true });
  const settings = JSON.parse(await readFile(join(data, 'trueup.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(
    join(data, 'trueup.json'),
    JSON.stringify({ ...settings, invoice: { ...(settings.invoice as object), review: 'hold' } }),
  );
  // K-003 is held with a reason; the others wait for a person.
  await writeFile(
    join(data, 'approvals.csv'),
    'date,period,client_id,hold_reason\n2025-02-02,2025-01,K-003,PO number missing\n',
  );
  const result = await simulate({
    data,
    from: '2025-01-28',
    to: '2025-02-02',
    out: join(root, 'out'),
    keepRunning: true,
  });
  runtime = result.runtime;
  web = await serveConsole(runtime!, { id: 'ann', role: 'admin' });
  axeSource = await readFile(AXE, 'utf8');
  browser = await launchChromium();
  await browser.context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') return route.continue();
    offMachine.push(url.href);
    return route.abort('blockedbyclient');
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await runtime?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's serious and critical violations on the page (its source evaluated by the driver: the page's CSP allows no inline script). */
async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(axeSource);
  const violations = (await page.evaluate(
    'window.axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)',
  )) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function flash(page: Page): Promise<string> {
  return (await page.locator('.flash').textContent()) ?? '';
}

describe('the console in a browser', () => {
  let invoiceNumber = '';
  let linePath = '';

  it('approves the drafts awaiting review', async () => {
    const page = await browser!.context.newPage();
    await page.goto(`${web!.url}/drafts`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Drafts of 2025-01');
    await expect(page.locator('body').textContent()).resolves.toContain('PO number missing');
    await Promise.all([page.waitForURL(/flash=/), page.getByRole('button', { name: /Approve all/ }).click()]);
    const message = await flash(page);
    expect(message).toMatch(
      /^Approved 10 draft\(s\) of 2025-01: OSP-(\d{4})-000001, .*OSP-\1-000010\. 1 held draft\(s\) left alone\.$/,
    );
    const invoices = await runtime!.deps.ledger.listInvoices();
    expect(invoices).toHaveLength(10);
    // An invoice with a line that comes from vendor usage.
    for (const account of invoices) {
      const n = account.invoice.lines.findIndex(
        (l) => ['true_up', 'credit', 'usage'].includes(l.kind) && l.sku && l.period,
      );
      if (n >= 0) {
        invoiceNumber = account.invoice.number;
        linePath = `/invoices/${invoiceNumber}/lines/${n + 1}`;
        break;
      }
    }
    expect(linePath).not.toBe('');
    await page.close();
  });

  it('resolves a discrepancy with a note', async () => {
    const page = await browser!.context.newPage();
    await page.goto(`${web!.url}/discrepancies?status=open`);
    const box = page.locator('input[type=checkbox][name=id]').first();
    const id = (await box.getAttribute('value')) ?? '';
    await box.check();
    await page.getByLabel('Action').selectOption('resolve');
    await page.getByLabel('Note').fill('Checked with the vendor: correct');
    await Promise.all([page.waitForURL(/flash=/), page.getByRole('button', { name: 'Apply' }).click()]);
    expect(await flash(page)).toBe(`1 discrepancy resolved: ${id}.`);
    const stored = (await runtime!.deps.ledger.listDiscrepancies()).find((d) => d.id === id);
    expect([stored?.status, stored?.note, stored?.by]).toEqual(['resolved', 'Checked with the vendor: correct', 'ann']);
    await page.close();
  });

  it('drills from an invoice line to the vendor rows behind it', async () => {
    const page = await browser!.context.newPage();
    await page.goto(`${web!.url}/invoices`);
    await Promise.all([
      page.waitForURL(new RegExp(`/invoices/${invoiceNumber}$`)),
      page.getByRole('link', { name: invoiceNumber, exact: true }).click(),
    ]);
    await Promise.all([page.waitForURL(new RegExp(`${linePath}$`)), page.locator(`a[href="${linePath}"]`).click()]);
    const rows = page.getByRole('table', { name: /Vendor rows/ });
    const text = (await rows.textContent()) ?? '';
    expect(text).toMatch(/cur2\.csv|pax8\.csv|rmm-export\.csv/);
    // The first row's line number is a line of that file.
    const firstLine = Number(await rows.locator('tbody tr').first().locator('td').nth(1).textContent());
    expect(firstLine).toBeGreaterThanOrEqual(2);
    await expect(page.getByRole('table', { name: 'Files' }).textContent()).resolves.toMatch(/[0-9a-f]{64}/);
    await page.close();
  });

  it('lists the actions in the audit log', async () => {
    const page = await browser!.context.newPage();
    await page.goto(`${web!.url}/audit`);
    const text = (await page.getByRole('table').textContent()) ?? '';
    expect(text).toContain('drafts.approve');
    expect(text).toContain('discrepancy.resolve');
    expect(text).toContain('Checked with the vendor: correct');
    expect(text).toContain('console');
    await page.close();
  });

  it('passes axe-core on every page and does not scroll sideways at 390 px', async () => {
    const pages = [
      '/',
      '/discrepancies',
      '/discrepancies?group=client',
      '/drafts',
      '/invoices',
      `/invoices/${invoiceNumber}`,
      linePath,
      '/credit-notes',
      '/payments',
      '/aging',
      '/usage',
      '/settings',
      '/audit',
      '/nope',
    ];
    const page = await browser!.context.newPage();
    const problems: string[] = [];
    for (const path of pages) {
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`${web!.url}${path}`);
      for (const v of await seriousViolations(page)) problems.push(`${path}: ${v}`);
      await page.setViewportSize({ width: 390, height: 844 });
      const overflow = (await page.evaluate(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      )) as number;
      if (overflow > 0) problems.push(`${path}: scrolls sideways by ${overflow}px at 390 px`);
      for (const v of await seriousViolations(page)) problems.push(`${path} at 390 px: ${v}`);
    }
    expect(problems).toEqual([]);
    expect(offMachine).toEqual([]);
    await page.close();
  }, 120_000);
});

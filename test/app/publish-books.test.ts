/**
 * The publisher on the in-memory ports and the fake accounting system: every document once,
 * however often the run repeats or dies halfway; a refusal recorded, reported once and retried
 * until fixed; what waits for what; transient errors; the totals check; and the status.
 */
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { applyPaymentNow } from '../../functions/app/apply-payments.js';
import { issueCreditNote } from '../../functions/app/credit-notes.js';
import {
  BooksNotWired,
  BooksPublishError,
  booksIdempotencyKey,
  booksRefusedEmailKey,
  booksStatus,
  publishBooks,
} from '../../functions/app/publish-books.js';
import { sendAgingReport } from '../../functions/app/send-reports.js';
import type { BooksPublishSettings } from '../../functions/domain/billing-types.js';
import { DEFAULT_ACCOUNTS } from '../../functions/domain/reference/settings.js';
import { FakeAccountingSystem } from '../fakes/fake-accounting-system.js';
import { memoryDeps, type MemoryDeps } from '../fakes/memory-ports.js';
import { client, d, product, reference, settings } from '../support/builders.js';
import { issuedInvoice } from '../support/invoices.js';

const INV1 = 'INV-2025-000001'; // C001, 100.00
const INV2 = 'INV-2025-000002'; // C002, 250.00
const EARLY = 'INV-2025-000000'; // C001, before `from`
const TODAY = '2025-02-20';
const PUBLISH: BooksPublishSettings = { system: 'xero', from: '2025-02-01' };

interface Setup {
  deps: MemoryDeps & { books: { system: FakeAccountingSystem } };
  books: FakeAccountingSystem;
}

/** Two clients, an invoice each in the window (one before it), a payment each, a credit note on INV1. */
async function setup(options: { publish?: BooksPublishSettings | null; books?: FakeAccountingSystem } = {}) {
  const books = options.books ?? new FakeAccountingSystem('xero');
  const base = memoryDeps();
  const deps = { ...base, books: { system: books } };
  const publish = options.publish === null ? undefined : (options.publish ?? PUBLISH);
  await deps.ledger.saveReferenceData(
    reference({
      clients: [client(), client({ clientId: 'C002', name: 'Client Two', billingEmails: ['ap@c2.example'] })],
      products: [product({ incomeAccount: '4100 Licensing' })],
      settings: settings({
        reports: { recipients: ['billing@msp.example'], agingWeekday: 1 },
        ...(publish ? { accounting: { ...DEFAULT_ACCOUNTS, publish } } : {}),
      }),
    }),
  );
  await deps.ledger.issueNumberedInvoice(
    issuedInvoice({ number: EARLY, period: '2024-12', issueDate: '2025-01-01' }),
    [],
  );
  await deps.ledger.issueNumberedInvoice(issuedInvoice({ number: INV1 }), []);
  await deps.ledger.issueNumberedInvoice(issuedInvoice({ number: INV2, clientId: 'C002', total: '250' }), []);
  const pay = (paymentId: string, invoiceNumber: string, amount: string) =>
    applyPaymentNow(
      deps,
      { paymentId, invoiceNumber, amount: d(amount), currency: 'USD', receivedOn: '2025-02-10' },
      '2025-02-10',
    );
  await pay('P-1', INV1, '40');
  await pay('P-2', INV2, '300'); // 50.00 above the balance: not published
  await pay('P-0', EARLY, '100'); // received in the window, on an invoice of before it
  await issueCreditNote(deps, {
    invoiceNumber: INV1,
    amount: d(10),
    reason: 'goodwill',
    today: '2025-02-12',
    by: 'alice',
    requestKey: 'cn-1',
  });
  deps.mailer.sent.length = 0;
  return { deps, books } satisfies Setup;
}

const status = async (deps: MemoryDeps, key: string) =>
  (await deps.ledger.listBooksRecords('xero')).find((r) => `${r.kind}#${r.key}` === key);
const refusedEmails = (deps: MemoryDeps) =>
  deps.mailer.sent.filter((m) => m.raw.includes('X-TrueUp-Key: books#refused#'));
/** The email's text part. */
const text = async (raw: string | undefined): Promise<string> => (await simpleParser(raw ?? '')).text ?? '';

describe('publishBooks', () => {
  it('publishes customers, invoices, credit notes and payments once, in that order; a re-run publishes nothing', async () => {
    const { deps, books } = await setup();
    books.created.push({ kind: 'invoice', key: EARLY, externalId: 'by-hand-1', refs: [] }); // keyed by hand
    const first = await publishBooks(deps, { today: TODAY });
    expect(first).toMatchObject({ enabled: true, published: 8, refused: 0, waiting: 0, warnings: 0, emailed: false });
    expect(books.created.slice(1).map((c) => `${c.kind}#${c.key}`)).toEqual([
      'customer#C001',
      'customer#C002',
      `invoice#${INV1}`,
      `invoice#${INV2}`,
      'credit_note#CN-2025-000001',
      'payment#P-0',
      'payment#P-1',
      'payment#P-2',
    ]);
    expect(books.created.find((c) => c.key === 'P-0')?.refs).toEqual(['by-hand-1']);
    expect(books.created.find((c) => c.key === 'P-2')?.total).toBe('250');
    expect(await status(deps, `invoice#${INV1}`)).toEqual({
      system: 'xero',
      kind: 'invoice',
      key: INV1,
      status: 'published',
      externalId: `invoice:${INV1}`,
      attempts: 1,
      firstTriedOn: TODAY,
      lastTriedOn: TODAY,
    });

    const calls = books.calls.length;
    const again = await publishBooks(deps, { today: '2025-02-21' });
    expect(again).toMatchObject({ published: 0, refused: 0, waiting: 0 });
    expect(books.calls.length).toBe(calls); // the log answers: not one call to the system
    expect(Object.values(books.counts()).every((n) => n === 1)).toBe(true);
  });

  it('finds a document created by a run that died before recording it, and creates no duplicate', async () => {
    const { deps, books } = await setup();
    books.failAfter('invoice', INV1); // applied, then the response is lost (a timeout)
    const error = await publishBooks(deps, { today: TODAY }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BooksPublishError);
    expect((error as Error).message).toMatch(/^1 document\(s\) could not be published .*invoice INV-2025-000001/);
    expect(await status(deps, `invoice#${INV1}`)).toBeUndefined();
    expect(await status(deps, 'payment#P-1')).toBeUndefined(); // C001's later documents wait
    expect((await status(deps, `invoice#${INV2}`))?.status).toBe('published'); // other clients go on
    expect((await status(deps, 'payment#P-2'))?.status).toBe('published');

    await publishBooks(deps, { today: TODAY });
    expect((await status(deps, `invoice#${INV1}`))?.externalId).toBe(`invoice:${INV1}`);
    expect((await status(deps, 'payment#P-1'))?.status).toBe('published');
    expect(books.counts()[`invoice#${INV1}`]).toBe(1);
  });

  it('creates nothing twice when the system cannot find what it just created: the idempotency key replays', async () => {
    const { deps, books } = await setup();
    books.failAfter('invoice', INV1).hideFromFind('invoice', INV1);
    await expect(publishBooks(deps, { today: TODAY })).rejects.toThrow(BooksPublishError);
    await publishBooks(deps, { today: TODAY });
    expect(books.counts()[`invoice#${INV1}`]).toBe(1);
    expect((await status(deps, `invoice#${INV1}`))?.status).toBe('published');
  });

  it('records a refusal, emails it once, retries it each run, and publishes it once fixed', async () => {
    const { deps, books } = await setup();
    books.refuse('invoice', INV1, 'Account code 4100 is not a valid code for this document.');
    const first = await publishBooks(deps, { today: TODAY });
    expect(first).toMatchObject({ refused: 1, emailed: true });
    expect(await status(deps, `invoice#${INV1}`)).toMatchObject({
      status: 'refused',
      message: 'Account code 4100 is not a valid code for this document.',
      attempts: 1,
      reportedOn: TODAY,
    });
    // The payment and the credit note applied to it wait behind it; nothing of them is recorded.
    expect(await status(deps, 'payment#P-1')).toBeUndefined();
    expect(await status(deps, 'credit_note#CN-2025-000001')).toBeUndefined();
    const [email] = refusedEmails(deps);
    expect(email?.to).toEqual(['billing@msp.example']);
    const body = await text(email?.raw);
    expect(body).toContain(`- Invoice ${INV1} (refused, 1 run(s) since ${TODAY})`);
    expect(body).toContain('  Xero: Account code 4100 is not a valid code for this document.');
    expect(body).toContain(
      "  To fix: Check the accounts (products.csv income_account, trueup.json accounting) and the tax in Xero's settings",
    );
    expect((await deps.ledger.getOutbox(booksRefusedEmailKey('xero', TODAY)))?.kind).toBe('books_refused');

    await publishBooks(deps, { today: TODAY }); // a retry the same day: the same run
    await publishBooks(deps, { today: '2025-02-21' }); // the next day: same message, not reported again
    expect(refusedEmails(deps)).toHaveLength(1);
    expect(await status(deps, `invoice#${INV1}`)).toMatchObject({ attempts: 2, lastTriedOn: '2025-02-21' });
    const waiting = await booksStatus(deps, { today: '2025-02-21' });
    expect(waiting.waiting.map((w) => [w.key, w.reason])).toEqual([
      ['CN-2025-000001', `waits for invoice ${INV1} (refused)`],
      ['P-0', expect.stringMatching(/^invoice INV-2025-000000 is dated before publish.from/)],
      ['P-1', `waits for invoice ${INV1} (refused)`],
    ]);

    books.fix('invoice', INV1);
    const fixed = await publishBooks(deps, { today: '2025-02-22' });
    expect(fixed).toMatchObject({ published: 3, refused: 0, waiting: 1 }); // P-0 still waits for its invoice of before `from`
    expect(await status(deps, `invoice#${INV1}`)).toMatchObject({
      status: 'published',
      attempts: 3,
      firstTriedOn: TODAY,
      lastTriedOn: '2025-02-22',
    });
    expect((await booksStatus(deps, { today: '2025-02-22' })).refused).toEqual([]);
  });

  it('reports a refusal again when its message changes, in the next day’s email', async () => {
    const { deps, books } = await setup();
    books.refuse('customer', 'C002', 'The contact name Client Two is already assigned to another contact.');
    await publishBooks(deps, { today: TODAY });
    books.refuse('customer', 'C002', 'Email address must be valid.');
    await publishBooks(deps, { today: TODAY }); // the day's email went: the new message waits for tomorrow
    expect(refusedEmails(deps)).toHaveLength(1);
    expect((await status(deps, 'customer#C002'))?.reportedOn).toBeUndefined();
    await publishBooks(deps, { today: '2025-02-21' });
    const emails = refusedEmails(deps);
    expect(emails).toHaveLength(2);
    expect(await text(emails[1]?.raw)).toContain('Customer C002 (refused, 2 run(s) since 2025-02-20)');
    expect(await text(emails[1]?.raw)).toContain('Xero: Email address must be valid.');
    expect(await text(emails[1]?.raw)).not.toContain(`Invoice ${INV2}`); // its documents wait, they are not refused
  });

  it('goes on with other clients past a transient error, sends no email, and throws at the end', async () => {
    const { deps, books } = await setup();
    books.failBefore('customer', 'C001').refuse('invoice', INV2, 'Invalid tax rate');
    const error = await publishBooks(deps, { today: TODAY }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BooksPublishError);
    expect((error as BooksPublishError).failures.map((f) => `${f.kind}#${f.key}`)).toEqual(['customer#C001']);
    expect((await deps.ledger.listBooksRecords('xero')).map((r) => `${r.kind}#${r.key}:${r.status}`)).toEqual([
      'customer#C002:published',
      `invoice#${INV2}:refused`,
    ]);
    expect(refusedEmails(deps)).toEqual([]); // the retry reports the run whole
    await publishBooks(deps, { today: TODAY });
    expect(refusedEmails(deps)).toHaveLength(1);
    expect((await status(deps, 'payment#P-1'))?.status).toBe('published');
  });

  it('records a different total as published with a warning, and reports it once', async () => {
    const { deps, books } = await setup();
    books.reportTotal('invoice', INV2, d('250.01'));
    const result = await publishBooks(deps, { today: TODAY });
    expect(result).toMatchObject({ warnings: 1, emailed: true });
    expect(await status(deps, `invoice#${INV2}`)).toMatchObject({
      status: 'published',
      warning: 'Xero total 250.01, TrueUp 250.00',
      reportedOn: TODAY,
    });
    expect(await text(refusedEmails(deps)[0]?.raw)).toContain(
      `- Invoice ${INV2} (published with a warning)\n  Xero: Xero total 250.01, TrueUp 250.00`,
    );
    await publishBooks(deps, { today: '2025-02-21' });
    expect(refusedEmails(deps)).toHaveLength(1);
  });

  it('publishes nothing dated before `from`, and a payment on such an invoice waits until the books hold it', async () => {
    const { deps, books } = await setup();
    await publishBooks(deps, { today: TODAY });
    expect(books.counts()[`invoice#${EARLY}`]).toBeUndefined();
    expect(await status(deps, 'payment#P-0')).toBeUndefined();
    const { waiting, notPublished } = await booksStatus(deps, { today: TODAY });
    expect(waiting.map((w) => [w.key, w.reason])).toEqual([
      [
        'P-0',
        `invoice ${EARLY} is dated before publish.from: the next run looks it up in the books (key it in by hand if it is not there)`,
      ],
    ]);
    expect(notPublished.map((n) => [n.kind, n.key, n.amount.toFixed(2)])).toEqual([['unapplied', 'P-2', '50.00']]);
  });

  it('documents dated after today wait for their day', async () => {
    const { deps, books } = await setup();
    await publishBooks(deps, { today: '2025-02-05' });
    expect(Object.keys(books.counts())).toEqual([
      'customer#C001',
      'customer#C002',
      `invoice#${INV1}`,
      `invoice#${INV2}`,
    ]);
  });

  it('does nothing without accounting.publish, and says so when no system is wired', async () => {
    const off = await setup({ publish: null });
    expect(await publishBooks(off.deps, { today: TODAY })).toMatchObject({ enabled: false, published: 0 });
    expect(off.books.calls).toEqual([]);
    const { deps } = await setup();
    await expect(publishBooks({ ...deps, books: undefined }, { today: TODAY })).rejects.toThrow(BooksNotWired);
    await expect(publishBooks({ ...deps, books: undefined }, { today: TODAY })).rejects.toThrow(
      'accounting.publish is set but no accounting system is wired (trueup.json names Xero',
    );
    await expect(
      publishBooks({ ...deps, books: { system: new FakeAccountingSystem('quickbooks') } }, { today: TODAY }),
    ).rejects.toThrow('accounting.publish names Xero but QuickBooks Online is wired');
  });

  it('keys each create by trueup-<kind>-<key>, hashed to 50 characters when longer', () => {
    expect(booksIdempotencyKey('invoice', INV1)).toBe('trueup-invoice-INV-2025-000001');
    const long = booksIdempotencyKey('payment', `pi_${'x'.repeat(60)}`);
    expect(long).toMatch(/^trueup-payment-[0-9a-f]{35}$/);
    expect(long).toHaveLength(50);
  });
});

describe('booksStatus and the aging report', () => {
  it('counts published, refused with their message, waiting and not published', async () => {
    const { deps, books } = await setup();
    books.refuse('invoice', INV1, 'Invalid account');
    await publishBooks(deps, { today: TODAY });
    const s = await booksStatus(deps, { today: TODAY });
    expect([s.system, s.from, s.published, s.waiting.length, s.notPublished.length]).toEqual([
      'xero',
      '2025-02-01',
      4,
      3,
      1,
    ]);
    expect(s.refused.map((r) => [r.key, r.message])).toEqual([[INV1, 'Invalid account']]);
  });

  it('lists the refused documents under "Not in the books" only when publishing is set', async () => {
    const { deps, books } = await setup();
    books.refuse('invoice', INV1, 'Invalid account');
    await publishBooks(deps, { today: TODAY });
    const { html } = await sendAgingReport(deps, { asOf: '2025-02-24', email: false });
    expect(html).toContain('<h2 style="font-size:16px">Not in the books</h2>');
    expect(html).toContain('Invalid account');

    const off = await setup({ publish: null });
    const plain = await sendAgingReport(off.deps, { asOf: '2025-02-24', email: false });
    expect(plain.html).not.toContain('Not in the books');
  });
});

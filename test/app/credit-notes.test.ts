/**
 * Credit notes and voids on the in-memory ports (no JVM): a note is numbered, recorded, rendered
 * and emailed once per request key; what goes above the balance is refused or kept as client
 * credit that the next invoice spends; a voided invoice owes nothing, is not dunned and turns
 * a later payment into unapplied money.
 */
import { describe, expect, it } from 'vitest';
import { applyDuePayments } from '../../functions/app/apply-payments.js';
import { issueCreditNote, voidInvoice } from '../../functions/app/credit-notes.js';
import { invoiceJson } from '../../functions/app/invoice-json.js';
import { DiscrepancyMessageSchema, WorkMessageSchema } from '../../functions/app/messages.js';
import { runBilling } from '../../functions/app/run-billing.js';
import { runDunning } from '../../functions/app/run-dunning.js';
import { handleWorkMessage } from '../../functions/app/work-messages.js';
import { computeAging } from '../../functions/domain/compute-aging.js';
import { CreditNoteRefused } from '../../functions/domain/credit-note.js';
import { agreement, client, d, reference, settings } from '../support/builders.js';
import { issuedInvoice } from '../support/invoices.js';
import { memoryDeps, type MemoryDeps } from '../fakes/memory-ports.js';

const INV = 'INV-2025-000001';
const by = 'alice';

/** One invoice of 100.00 USD plus 10% tax on its one line (110.00), issued 2025-02-01. */
async function invoiced(
  options: { receipts?: boolean; prefix?: string; now?: () => number } = {},
): Promise<MemoryDeps> {
  const deps = memoryDeps(options.now ? { now: options.now } : {});
  const base = settings();
  await deps.ledger.saveReferenceData(
    reference({
      clients: [client({ taxRate: d(10) })],
      settings: {
        ...base,
        invoice: { ...base.invoice, ...(options.prefix ? { creditNotePrefix: options.prefix } : {}) },
        ...(options.receipts ? { receipts: { enabled: true } } : {}),
      },
    }),
  );
  const invoice = issuedInvoice();
  await deps.ledger.issueNumberedInvoice({ ...invoice, tax: d(10), total: d(110) }, []);
  return deps;
}

const credit = (extra: Partial<Parameters<typeof issueCreditNote>[1]> = {}) => ({
  invoiceNumber: INV,
  amount: d('20.00'),
  reason: 'Outage on Jan 12',
  today: '2025-02-10',
  by,
  requestKey: 'k1',
  ...extra,
});

describe('issueCreditNote (in memory)', () => {
  it('issues, renders and emails a credit note once per request key', async () => {
    const deps = await invoiced();
    const first = await issueCreditNote(deps, credit());
    const again = await issueCreditNote(deps, credit());

    expect([first.result, first.note.number, first.emailed]).toEqual(['issued', 'CN-2025-000001', true]);
    expect([again.result, again.note.number, again.emailed]).toEqual(['duplicate', 'CN-2025-000001', false]);
    expect(await deps.artifacts.list('credit-notes/')).toEqual([
      'credit-notes/CN-2025-000001.html',
      'credit-notes/CN-2025-000001.json',
      'credit-notes/CN-2025-000001.pdf',
    ]);
    expect(JSON.parse(deps.artifacts.text('credit-notes/CN-2025-000001.json') ?? '{}')).toMatchObject({
      number: 'CN-2025-000001',
      invoiceNumber: INV,
      reason: 'Outage on Jan 12',
      lines: [{ description: 'Credit: Outage on Jan 12', amount: '20.00', taxable: true }],
      subtotal: '20.00',
      tax: '2.00',
      total: '22.00',
      applied: '22.00',
      clientCredit: '0.00',
      void: false,
      by,
    });
    const html = deps.artifacts.text('credit-notes/CN-2025-000001.html') ?? '';
    expect(html).toContain('<h1>CREDIT NOTE</h1>');
    expect(html).toContain(INV);
    expect(deps.mailer.sent).toHaveLength(1);
    expect(deps.mailer.sent[0]?.raw).toMatch(/filename="?CN-2025-000001\.pdf/);
    expect((await deps.ledger.sentLog()).map((e) => [e.key, e.kind, e.subject, e.invoices])).toEqual([
      [
        'credit_note#CN-2025-000001',
        'credit_note',
        `Credit note CN-2025-000001 for invoice ${INV} from ${settings().msp.name} — USD 22.00`,
        [{ number: INV }],
      ],
    ]);
    const account = (await deps.ledger.getInvoice(INV))!;
    expect(invoiceJson(account, '2025-02-10')).toMatchObject({ status: 'open', balance: '88.00' });
  });

  it('numbers with invoice.creditNotePrefix and credits whole lines', async () => {
    const deps = await invoiced({ prefix: 'AV' });
    const { note } = await issueCreditNote(deps, credit({ amount: undefined, lines: [1] }));
    expect([note.number, note.subtotal.toFixed(2), note.tax.toFixed(2), note.applied.toFixed(2)]).toEqual([
      'AV-2025-000001',
      '100.00',
      '10.00',
      '110.00',
    ]);
    expect(invoiceJson((await deps.ledger.getInvoice(INV))!, '2025-02-10')).toMatchObject({
      status: 'paid',
      balance: '0.00',
    });
    await expect(issueCreditNote(deps, credit({ amount: undefined, lines: [1], requestKey: 'k2' }))).rejects.toThrow(
      'Line 1 of INV-2025-000001 was credited by an earlier credit note',
    );
  });

  it('completes the email of a note whose run stopped after recording it', async () => {
    const clock = { now: 1_000_000 };
    const deps = await invoiced({ now: () => clock.now });
    deps.mailer.fail = new Error('SES is down');
    await expect(issueCreditNote(deps, credit())).rejects.toThrow('SES is down');
    deps.mailer.fail = undefined;
    clock.now += 91_000; // the crashed sender's lease has expired
    const rerun = await issueCreditNote(deps, credit());
    expect([rerun.result, deps.mailer.sent.length]).toEqual(['duplicate', 1]);
    expect((await deps.ledger.listCreditNotes()).map((n) => n.number)).toEqual(['CN-2025-000001']);
  });

  it('refuses a credit above the open balance, naming it, unless kept as client credit', async () => {
    const deps = await invoiced();
    const refused = await issueCreditNote(deps, credit({ amount: d(150) })).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CreditNoteRefused);
    expect((refused as CreditNoteRefused).message).toContain('above the open balance of INV-2025-000001 (110.00 USD)');
    expect(await deps.ledger.listCreditNotes()).toEqual([]);

    const { note } = await issueCreditNote(deps, credit({ amount: d(150), asClientCredit: true }));
    expect([note.total.toFixed(2), note.applied.toFixed(2), note.clientCredit.toFixed(2)]).toEqual([
      '165.00',
      '110.00',
      '55.00',
    ]);
    expect((await deps.ledger.clientCredits('C001')).map((c) => [c.creditNote, c.amount.toFixed(2)])).toEqual([
      ['CN-2025-000001', '55.00'],
    ]);
  });

  it('sends no receipt for a credit note, even with receipts on', async () => {
    const deps = await invoiced({ receipts: true });
    await issueCreditNote(deps, credit());
    await deps.workQueue.drain(WorkMessageSchema, (m) => handleWorkMessage(deps, m));
    expect((await deps.ledger.sentLog()).map((e) => e.kind)).toEqual(['credit_note']);
  });
});

describe('voidInvoice (in memory)', () => {
  it('voids an unpaid invoice: void with balance 0, not dunned, out of aging, a later payment unapplied', async () => {
    const deps = await invoiced();
    const voided = await voidInvoice(deps, { invoiceNumber: INV, reason: 'Billed twice', today: '2025-02-10', by });
    const again = await voidInvoice(deps, { invoiceNumber: INV, reason: 'Other words', today: '2025-02-11', by });

    expect([voided.note.number, voided.note.void, voided.note.total.toFixed(2)]).toEqual([
      'CN-2025-000001',
      true,
      '110.00',
    ]);
    expect([again.result, again.note.number]).toEqual(['duplicate', 'CN-2025-000001']);
    const account = (await deps.ledger.getInvoice(INV))!;
    expect(invoiceJson(account, '2025-04-01')).toMatchObject({ number: INV, status: 'void', balance: '0.00' });
    expect(await deps.ledger.listInvoices({ openOnly: true })).toEqual([]);

    expect(await runDunning(deps, { today: '2025-04-01' })).toEqual({ emails: 0, lateFees: 0 });
    const aging = computeAging({ asOf: '2025-04-01', invoices: await deps.ledger.listInvoices(), clients: [client()] });
    expect(aging.rows).toEqual([]);

    await deps.ledger.addPayments([
      { paymentId: 'P1', invoiceNumber: INV, amount: d(110), currency: 'USD', receivedOn: '2025-02-12' },
    ]);
    expect(await applyDuePayments(deps, { today: '2025-02-12' })).toEqual({ applied: 0, unapplied: 1 });
    const [message] = deps.discrepancyQueue.bodies().map((b) => DiscrepancyMessageSchema.parse(b));
    expect(message?.discrepancy.detail).toContain('overpayment');
  });

  it('refuses to void an invoice with money paid', async () => {
    const deps = await invoiced();
    await deps.ledger.addPayments([
      { paymentId: 'P1', invoiceNumber: INV, amount: d(10), currency: 'USD', receivedOn: '2025-02-05' },
    ]);
    await applyDuePayments(deps, { today: '2025-02-05' });
    await expect(
      voidInvoice(deps, { invoiceNumber: INV, reason: 'Billed twice', today: '2025-02-10', by }),
    ).rejects.toThrow('Invoice INV-2025-000001 cannot be voided: payment P1 was applied to it');
    await expect(
      voidInvoice(deps, { invoiceNumber: 'INV-2025-000404', reason: 'x', today: '2025-02-10', by }),
    ).rejects.toThrow('Invoice INV-2025-000404 does not exist');
  });
});

describe('client credit on the next invoice (in memory)', () => {
  it('the next billing run spends the client credit as a line naming the credit note', async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(reference({ agreements: [agreement()] }));
    const drain = () => deps.workQueue.drain(WorkMessageSchema, (m) => handleWorkMessage(deps, m));
    await runBilling(deps, { today: '2025-02-01' });
    await drain();
    const [first] = await deps.ledger.listInvoices();
    const total = first!.invoice.total;
    await issueCreditNote(deps, {
      invoiceNumber: first!.invoice.number,
      amount: total.plus(30),
      reason: 'Goodwill',
      asClientCredit: true,
      today: '2025-02-15',
      by,
      requestKey: 'goodwill',
    });
    await runBilling(deps, { today: '2025-03-01' });
    await drain();

    // The invoice comes to 10 × 12.50 = 125.00; the note credits 155.00: 125.00 applied, 30.00 kept.
    const second = (await deps.ledger.getInvoice('INV-2025-000002'))!.invoice;
    expect(total.toFixed(2)).toBe('125.00');
    expect(second.lines.map((l) => [l.kind, l.description, l.amount.toFixed(2), l.creditNote])).toEqual([
      ['recurring', second.lines[0]?.description, '125.00', undefined],
      ['client_credit', 'Credit from CN-2025-000001', '-30.00', 'CN-2025-000001'],
    ]);
    expect([second.subtotal.toFixed(2), second.tax.toFixed(2), second.total.toFixed(2)]).toEqual([
      '95.00',
      '0.00',
      '95.00',
    ]);
    expect(await deps.ledger.clientCredits('C001')).toEqual([]);
  });
});

/**
 * Statements of account on the in-memory ports: what a statement lists as of a date, one email
 * per client per date however often the run repeats or dies halfway, none for a client with
 * nothing to say, the monthly schedule, and the statement-style dunning email (every overdue
 * invoice listed, the steps recorded as always) with Pay links when payments are on.
 */
import { describe, expect, it } from 'vitest';
import { applyPaymentNow } from '../../functions/app/apply-payments.js';
import { WorkMessageSchema } from '../../functions/app/messages.js';
import { runDunning } from '../../functions/app/run-dunning.js';
import {
  scheduledStatements,
  sendStatements,
  statementEmailKey,
  statementOf,
  StatementError,
} from '../../functions/app/statements.js';
import { handleWorkMessage } from '../../functions/app/work-messages.js';
import type { InvoiceAccount, ReferenceData } from '../../functions/domain/billing-types.js';
import { FakePaymentProvider } from '../fakes/fake-payment-provider.js';
import { memoryDeps, type MemoryDeps } from '../fakes/memory-ports.js';
import { client, d, reference, settings } from '../support/builders.js';
import { issuedInvoice } from '../support/invoices.js';

const PAYMENTS = { provider: 'stripe', methods: ['card', 'us_bank_account'], autoPayOn: 'due_date' } as const;

function account(
  overrides: Partial<InvoiceAccount> & { number: string; dueDate?: string; total?: string },
): InvoiceAccount {
  const { number, dueDate, total, ...rest } = overrides;
  return {
    invoice: issuedInvoice({ number, ...(dueDate ? { dueDate } : {}), ...(total ? { total } : {}) }),
    payments: [],
    ...rest,
  };
}

async function withInvoices(ref: ReferenceData = twoClients()): Promise<MemoryDeps> {
  const deps = memoryDeps();
  await deps.ledger.saveReferenceData(ref);
  // C001: one invoice overdue, one not yet due; C002: nothing.
  await deps.ledger.issueNumberedInvoice(issuedInvoice({ number: 'INV-2025-000001', dueDate: '2025-03-03' }), []);
  await deps.ledger.issueNumberedInvoice(
    issuedInvoice({
      number: 'INV-2025-000002',
      period: '2025-02',
      issueDate: '2025-03-01',
      dueDate: '2025-03-31',
      total: '250',
    }),
    [],
  );
  return deps;
}

function twoClients(overrides: Partial<ReferenceData['settings']> = {}): ReferenceData {
  return reference({
    settings: settings(overrides),
    clients: [client(), client({ clientId: 'C002', name: 'Client Two', billingEmails: ['ap@c2.example'] })],
  });
}

const deliverQueued = (deps: MemoryDeps) =>
  deps.workQueue.drain(WorkMessageSchema, (message) => handleWorkMessage(deps, message));

describe('statementOf', () => {
  it('lists the open invoices as of the date, the unspent credit and the month’s payments', () => {
    const statement = statementOf({
      clientId: 'C001',
      asOf: '2025-03-10',
      accounts: [
        account({
          number: 'A-1',
          dueDate: '2025-03-03',
          payments: [
            { paymentId: 'P-1', amount: d('40'), receivedOn: '2025-03-05' },
            { paymentId: 'P-0', amount: d('10'), receivedOn: '2025-02-20' }, // last month: not listed
            { paymentId: 'CN-1', amount: d('5'), receivedOn: '2025-03-06', creditNote: 'CN-1' }, // a credit, not money
          ],
        }),
        account({ number: 'A-2', payments: [{ paymentId: 'P-2', amount: d('100'), receivedOn: '2025-03-02' }] }),
        account({ number: 'A-3', voidedOn: '2025-03-01' }),
        account({ number: 'A-4', payments: [{ paymentId: 'P-9', amount: d('100'), receivedOn: '2025-03-11' }] }),
        { ...account({ number: 'A-5' }), invoice: issuedInvoice({ number: 'A-5', issueDate: '2025-03-11' }) },
        { ...account({ number: 'B-1' }), invoice: issuedInvoice({ number: 'B-1', clientId: 'C002' }) },
      ],
      credits: [
        { creditNote: 'CN-2', clientId: 'C001', currency: 'USD', amount: d('20'), issuedOn: '2025-03-08' },
        { creditNote: 'CN-3', clientId: 'C001', currency: 'USD', amount: d('7'), issuedOn: '2025-03-12' },
      ],
    });
    expect(
      statement.invoices.map((i) => [i.number, i.settled.toFixed(2), i.balance.toFixed(2), i.daysOverdue]),
    ).toEqual([
      ['A-1', '55.00', '45.00', 7],
      ['A-4', '0.00', '100.00', 7], // paid the day after: still open on the statement date
    ]);
    expect(statement.payments.map((p) => [p.paymentId, p.invoiceNumber, p.amount.toFixed(2)])).toEqual([
      ['P-2', 'A-2', '100.00'],
      ['P-1', 'A-1', '40.00'],
    ]);
    expect(statement.credits.map((c) => [c.creditNote, c.amount.toFixed(2)])).toEqual([['CN-2', '20.00']]);
    expect(statement.month).toBe('2025-03');
  });
});

describe('sendStatements', () => {
  it('emails one statement per client with something to say, once per date however often it runs', async () => {
    const deps = await withInvoices();
    const first = await sendStatements(deps, { asOf: '2025-03-10' });
    const again = await sendStatements(deps, { asOf: '2025-03-10' });
    await deliverQueued(deps);
    deps.workQueue.redeliver();
    await deliverQueued(deps);

    expect(first).toEqual({ sent: ['C001'], already: [], nothing: ['C002'] });
    expect(again).toEqual({ sent: [], already: ['C001'], nothing: ['C002'] });
    expect(deps.mailer.sent.map((m) => m.to)).toEqual([['ap@c1.example']]);
    const [entry] = await deps.ledger.sentLog();
    expect([entry?.key, entry?.kind, entry?.subject, entry?.invoices]).toEqual([
      statementEmailKey('C001', '2025-03-10'),
      'statement',
      'Statement of account as of 2025-03-10 — Acme IT',
      [{ number: 'INV-2025-000001' }, { number: 'INV-2025-000002' }],
    ]);
    expect(await deps.artifacts.list('statements/')).toEqual([
      'statements/2025-03-10/C001.html',
      'statements/2025-03-10/C001.pdf',
    ]);
    expect(deps.artifacts.text('statements/2025-03-10/C001.html')).toContain('INV-2025-000002');
    expect(deps.mailer.sent[0]?.raw).toContain('statement-C001-2025-03-10.pdf');
  });

  it('sends a recorded statement whose queue message was lost, once, without storing it again', async () => {
    const deps = await withInvoices();
    await sendStatements(deps, { asOf: '2025-03-10' });
    deps.workQueue.sent.length = 0; // the run died before its messages were sent
    const stored = deps.artifacts.objects.get('statements/2025-03-10/C001.pdf')?.body;

    const rerun = await sendStatements(deps, { asOf: '2025-03-10' });
    await deliverQueued(deps);

    expect(rerun.already).toEqual(['C001']);
    expect(deps.mailer.sent).toHaveLength(1);
    expect(deps.artifacts.objects.get('statements/2025-03-10/C001.pdf')?.body).toBe(stored);
  });

  it('sends one statement when runs overlap, or when a run dies before recording its email', async () => {
    const deps = await withInvoices();
    const putOutbox = deps.ledger.putOutbox.bind(deps.ledger);
    deps.ledger.putOutbox = async () => {
      throw new Error('the run died');
    };
    await expect(sendStatements(deps, { asOf: '2025-03-10' })).rejects.toThrow('the run died');
    deps.ledger.putOutbox = putOutbox;

    const runs = await Promise.all([1, 2, 3].map(() => sendStatements(deps, { asOf: '2025-03-10' })));
    await deliverQueued(deps);

    expect(runs.flatMap((r) => r.sent)).toEqual(['C001']);
    expect(deps.mailer.sent).toHaveLength(1);
    expect((await deps.ledger.sentLog()).map((e) => e.key)).toEqual([statementEmailKey('C001', '2025-03-10')]);
  });

  it('sends to one client with --client, and refuses an unknown one', async () => {
    const deps = await withInvoices();
    expect(await sendStatements(deps, { asOf: '2025-03-10', clientId: 'C002' })).toEqual({
      sent: [],
      already: [],
      nothing: ['C002'],
    });
    await expect(sendStatements(deps, { asOf: '2025-03-10', clientId: 'C404' })).rejects.toThrow(StatementError);
    expect(await deps.ledger.sentLog()).toEqual([]);
  });

  it('lists a client whose invoices were all paid this month (payments received), not one with nothing', async () => {
    const deps = await withInvoices();
    for (const [id, number, amount] of [
      ['P-1', 'INV-2025-000001', '100'],
      ['P-2', 'INV-2025-000002', '250'],
    ] as const)
      await applyPaymentNow(
        deps,
        { paymentId: id, invoiceNumber: number, amount: d(amount), currency: 'USD', receivedOn: '2025-03-05' },
        '2025-03-05',
      );
    expect((await sendStatements(deps, { asOf: '2025-03-10' })).sent).toEqual(['C001']);
    expect((await sendStatements(deps, { asOf: '2025-04-10' })).nothing).toEqual(['C001', 'C002']);
  });

  it('puts a Pay link per open invoice in the email only when payments are on and wired', async () => {
    const off = await withInvoices();
    await sendStatements(off, { asOf: '2025-03-10' });
    await deliverQueued(off);
    expect(off.mailer.sent[0]?.raw).not.toContain('/pay/');

    const on = { ...(await withInvoices(twoClients({ payments: PAYMENTS }))), payments: wiring() };
    await sendStatements(on, { asOf: '2025-03-10' });
    await deliverQueued(on);
    const raw = decodedBody(on.mailer.sent[0]?.raw ?? '');
    expect(raw).toContain('https://pay.example.test/pay/INV-2025-000001?t=');
    expect(raw).toContain('https://pay.example.test/pay/INV-2025-000002?t=');
  });
});

describe('scheduledStatements', () => {
  it('sends on statements.dayOfMonth only, and never when statements are off', async () => {
    const off = await withInvoices();
    expect(await scheduledStatements(off, { today: '2025-03-01' })).toBeUndefined();

    const deps = await withInvoices(twoClients({ statements: { dayOfMonth: 1 } }));
    expect(await scheduledStatements(deps, { today: '2025-03-02' })).toBeUndefined();
    expect((await scheduledStatements(deps, { today: '2025-03-01' }))?.sent).toEqual(['C001']);
    expect(await deps.ledger.getOutbox(statementEmailKey('C001', '2025-03-01'))).toBeDefined();
  });
});

describe('runDunning with dunning.statement', () => {
  it('sends one email listing every overdue invoice with the statement attached; steps recorded as always', async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(twoClients({ dunning: { ...settings().dunning, statement: true } }));
    await deps.ledger.issueNumberedInvoice(issuedInvoice({ number: 'INV-2025-000001', dueDate: '2025-03-03' }), []);
    await deps.ledger.issueNumberedInvoice(
      issuedInvoice({ number: 'INV-2025-000002', period: '2024-12', issueDate: '2025-01-30', dueDate: '2025-03-01' }),
      [],
    );
    await runDunning(deps, { today: '2025-03-08' }); // INV-2 reaches overdue_1 (due + 7), INV-1 its due step
    await deliverQueued(deps);
    // 2025-03-10: INV-1 reaches overdue_1; INV-2 reaches no step today, but is overdue.
    await runDunning(deps, { today: '2025-03-10' });
    await deliverQueued(deps);
    const raw = decodedBody(deps.mailer.sent[1]?.raw ?? '');

    expect(deps.mailer.sent).toHaveLength(2);
    expect((await deps.ledger.sentLog()).map((e) => [e.key, e.invoices])[1]).toEqual([
      'dunning#C001#2025-03-10',
      [{ number: 'INV-2025-000001', step: 'overdue_1' }],
    ]);
    expect((await deps.ledger.getInvoice('INV-2025-000002'))?.stepsSent).toEqual(new Set(['overdue_1']));
    expect(raw).toContain('INV-2025-000002');
    expect(raw).toContain('Total outstanding: USD 200.00');
    expect(deps.mailer.sent[1]?.raw).toContain('statement-C001-2025-03-10.pdf');
    expect(deps.mailer.sent[1]?.raw).not.toContain('INV-2025-000001.pdf');
  });

  it('adds a Pay link per invoice to the dunning email only when payments are on', async () => {
    const run = async (ref: ReferenceData, wired: boolean): Promise<string> => {
      const base = memoryDeps();
      const deps = wired ? { ...base, payments: wiring() } : base;
      await deps.ledger.saveReferenceData(ref);
      await deps.ledger.issueNumberedInvoice(issuedInvoice({ number: 'INV-2025-000001', dueDate: '2025-03-03' }), []);
      await runDunning(deps, { today: '2025-03-10' });
      await deps.workQueue.drain(WorkMessageSchema, (message) => handleWorkMessage(deps, message));
      return decodedBody(base.mailer.sent[0]?.raw ?? '');
    };
    const on = await run(twoClients({ payments: PAYMENTS }), true);
    expect(on).toMatch(/Pay online:\s+INV-2025-000001: https:\/\/pay\.example\.test\/pay\/INV-2025-000001\?t=/);
    expect(await run(twoClients({ payments: PAYMENTS }), false)).not.toContain('Pay online');
    expect(await run(twoClients(), true)).not.toContain('Pay online');
  });
});

function wiring() {
  return { provider: new FakePaymentProvider(), endpointUrl: 'https://pay.example.test', linkKey: async () => 'k' };
}

/** The message's text parts, decoded (quoted-printable and base64 bodies). */
function decodedBody(raw: string): string {
  const parts = raw.split(/\r?\n--/);
  return parts
    .map((part) => {
      const [head = '', ...body] = part.split(/\r?\n\r?\n/);
      const text = body.join('\n\n');
      if (/content-transfer-encoding:\s*base64/i.test(head) && /content-type:\s*text\//i.test(head))
        return Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8');
      if (/content-transfer-encoding:\s*quoted-printable/i.test(head))
        return Buffer.from(
          text
            .replace(/=\r?\n/g, '')
            .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
          'latin1',
        ).toString('utf8');
      return part;
    })
    .join('\n');
}

/**
 * Review before sending on the in-memory ports (no JVM): hold mode in the billing run, the
 * approval use case, holds, auto-approve rules and re-planning (docs/review.md).
 */
import { describe, expect, it } from 'vitest';
import { WorkMessageSchema } from '../../functions/app/messages.js';
import { approveDrafts, draftsWaiting, draftsWaitingReview, holdDraft } from '../../functions/app/review-drafts.js';
import { ingestUsageFile } from '../../functions/app/ingest-usage-file.js';
import { runBilling } from '../../functions/app/run-billing.js';
import { sendReconciliationReport } from '../../functions/app/send-reports.js';
import { handleWorkMessage } from '../../functions/app/work-messages.js';
import type { Settings } from '../../functions/domain/billing-types.js';
import { agreement, client, d, reference, settings } from '../support/builders.js';
import { memoryDeps, type MemoryDeps } from '../fakes/memory-ports.js';

const hold = (invoice: Partial<Settings['invoice']> = {}): Settings =>
  settings({ invoice: { ...settings().invoice, review: 'hold', ...invoice } });

function threeClients(s: Settings = hold()) {
  return reference({
    settings: s,
    clients: [
      client({ clientId: 'C003', name: 'Client Three', billingEmails: ['ap@c3.example'], paymentTermsDays: 7 }),
      client(),
      client({ clientId: 'C002', name: 'Client Two', billingEmails: ['ap@c2.example'], paymentTermsDays: 14 }),
    ],
    agreements: [
      agreement(),
      agreement({ agreementId: 'A2', clientId: 'C002' }),
      agreement({ agreementId: 'A3', clientId: 'C003' }),
    ],
  });
}

const drain = (deps: MemoryDeps) => deps.workQueue.drain(WorkMessageSchema, (m) => handleWorkMessage(deps, m));
const invoices = async (deps: MemoryDeps) =>
  (await deps.ledger.listInvoices()).map((i) => [
    i.invoice.number,
    i.invoice.clientId,
    i.invoice.issueDate,
    i.invoice.dueDate,
  ]);

describe('hold mode in the billing run (in memory)', () => {
  it('stores drafts instead of numbering and sending, renders them DRAFT and tells the billing team once', async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(threeClients());

    const run = await runBilling(deps, { today: '2025-02-01' });
    await runBilling(deps, { today: '2025-02-01' }); // a retried run
    await drain(deps);

    expect(run.planned).toEqual([]);
    expect(run.drafts?.map((x) => [x.clientId, x.status, x.createdOn])).toEqual([
      ['C001', 'pending', '2025-02-01'],
      ['C002', 'pending', '2025-02-01'],
      ['C003', 'pending', '2025-02-01'],
    ]);
    expect(await deps.ledger.listInvoices()).toEqual([]);
    // No number taken: the next reservation starts at 1.
    expect(await deps.ledger.reserveInvoiceNumbers('probe', 1)).toBe(1);
    // Only the billing team's email, once, to the report recipients.
    expect(deps.mailer.sent.map((m) => m.to)).toEqual([settings().reports.recipients]);
    const [entry] = await deps.ledger.sentLog();
    expect([entry?.kind, entry?.key]).toEqual(['drafts_awaiting_review', 'drafts#2025-01']);
    // The message as sent (quoted-printable soft line breaks undone).
    expect(deps.mailer.sent[0]?.raw.replace(/=\r?\n/g, '')).toContain('trueup invoices approve --period 2025-01 --all');
    const html = deps.artifacts.text('drafts/2025-01/C002.html') ?? '';
    expect(html).toContain('>DRAFT</div>');
    expect(html).toContain('DRAFT INVOICE');
    const json = JSON.parse(deps.artifacts.text('drafts/2025-01/C002.json') ?? '{}') as Record<string, unknown>;
    expect([json.number, json.clientId, (json.draft as { status: string }).status]).toEqual([
      undefined,
      'C002',
      'pending',
    ]);
    expect(deps.artifacts.text('drafts/2025-01/C002.pdf')?.startsWith('%PDF')).toBe(true);
  });

  it('lists the drafts in the reconciliation report', async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(threeClients());
    await runBilling(deps, { today: '2025-02-01' });
    await drain(deps);
    await sendReconciliationReport(deps, { today: '2025-02-01' });
    const report = deps.artifacts.text('reports/reconciliation-2025-01.html') ?? '';
    expect(report).toContain('Drafts held for review');
    expect(report).toContain('Client Three');
  });

  it('stores no draft and no section in auto mode', async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(threeClients(settings()));
    const run = await runBilling(deps, { today: '2025-02-01' });
    await drain(deps);
    await sendReconciliationReport(deps, { today: '2025-02-01' });
    expect(run.planned).toHaveLength(3);
    expect(await deps.ledger.listDrafts()).toEqual([]);
    expect(deps.artifacts.text('reports/reconciliation-2025-01.html')).not.toContain('Drafts held');
    await expect(runBilling(deps, { today: '2025-02-01', replan: true })).rejects.toThrow('"review": "hold"');
  });
});

describe('approving drafts (in memory)', () => {
  it('numbers the approved drafts in client id order and issues them dated the approval day', async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(threeClients());
    await runBilling(deps, { today: '2025-02-01' });
    await drain(deps);

    const result = await approveDrafts(deps, {
      period: '2025-01',
      clientIds: ['C003', 'C001'],
      today: '2025-02-05',
      by: 'ann',
    });
    await drain(deps);

    expect(result.approved.map((x) => [x.clientId, x.number, x.by])).toEqual([
      ['C001', 'INV-2025-000001', 'ann'],
      ['C003', 'INV-2025-000002', 'ann'],
    ]);
    expect(result.sent).toEqual(['INV-2025-000001', 'INV-2025-000002']);
    expect(await invoices(deps)).toEqual([
      ['INV-2025-000001', 'C001', '2025-02-05', '2025-03-07'],
      ['INV-2025-000002', 'C003', '2025-02-05', '2025-02-12'],
    ]);
    expect(deps.mailer.sent.slice(1).map((m) => m.to)).toEqual([['ap@c1.example'], ['ap@c3.example']]);

    // Again: the same numbers, nothing sent, no number taken.
    const again = await approveDrafts(deps, { period: '2025-01', clientIds: ['C001'], today: '2025-02-06', by: 'bob' });
    await drain(deps);
    expect([again.approved, again.alreadyApproved.map((x) => x.number), again.sent]).toEqual([
      [],
      ['INV-2025-000001'],
      [],
    ]);
    expect(deps.mailer.sent).toHaveLength(3);
    const last = await approveDrafts(deps, { period: '2025-01', all: true, today: '2025-02-07', by: 'bob' });
    expect(last.approved.map((x) => x.number)).toEqual(['INV-2025-000003']);
  });

  it('sends the drafts an earlier attempt approved but did not send', async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(threeClients());
    await runBilling(deps, { today: '2025-02-01' });
    await drain(deps);
    // The attempt stopped after the ledger approved (numbers taken), before any message went out.
    await deps.ledger.approveDrafts({
      period: '2025-01',
      clientIds: ['C002'],
      on: '2025-02-03',
      by: 'ann',
      prefix: 'INV',
    });

    const retry = await approveDrafts(deps, { period: '2025-01', clientIds: ['C002'], today: '2025-02-04', by: 'ann' });
    await drain(deps);

    expect(retry.sent).toEqual(['INV-2025-000001']);
    // Dated the day it was approved (its number's day), not the retry's.
    expect(await invoices(deps)).toEqual([['INV-2025-000001', 'C002', '2025-02-03', '2025-02-17']]);
  });

  it('leaves held drafts to --all, approves a held one when named, and refuses unknown clients', async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(threeClients());
    await runBilling(deps, { today: '2025-02-01' });
    const held = await holdDraft(deps, { clientId: 'C002', reason: 'PO missing', today: '2025-02-02', by: 'ann' });
    expect([held.period, held.status, held.holdReason]).toEqual(['2025-01', 'held', 'PO missing']);

    const all = await approveDrafts(deps, { period: '2025-01', all: true, today: '2025-02-03', by: 'ann' });
    expect(all.approved.map((x) => [x.clientId, x.number])).toEqual([
      ['C001', 'INV-2025-000001'],
      ['C003', 'INV-2025-000002'],
    ]);
    expect(all.skippedHeld.map((x) => [x.clientId, x.holdReason])).toEqual([['C002', 'PO missing']]);
    await expect(
      approveDrafts(deps, { period: '2025-01', clientIds: ['C404'], today: '2025-02-03', by: 'ann' }),
    ).rejects.toThrow('No draft of C404 for 2025-01');
    await expect(
      holdDraft(deps, { clientId: 'C001', reason: 'x', period: '2025-01', today: '2025-02-03', by: 'ann' }),
    ).rejects.toThrow('already approved as INV-2025-000001');
    const named = await approveDrafts(deps, { period: '2025-01', clientIds: ['C002'], today: '2025-02-04', by: 'ann' });
    expect(named.approved.map((x) => x.number)).toEqual(['INV-2025-000003']);
    expect(draftsWaiting(await deps.ledger.listDrafts(), '2025-02-10', 3)).toEqual([]);
  });

  it('counts the drafts waiting longer than the alarm days', async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(threeClients());
    await runBilling(deps, { today: '2025-02-01' });
    await approveDrafts(deps, { period: '2025-01', clientIds: ['C001'], today: '2025-02-02', by: 'ann' });
    const drafts = await deps.ledger.listDrafts();
    expect(draftsWaiting(drafts, '2025-02-04', 3)).toHaveLength(0);
    expect(draftsWaiting(drafts, '2025-02-05', 3).map((x) => x.clientId)).toEqual(['C002', 'C003']);
    // The alarm's daily figure: 3 days unless invoice.reviewAlarmDays says otherwise; none in auto mode.
    expect(await draftsWaitingReview(deps, '2025-02-05')).toBe(2);
    await deps.ledger.saveReferenceData(threeClients(hold({ reviewAlarmDays: 5 })));
    expect(await draftsWaitingReview(deps, '2025-02-05')).toBe(0);
    await deps.ledger.saveReferenceData(threeClients(settings()));
    expect(await draftsWaitingReview(deps, '2025-02-05')).toBeUndefined();
  });
});

describe('auto-approve rules and re-planning (in memory)', () => {
  it('approves on the 1st the drafts within ±X% of the previous invoice in the same currency', async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(threeClients());
    await runBilling(deps, { today: '2025-02-01' });
    await approveDrafts(deps, { period: '2025-01', clientIds: ['C001', 'C002'], today: '2025-02-03', by: 'ann' });
    await drain(deps);

    // March: C001 unchanged, C002 up 20% (more seats), C003 has no previous invoice.
    const rules = hold({ autoApprove: { maxChangePercent: d(10) } });
    const march = threeClients(rules);
    await deps.ledger.saveReferenceData({
      ...march,
      agreements: march.agreements.map((a) => (a.clientId === 'C002' ? { ...a, quantity: d(12) } : a)),
    });
    const run = await runBilling(deps, { today: '2025-03-01' });
    await drain(deps);

    expect(run.planned).toEqual(['INV-2025-000003']);
    expect(await invoices(deps)).toContainEqual(['INV-2025-000003', 'C001', '2025-03-01', '2025-03-31']);
    expect(run.drafts?.map((x) => [x.clientId, x.status, x.by])).toEqual([
      ['C001', 'approved', 'trueup'],
      ['C002', 'pending', undefined],
      ['C003', 'pending', undefined],
    ]);
  });

  it("approves only the clients without an open discrepancy, this run's (not stored yet) included", async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(threeClients(hold({ autoApprove: { noOpenDiscrepancies: true } })));
    // C001's usage matches its agreement; C002 and C003 have no usage (missing_usage, open).
    const key = 'inbox/ms-2025-01.csv';
    await deps.usage.put(
      key,
      'vendor,account_id,vendor_sku,quantity,usage_date\nmicrosoft,T1,seat-sku,10,2025-01-20\n',
    );
    await ingestUsageFile(deps, { key, today: '2025-01-31' });

    const run = await runBilling(deps, { today: '2025-02-01' });

    expect(run.drafts?.map((x) => [x.clientId, x.status, x.number])).toEqual([
      ['C001', 'approved', 'INV-2025-000001'],
      ['C002', 'pending', undefined],
      ['C003', 'pending', undefined],
    ]);
  });

  it('re-plans pending and held drafts from the data as it is now, never an approved one', async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(threeClients());
    await runBilling(deps, { today: '2025-02-01' });
    await approveDrafts(deps, { period: '2025-01', clientIds: ['C001'], today: '2025-02-02', by: 'ann' });
    await holdDraft(deps, { clientId: 'C002', reason: 'seats wrong', today: '2025-02-02', by: 'ann' });
    const before = new Map((await deps.ledger.listDrafts('2025-01')).map((x) => [x.clientId, x.entry.draft.total]));

    const fixed = threeClients();
    await deps.ledger.saveReferenceData({
      ...fixed,
      agreements: fixed.agreements.map((a) => ({ ...a, quantity: d(20) })),
    });
    await runBilling(deps, { today: '2025-02-01', replan: true });

    const after = new Map((await deps.ledger.listDrafts('2025-01')).map((x) => [x.clientId, x]));
    expect(after.get('C001')?.entry.draft.total).toBe(before.get('C001'));
    expect(after.get('C001')?.status).toBe('approved');
    expect([after.get('C002')?.status, after.get('C002')?.holdReason]).toEqual(['held', 'seats wrong']);
    expect(after.get('C002')?.entry.draft.total).not.toBe(before.get('C002'));
    expect(after.get('C003')?.entry.draft.total).toBe('250');
  });
});

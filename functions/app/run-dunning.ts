/**
 * The daily dunning run (docs/contract.md §7). The decision is the pure `decideDunning`; this
 * records each client's email, its steps and late fees in one transaction, then queues one
 * `deliver_email` message per recorded email: the invoice workers send them under the SES
 * rate limit, so the run stays short however many clients are overdue the same day. A retry
 * first completes any email whose intent was recorded but not sent.
 */
import { decideDunning } from '../domain/decide-dunning.js';
import type { IsoDate } from '../domain/dates.js';
import type { DunningStep, LateFee } from '../domain/billing-types.js';
import { dunningEmail, dunningTone, type DunningItem, type InvoicePdf } from '../render/emails.js';
import { invoiceKey } from './bucket-layout.js';
import type { Deps, UseCaseDeps } from './deps.js';
import { deliverEmailMessage } from './messages.js';
import type { DunningLog, InvoiceBook, LedgerInvoice } from './ports.js';
import { requireReference } from './run-billing.js';
import { clientSender, flushOutbox, prepareEmail, type SendDeps } from './send-email.js';

/** What the dunning run needs: open invoices, its steps and fees, and sending (a crashed run's leftovers). */
export type DunningDeps = SendDeps & UseCaseDeps<InvoiceBook & DunningLog, 'workQueue'>;

export interface DunningResult {
  readonly emails: number;
  readonly lateFees: number;
}

export async function runDunning(deps: DunningDeps, input: { today: IsoDate }): Promise<DunningResult> {
  const reference = await requireReference(deps);
  const from = clientSender(reference.settings);
  await flushOutbox(deps, from);
  const invoices = await deps.ledger.listInvoices({ openOnly: true });
  const decision = decideDunning({
    today: input.today,
    steps: [...reference.settings.dunning.steps],
    clients: [...reference.clients],
    invoices,
    sentSteps: new Map(invoices.map((i) => [i.invoice.number, new Set(i.stepsSent)])),
    lateFeeCharged: new Set(invoices.filter((i) => i.feeCharged).map((i) => i.invoice.number)),
  });
  let emails = 0;
  let lateFees = 0;
  const recordedKeys: string[] = [];
  // Every invoice (paid ones too), read at most once and only for a final notice's fees.
  let everyInvoice: Promise<LedgerInvoice[]> | undefined;
  const allInvoices = (): Promise<LedgerInvoice[]> => (everyInvoice ??= deps.ledger.listInvoices());
  for (const email of decision.emails) {
    const key = `dunning#${email.clientId}#${input.today}`;
    if (await deps.ledger.getOutbox(key)) continue;
    const client = reference.clients.find((c) => c.clientId === email.clientId);
    if (!client) continue;
    const items = await withFeesSoFar(deps, reference.settings.dunning.steps, email.clientId, email.items, allInvoices);
    const entry = await prepareEmail(deps, {
      key,
      kind: 'dunning',
      date: input.today,
      from,
      to: email.to,
      content: dunningEmail({
        settings: reference.settings,
        client,
        date: input.today,
        items,
        pdfs: await invoicePdfs(deps, email.items),
      }),
      invoices: email.items.map((i) => ({ number: i.invoiceNumber, step: i.step })),
    });
    const fees: LateFee[] = email.items
      .filter((i) => i.lateFee !== undefined)
      .map((i) => ({
        invoiceNumber: i.invoiceNumber,
        clientId: email.clientId,
        currency: i.currency,
        amount: i.lateFee!,
        step: i.step,
        chargedOn: input.today,
      }));
    const recorded = await deps.ledger.recordDunning(
      email.items.map((i) => ({ invoiceNumber: i.invoiceNumber, step: i.step })),
      fees,
      entry,
    );
    if (!recorded) continue; // a concurrent run recorded it; it sends it
    recordedKeys.push(key);
    emails += 1;
    lateFees += fees.length;
  }
  await deps.workQueue.send(recordedKeys.map((key) => ({ id: `email#${key}`, body: deliverEmailMessage(key) })));
  return { emails, lateFees };
}

/** The issued PDFs of the email's invoices (`invoices/<number>.pdf`), those that are stored. */
async function invoicePdfs(
  deps: Pick<Deps, 'artifacts'>,
  items: readonly { invoiceNumber: string }[],
): Promise<InvoicePdf[]> {
  const pdfs: InvoicePdf[] = [];
  for (const { invoiceNumber } of items) {
    const bytes = await deps.artifacts.get(invoiceKey(invoiceNumber, 'pdf'));
    if (bytes) pdfs.push({ number: invoiceNumber, content: Buffer.from(bytes) });
  }
  return pdfs;
}

/**
 * For a final notice, each invoice's late fees so far: those waiting for the client's next
 * invoice (the ledger's unbilled fees), those already billed as `late_fee` lines of later
 * invoices, and today's. Other emails are returned as they are.
 */
async function withFeesSoFar(
  deps: UseCaseDeps<DunningLog>,
  steps: readonly DunningStep[],
  clientId: string,
  items: readonly DunningItem[],
  allInvoices: () => Promise<LedgerInvoice[]>,
): Promise<DunningItem[]> {
  if (!items.some((i) => dunningTone(steps, i.step, i.daysOverdue) === 'final')) return [...items];
  const unbilled = await deps.ledger.unbilledLateFees(clientId);
  const billed = (await allInvoices())
    .filter((a) => a.invoice.clientId === clientId)
    .flatMap((a) =>
      a.invoice.lines
        .filter((l) => l.kind === 'late_fee' && l.feeOf)
        .map((l) => ({ invoiceNumber: l.feeOf?.invoiceNumber, amount: l.amount })),
    );
  return items.map((item) => {
    const today = item.lateFee ?? item.balance.minus(item.balance);
    const waiting = unbilled
      .filter((f) => f.invoiceNumber === item.invoiceNumber)
      .reduce((s, f) => s.plus(f.amount), today);
    const onInvoices = billed
      .filter((f) => f.invoiceNumber === item.invoiceNumber)
      .reduce((s, f) => s.plus(f.amount), today.minus(today));
    return { ...item, lateFeesCharged: waiting.plus(onInvoices), lateFeesUnbilled: waiting };
  });
}

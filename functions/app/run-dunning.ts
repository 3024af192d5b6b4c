/**
 * The daily dunning run (docs/contract.md §7). The decision is the pure `decideDunning`; this
 * records each client's email, its steps and late fees in one transaction, then queues one
 * `deliver_email` message per recorded email: the invoice workers send them under the SES
 * rate limit, so the run stays short however many clients are overdue the same day. A retry
 * first completes any email whose intent was recorded but not sent.
 */
import { decideDunning } from '../domain/decide-dunning.js';
import type { IsoDate } from '../domain/dates.js';
import type { Client, DunningStep, LateFee, ReferenceData } from '../domain/billing-types.js';
import { daysBetween } from '../domain/dates.js';
import { invoiceBalance } from '../domain/invoice-balance.js';
import {
  dunningEmail,
  dunningTone,
  type DunningItem,
  type DunningStatement,
  type InvoicePdf,
} from '../render/emails.js';
import { invoiceKey } from './bucket-layout.js';
import type { Deps, UseCaseDeps } from './deps.js';
import { deliverEmailMessage } from './messages.js';
import { payLinkFor } from './pay-links.js';
import { addPortalLink } from './portal/email-links.js';
import type { CreditNoteBook, DunningLog, InvoiceBook, LedgerInvoice } from './ports.js';
import { requireReference } from './run-billing.js';
import { clientSender, flushOutbox, prepareEmail, type SendDeps } from './send-email.js';
import { loadStatementView, statementAttachment } from './statements.js';

/**
 * What the dunning run needs: open invoices, its steps and fees, and sending (a crashed run's
 * leftovers); client credit for a statement-style email; the Pay links' wiring when payments are on.
 */
export type DunningDeps = SendDeps &
  UseCaseDeps<InvoiceBook & DunningLog & CreditNoteBook, 'workQueue' | 'payments' | 'portal'>;

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
    const items = await withPayLinks(
      deps,
      reference,
      await withFeesSoFar(deps, reference.settings.dunning.steps, email.clientId, email.items, allInvoices),
      invoices,
    );
    const statement = reference.settings.dunning.statement
      ? await dunningStatement(deps, reference, client, input.today, items, invoices, allInvoices)
      : undefined;
    const entry = await prepareEmail(deps, {
      key,
      kind: 'dunning',
      date: input.today,
      from,
      to: email.to,
      content: await addPortalLink(
        deps,
        reference.settings,
        client.clientId,
        input.today,
        dunningEmail({
          settings: reference.settings,
          client,
          date: input.today,
          items,
          ...(statement ? { statement } : { pdfs: await invoicePdfs(deps, email.items) }),
        }),
      ),
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

/** Each item with its invoice's Pay link, when payments are on (pay-links.ts); the items as they are otherwise. */
async function withPayLinks(
  deps: Pick<DunningDeps, 'payments'>,
  reference: ReferenceData,
  items: readonly DunningItem[],
  invoices: readonly LedgerInvoice[],
): Promise<DunningItem[]> {
  if (!reference.settings.payments || !deps.payments) return [...items];
  return Promise.all(
    items.map(async (item) => {
      const account = invoices.find((a) => a.invoice.number === item.invoiceNumber);
      const payUrl = account ? await payLinkFor(deps, reference.settings, account.invoice) : undefined;
      return payUrl === undefined ? item : { ...item, payUrl };
    }),
  );
}

/**
 * `dunning.statement`: the client's other overdue invoices (open, past due, not disputed) that
 * reach no step today, listed beside today's, and the statement of account to attach.
 */
async function dunningStatement(
  deps: DunningDeps,
  reference: ReferenceData,
  client: Client,
  today: IsoDate,
  stepped: readonly DunningItem[],
  invoices: readonly LedgerInvoice[],
  allInvoices: () => Promise<LedgerInvoice[]>,
): Promise<DunningStatement> {
  const listed: DunningItem[] = invoices
    .filter(
      (a) =>
        a.invoice.clientId === client.clientId &&
        a.invoice.dueDate < today &&
        !(a.disputedOn !== undefined && a.disputedOn <= today) &&
        !stepped.some((i) => i.invoiceNumber === a.invoice.number),
    )
    .flatMap((a) => {
      const { balance } = invoiceBalance(a, today);
      if (balance.lessThanOrEqualTo(0)) return [];
      return [
        {
          invoiceNumber: a.invoice.number,
          currency: a.invoice.currency,
          balance,
          dueDate: a.invoice.dueDate,
          daysOverdue: daysBetween(a.invoice.dueDate, today),
          step: '',
        },
      ];
    });
  const view = await loadStatementView(deps, reference, client, today, await allInvoices());
  return { listed: await withPayLinks(deps, reference, listed, invoices), pdf: await statementAttachment(view) };
}

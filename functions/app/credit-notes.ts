/**
 * Credit notes and voids (docs/credit-notes.md): read the invoice, decide the note
 * (domain/credit-note.ts), record it in one ledger transaction (its number, its reduction of
 * the invoice's balance, the client credit it leaves), then render it (JSON, HTML, PDF into the
 * artifacts bucket) and email it to the client with the PDF attached.
 *
 * Exactly once: the note is keyed by a request key (a second call finds the note it made and
 * decides nothing again); its email by `credit_note#<number>`, recorded before sending, so a
 * re-run renders and sends nothing twice, and completes an email a crashed run left pending.
 */
import { CreditNoteRefused, creditNoteFor, type CreditRequest } from '../domain/credit-note.js';
import type { IsoDate } from '../domain/dates.js';
import type { Dec } from '../domain/money.js';
import type { CreditNote } from '../domain/billing-types.js';
import { creditNoteEmail } from '../render/emails.js';
import { renderCreditNoteHtml } from '../render/credit-note-html.js';
import { renderCreditNotePdf } from '../render/credit-note-pdf.js';
import type { CreditNoteView } from '../render/credit-note-model.js';
import { creditNoteKey } from './bucket-layout.js';
import { creditNoteJson } from './credit-note-json.js';
import type { UseCaseDeps } from './deps.js';
import { addPortalLink } from './portal/email-links.js';
import type { CreditNoteBook, InvoiceBook } from './ports.js';
import { requireReference } from './run-billing.js';
import { clientSender, completeIfRecorded, recordAndSend, type SendDeps } from './send-email.js';

/** What issuing a credit note needs: the invoice, the notes, the artifacts bucket and sending. */
export type CreditNoteDeps = SendDeps & UseCaseDeps<InvoiceBook & CreditNoteBook, 'artifacts' | 'portal'>;

/** The series prefix when `invoice.creditNotePrefix` is not set. */
export const DEFAULT_CREDIT_NOTE_PREFIX = 'CN';

export interface IssueCreditNoteInput {
  readonly invoiceNumber: string;
  /** Credit this amount before tax … */
  readonly amount?: Dec;
  /** … or these invoice lines (1-based), in full. */
  readonly lines?: readonly number[];
  readonly reason: string;
  /** Keep what goes above the open balance as client credit (otherwise refused). */
  readonly asClientCredit?: boolean;
  readonly today: IsoDate;
  readonly by: string;
  /** Issues the note once: a second call with this key returns the first note. */
  readonly requestKey: string;
}

export interface CreditNoteOutcome {
  /** `duplicate`: the request key had issued this note before; nothing new was issued. */
  readonly result: 'issued' | 'duplicate';
  readonly note: CreditNote;
  /** Whether this call sent the email (false when it was sent before). */
  readonly emailed: boolean;
}

/** How many times a note is decided again when a payment or another note moved the invoice first. */
const CONFLICT_ATTEMPTS = 20;

export async function issueCreditNote(deps: CreditNoteDeps, input: IssueCreditNoteInput): Promise<CreditNoteOutcome> {
  const hasAmount = input.amount !== undefined;
  const hasLines = input.lines !== undefined && input.lines.length > 0;
  if (hasAmount === hasLines)
    throw new CreditNoteRefused('Give either an amount or invoice lines to credit (not both)', 'amount');
  const request: CreditRequest = input.amount !== undefined ? { amount: input.amount } : { lines: input.lines ?? [] };
  return issue(deps, input, request);
}

export interface VoidInvoiceInput {
  readonly invoiceNumber: string;
  readonly reason: string;
  readonly today: IsoDate;
  readonly by: string;
}

/** The request key of a void: an invoice is voided once, whatever the reason given. */
export function voidRequestKey(invoiceNumber: string): string {
  return `void#${invoiceNumber}`;
}

/** Voids an invoice nothing was applied to: its full credit note; status `void`, balance 0. */
export async function voidInvoice(deps: CreditNoteDeps, input: VoidInvoiceInput): Promise<CreditNoteOutcome> {
  return issue(deps, { ...input, requestKey: voidRequestKey(input.invoiceNumber) }, { void: true });
}

async function issue(
  deps: CreditNoteDeps,
  input: Omit<IssueCreditNoteInput, 'amount' | 'lines'>,
  request: CreditRequest,
): Promise<CreditNoteOutcome> {
  const earlier = await deps.ledger.creditNoteOfRequest(input.requestKey);
  if (earlier) return { result: 'duplicate', note: earlier, emailed: await deliverCreditNote(deps, earlier) };
  const reference = await requireReference(deps);
  const prefix = reference.settings.invoice.creditNotePrefix ?? DEFAULT_CREDIT_NOTE_PREFIX;
  for (let attempt = 1; attempt <= CONFLICT_ATTEMPTS; attempt += 1) {
    const account = await deps.ledger.getInvoice(input.invoiceNumber);
    if (!account) throw new CreditNoteRefused(`Invoice ${input.invoiceNumber} does not exist`, 'invoice');
    const client = reference.clients.find((c) => c.clientId === account.invoice.clientId);
    if (!client)
      throw new Error(
        `Invoice ${input.invoiceNumber} names client ${account.invoice.clientId}, which is not in the reference data`,
      );
    const note = creditNoteFor({
      target: account,
      request,
      taxRate: client.taxRate,
      reason: input.reason,
      issueDate: input.today,
      ...(input.asClientCredit ? { asClientCredit: true } : {}),
      creditedLines: await creditedLines(deps, input.invoiceNumber),
    });
    const recorded = await deps.ledger.issueCreditNote({
      requestKey: input.requestKey,
      prefix,
      note: { ...note, by: input.by },
      invoice: account,
    });
    if (recorded.result === 'conflict') continue;
    deps.log.info(recorded.result === 'issued' ? 'credit note issued' : 'credit note issued before', {
      number: recorded.note.number,
      invoice: input.invoiceNumber,
    });
    return { result: recorded.result, note: recorded.note, emailed: await deliverCreditNote(deps, recorded.note) };
  }
  throw new Error(
    `No credit note was issued for ${input.invoiceNumber}: payments or other notes were applied to it first ${CONFLICT_ATTEMPTS} times`,
  );
}

/** The invoice lines earlier credit notes of the invoice credited. */
async function creditedLines(deps: CreditNoteDeps, invoiceNumber: string): Promise<Set<number>> {
  const notes = (await deps.ledger.listCreditNotes()).filter((n) => n.invoiceNumber === invoiceNumber);
  return new Set(notes.flatMap((n) => n.lines.flatMap((l) => (l.invoiceLine === undefined ? [] : [l.invoiceLine]))));
}

/** The outbox key of a credit note's email. */
export function creditNoteEmailKey(number: string): string {
  return `credit_note#${number}`;
}

/**
 * Renders the note into the artifacts bucket and emails it, once: when its email is recorded,
 * the stored files are what was sent and are not rewritten (a pending email is sent now).
 * Returns whether this call recorded and sent the email.
 */
export async function deliverCreditNote(deps: CreditNoteDeps, note: CreditNote): Promise<boolean> {
  const key = creditNoteEmailKey(note.number);
  if (await completeIfRecorded(deps, key)) return false;
  const reference = await requireReference(deps);
  const account = await deps.ledger.getInvoice(note.invoiceNumber);
  if (!account)
    throw new Error(`Credit note ${note.number} credits invoice ${note.invoiceNumber}, which does not exist`);
  const client = reference.clients.find((c) => c.clientId === note.clientId);
  if (!client)
    throw new Error(`Credit note ${note.number} names client ${note.clientId}, which is not in the reference data`);
  const view: CreditNoteView = {
    note,
    invoice: account.invoice,
    client,
    settings: reference.settings,
    ...(reference.logo ? { logo: reference.logo } : {}),
  };
  const pdf = await renderCreditNotePdf(view);
  await deps.artifacts.put(
    creditNoteKey(note.number, 'json'),
    JSON.stringify(creditNoteJson(note), null, 1),
    'application/json',
  );
  await deps.artifacts.put(creditNoteKey(note.number, 'html'), renderCreditNoteHtml(view), 'text/html; charset=utf-8');
  await deps.artifacts.put(creditNoteKey(note.number, 'pdf'), pdf, 'application/pdf');
  return recordAndSend(deps, {
    key,
    kind: 'credit_note',
    date: note.issueDate,
    from: clientSender(reference.settings),
    to: client.billingEmails,
    content: await addPortalLink(deps, reference.settings, client.clientId, note.issueDate, creditNoteEmail(view, pdf)),
    invoices: [{ number: note.invoiceNumber }],
  });
}

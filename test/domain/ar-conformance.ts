/**
 * Reads the conformance example (test/fixtures/conformance, a copy of shared/conformance) into
 * domain values for the payments, dunning and aging tests: the expected invoices as issued, the
 * payments, the clients and the dunning steps. Deliberately simple parsing: the files are known.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPayment, type UnappliedPayment } from '../../functions/domain/apply-payment.js';
import { eachDay } from '../../functions/domain/dates.js';
import { decideDunning, dunningRecords } from '../../functions/domain/decide-dunning.js';
import { Dec } from '../../functions/domain/money.js';
import type {
  Client,
  DunningStep,
  Invoice,
  InvoiceAccount,
  InvoiceLineKind,
  LateFee,
  Payment,
} from '../../functions/domain/billing-types.js';

export const CONFORMANCE = join(import.meta.dirname, '..', 'fixtures', 'conformance');

interface InvoiceFile {
  number: string;
  clientId: string;
  period: string;
  currency: string;
  issueDate: string;
  dueDate: string;
  lines: Array<{
    kind: InvoiceLineKind;
    sku: string | null;
    period: string | null;
    description?: string;
    quantity: string;
    unitPrice: string;
    amount: string;
  }>;
  subtotal: string;
  tax: string;
  total: string;
  status: string;
  balance: string;
}

export interface ExpectedInvoice {
  readonly invoice: Invoice;
  readonly status: string;
  readonly balance: string;
}

export function expectedInvoices(): ExpectedInvoice[] {
  const dir = join(CONFORMANCE, 'expected', 'invoices');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as InvoiceFile;
      const invoice: Invoice = {
        number: json.number,
        clientId: json.clientId,
        period: json.period,
        currency: json.currency,
        issueDate: json.issueDate,
        dueDate: json.dueDate,
        lines: json.lines.map((l) => ({
          kind: l.kind,
          ...(l.sku ? { sku: l.sku } : {}),
          ...(l.period ? { period: l.period } : {}),
          description: l.description ?? '',
          quantity: new Dec(l.quantity),
          unitPrice: new Dec(l.unitPrice),
          amount: new Dec(l.amount),
        })),
        subtotal: new Dec(json.subtotal),
        tax: new Dec(json.tax),
        total: new Dec(json.total),
      };
      return { invoice, status: json.status, balance: json.balance };
    });
}

function csvRows(path: string): Array<Record<string, string>> {
  const [header, ...lines] = readFileSync(path, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const names = (header ?? '').split(',').map((h) => h.trim().toLowerCase());
  return lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(names.map((name, i) => [name, (cells[i] ?? '').trim()]));
  });
}

export function conformancePayments(): Payment[] {
  return csvRows(join(CONFORMANCE, 'data', 'payments', 'payments.csv')).map((r) => ({
    paymentId: r.payment_id!,
    invoiceNumber: r.invoice_number!,
    amount: new Dec(r.amount!),
    currency: r.currency!,
    receivedOn: r.received_on!,
  }));
}

export function conformanceClients(): Client[] {
  return csvRows(join(CONFORMANCE, 'data', 'clients.csv')).map((r) => ({
    clientId: r.client_id!,
    name: r.name!,
    billingEmails: r.billing_email!.split(';').map((e) => e.trim()),
    currency: r.currency!,
    paymentTermsDays: r.payment_terms_days ? Number(r.payment_terms_days) : 14,
    taxRate: new Dec(r.tax_rate || 0),
    dunning: r.dunning === 'none' ? 'none' : 'standard',
  }));
}

export function conformanceSteps(): DunningStep[] {
  const settings = JSON.parse(readFileSync(join(CONFORMANCE, 'data', 'trueup.json'), 'utf8')) as {
    dunning: { steps: Array<{ name: string; offsetDays: number; lateFee?: { percent: string; minimum: string } }> };
  };
  return settings.dunning.steps.map((s) => ({
    name: s.name,
    offsetDays: s.offsetDays,
    ...(s.lateFee ? { lateFee: { percent: new Dec(s.lateFee.percent), minimum: new Dec(s.lateFee.minimum) } } : {}),
  }));
}

export interface Notification {
  date: string;
  kind: string;
  to: string[];
  invoices: Array<{ number: string; step?: string }>;
}

export function expectedNotifications(): Notification[] {
  return JSON.parse(readFileSync(join(CONFORMANCE, 'expected', 'notifications.json'), 'utf8')) as Notification[];
}

export function expectedAgingCsv(asOf: string): string {
  return readFileSync(join(CONFORMANCE, 'expected', 'reports', `aging-${asOf}.csv`), 'utf8');
}

/** One dunning email as the replay saw it. */
export interface SentDunning {
  date: string;
  to: string[];
  invoices: Array<{ number: string; step: string }>;
}

export interface Replay {
  accounts: InvoiceAccount[];
  dunning: SentDunning[];
  lateFees: LateFee[];
  unapplied: UnappliedPayment[];
}

/**
 * The daily job from `from` to `to` on the expected invoices: each day (1) payments received
 * that day are applied to invoices issued by then, (2) dunning runs on the invoices issued by
 * then and its steps and fees are recorded. Invoices exist from their issue date on.
 */
export function replay(from: string, to: string): Replay {
  const all = expectedInvoices().map((e) => e.invoice);
  const payments = conformancePayments();
  const clients = conformanceClients();
  const steps = conformanceSteps();
  const accounts = new Map<string, InvoiceAccount>();
  const sentSteps = new Map<string, Set<string>>();
  const lateFeeCharged = new Set<string>();
  const recorded = new Set<string>();
  const result: Replay = { accounts: [], dunning: [], lateFees: [], unapplied: [] };
  for (const day of eachDay(from, to)) {
    for (const invoice of all) if (invoice.issueDate === day) accounts.set(invoice.number, { invoice, payments: [] });
    for (const payment of payments.filter((p) => p.receivedOn === day)) {
      const target = accounts.get(payment.invoiceNumber);
      const outcome = applyPayment(payment, target, { recordedPaymentIds: recorded });
      if (outcome.duplicate) continue;
      recorded.add(payment.paymentId);
      if (outcome.applied && target)
        accounts.set(target.invoice.number, { ...target, payments: [...target.payments, outcome.applied] });
      if (outcome.unapplied) result.unapplied.push(outcome.unapplied);
    }
    const decision = decideDunning({
      today: day,
      steps,
      clients,
      invoices: [...accounts.values()],
      sentSteps,
      lateFeeCharged,
    });
    const records = dunningRecords(decision, day);
    for (const { invoiceNumber, step } of records.stepsSent)
      sentSteps.set(invoiceNumber, new Set([...(sentSteps.get(invoiceNumber) ?? []), step]));
    for (const fee of records.lateFees) lateFeeCharged.add(fee.invoiceNumber);
    result.lateFees.push(...records.lateFees);
    for (const email of decision.emails) {
      result.dunning.push({
        date: day,
        to: email.to,
        invoices: email.items.map((i) => ({ number: i.invoiceNumber, step: i.step })),
      });
    }
  }
  result.accounts = [...accounts.values()];
  return result;
}

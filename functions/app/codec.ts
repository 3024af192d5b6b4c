/**
 * JSON storage of domain values. `Dec` serializes to its exact decimal string (decimal.js
 * `toJSON`); these revivers turn the known decimal fields back into `Dec` when read.
 */
import { Dec } from '../domain/money.js';
import type { Discrepancy } from '../domain/reconcile-period.js';
import type { AutoPayAttempt } from './ports.js';
import type {
  Agreement,
  Charge,
  Client,
  ClientCredit,
  CreditNote,
  CreditNoteLine,
  DunningStep,
  Invoice,
  InvoiceLine,
  LateFee,
  Payment,
  Product,
  ReferenceData,
  SkuMapping,
} from '../domain/billing-types.js';

type Json = Record<string, unknown>;

const dec = (value: unknown): Dec => new Dec(String(value));
const optDec = (value: unknown): Dec | undefined => (value === undefined || value === null ? undefined : dec(value));

export function encode(value: unknown): string {
  return JSON.stringify(value);
}

export function reviveReference(json: Json): ReferenceData {
  const r = json as unknown as ReferenceData & { settings: { dunning: { steps: Json[] } } };
  return {
    settings: {
      ...r.settings,
      ...(r.settings.invoice.autoApprove?.maxChangePercent === undefined
        ? {}
        : {
            invoice: {
              ...r.settings.invoice,
              autoApprove: {
                ...r.settings.invoice.autoApprove,
                maxChangePercent: dec(r.settings.invoice.autoApprove.maxChangePercent),
              },
            },
          }),
      ...(r.settings.payments?.cardSurchargePercent !== undefined
        ? {
            payments: {
              ...r.settings.payments,
              cardSurchargePercent: dec(r.settings.payments.cardSurchargePercent),
            },
          }
        : {}),
      dunning: {
        ...r.settings.dunning,
        steps: r.settings.dunning.steps.map((s) => {
          const step = s as unknown as DunningStep & { lateFee?: Json };
          return step.lateFee
            ? { ...step, lateFee: { percent: dec(step.lateFee.percent), minimum: dec(step.lateFee.minimum) } }
            : step;
        }),
      },
    },
    clients: r.clients.map((c: Client) => ({
      ...c,
      taxRate: dec(c.taxRate),
      ...(c.autoPayCap !== undefined ? { autoPayCap: dec(c.autoPayCap) } : {}),
    })),
    accounts: r.accounts,
    products: r.products.map((p: Product) => ({ ...p, listPrice: optDec(p.listPrice) })),
    skuMap: r.skuMap.map((m: SkuMapping) => ({ ...m, factor: dec(m.factor) })),
    agreements: r.agreements.map((a: Agreement) => ({
      ...a,
      quantity: dec(a.quantity),
      unitPrice: dec(a.unitPrice),
      markupPercent: dec(a.markupPercent),
      tolerance: dec(a.tolerance),
    })),
    ...(r.logo ? { logo: r.logo } : {}),
  };
}

export function reviveInvoice(json: Json): Invoice {
  const i = json as unknown as Invoice;
  return {
    ...i,
    lines: i.lines.map((l: InvoiceLine) => ({
      ...l,
      quantity: dec(l.quantity),
      unitPrice: dec(l.unitPrice),
      amount: dec(l.amount),
    })),
    subtotal: dec(i.subtotal),
    tax: dec(i.tax),
    total: dec(i.total),
  };
}

export function revivePayment(json: Json): Payment {
  const p = json as unknown as Payment;
  return {
    ...p,
    amount: dec(p.amount),
    ...(p.surcharge !== undefined ? { surcharge: dec(p.surcharge) } : {}),
    ...(p.fee !== undefined ? { fee: dec(p.fee) } : {}),
  };
}

export function reviveLateFee(json: Json): LateFee {
  const f = json as unknown as LateFee;
  return { ...f, amount: dec(f.amount) };
}

export function reviveDiscrepancy<T extends Discrepancy>(json: Json): T {
  const d = json as unknown as T;
  return { ...d, amountAtStake: optDec(d.amountAtStake) ?? null };
}

export function reviveCreditNote(json: Json): CreditNote {
  const n = json as unknown as CreditNote;
  return {
    ...n,
    lines: n.lines.map((l: CreditNoteLine) => ({
      ...l,
      quantity: dec(l.quantity),
      unitPrice: dec(l.unitPrice),
      amount: dec(l.amount),
    })),
    subtotal: dec(n.subtotal),
    tax: dec(n.tax),
    total: dec(n.total),
    applied: dec(n.applied),
    clientCredit: dec(n.clientCredit),
  };
}

export function reviveClientCredit(json: Json): ClientCredit {
  const c = json as unknown as ClientCredit;
  return { ...c, amount: dec(c.amount) };
}

export function reviveCharge<T extends Charge>(json: Json): T {
  const c = json as unknown as T;
  return { ...c, quantity: dec(c.quantity), unitPrice: dec(c.unitPrice) };
}

export function reviveAutoPay(json: Json): AutoPayAttempt {
  const a = json as unknown as AutoPayAttempt;
  return { ...a, amount: dec(a.amount) };
}

/**
 * The row schemas of the reference CSV files (docs/contract.md §2), one zod object per file,
 * keyed by column name and transformed into the domain types of `billing-types.ts`.
 */
import { z } from 'zod';
import { ZERO, ONE, decimalText, moneyProblem } from '../money.js';
import type { Account, Agreement, Client, Payment, Product, SkuMapping } from '../billing-types.js';
import * as cell from './cell-schemas.js';
import type { TableSpec } from './csv-table.js';

/** Runs a cross-column rule only when the columns it reads parsed cleanly. */
function whenValid(...columns: string[]): z.core.$ZodSuperRefineParams {
  return {
    when: (payload) => !payload.issues.some((issue) => columns.includes(String(issue.path?.[0]))),
  };
}

export const CLIENT_COLUMNS = [
  'client_id',
  'name',
  'billing_email',
  'currency',
  'payment_terms_days',
  'tax_rate',
  'dunning',
  'postal_address',
  'po_number',
  'tax_id',
  'payment_customer_id',
  'auto_pay',
  'auto_pay_cap',
] as const;

/** A cell that may span lines (a quoted postal address); other control characters are refused. */
const multiLineText = (max: number) =>
  z.string({ error: 'is required' }).transform((text, ctx): string => {
    const bad =
      cell.lineProblem(text.replace(/\r?\n/g, ' ')) ??
      (text.length > max ? `must be at most ${max} characters (got ${text.length})` : undefined);
    if (bad !== undefined) {
      ctx.addIssue({ code: 'custom', message: bad, input: text });
      return z.NEVER;
    }
    return text;
  });

/** clients.csv; `paymentTermsDays` is the settings' default for an empty cell. */
export function clientsSpec(paymentTermsDays: number): TableSpec<Client> {
  return {
    columns: CLIENT_COLUMNS,
    required: ['client_id', 'name', 'billing_email', 'currency'],
    row: z
      .object({
        client_id: cell.clientId(),
        name: cell.text(),
        billing_email: cell.emails(),
        currency: cell.currency(),
        payment_terms_days: cell.wholeNumber(0, 3650).optional(),
        tax_rate: cell.decimal({ min: 0, max: 100 }).optional(),
        dunning: cell.oneOf(['standard', 'none'] as const).optional(),
        postal_address: multiLineText(500).optional(),
        po_number: cell.text(100).optional(),
        tax_id: cell.text(100).optional(),
        payment_customer_id: cell.key().optional(),
        auto_pay: cell.oneOf(['true', 'false'] as const).optional(),
        auto_pay_cap: cell.decimal({ min: 0 }).optional(),
      })
      .superRefine(
        (r, ctx) => {
          // Auto-pay charges the provider's customer: without one there is nothing to charge.
          if (r.auto_pay === 'true' && r.payment_customer_id === undefined)
            ctx.addIssue({
              code: 'custom',
              path: ['payment_customer_id'],
              message:
                'is required when auto_pay is true (the payment provider customer whose saved method is charged)',
            });
          if (r.auto_pay_cap !== undefined) {
            const bad = moneyProblem(r.auto_pay_cap, r.currency);
            if (bad !== undefined) ctx.addIssue({ code: 'custom', path: ['auto_pay_cap'], message: bad });
          }
        },
        whenValid('auto_pay', 'payment_customer_id', 'auto_pay_cap', 'currency'),
      )
      .transform((r): Client => ({
        clientId: r.client_id,
        name: r.name,
        billingEmails: r.billing_email,
        currency: r.currency,
        paymentTermsDays: r.payment_terms_days ?? paymentTermsDays,
        taxRate: r.tax_rate ?? ZERO,
        dunning: r.dunning ?? 'standard',
        ...(r.postal_address !== undefined ? { postalAddress: r.postal_address } : {}),
        ...(r.po_number !== undefined ? { poNumber: r.po_number } : {}),
        ...(r.tax_id !== undefined ? { taxId: r.tax_id } : {}),
        ...(r.payment_customer_id !== undefined ? { paymentCustomerId: r.payment_customer_id } : {}),
        ...(r.auto_pay === 'true' ? { autoPay: true } : {}),
        ...(r.auto_pay_cap !== undefined ? { autoPayCap: r.auto_pay_cap } : {}),
      })),
  };
}

export const accountsSpec: TableSpec<Account> = {
  columns: ['vendor', 'account_id', 'client_id'],
  required: ['vendor', 'account_id', 'client_id'],
  row: z
    .object({
      vendor: cell.vendor(),
      account_id: cell.key(),
      client_id: cell.key(),
    })
    .transform((r): Account => ({ vendor: r.vendor, accountId: r.account_id, clientId: r.client_id })),
};

export const productsSpec: TableSpec<Product> = {
  columns: ['sku', 'name', 'unit', 'aggregation', 'list_price', 'income_account'],
  required: ['sku', 'name', 'unit', 'aggregation'],
  row: z
    .object({
      sku: cell.key(),
      name: cell.text(),
      unit: cell.text(100),
      aggregation: cell.oneOf(['sum', 'max', 'last', 'avg'] as const),
      list_price: cell.decimal({ min: 0 }).optional(),
      income_account: cell.text(100).optional(),
    })
    .transform((r): Product => ({
      sku: r.sku,
      name: r.name,
      unit: r.unit,
      aggregation: r.aggregation,
      ...(r.list_price !== undefined ? { listPrice: r.list_price } : {}),
      ...(r.income_account !== undefined ? { incomeAccount: r.income_account } : {}),
    })),
};

export const skuMapSpec: TableSpec<SkuMapping> = {
  columns: ['vendor', 'vendor_sku', 'sku', 'factor'],
  required: ['vendor', 'vendor_sku', 'sku'],
  row: z
    .object({
      vendor: cell.vendor(),
      vendor_sku: cell.key(),
      sku: cell.key(),
      factor: cell.decimal({ above: 0 }).optional(),
    })
    .transform((r): SkuMapping => ({ vendor: r.vendor, vendorSku: r.vendor_sku, sku: r.sku, factor: r.factor ?? ONE })),
};

export const agreementsSpec: TableSpec<Agreement> = {
  columns: [
    'agreement_id',
    'client_id',
    'sku',
    'quantity',
    'unit_price',
    'pricing',
    'markup_percent',
    'start_date',
    'end_date',
    'billing_frequency',
    'true_up',
    'tolerance',
    'description',
  ],
  required: ['agreement_id', 'client_id', 'sku', 'quantity', 'unit_price', 'start_date'],
  row: z
    .object({
      agreement_id: cell.key(),
      client_id: cell.key(),
      sku: cell.key(),
      // Required for per_unit lines (checked below); a cost_plus line may leave them empty (0).
      quantity: cell.decimal({ min: 0 }).optional(),
      unit_price: cell.decimal({ min: 0 }).optional(),
      pricing: cell.oneOf(['per_unit', 'cost_plus'] as const).optional(),
      markup_percent: cell.decimal({ min: 0 }).optional(),
      start_date: cell.date(),
      end_date: cell.date().optional(),
      billing_frequency: cell.oneOf(['monthly', 'quarterly', 'annual'] as const).optional(),
      true_up: cell.oneOf(['bill', 'flag', 'credit'] as const).optional(),
      tolerance: cell.decimal({ min: 0 }).optional(),
      description: cell.text().optional(),
    })
    .superRefine(
      (r, ctx) => {
        if (r.end_date !== undefined && r.end_date < r.start_date) {
          ctx.addIssue({
            code: 'custom',
            path: ['end_date'],
            message: `must not be before start_date ${r.start_date} (got "${r.end_date}")`,
          });
        }
      },
      whenValid('start_date', 'end_date'),
    )
    .superRefine(
      (r, ctx) => {
        if ((r.pricing ?? 'per_unit') !== 'per_unit') return;
        if (r.quantity === undefined)
          ctx.addIssue({ code: 'custom', path: ['quantity'], message: 'is required for per_unit pricing' });
        if (r.unit_price === undefined)
          ctx.addIssue({ code: 'custom', path: ['unit_price'], message: 'is required for per_unit pricing' });
        if (r.markup_percent !== undefined && !r.markup_percent.isZero()) {
          ctx.addIssue({
            code: 'custom',
            path: ['markup_percent'],
            message: `only applies to cost_plus pricing; leave it empty for per_unit lines (got "${decimalText(r.markup_percent)}")`,
          });
        }
      },
      whenValid('pricing', 'quantity', 'unit_price', 'markup_percent'),
    )
    .transform((r): Agreement => ({
      agreementId: r.agreement_id,
      clientId: r.client_id,
      sku: r.sku,
      quantity: r.quantity ?? ZERO,
      unitPrice: r.unit_price ?? ZERO,
      pricing: r.pricing ?? 'per_unit',
      markupPercent: r.markup_percent ?? ZERO,
      startDate: r.start_date,
      ...(r.end_date !== undefined ? { endDate: r.end_date } : {}),
      billingFrequency: r.billing_frequency ?? 'monthly',
      trueUp: r.true_up ?? 'bill',
      tolerance: r.tolerance ?? ZERO,
      ...(r.description !== undefined ? { description: r.description } : {}),
    })),
};

export const paymentsSpec: TableSpec<Payment> = {
  columns: [
    'payment_id',
    'invoice_number',
    'amount',
    'currency',
    'received_on',
    'method',
    'reference',
    'provider_reference',
  ],
  required: ['payment_id', 'invoice_number', 'amount', 'currency', 'received_on'],
  row: z
    .object({
      payment_id: cell.key(),
      invoice_number: cell.key(),
      // Its digits are checked below, against the currency's minor unit.
      amount: cell.decimal({ digits: false }),
      currency: cell.currency(),
      received_on: cell.date(),
      method: cell.text(100).optional(),
      reference: cell.text(200).optional(),
      provider_reference: cell.key().optional(),
    })
    .superRefine(
      (r, ctx) => {
        const bad = moneyProblem(r.amount, r.currency);
        if (bad !== undefined) ctx.addIssue({ code: 'custom', path: ['amount'], message: bad });
      },
      whenValid('amount', 'currency'),
    )
    .transform((r): Payment => ({
      paymentId: r.payment_id,
      invoiceNumber: r.invoice_number,
      amount: r.amount,
      currency: r.currency,
      receivedOn: r.received_on,
      ...(r.method !== undefined ? { method: r.method } : {}),
      ...(r.reference !== undefined ? { reference: r.reference } : {}),
      ...(r.provider_reference !== undefined ? { providerReference: r.provider_reference } : {}),
    })),
};

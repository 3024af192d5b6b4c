/**
 * The business vocabulary of docs/contract.md as plain data. Parsed and validated at the edges
 * (see reference-data.ts and the ingest readers); the domain functions only take these.
 */
import type { Dec } from './money.js';
import type { IsoDate, Period } from './dates.js';

export type Aggregation = 'sum' | 'max' | 'last' | 'avg';
export type Pricing = 'per_unit' | 'cost_plus';
export type BillingFrequency = 'monthly' | 'quarterly' | 'annual';
export type TrueUpPolicy = 'bill' | 'flag' | 'credit';
export type RecurringTiming = 'advance' | 'arrears';

export interface DunningStep {
  readonly name: string;
  readonly offsetDays: number;
  readonly lateFee?: { readonly percent: Dec; readonly minimum: Dec };
}

export interface Settings {
  readonly msp: {
    readonly name: string;
    readonly email: string;
    readonly address: string;
    /** Optional letterhead and sender details (client documents only). */
    readonly phone?: string;
    readonly taxId?: string;
    readonly senderName?: string;
    /** A PNG, JPEG or SVG file, relative to the data folder. */
    readonly logo?: string;
  };
  /** Formats dates, money and numbers on client documents (BCP 47, e.g. `en-US`); ISO in JSON and CSV. */
  readonly locale?: string;
  readonly timezone: string;
  readonly currency: string;
  readonly invoice: {
    readonly prefix: string;
    readonly paymentTermsDays: number;
    readonly recurringTiming: RecurringTiming;
    /** How to pay (bank, ACH, wire), printed on every invoice and in invoice and dunning emails. */
    readonly paymentInstructions?: string;
    /** Where to send cheques, when not the MSP's address. */
    readonly remitTo?: string;
    /** PDF paper size; by default Letter for US and Canadian locales, A4 elsewhere. */
    readonly paperSize?: PaperSize;
    /**
     * `auto` (absent): the billing run issues and emails every invoice. `hold`: it stores drafts
     * that the billing team approves (docs/review.md).
     */
    readonly review?: 'auto' | 'hold';
    /** Hold mode: drafts the billing run approves by itself when every rule given holds. */
    readonly autoApprove?: AutoApproveRules;
    /** Hold mode: drafts waiting longer than this many days raise the alarm (default 3). */
    readonly reviewAlarmDays?: number;
    /** The credit notes' series prefix, `{prefix}-{YYYY}-{NNNNNN}` (default `CN`). */
    readonly creditNotePrefix?: string;
  };
  readonly reports: { readonly recipients: readonly string[]; readonly agingWeekday: number };
  readonly dunning: {
    readonly steps: readonly DunningStep[];
    /** One statement-style email per client per dunning day listing every overdue invoice (default off). */
    readonly statement?: boolean;
  };
  /** A receipt email to the client for each payment applied; absent (off) unless set. */
  readonly receipts?: { readonly enabled: boolean };
  /** Getting paid online (docs/payments.md); absent: no Pay links, no auto-pay, no webhook. */
  readonly payments?: PaymentSettings;
  /** Statements of account (docs/statements.md); absent: none sent on a schedule. */
  readonly statements?: StatementSettings;
  /** The chart of accounts of the journal export (docs/accounting.md); absent: the defaults there. */
  readonly accounting?: AccountingSettings;
  /** The client portal (docs/portal.md); absent: no portal links in emails, none served. */
  readonly portal?: PortalSettings;
}

/** `portal` in trueup.json: the client portal's signed links. */
export interface PortalSettings {
  /** How many days a portal link opens the portal after it is made (default 30). */
  readonly linkDays: number;
}

/** `accounting` in trueup.json: the account each kind of journal entry posts to. */
export interface AccountingSettings {
  readonly accountsReceivable: string;
  readonly salesTaxPayable: string;
  /**
   * The sales tax account of each tax rate (percent, plain decimal text: "8.25"): the tax of a
   * client whose rate is listed posts there; every other rate's to `salesTaxPayable`.
   */
  readonly salesTaxPayableByRate?: Readonly<Record<string, string>>;
  readonly lateFeeIncome: string;
  /** Income of lines whose product has no `income_account` (and of lines without a product). */
  readonly defaultIncome: string;
  /** Money received, not yet deposited: the clearing account payments post to. */
  readonly undepositedFunds: string;
  /** A liability: money received that no invoice took. */
  readonly unappliedCash: string;
  /** A liability: credit notes' client credit, until an invoice spends it. */
  readonly clientCredit: string;
  /** Card surcharges clients paid on top of their invoices (payments' `surcharge`). */
  readonly surchargeIncome: string;
  /** The payment provider's fees (not posted yet). */
  readonly providerFees: string;
  /** Publishing to QuickBooks Online or Xero (docs/accounting.md); absent: nothing is published. */
  readonly publish?: BooksPublishSettings;
}

/** The accounting systems TrueUp publishes to. */
export type BooksSystemName = 'quickbooks' | 'xero';

/** `accounting.publish` in trueup.json: where the daily publish job pushes the documents. */
export interface BooksPublishSettings {
  readonly system: BooksSystemName;
  /**
   * Documents dated before this day are never published (the books already hold them, keyed
   * by hand); the customers of the documents published are.
   */
  readonly from: IsoDate;
  /**
   * The account payments are deposited to in the books (a bank account, or undeposited funds):
   * default `undepositedFunds`.
   */
  readonly paymentAccount?: string;
}

/** `payments` in trueup.json: the payment provider and how clients pay through it. */
export interface PaymentSettings {
  /** The provider: Stripe on AWS (keys in Secrets Manager); locally its embedded stand-in. */
  readonly provider: 'stripe';
  /** What the hosted payment page offers (default both). */
  readonly methods: readonly PaymentMethodType[];
  /** Base URL of the payments endpoint that Pay links point to, when not the stack's own Function URL. */
  readonly publicUrl?: string;
  /** When an auto-pay client's saved method is charged: the invoice's issue date or its due date (default). */
  readonly autoPayOn: 'issue_date' | 'due_date';
  /**
   * A card surcharge passed on to the client (percent of the amount paid by card), shown as a
   * line of its own on the payment page and never applied to the invoice; absent: none.
   */
  readonly cardSurchargePercent?: Dec;
}

export type PaymentMethodType = 'card' | 'us_bank_account';

/** `statements` in trueup.json: a statement of account to every client with a balance, monthly. */
export interface StatementSettings {
  /** The day of the month (1–28) the statements go out, as of that day. */
  readonly dayOfMonth: number;
}

/** Rules for approving a held draft without a person; a rule left out is not checked. */
export interface AutoApproveRules {
  /** No discrepancy of the client is still open (needs a decision). */
  readonly noOpenDiscrepancies?: boolean;
  /** The total is within ± this percent of the client's previous invoice in the same currency. */
  readonly maxChangePercent?: Dec;
}

export interface Client {
  readonly clientId: string;
  readonly name: string;
  readonly billingEmails: readonly string[];
  readonly currency: string;
  readonly paymentTermsDays: number;
  readonly taxRate: Dec;
  readonly dunning: 'standard' | 'none';
  /** Optional, printed on the client's invoices. */
  readonly postalAddress?: string;
  readonly poNumber?: string;
  readonly taxId?: string;
  /** The payment provider's customer (Stripe `cus_…`) whose saved method auto-pay charges. */
  readonly paymentCustomerId?: string;
  /** Charge the saved method on the auto-pay day (settings `payments.autoPayOn`). */
  readonly autoPay?: boolean;
  /** Auto-pay charges at most this much per invoice; a larger balance is not charged (a `payment_failed` discrepancy says so). */
  readonly autoPayCap?: Dec;
}

export type PaperSize = 'Letter' | 'A4';

/** The MSP's logo as read from the data folder, stored with the reference data. */
export interface Logo {
  /** The file name given in `msp.logo`. */
  readonly file: string;
  readonly contentType: 'image/png' | 'image/jpeg' | 'image/svg+xml';
  readonly base64: string;
}

export interface Account {
  readonly vendor: string;
  readonly accountId: string;
  readonly clientId: string;
}

export interface Product {
  readonly sku: string;
  readonly name: string;
  readonly unit: string;
  readonly aggregation: Aggregation;
  readonly listPrice?: Dec;
  /** The income account its lines post to in the journal (products.csv `income_account`). */
  readonly incomeAccount?: string;
}

export interface SkuMapping {
  readonly vendor: string;
  /** A vendor sku, or `*` for every sku of the vendor without an exact entry. */
  readonly vendorSku: string;
  readonly sku: string;
  readonly factor: Dec;
}

export interface Agreement {
  readonly agreementId: string;
  readonly clientId: string;
  readonly sku: string;
  readonly quantity: Dec;
  readonly unitPrice: Dec;
  readonly pricing: Pricing;
  readonly markupPercent: Dec;
  readonly startDate: IsoDate;
  readonly endDate?: IsoDate;
  readonly billingFrequency: BillingFrequency;
  readonly trueUp: TrueUpPolicy;
  readonly tolerance: Dec;
  readonly description?: string;
}

export interface Payment {
  readonly paymentId: string;
  readonly invoiceNumber: string;
  readonly amount: Dec;
  readonly currency: string;
  readonly receivedOn: IsoDate;
  readonly method?: string;
  readonly reference?: string;
  /** The provider's id for the money (Stripe `pi_…`, `re_…`): payments CSV `provider_reference`. */
  readonly providerReference?: string;
  /** What was charged, in words a client recognises ("Visa •••• 4242"), when the provider says. */
  readonly methodDetail?: string;
  /** A card surcharge paid on top of the invoice amount (not applied to the invoice). */
  readonly surcharge?: Dec;
  /**
   * What the payment provider kept of this money (Stripe's balance transaction `fee`), in
   * `feeCurrency` (the provider account's settlement currency); absent until the provider
   * reports it. A refund's fee as the provider reports it (usually 0; negative when a fee is
   * returned). Never applied to the invoice.
   */
  readonly fee?: Dec;
  /** The fee's currency (upper case); present with `fee`. */
  readonly feeCurrency?: string;
}

/** Everything a user describes in the data folder. */
export interface ReferenceData {
  readonly settings: Settings;
  readonly clients: readonly Client[];
  readonly accounts: readonly Account[];
  readonly products: readonly Product[];
  readonly skuMap: readonly SkuMapping[];
  readonly agreements: readonly Agreement[];
  /** Present when `msp.logo` names a file. */
  readonly logo?: Logo;
}

/** Where a value came from: the file name and its 1-based physical line. */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
}

/** One usage row after reading, in vendor terms (docs/contract.md §3). */
export interface UsageRecord {
  readonly vendor: string;
  readonly accountId: string;
  readonly vendorSku: string;
  readonly quantity: Dec;
  readonly usageDate: IsoDate;
  readonly period: Period;
  readonly unitCost?: Dec;
  readonly cost?: Dec;
  readonly currency?: string;
  readonly reference?: string;
  readonly source: SourceRef;
}

/**
 * `charge`: a one-off charge (Charge); `client_credit`: client credit from a credit note spent
 * on this invoice (a negative amount, never taxed, at most what the invoice comes to).
 */
export type InvoiceLineKind = 'recurring' | 'true_up' | 'credit' | 'usage' | 'charge' | 'late_fee' | 'client_credit';

export interface InvoiceLine {
  readonly kind: InvoiceLineKind;
  /** Absent on late_fee lines. */
  readonly sku?: string;
  /** The service period the line covers; absent on late_fee lines. */
  readonly period?: Period;
  readonly description: string;
  readonly quantity: Dec;
  readonly unitPrice: Dec;
  /** Rounded to the invoice currency's minor unit. */
  readonly amount: Dec;
  /** For ordering and audit: the agreement line behind it, if any. */
  readonly agreementId?: string;
  /** late_fee lines: the invoice the fee was charged on, and the day it was charged. */
  readonly feeOf?: { readonly invoiceNumber: string; readonly chargedOn: IsoDate };
  /** charge lines: the charge billed. */
  readonly chargeId?: string;
  /** client_credit lines: the credit note whose client credit the line spends. */
  readonly creditNote?: string;
  /** false on a charge added as not taxable; every other line but late fees and client credit is taxed. */
  readonly taxable?: boolean;
}

/** An issued invoice. Immutable once issued (docs/contract.md §5). */
export interface Invoice {
  readonly number: string;
  readonly clientId: string;
  readonly period: Period;
  readonly currency: string;
  readonly issueDate: IsoDate;
  readonly dueDate: IsoDate;
  readonly lines: readonly InvoiceLine[];
  readonly subtotal: Dec;
  readonly tax: Dec;
  readonly total: Dec;
}

/**
 * A payment applied to an invoice (the part that counted toward its balance), or the part of a
 * credit note that reduced it (`creditNote` set, `paymentId` = the credit note's number).
 */
export interface AppliedPayment {
  readonly paymentId: string;
  readonly amount: Dec;
  readonly receivedOn: IsoDate;
  /** Set when this is a credit note's reduction of the balance, not money received. */
  readonly creditNote?: string;
}

export type InvoiceStatus = 'open' | 'partially_paid' | 'paid' | 'void';

/** An invoice together with what happened to it after issue. */
export interface InvoiceAccount {
  readonly invoice: Invoice;
  readonly payments: readonly AppliedPayment[];
  /** Set when the client disputes the invoice: dunning stops. */
  readonly disputedOn?: IsoDate;
  /** Set when the invoice was voided (its full credit note issued): no balance, no dunning. */
  readonly voidedOn?: IsoDate;
}

/** A late fee charged by a dunning step, waiting for the client's next invoice. */
export interface LateFee {
  readonly invoiceNumber: string;
  readonly clientId: string;
  readonly currency: string;
  readonly amount: Dec;
  readonly step: string;
  readonly chargedOn: IsoDate;
}

/**
 * A one-off charge (docs/review.md): billed once, as a `charge` line on the first invoice
 * issued for the client on or after `date`, or at once on an invoice of its own (`invoiceNow`).
 */
export interface Charge {
  readonly chargeId: string;
  readonly clientId: string;
  readonly date: IsoDate;
  readonly description: string;
  readonly quantity: Dec;
  readonly unitPrice: Dec;
  readonly sku?: string;
  readonly taxable: boolean;
  readonly invoiceNow?: boolean;
  /** The discrepancy this charge bills or credits (`trueup discrepancies bill|credit`). */
  readonly discrepancyId?: string;
  /** Who added it (a CLI user); the discrepancy it bills is closed in their name. */
  readonly by?: string;
}

/** Client credit left by a credit note above its invoice's open balance, spent on later invoices. */
export interface ClientCredit {
  readonly creditNote: string;
  readonly clientId: string;
  readonly currency: string;
  /** What is left to spend. */
  readonly amount: Dec;
  readonly issuedOn: IsoDate;
}

export interface CreditNoteLine {
  readonly description: string;
  readonly quantity: Dec;
  readonly unitPrice: Dec;
  /** Positive: what is credited, before tax. */
  readonly amount: Dec;
  readonly sku?: string;
  readonly period?: Period;
  /** The invoice line credited (1-based), when the note credits lines. */
  readonly invoiceLine?: number;
  readonly taxable: boolean;
}

/**
 * A credit note: its own gapless series, linked to one invoice, amounts positive (what is
 * credited). `applied` reduced the invoice's balance; `clientCredit` is the rest, kept for the
 * client's next invoices.
 */
export interface CreditNote {
  readonly number: string;
  readonly invoiceNumber: string;
  readonly clientId: string;
  readonly currency: string;
  readonly issueDate: IsoDate;
  readonly reason: string;
  readonly lines: readonly CreditNoteLine[];
  readonly subtotal: Dec;
  readonly tax: Dec;
  readonly total: Dec;
  readonly applied: Dec;
  readonly clientCredit: Dec;
  /** Issued by voiding the invoice. */
  readonly void: boolean;
  /** Who issued it (a CLI user, or `trueup` for the pipeline and simulate). */
  readonly by?: string;
}

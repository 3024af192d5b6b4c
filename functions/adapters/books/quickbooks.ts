/**
 * QuickBooks Online as the accounting system (docs/quickbooks.md): customers, invoices, credit
 * memos and payments through the Accounting API v3 (quickbooks-client.ts), each keyed by its
 * TrueUp number and created with a `requestid`, so a retry or a re-run never duplicates.
 * Nothing is ever deleted, voided or updated there: this adapter only reads and creates.
 *
 * - Customer: `DisplayName` = `<name> (<client id>)` (unique in QuickBooks), found by its suffix.
 * - Invoice / CreditMemo: `DocNumber` = the TrueUp number (≤ 21 characters, refused before sending
 *   otherwise). A credit memo applied to an invoice is applied with a $0 Payment linking both.
 * - Payment: `PaymentRefNum` = the payment id (its first 21 characters when longer), the whole id
 *   in `PrivateNote`; linked to its invoice (`Line[].LinkedTxn`).
 * - Lines: one Service item per income account, `TrueUp <account>`, found by name or created.
 * - Tax: TrueUp's tax as `TxnTaxDetail.TotalTax`; the returned `TotalAmt` is handed back for the
 *   publisher's totals check (a company with automated sales tax may compute its own).
 */
import {
  BooksRefused,
  type AccountingSystem,
  type BooksCreditNote,
  type BooksCustomer,
  type BooksInvoice,
  type BooksKind,
  type BooksLine,
  type BooksPayment,
  type BooksRef,
} from '../../app/books-ports.js';
import { Dec } from '../../domain/money.js';
import {
  QuickBooksHttp,
  QuickBooksUnavailable,
  QuickBooksValidationFault,
  qboDec,
  qboLiteral,
  type QuickBooksConnection,
} from './quickbooks-client.js';

export { QBO_MINOR_VERSION, QuickBooksUnavailable, requestIdFor } from './quickbooks-client.js';

/** QuickBooks' limits: `DocNumber` and `PaymentRefNum` 21 characters, item `Name` 100. */
export const DOC_NUMBER_MAX = 21;
const ITEM_NAME_MAX = 100;
/** Accounts read at once (one page of the query); a larger chart is not supported. */
const ACCOUNTS_PAGE = 1000;

export interface QuickBooksOptions extends QuickBooksConnection {
  /** Line `TaxCodeRef` of taxable / untaxed lines: US companies `TAX` / `NON` (the defaults). */
  readonly taxableCode?: string;
  readonly exemptCode?: string;
  /** `TxnTaxDetail.TxnTaxCodeRef`, when the company needs one (a US sales tax rate or group). */
  readonly txnTaxCode?: string;
}

type Json = Record<string, unknown>;
type DocumentKind = Exclude<BooksKind, 'customer'>;

export function createQuickBooks(options: QuickBooksOptions): AccountingSystem {
  return new QuickBooksOnline(options);
}

/** The customer's name in QuickBooks: unique there, and ending with the client id we look up. */
export function customerDisplayName(customer: Pick<BooksCustomer, 'name' | 'clientId'>): string {
  return `${qboName(customer.name)} (${customer.clientId})`;
}

/** The item that carries one income account's lines. */
export function itemName(account: string): string {
  return `TrueUp ${qboName(account)}`.slice(0, ITEM_NAME_MAX);
}

/** `PaymentRefNum`: the payment id, cut to QuickBooks' 21 characters (the whole id goes in PrivateNote). */
export function paymentRefNum(paymentId: string): string {
  return paymentId.slice(0, DOC_NUMBER_MAX);
}

function paymentNote(paymentId: string): string {
  return `TrueUp payment ${paymentId}`;
}

/** Names may not hold a colon (QuickBooks' sub-entity separator), tabs or new lines. */
function qboName(text: string): string {
  return text
    .replace(/:/g, '-')
    .replace(/[\t\r\n]+/g, ' ')
    .trim();
}

class QuickBooksOnline implements AccountingSystem {
  readonly system = 'quickbooks' as const;
  private readonly http: QuickBooksHttp;
  private accounts: Promise<Json[]> | undefined;
  private readonly items = new Map<string, Promise<string>>();

  constructor(private readonly options: QuickBooksOptions) {
    this.http = new QuickBooksHttp(options);
  }

  async findCustomer(clientId: string): Promise<BooksRef | undefined> {
    const suffix = ` (${clientId})`;
    const rows = await this.http.query(
      'Customer',
      `select * from Customer where DisplayName like ${qboLiteral(`%${suffix}`)}`,
    );
    const matches = rows.filter((row) => String(row.DisplayName ?? '').endsWith(suffix));
    if (matches.length > 1) {
      const names = matches.map((row) => `"${String(row.DisplayName)}" (Id ${String(row.Id)})`).join(', ');
      throw new BooksRefused(`QuickBooks has ${matches.length} customers for client ${clientId}: ${names}; keep one`);
    }
    return matches[0] === undefined ? undefined : ref(matches[0]);
  }

  async createCustomer(customer: BooksCustomer, idempotencyKey: string): Promise<BooksRef> {
    const body = {
      DisplayName: customerDisplayName(customer),
      CompanyName: qboName(customer.name),
      ...(customer.email === undefined ? {} : { PrimaryEmailAddr: { Address: customer.email } }),
      CurrencyRef: { value: customer.currency },
    };
    try {
      return ref(await this.http.create('Customer', body, idempotencyKey));
    } catch (error) {
      // 6240 Duplicate Name: created meanwhile (adopt it), or the name is a vendor's / an inactive customer's.
      if (error instanceof QuickBooksValidationFault && error.has('6240')) {
        const found = await this.findCustomer(customer.clientId);
        if (found !== undefined) return found;
      }
      throw error;
    }
  }

  async findDocument(kind: DocumentKind, key: string): Promise<BooksRef | undefined> {
    if (kind === 'payment') return this.findPayment(key);
    const row = await this.findByDocNumber(kind, key);
    if (row === undefined) return undefined;
    // A credit memo whose application to its invoice did not happen yet is not done: say absent,
    // so the publisher calls createCreditNote again, which finds the memo and applies it.
    if (kind === 'credit_note' && pendingApplication(row) !== undefined) return undefined;
    return ref(row);
  }

  async createInvoice(invoice: BooksInvoice, customer: BooksRef, idempotencyKey: string): Promise<BooksRef> {
    checkDocNumber('Invoice', invoice.number);
    const body = {
      DocNumber: invoice.number,
      CustomerRef: { value: customer.externalId },
      TxnDate: invoice.issueDate,
      DueDate: invoice.dueDate,
      CurrencyRef: { value: invoice.currency },
      PrivateNote: `TrueUp invoice ${invoice.number} (${invoice.period})`,
      Line: await this.lines(invoice.lines),
      TxnTaxDetail: this.taxDetail(invoice.tax),
    };
    return this.createDocument('Invoice', body, customer, idempotencyKey);
  }

  async createCreditNote(
    note: BooksCreditNote,
    customer: BooksRef,
    invoice: BooksRef | undefined,
    idempotencyKey: string,
  ): Promise<BooksRef> {
    checkDocNumber('CreditMemo', note.number);
    const applies = invoice !== undefined && note.invoiceNumber !== undefined && note.applied.gt(0);
    const existing = await this.findByDocNumber('credit_note', note.number);
    const memo =
      existing ?? (await this.createMemo(note, customer, applies ? note.invoiceNumber : undefined, idempotencyKey));
    const pending = pendingApplication(memo);
    if (applies && pending !== undefined) {
      await this.applyCredit(note, memo, invoice, customer, `${idempotencyKey}#apply`);
    }
    return ref(memo);
  }

  async createPayment(payment: BooksPayment, invoice: BooksRef, idempotencyKey: string): Promise<BooksRef> {
    const invoiceRow = await this.invoiceById(invoice.externalId, payment.invoiceNumber);
    const body = {
      CustomerRef: invoiceRow.CustomerRef,
      TotalAmt: payment.amount,
      TxnDate: payment.receivedOn,
      CurrencyRef: { value: payment.currency },
      PaymentRefNum: paymentRefNum(payment.id),
      PrivateNote: paymentNote(payment.id),
      DepositToAccountRef: { value: await this.accountId(payment.account) },
      Line: [{ Amount: payment.amount, LinkedTxn: [{ TxnId: invoice.externalId, TxnType: 'Invoice' }] }],
    };
    return ref(await this.http.create('Payment', body, idempotencyKey));
  }

  private async createMemo(
    note: BooksCreditNote,
    customer: BooksRef,
    appliesTo: string | undefined,
    idempotencyKey: string,
  ): Promise<Json> {
    const body = {
      DocNumber: note.number,
      CustomerRef: { value: customer.externalId },
      TxnDate: note.issueDate,
      CurrencyRef: { value: note.currency },
      PrivateNote: memoNote(note, appliesTo),
      Line: await this.lines(note.lines),
      TxnTaxDetail: this.taxDetail(note.tax),
    };
    return this.createDocumentRow('CreditMemo', body, customer, idempotencyKey);
  }

  /** QuickBooks applies a credit memo to an invoice with a $0 payment that links both. */
  private async applyCredit(
    note: BooksCreditNote,
    memo: Json,
    invoice: BooksRef,
    customer: BooksRef,
    idempotencyKey: string,
  ): Promise<void> {
    const body = {
      CustomerRef: { value: customer.externalId },
      TotalAmt: new Dec(0),
      TxnDate: note.issueDate,
      CurrencyRef: { value: note.currency },
      PrivateNote: `TrueUp credit note ${note.number} applied to ${note.invoiceNumber ?? ''}`,
      Line: [
        { Amount: note.applied, LinkedTxn: [{ TxnId: invoice.externalId, TxnType: 'Invoice' }] },
        { Amount: note.applied, LinkedTxn: [{ TxnId: String(memo.Id), TxnType: 'CreditMemo' }] },
      ],
    };
    await this.http.create('Payment', body, idempotencyKey);
  }

  private async createDocument(entity: string, body: Json, customer: BooksRef, key: string): Promise<BooksRef> {
    return ref(await this.createDocumentRow(entity, body, customer, key));
  }

  /**
   * Creates an invoice or credit memo. 6140 (Duplicate Document Number, when the company warns on
   * duplicates) means the number is taken: the same customer's document is ours (adopted), any
   * other is refused with QuickBooks' message.
   */
  private async createDocumentRow(entity: string, body: Json, customer: BooksRef, key: string): Promise<Json> {
    try {
      return await this.http.create(entity, body, key);
    } catch (error) {
      if (!(error instanceof QuickBooksValidationFault) || !error.has('6140')) throw error;
      const kind = entity === 'Invoice' ? 'invoice' : 'credit_note';
      const found = await this.findByDocNumber(kind, String(body.DocNumber));
      if (found !== undefined && refValue(found.CustomerRef) === customer.externalId) return found;
      throw error;
    }
  }

  private async findByDocNumber(kind: 'invoice' | 'credit_note', number: string): Promise<Json | undefined> {
    if (number.length > DOC_NUMBER_MAX) return undefined;
    const entity = kind === 'invoice' ? 'Invoice' : 'CreditMemo';
    const rows = await this.http.query(entity, `select * from ${entity} where DocNumber = ${qboLiteral(number)}`);
    return rows.find((row) => row.DocNumber === number);
  }

  private async findPayment(paymentId: string): Promise<BooksRef | undefined> {
    const refNum = paymentRefNum(paymentId);
    const rows = await this.http.query('Payment', `select * from Payment where PaymentRefNum = ${qboLiteral(refNum)}`);
    // A cut id may be shared: the whole id in PrivateNote tells ours apart.
    const ours = rows.filter(
      (row) =>
        row.PaymentRefNum === refNum &&
        (paymentId.length <= DOC_NUMBER_MAX || String(row.PrivateNote ?? '').includes(paymentNote(paymentId))),
    );
    return ours[0] === undefined ? undefined : ref(ours[0]);
  }

  private async invoiceById(id: string, number: string): Promise<Json> {
    const rows = await this.http.query('Invoice', `select * from Invoice where Id = ${qboLiteral(id)}`);
    const row = rows.find((candidate) => String(candidate.Id) === id);
    if (row === undefined)
      throw new BooksRefused(`QuickBooks has no invoice Id ${id} (${number}) to apply the payment to`);
    return row;
  }

  private async lines(lines: readonly BooksLine[]): Promise<Json[]> {
    const out: Json[] = [];
    for (const line of lines) out.push(await this.line(line));
    return out;
  }

  /**
   * A sales line. Qty and UnitPrice go only when their product is the amount exactly: QuickBooks
   * refuses a line whose Amount is not UnitPrice × Qty, and TrueUp's amount is the rounded product.
   */
  private async line(line: BooksLine): Promise<Json> {
    const exact = line.quantity.mul(line.unitPrice).eq(line.amount);
    return {
      DetailType: 'SalesItemLineDetail',
      Amount: line.amount,
      Description: line.description,
      SalesItemLineDetail: {
        ItemRef: { value: await this.itemId(line.account), name: itemName(line.account) },
        ...(exact ? { Qty: line.quantity, UnitPrice: line.unitPrice } : {}),
        TaxCodeRef: {
          value: line.taxable ? (this.options.taxableCode ?? 'TAX') : (this.options.exemptCode ?? 'NON'),
        },
      },
    };
  }

  private taxDetail(tax: Dec): Json {
    const code = this.options.txnTaxCode;
    return { ...(code === undefined ? {} : { TxnTaxCodeRef: { value: code } }), TotalTax: tax };
  }

  /** The Service item of an income account: found by name, else created (once per run). */
  private itemId(account: string): Promise<string> {
    let id = this.items.get(account);
    if (id === undefined) {
      id = this.findOrCreateItem(account);
      id.catch(() => this.items.delete(account));
      this.items.set(account, id);
    }
    return id;
  }

  private async findOrCreateItem(account: string): Promise<string> {
    const name = itemName(account);
    const accountId = await this.accountId(account);
    const found = await this.findItem(name);
    if (found !== undefined) return checkedItem(found, account, accountId);
    const body = { Name: name, Type: 'Service', IncomeAccountRef: { value: accountId } };
    try {
      return String((await this.http.create('Item', body, `trueup-item-${account}`)).Id);
    } catch (error) {
      const again =
        error instanceof QuickBooksValidationFault && error.has('6240') ? await this.findItem(name) : undefined;
      if (again !== undefined) return checkedItem(again, account, accountId);
      throw error;
    }
  }

  private async findItem(name: string): Promise<Json | undefined> {
    const rows = await this.http.query('Item', `select * from Item where Name = ${qboLiteral(name)}`);
    return rows.find((row) => row.Name === name);
  }

  /**
   * The account named as in TrueUp's chart (`4100 Licensing`): by number (`AcctNum`, the first
   * word when it has a digit), then by the name after the number, then by the whole text.
   */
  private async accountId(account: string): Promise<string> {
    const rows = await this.chartOfAccounts();
    const [first = '', ...rest] = account.trim().split(/\s+/);
    const code = /\d/.test(first) ? first : undefined;
    const name = code === undefined ? account.trim() : rest.join(' ');
    const match =
      (code === undefined ? undefined : rows.find((row) => row.AcctNum === code)) ??
      rows.find((row) => row.Name === name) ??
      rows.find((row) => row.Name === account.trim() || row.FullyQualifiedName === account.trim());
    if (match === undefined) {
      const tried = [code === undefined ? undefined : `number ${code}`, `name "${name}"`].filter(Boolean).join(', ');
      throw new BooksRefused(
        `QuickBooks has no account "${account}" (looked for ${tried}): add it to the chart of accounts, or change the account in trueup.json / products.csv`,
      );
    }
    return String(match.Id);
  }

  private chartOfAccounts(): Promise<Json[]> {
    this.accounts ??= this.http.query('Account', `select * from Account maxresults ${ACCOUNTS_PAGE}`);
    this.accounts.catch(() => (this.accounts = undefined));
    return this.accounts;
  }
}

function checkDocNumber(entity: string, number: string): void {
  if (number.length > DOC_NUMBER_MAX) {
    throw new BooksRefused(
      `${number} has ${number.length} characters; a QuickBooks ${entity} DocNumber holds at most ${DOC_NUMBER_MAX}: use a shorter numbering format`,
    );
  }
}

/** An item found by name must post to the account its name says. */
function checkedItem(item: Json, account: string, accountId: string): string {
  const posts = refValue(item.IncomeAccountRef);
  if (posts !== accountId) {
    throw new BooksRefused(
      `QuickBooks item "${String(item.Name)}" (Id ${String(item.Id)}) posts to account Id ${posts ?? 'none'}, not to "${account}" (Id ${accountId}): set its income account, or rename it so TrueUp creates its own`,
    );
  }
  return String(item.Id);
}

const APPLIES = /; applies (-?[\d.]+) to (\S+)$/;

/** The memo's PrivateNote records what TrueUp applies, so an interrupted application is resumed. */
function memoNote(note: BooksCreditNote, appliesTo: string | undefined): string {
  const base = `TrueUp credit note ${note.number}`;
  return appliesTo === undefined ? base : `${base}; applies ${note.applied.toString()} to ${appliesTo}`;
}

/** The amount still to apply: the memo says it applies some, and none of its credit is used yet. */
function pendingApplication(memo: Json): Dec | undefined {
  const applies = APPLIES.exec(String(memo.PrivateNote ?? ''));
  if (applies === null) return undefined;
  const total = qboDec(memo.TotalAmt, 'CreditMemo.TotalAmt');
  const remaining = memo.RemainingCredit === undefined ? total : qboDec(memo.RemainingCredit, 'RemainingCredit');
  return remaining.eq(total) && total.gt(0) ? new Dec(applies[1] ?? '0') : undefined;
}

function refValue(value: unknown): string | undefined {
  const inner = (value as { value?: unknown } | undefined)?.value;
  return inner === undefined ? undefined : String(inner);
}

function ref(row: Json): BooksRef {
  if (row.Id === undefined) throw new QuickBooksUnavailable('QuickBooks answered without an Id');
  return {
    externalId: String(row.Id),
    ...(row.TotalAmt === undefined ? {} : { total: qboDec(row.TotalAmt, 'TotalAmt') }),
  };
}

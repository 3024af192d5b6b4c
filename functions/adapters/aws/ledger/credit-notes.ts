/**
 * The credit notes (docs/credit-notes.md): the gapless counter (COUNTER CREDITNOTE), the notes
 * (CREDITNOTE, by number), the request keys that made them (CREDITNOTEREQ), each note's
 * applied entry on its invoice (APPLIED, beside the payments) and the client credit it leaves
 * (`CLIENT#<client>`, `CREDIT#<note>`). One transaction issues a note with all of them.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { encode, reviveClientCredit, reviveCreditNote } from '../../../app/codec.js';
import type { CreditNoteBook, IssueCreditNoteResult } from '../../../app/ports.js';
import { decimalText, Dec, roundMoney } from '../../../domain/money.js';
import type { AppliedPayment, ClientCredit, CreditNote } from '../../../domain/billing-types.js';
import { clientCreditKey } from './items.js';
import { LedgerTable, type Item } from './table.js';

type IssueInput = Parameters<CreditNoteBook['issueCreditNote']>[0];
type TransactItems = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>;

/** How many times the counter is read again when a concurrent note took the number first. */
const COUNTER_ATTEMPTS = 20;

export class DynamoDbCreditNotes extends LedgerTable implements CreditNoteBook {
  async issueCreditNote(input: IssueInput): Promise<IssueCreditNoteResult> {
    for (let attempt = 0; attempt < COUNTER_ATTEMPTS; attempt += 1) {
      const earlier = await this.creditNoteOfRequest(input.requestKey);
      if (earlier) return { result: 'duplicate', note: earlier };
      const counter = await this.getItem('COUNTER', 'CREDITNOTE', true);
      const current = Number(counter?.value ?? 0);
      const note: CreditNote = {
        ...input.note,
        number: creditNoteNumber(input.prefix, input.note.issueDate, current + 1),
      };
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: this.issueItems(input, note, current) }));
        return { result: 'issued', note };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const codes = (error.CancellationReasons ?? []).map((r) => r.Code);
        if (codes[1] === 'ConditionalCheckFailed') continue; // the request key was used: the loop returns its note
        if (codes[3] === 'ConditionalCheckFailed') return { result: 'conflict' }; // the invoice's totals moved
        if (codes[0] === 'ConditionalCheckFailed' || codes[2] === 'ConditionalCheckFailed') continue; // number taken
        if (codes.includes('TransactionConflict')) return { result: 'conflict' };
        throw error;
      }
    }
    throw new Error(`Could not take a credit note number after ${COUNTER_ATTEMPTS} attempts`);
  }

  /** counter, request key, note, invoice (in this order: the cancellation reasons are read by index), then the rest. */
  private issueItems(input: IssueInput, note: CreditNote, current: number): TransactItems {
    const { invoice, paid, paymentCount } = input.invoice;
    const number = invoice.number;
    const applied = note.applied.greaterThan(0);
    const settled = !roundMoney(invoice.total.minus(paid.plus(note.applied)), invoice.currency).greaterThan(0);
    const sets = [
      ...(applied ? ['paid = :paid', 'paymentCount = :next'] : []),
      ...(note.void ? ['voidedOn = :on'] : []),
    ];
    const removes = note.void || settled ? ' REMOVE GSI1PK, GSI1SK' : '';
    const condition = 'attribute_exists(PK) AND paymentCount = :count AND attribute_not_exists(voidedOn)';
    const values: Item = {
      ':count': paymentCount,
      ...(applied ? { ':paid': decimalText(paid.plus(note.applied)), ':next': paymentCount + 1 } : {}),
      ...(note.void ? { ':on': note.issueDate } : {}),
    };
    const invoiceItem: TransactItems[number] =
      sets.length > 0 || removes
        ? {
            // The count is the invoice's version: a payment or note applied since it was read refuses this one.
            Update: {
              TableName: this.table,
              Key: { PK: 'INVOICE', SK: number },
              UpdateExpression: `${sets.length > 0 ? `SET ${sets.join(', ')}` : ''}${removes}`.trim(),
              ConditionExpression: condition,
              ExpressionAttributeValues: values,
            },
          }
        : {
            ConditionCheck: {
              TableName: this.table,
              Key: { PK: 'INVOICE', SK: number },
              ConditionExpression: condition,
              ExpressionAttributeValues: { ':count': paymentCount },
            },
          };
    const items: TransactItems = [
      {
        Update: {
          TableName: this.table,
          Key: { PK: 'COUNTER', SK: 'CREDITNOTE' },
          UpdateExpression: 'SET #v = :next',
          ConditionExpression: current === 0 ? 'attribute_not_exists(#v) OR #v = :current' : '#v = :current',
          ExpressionAttributeNames: { '#v': 'value' },
          ExpressionAttributeValues: { ':next': current + 1, ':current': current },
        },
      },
      {
        Put: {
          TableName: this.table,
          Item: { PK: 'CREDITNOTEREQ', SK: input.requestKey, number: note.number },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      {
        Put: {
          TableName: this.table,
          Item: { PK: 'CREDITNOTE', SK: note.number, invoice: number, clientId: note.clientId, data: encode(note) },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      invoiceItem,
    ];
    if (applied) {
      const entry: AppliedPayment = {
        paymentId: note.number,
        amount: note.applied,
        receivedOn: note.issueDate,
        creditNote: note.number,
      };
      items.push({
        Put: {
          TableName: this.table,
          Item: { PK: 'APPLIED', SK: `${number}#${note.number}`, invoice: number, data: encode(entry) },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      });
    }
    if (note.clientCredit.greaterThan(0)) {
      const credit: ClientCredit = {
        creditNote: note.number,
        clientId: note.clientId,
        currency: note.currency,
        amount: note.clientCredit,
        issuedOn: note.issueDate,
      };
      items.push({
        Put: {
          TableName: this.table,
          Item: {
            ...clientCreditKey(note.clientId, note.number),
            remaining: decimalText(note.clientCredit),
            data: encode(credit),
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      });
    }
    return items;
  }

  async creditNoteOfRequest(requestKey: string): Promise<CreditNote | undefined> {
    const request = await this.getItem('CREDITNOTEREQ', requestKey, true);
    if (!request) return undefined;
    const note = await this.getCreditNote(String(request.number));
    if (!note) throw new Error(`Credit note ${String(request.number)} of request ${requestKey} is missing`);
    return note;
  }

  async getCreditNote(number: string): Promise<CreditNote | undefined> {
    const item = await this.getItem('CREDITNOTE', number, true);
    return item ? reviveCreditNote(JSON.parse(String(item.data)) as Item) : undefined;
  }

  async listCreditNotes(): Promise<CreditNote[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': 'CREDITNOTE' },
    });
    return items.map((item) => reviveCreditNote(JSON.parse(String(item.data)) as Item));
  }

  /** What is left of each credit (`remaining`, lowered by the invoices that spent it). */
  async clientCredits(clientId: string): Promise<ClientCredit[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :credit)',
      ExpressionAttributeValues: { ':pk': `CLIENT#${clientId}`, ':credit': 'CREDIT#' },
    });
    return items
      .map((item) => ({
        ...reviveClientCredit(JSON.parse(String(item.data)) as Item),
        amount: new Dec(String(item.remaining)),
      }))
      .filter((c) => c.amount.greaterThan(0))
      .sort((a, b) => a.issuedOn.localeCompare(b.issuedOn) || a.creditNote.localeCompare(b.creditNote));
  }
}

/** `{prefix}-{YYYY of the issue date}-{NNNNNN}`, as invoice numbers are. */
export function creditNoteNumber(prefix: string, issueDate: string, sequence: number): string {
  return `${prefix}-${issueDate.slice(0, 4)}-${String(sequence).padStart(6, '0')}`;
}

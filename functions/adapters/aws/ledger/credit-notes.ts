/** The ledger's the credit notes (COUNTER CREDITNOTE, CREDITNOTE, client credit). SKELETON: being written (issue 18), not wired into anything yet. */
import type { CreditNoteBook } from '../../../app/ports.js';
import { LedgerTable } from './table.js';

const todo = (): never => {
  throw new Error('DynamoDbCreditNotes: not written yet');
};

export class DynamoDbCreditNotes extends LedgerTable implements CreditNoteBook {
  readonly issueCreditNote: CreditNoteBook['issueCreditNote'] = todo;
  readonly getCreditNote: CreditNoteBook['getCreditNote'] = todo;
  readonly listCreditNotes: CreditNoteBook['listCreditNotes'] = todo;
  readonly clientCredits: CreditNoteBook['clientCredits'] = todo;
}

/** The ledger's the drafts of hold mode (DRAFT, by period and client). SKELETON: being written (issue 18), not wired into anything yet. */
import type { DraftBook } from '../../../app/ports.js';
import { LedgerTable } from './table.js';

const todo = (): never => {
  throw new Error('DynamoDbDrafts: not written yet');
};

export class DynamoDbDrafts extends LedgerTable implements DraftBook {
  readonly saveDrafts: DraftBook['saveDrafts'] = todo;
  readonly listDrafts: DraftBook['listDrafts'] = todo;
  readonly holdDraft: DraftBook['holdDraft'] = todo;
  readonly approveDrafts: DraftBook['approveDrafts'] = todo;
}

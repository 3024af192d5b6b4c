/** The ledger's the one-off charges (CHARGE, per client). SKELETON: being written (issue 18), not wired into anything yet. */
import type { ChargeBook } from '../../../app/ports.js';
import { LedgerTable } from './table.js';

const todo = (): never => {
  throw new Error('DynamoDbCharges: not written yet');
};

export class DynamoDbCharges extends LedgerTable implements ChargeBook {
  readonly addCharge: ChargeBook['addCharge'] = todo;
  readonly unbilledCharges: ChargeBook['unbilledCharges'] = todo;
  readonly listCharges: ChargeBook['listCharges'] = todo;
}

/**
 * What was published to the books: `PK=BOOKS#<system>, SK=<kind>#<key>`, one item per document
 * (docs/data-model.md). A refused record is overwritten by the next attempt; a published one is
 * final — the put's condition refuses to replace it, so two runs racing record one publish. The
 * day the billing team was told (`reportedOn`) is an attribute of its own, set by an update, so
 * a final record can be marked reported without being replaced (the same whichever way it was
 * written: never inside `data`).
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BooksKind, BooksLog, BooksRecord, BooksSystemName } from '../../../app/books-ports.js';
import { encode } from '../../../app/codec.js';
import type { IsoDate } from '../../../domain/dates.js';
import { LedgerTable, isConditionFailure } from './table.js';

function recordOf(item: Record<string, unknown>): BooksRecord {
  const record = JSON.parse(String(item.data)) as BooksRecord;
  return typeof item.reportedOn === 'string' ? { ...record, reportedOn: item.reportedOn as IsoDate } : record;
}

export class DynamoDbBooks extends LedgerTable implements BooksLog {
  async getBooksRecord(system: BooksSystemName, kind: BooksKind, key: string): Promise<BooksRecord | undefined> {
    const item = await this.getItem(`BOOKS#${system}`, `${kind}#${key}`, true);
    return item ? recordOf(item) : undefined;
  }

  async putBooksRecord(record: BooksRecord): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            PK: `BOOKS#${record.system}`,
            SK: `${record.kind}#${record.key}`,
            status: record.status,
            data: encode({ ...record, reportedOn: undefined }),
            ...(record.reportedOn === undefined ? {} : { reportedOn: record.reportedOn }),
          },
          ConditionExpression: 'attribute_not_exists(PK) OR #s <> :published',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':published': 'published' },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async listBooksRecords(system: BooksSystemName): Promise<BooksRecord[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': `BOOKS#${system}` },
    });
    return items.map(recordOf);
  }

  async markBooksReported(system: BooksSystemName, kind: BooksKind, key: string, on: IsoDate): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { PK: `BOOKS#${system}`, SK: `${kind}#${key}` },
          UpdateExpression: 'SET reportedOn = :on',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':on': on },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}

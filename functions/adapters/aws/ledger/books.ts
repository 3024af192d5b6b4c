/**
 * What was published to the books: `PK=BOOKS#<system>, SK=<kind>#<key>`, one item per document
 * (docs/data-model.md). A refused record is overwritten by the next attempt; a published one is
 * final — the put's condition refuses to replace it, so two runs racing record one publish.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { BooksKind, BooksLog, BooksRecord, BooksSystemName } from '../../../app/books-ports.js';
import { encode } from '../../../app/codec.js';
import { LedgerTable, isConditionFailure } from './table.js';

export class DynamoDbBooks extends LedgerTable implements BooksLog {
  async getBooksRecord(system: BooksSystemName, kind: BooksKind, key: string): Promise<BooksRecord | undefined> {
    const item = await this.getItem(`BOOKS#${system}`, `${kind}#${key}`, true);
    return item ? (JSON.parse(String(item.data)) as BooksRecord) : undefined;
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
            data: encode(record),
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
    return items.map((i) => JSON.parse(String(i.data)) as BooksRecord);
  }
}

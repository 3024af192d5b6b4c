/** The reference data, stored as JSON in ordered chunks under one partition per version. */
import { createHash } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { encode, reviveReference } from '../../../app/codec.js';
import type { ReferenceDataStore } from '../../../app/ports.js';
import type { ReferenceData } from '../../../domain/billing-types.js';
import { LedgerTable, type Item } from './table.js';

const REFERENCE_CHUNK = 300_000; // characters per reference-data item, well under DynamoDB's 400 KB

export class DynamoDbReferenceData extends LedgerTable implements ReferenceDataStore {
  /** The parsed reference data of one version: every job reads it, and a version never changes. */
  private referenceCache: { version: string; value: ReferenceData } | undefined;

  async saveReferenceData(reference: ReferenceData): Promise<void> {
    const json = encode(reference);
    const chunks: string[] = [];
    for (let i = 0; i < json.length; i += REFERENCE_CHUNK) chunks.push(json.slice(i, i + REFERENCE_CHUNK));
    const version = createHash('sha256').update(json).digest('hex').slice(0, 16); // same data, same version
    for (let i = 0; i < chunks.length; i += 25) {
      const batch = chunks.slice(i, i + 25).map((data, j) => ({
        PutRequest: { Item: { PK: `REF#${version}`, SK: String(i + j).padStart(6, '0'), data } },
      }));
      await this.batchWrite(batch);
    }
    // Switch readers to the new version only once every chunk is written.
    await this.db.send(
      new PutCommand({ TableName: this.table, Item: { PK: 'REF', SK: 'CURRENT', version, chunks: chunks.length } }),
    );
  }

  async loadReferenceData(): Promise<ReferenceData | undefined> {
    const head = await this.getItem('REF', 'CURRENT', true);
    if (!head) return undefined;
    const version = String(head.version);
    if (this.referenceCache?.version === version) return this.referenceCache.value;
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': `REF#${version}` },
    });
    const value = reviveReference(JSON.parse(items.map((i) => String(i.data)).join('')) as Item);
    this.referenceCache = { version, value };
    return value;
  }
}

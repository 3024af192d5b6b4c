/** The usage files: a claim per content (FILE) and a log entry per file and per later drop (FILELOG). */
import { PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { encode } from '../../../app/codec.js';
import type { FileRecord, UsageFileLog } from '../../../app/ports.js';
import type { Period } from '../../../domain/dates.js';
import { isConditionFailure, LedgerTable } from './table.js';

export class DynamoDbUsageFiles extends LedgerTable implements UsageFileLog {
  async claimFile(
    sha256: string,
    name: string,
    key: string,
  ): Promise<{ claimed: true } | { claimed: false; existing: FileRecord | undefined; sameObject: boolean }> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { PK: 'FILE', SK: sha256, name, key, status: 'processing' },
          ConditionExpression: 'attribute_not_exists(PK) OR (#s = :processing AND #k = :key)',
          ExpressionAttributeNames: { '#s': 'status', '#k': 'key' },
          ExpressionAttributeValues: { ':processing': 'processing', ':key': key },
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const item = await this.getItem('FILE', sha256, true);
      return {
        claimed: false,
        existing: item?.data ? (JSON.parse(String(item.data)) as FileRecord) : undefined,
        sameObject: item?.key === key,
      };
    }
  }

  async completeFile(record: FileRecord): Promise<FileRecord> {
    // Both puts are idempotent: a retry after a lost response writes the same items again.
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.table,
              Item: {
                PK: 'FILE',
                SK: record.sha256,
                name: record.name,
                key: record.key,
                status: 'done',
                data: encode(record),
              },
            },
          },
          { Put: { TableName: this.table, Item: { PK: 'FILELOG', SK: fileLogSk(record), data: encode(record) } } },
        ],
      }),
    );
    return record;
  }

  async recordDuplicateFile(record: FileRecord): Promise<FileRecord> {
    const written = await this.putOnce({ PK: 'FILELOG', SK: fileLogSk(record), data: encode(record) });
    if (written) return record;
    const item = await this.getItem('FILELOG', fileLogSk(record), true);
    return item ? (JSON.parse(String(item.data)) as FileRecord) : record;
  }

  async unreportedFiles(): Promise<FileRecord[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk',
      FilterExpression: 'attribute_not_exists(reportedIn)',
      ExpressionAttributeValues: { ':pk': 'FILELOG' },
    });
    return items
      .map((i) => JSON.parse(String(i.data)) as FileRecord)
      .sort((a, b) => a.ingestedOn.localeCompare(b.ingestedOn) || (a.key ?? a.name).localeCompare(b.key ?? b.name));
  }

  async markFilesReported(files: readonly FileRecord[], period: Period): Promise<void> {
    for (const file of files) {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { PK: 'FILELOG', SK: fileLogSk(file) },
          UpdateExpression: 'SET reportedIn = if_not_exists(reportedIn, :p)',
          ExpressionAttributeValues: { ':p': period },
        }),
      );
    }
  }
}

/** A file's log entry: one per content, and one per later inbox object with that content. */
function fileLogSk(file: FileRecord): string {
  return file.duplicateOf === undefined ? `FILE#${file.sha256}` : `DUP#${file.sha256}#${file.key ?? file.name}`;
}

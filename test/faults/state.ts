/**
 * Installations as values: fork one (copy its table items and bucket objects into a fresh
 * installation on the same stand-in), dump one canonically (what must be equal after a
 * retried job), and remove one.
 */
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  ScanCommand as DocScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  CopyObjectCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { EmbeddedAws, SentEmail } from '../../functions/adapters/local/embedded-aws.js';
import {
  localNames,
  provisionLocal,
  type LocalInstallation,
  type LocalOptions,
} from '../../functions/local-runner/local-runtime.js';

type Item = Record<string, unknown>;

export async function scanItems(dynamodb: DynamoDBClient, table: string): Promise<Item[]> {
  const doc = DynamoDBDocumentClient.from(dynamodb);
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(
      new DocScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

export async function listObjects(
  s3: S3Client,
  bucket: string,
): Promise<{ key: string; etag: string; size: number }[]> {
  const objects: { key: string; etag: string; size: number }[] = [];
  let token: string | undefined;
  do {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of out.Contents ?? [])
      if (o.Key) objects.push({ key: o.Key, etag: (o.ETag ?? '').replace(/"/g, ''), size: o.Size ?? 0 });
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
  return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** A fresh installation `name` holding a copy of `source`'s table items and objects (queues empty). */
export async function forkInstallation(
  aws: EmbeddedAws,
  source: LocalInstallation,
  name: string,
  options: LocalOptions = {},
): Promise<LocalInstallation> {
  const target = await provisionLocal(aws, name, options);
  const from = localNames(source.name);
  const to = localNames(name);
  const items = await scanItems(source.clients.dynamodb, from.table);
  const doc = DynamoDBDocumentClient.from(source.clients.dynamodb);
  for (let i = 0; i < items.length; i += 25) {
    let pending = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [to.table]: pending } }));
      pending = (out.UnprocessedItems?.[to.table] ?? []) as typeof pending;
    }
  }
  for (const [a, b] of [
    [from.usageBucket, to.usageBucket],
    [from.artifactsBucket, to.artifactsBucket],
  ] as const) {
    const objects = await listObjects(source.clients.s3, a);
    for (let i = 0; i < objects.length; i += 16) {
      await Promise.all(
        objects
          .slice(i, i + 16)
          .map((o) =>
            source.clients.s3.send(
              new CopyObjectCommand({ Bucket: b, Key: o.key, CopySource: `${a}/${encodeURIComponent(o.key)}` }),
            ),
          ),
      );
    }
  }
  return target;
}

/** Deletes the installation's table, buckets and queues (and its clients). */
export async function destroyInstallation(installation: LocalInstallation): Promise<void> {
  const names = localNames(installation.name);
  const { dynamodb, s3, sqs } = installation.clients;
  await dynamodb.send(new DeleteTableCommand({ TableName: names.table }));
  for (const bucket of [names.usageBucket, names.artifactsBucket]) {
    const objects = await listObjects(s3, bucket);
    for (let i = 0; i < objects.length; i += 1000) {
      await s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: objects.slice(i, i + 1000).map((o) => ({ Key: o.key })) },
        }),
      );
    }
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  }
  for (const queue of [names.workQueue, names.discrepancyQueue]) {
    for (const q of [queue, `${queue}-dlq`]) {
      const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: q }))).QueueUrl;
      if (url) await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    }
  }
  for (const client of Object.values(installation.clients)) client.destroy();
}

/** Makes every message an attempt received (and did not delete) visible again: the visibility timeout has passed. */
export async function releaseReceived(
  sqs: SQSClient,
  receipts: ReadonlyMap<string, ReadonlySet<string>>,
): Promise<void> {
  for (const [queueUrl, handles] of receipts) {
    for (const handle of handles) {
      try {
        await sqs.send(
          new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: handle, VisibilityTimeout: 0 }),
        );
      } catch {
        // deleted already: nothing to release
      }
    }
  }
}

/** Ends every send lease an attempt left: the lease time has passed before the retry. */
export async function expireSendLeases(installation: LocalInstallation): Promise<void> {
  const table = localNames(installation.name).table;
  const doc = DynamoDBDocumentClient.from(installation.clients.dynamodb);
  const leased = (await scanItems(installation.clients.dynamodb, table)).filter(
    (i) => i.PK === 'OUTBOX' && i.leaseUntil !== undefined,
  );
  for (const item of leased) {
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { PK: item.PK, SK: item.SK },
        UpdateExpression: 'REMOVE leaseUntil, leaseOwner',
      }),
    );
  }
}

export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

// ------------------------------------------------------------------ canonical dump

export interface StateDump {
  /** Canonical JSON of every table item, keyed by PK|SK (after normalization). */
  readonly items: Record<string, string>;
  /** bucket-kind/key -> etag (content hash) of every object. */
  readonly objects: Record<string, string>;
  /** Messages left on the queues. */
  readonly queues: { work: number; discrepancies: number };
  /** X-TrueUp-Key -> how many times SES accepted it (this installation's job only). */
  readonly emails: Record<string, number>;
}

/**
 * What matters, not what legitimately differs: the outbox's `sentOrder`, SES message ids and send leases,
 * the SESMSG link's key (a message id), the values of the ordering counters (EMAIL, FILE,
 * PAYMENT: a retry may skip a value) and ingestion/pending-payment `seq` numbers, which are
 * compared by rank (a recorded payment's `seq` is left out: it only ordered the pending ones); Powertools idempotency records. Invoice numbers and their counter are compared
 * exactly, and so are the invoices' running payment totals (`paid`, `paymentCount`) and the
 * applied payments (`PK=APPLIED`, one item each).
 */
export function canonicalItems(raw: readonly Item[]): Record<string, string> {
  const items = raw.filter((i) => !String(i.PK).startsWith('idempotency'));
  const rank = (values: number[]): Map<number, number> =>
    new Map([...new Set(values)].sort((a, b) => a - b).map((v, i) => [v, i + 1]));
  const fileSeq = rank(items.filter((i) => i.PK === 'FILELOG').map((i) => Number(i.seq)));
  // A payment's seq orders the pending ones for applying; once recorded, its value says nothing
  // (a job that goes on past one failure, as auto-pay does, stores the retried one later).
  const paymentSeq = rank(items.filter((i) => i.PK === 'PAYMENT' && i.status === 'pending').map((i) => Number(i.seq)));
  const out: Record<string, string> = {};
  for (const original of items) {
    const item: Item = { ...original };
    for (const [k, v] of Object.entries(item)) {
      if (v instanceof Set) item[k] = [...v].map(String).sort();
      else if (k === 'data') item[k] = parseMaybe(v);
    }
    let key = `${String(item.PK)}|${String(item.SK)}`;
    if (item.PK === 'COUNTER' && item.SK !== 'INVOICE') delete item.value;
    if (item.PK === 'OUTBOX') {
      delete item.leaseUntil; // a lease is when and by whom, not what
      delete item.leaseOwner;
    }
    if (item.PK === 'OUTBOX' && isObject(item.data)) {
      const data = { ...item.data };
      delete data.sentOrder;
      delete data.messageId;
      item.data = data;
    }
    if (item.PK === 'SESMSG') {
      key = `SESMSG|for ${String(item.key)}`;
      item.SK = '(message id)';
    }
    if (item.PK === 'FILELOG' || (item.PK === 'FILE' && isObject(item.data))) {
      const seq = fileSeq.get(Number(item.PK === 'FILELOG' ? item.seq : (item.data as Item).seq));
      if (item.PK === 'FILELOG') item.seq = seq;
      if (isObject(item.data)) item.data = { ...item.data, seq };
      if (String(item.SK).startsWith('DUP#')) {
        item.SK = `DUP#rank${String(seq)}`;
        key = `FILELOG|${String(item.SK)}`;
      }
    }
    if (item.PK === 'PAYMENT') {
      if (item.status === 'pending') item.seq = paymentSeq.get(Number(item.seq));
      else delete item.seq;
    }
    out[key] = stableJson(item);
  }
  return out;
}

export function emailKey(email: SentEmail): string {
  const raw = (email as { raw?: string }).raw;
  const match = raw ? /^X-TrueUp-Key:\s*(.+)$/im.exec(raw.split(/\r?\n\r?\n/)[0] ?? '') : null;
  return match?.[1]?.trim() ?? `(no key) ${email.subject} -> ${email.to.join(',')}`;
}

export function countEmails(emails: readonly SentEmail[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of emails) counts[emailKey(e)] = (counts[emailKey(e)] ?? 0) + 1;
  return counts;
}

export async function dumpInstallation(
  installation: LocalInstallation,
  emails: readonly SentEmail[],
): Promise<StateDump> {
  const names = localNames(installation.name);
  const { dynamodb, s3, sqs } = installation.clients;
  const items = canonicalItems(await scanItems(dynamodb, names.table));
  const objects: Record<string, string> = {};
  for (const [kind, bucket] of [
    ['usage', names.usageBucket],
    ['artifacts', names.artifactsBucket],
  ] as const) {
    for (const o of await listObjects(s3, bucket)) objects[`${kind}/${o.key}`] = o.etag || `size:${o.size}`;
  }
  const queues = {
    work: await queueDepth(sqs, installation.queues.work),
    discrepancies: await queueDepth(sqs, installation.queues.discrepancies),
  };
  return { items, objects, queues, emails: countEmails(emails) };
}

/** Human-readable differences between a clean run's dump and another; empty when equal. */
export function diffDumps(clean: StateDump, other: StateDump, limit = 8): string[] {
  const out: string[] = [];
  const compare = (what: string, a: Record<string, string | number>, b: Record<string, string | number>): void => {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (a[key] === b[key]) continue;
      if (a[key] === undefined) out.push(`${what} extra ${key}: ${clip(b[key])}`);
      else if (b[key] === undefined) out.push(`${what} missing ${key}: ${clip(a[key])}`);
      else out.push(`${what} changed ${key}: ${clip(a[key])} -> ${clip(b[key])}`);
    }
  };
  compare('item', clean.items, other.items);
  compare('object', clean.objects, other.objects);
  compare('queue', clean.queues, other.queues);
  compare('email', clean.emails, other.emails);
  return out.slice(0, limit).concat(out.length > limit ? [`… and ${out.length - limit} more`] : []);
}

/** Invariants any state must satisfy: gapless invoice numbers, one invoice per (client, period), no pending email. */
export function checkInvariants(dump: StateDump): string[] {
  const problems: string[] = [];
  const counter = dump.items['COUNTER|INVOICE'] ? Number((JSON.parse(dump.items['COUNTER|INVOICE']) as Item).value) : 0;
  const numbers = Object.keys(dump.items)
    .filter((k) => k.startsWith('INVOICE|'))
    .map((k) => Number(k.slice(-6)))
    .sort((a, b) => a - b);
  if (numbers.length !== counter || numbers.some((n, i) => n !== i + 1))
    problems.push(`invoice numbers not gapless: counter ${counter}, numbers ${numbers.length}`);
  const claims = Object.keys(dump.items).filter((k) => /^CLIENT#.*\|INVOICEFOR#/.test(k)).length;
  if (claims !== numbers.length) problems.push(`${claims} (client, period) claims for ${numbers.length} invoices`);
  for (const [key, value] of Object.entries(dump.items)) {
    if (key.startsWith('OUTBOX|') && (JSON.parse(value) as Item).status === 'pending')
      problems.push(`email ${key.slice(7)} still pending`);
  }
  for (const [key, n] of Object.entries(dump.emails))
    if (n > 1) problems.push(`email ${key} accepted by SES ${n} times`);
  return problems;
}

function parseMaybe(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function isObject(value: unknown): value is Item {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

function clip(value: unknown): string {
  const text = String(value);
  return text.length > 240 ? `${text.slice(0, 240)}…` : text;
}

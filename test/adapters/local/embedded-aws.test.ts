import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { SESClient, SendEmailCommand, SendRawEmailCommand, VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import { bareAddresses, startEmbeddedAws, type EmbeddedAws } from '../../../functions/adapters/local/embedded-aws.js';
import { DynamoDbLocalUnavailable, liveDynamoDbLocalCount } from '../../../functions/adapters/local/dynamodb-local.js';

function refusesConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/** Every listening TCP socket of this machine, from /proc/net/tcp and tcp6 (Linux). */
function listeningSockets(): { address: string; port: number; loopback: boolean }[] {
  const sockets = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || !local) continue; // 0A: LISTEN
      const [address = '', port = ''] = local.split(':');
      // IPv4 as little-endian hex (127.x.x.x ends in 7F); IPv6 as four little-endian words:
      // ::1 and ::ffff:127.x.x.x (IPv4-mapped, as Java binds 127.0.0.1) are loopback.
      const loopback =
        address.length === 8
          ? address.endsWith('7F')
          : address === '00000000000000000000000001000000' || /^0000000000000000FFFF0000[0-9A-F]{6}7F$/.test(address);
      sockets.push({ address, port: parseInt(port, 16), loopback });
    }
  }
  return sockets;
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startEmbeddedAws', () => {
  let aws: EmbeddedAws;
  let dynamodb: DynamoDBClient;
  let s3: S3Client;
  let sqs: SQSClient;
  let ses: SESClient;
  const logs: string[] = [];

  beforeAll(async () => {
    aws = await startEmbeddedAws({ log: (msg) => logs.push(msg) });
    dynamodb = new DynamoDBClient(aws.clientConfig('dynamodb'));
    s3 = new S3Client(aws.clientConfig('s3'));
    sqs = new SQSClient(aws.clientConfig('sqs'));
    ses = new SESClient(aws.clientConfig('ses'));
  });

  afterAll(async () => {
    for (const client of [dynamodb, s3, sqs, ses]) client?.destroy();
    await aws?.stop();
  });

  it('binds every endpoint to 127.0.0.1 on distinct ports and reports its timings', () => {
    const urls = [aws.endpoints.dynamodb, aws.endpoints.s3, aws.endpoints.sqs, aws.endpoints.ses, aws.sesInboxUrl];
    for (const url of urls) expect(new URL(url ?? 'missing:').hostname).toBe('127.0.0.1');
    expect(new Set([aws.endpoints.dynamodb, aws.endpoints.s3, aws.endpoints.ses]).size).toBe(3);
    expect(aws.region).toBe('us-east-1');
    expect(aws.clientConfig('s3').forcePathStyle).toBe(true);
    expect(aws.timings.startMs).toBeGreaterThan(0);
    expect(aws.timings.dynamodbMs).toBeGreaterThan(0);
    expect(logs.join('\n')).toMatch(/DynamoDB http:\/\/127\.0\.0\.1:\d+ \(pid \d+\)/);
  });

  it.runIf(existsSync('/proc/net/tcp'))('listens on loopback addresses only, DynamoDB Local included', () => {
    const ports = [aws.endpoints.dynamodb, aws.endpoints.s3, aws.endpoints.ses].map((url) =>
      Number(new URL(url ?? 'x:').port),
    );
    const sockets = listeningSockets().filter((s) => ports.includes(s.port));
    expect(new Set(sockets.map((s) => s.port))).toEqual(new Set(ports));
    expect(sockets.filter((s) => !s.loopback)).toEqual([]);
  });

  it('serves the SES web inbox page', async () => {
    const res = await fetch(aws.sesInboxUrl, { headers: { connection: 'close' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<html/i);
  });

  describe('DynamoDB', () => {
    it('creates a table with a GSI and queries the index', async () => {
      await dynamodb.send(
        new CreateTableCommand({
          TableName: 'ledger',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'PK', AttributeType: 'S' },
            { AttributeName: 'SK', AttributeType: 'S' },
            { AttributeName: 'GSI1PK', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'PK', KeyType: 'HASH' },
            { AttributeName: 'SK', KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: 'GSI1',
              KeySchema: [{ AttributeName: 'GSI1PK', KeyType: 'HASH' }],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
        }),
      );
      const described = await dynamodb.send(new DescribeTableCommand({ TableName: 'ledger' }));
      expect(described.Table?.GlobalSecondaryIndexes?.[0]?.IndexName).toBe('GSI1');

      await dynamodb.send(
        new PutItemCommand({
          TableName: 'ledger',
          Item: { PK: { S: 'C#1' }, SK: { S: 'INV#1' }, GSI1PK: { S: 'OPEN' } },
        }),
      );
      const open = await dynamodb.send(
        new QueryCommand({
          TableName: 'ledger',
          IndexName: 'GSI1',
          KeyConditionExpression: 'GSI1PK = :s',
          ExpressionAttributeValues: { ':s': { S: 'OPEN' } },
        }),
      );
      expect(open.Items?.map((i) => i.SK?.S)).toEqual(['INV#1']);
    });

    it('cancels a TransactWriteItems whose condition fails, with reasons, and writes nothing', async () => {
      const attempt = dynamodb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'ledger', Item: { PK: { S: 'C#1' }, SK: { S: 'INV#2' } } } },
            {
              Put: {
                TableName: 'ledger',
                Item: { PK: { S: 'C#1' }, SK: { S: 'INV#1' } },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
          ],
        }),
      );
      const error = await attempt.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TransactionCanceledException);
      const codes = (error as TransactionCanceledException).CancellationReasons?.map((r) => r.Code);
      expect(codes).toEqual(['None', 'ConditionalCheckFailed']);

      const all = await dynamodb.send(
        new QueryCommand({
          TableName: 'ledger',
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': { S: 'C#1' } },
        }),
      );
      expect(all.Items?.map((i) => i.SK?.S)).toEqual(['INV#1']);
    });
  });

  describe('S3', () => {
    it('round-trips a Buffer and a streamed body and lists both', async () => {
      await s3.send(new CreateBucketCommand({ Bucket: 'usage' }));
      await s3.send(
        new PutObjectCommand({
          Bucket: 'usage',
          Key: 'in/a.csv',
          Body: Buffer.from('id,qty\n1,2\n'),
          ContentType: 'text/csv',
        }),
      );

      const chunks = Array.from({ length: 64 }, (_, i) =>
        Buffer.from(`row-${String(i).padStart(4, '0')},${'x'.repeat(1000)}\n`),
      );
      const expected = Buffer.concat(chunks);
      await s3.send(
        new PutObjectCommand({
          Bucket: 'usage',
          Key: 'in/big.csv',
          Body: Readable.from(chunks),
          ContentLength: expected.length,
        }),
      );

      const small = await s3.send(new GetObjectCommand({ Bucket: 'usage', Key: 'in/a.csv' }));
      expect(await small.Body?.transformToString()).toBe('id,qty\n1,2\n');
      expect(small.ContentType).toBe('text/csv');
      const big = await s3.send(new GetObjectCommand({ Bucket: 'usage', Key: 'in/big.csv' }));
      expect(Buffer.from((await big.Body?.transformToByteArray()) ?? []).equals(expected)).toBe(true);

      const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'usage', Prefix: 'in/' }));
      expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([
        ['in/a.csv', 11],
        ['in/big.csv', expected.length],
      ]);
    });
  });

  describe('SQS', () => {
    it('creates a queue with a DLQ redrive policy, then sends, receives and deletes', async () => {
      const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'work-dlq' }));
      const dlqArn = (
        await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))
      ).Attributes?.QueueArn;
      expect(dlqArn).toMatch(/^arn:aws:sqs:us-east-1:\d+:work-dlq$/);
      const redrive = JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: '3' });
      const queue = await sqs.send(
        new CreateQueueCommand({ QueueName: 'work', Attributes: { RedrivePolicy: redrive } }),
      );
      const attributes = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['RedrivePolicy'] }),
      );
      expect(JSON.parse(attributes.Attributes?.RedrivePolicy ?? '{}')).toMatchObject({ deadLetterTargetArn: dlqArn });

      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queue.QueueUrl,
          MessageBody: JSON.stringify({ kind: 'ingest', key: 'in/a.csv' }),
        }),
      );
      const received = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      expect(received.Messages).toHaveLength(1);
      const message = received.Messages?.[0];
      expect(JSON.parse(message?.Body ?? '')).toEqual({ kind: 'ingest', key: 'in/a.csv' });
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.QueueUrl, ReceiptHandle: message?.ReceiptHandle }));

      const counts = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queue.QueueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      expect(counts.Attributes).toMatchObject({
        ApproximateNumberOfMessages: '0',
        ApproximateNumberOfMessagesNotVisible: '0',
      });
    });
  });

  describe('SES', () => {
    it('stores a SendRawEmail message and lists it in sentEmails(), then clears it', async () => {
      const mime = [
        'From: TrueUp Billing <billing@trueup.local>',
        'To: "Doe, Jane" <ap@client.test>, ops@client.test',
        'Subject: Invoice INV-0001',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Your invoice is attached.',
        '',
      ].join('\r\n');
      const sent = await ses.send(new SendRawEmailCommand({ RawMessage: { Data: Buffer.from(mime) } }));
      expect(sent.MessageId).toBeTruthy();

      const emails = await aws.sentEmails();
      expect(emails).toHaveLength(1);
      expect(emails[0]).toMatchObject({
        messageId: sent.MessageId,
        subject: 'Invoice INV-0001',
        to: ['ap@client.test', 'ops@client.test'],
      });
      expect(emails[0]?.from).toContain('billing@trueup.local');
      expect(emails[0]?.text?.trim()).toBe('Your invoice is attached.');
      expect(emails[0]?.raw).toBe(mime);

      await aws.clearEmails();
      expect(await aws.sentEmails()).toEqual([]);
    });

    it('stores a SendEmail message without raw MIME', async () => {
      await ses.send(
        new SendEmailCommand({
          Source: 'billing@trueup.local',
          Destination: { ToAddresses: ['ap@client.test'], CcAddresses: ['cfo@client.test'] },
          Message: { Subject: { Data: 'Reminder' }, Body: { Text: { Data: 'Invoice INV-0001 is due.' } } },
        }),
      );
      const [email] = await aws.sentEmails();
      expect(email).toMatchObject({
        from: 'billing@trueup.local',
        to: ['ap@client.test'],
        cc: ['cfo@client.test'],
        subject: 'Reminder',
      });
      expect(email?.raw).toBeUndefined();
      await aws.clearEmails();
    });
  });

  describe('SES actions the stand-in lacks', () => {
    it('answers VerifyEmailIdentity with InvalidAction instead of hanging', async () => {
      const error = await ses
        .send(new VerifyEmailIdentityCommand({ EmailAddress: 'billing@trueup.local' }), {
          abortSignal: AbortSignal.timeout(3_000),
        })
        .then(
          () => undefined,
          (e: unknown) => e as Error,
        );
      expect(error?.name).toBe('InvalidAction');
      expect(error?.message).toMatch(/does not implement VerifyEmailIdentity/);
    });
  });
});

describe('bareAddresses', () => {
  it('splits on top-level commas only and strips display names', () => {
    expect(bareAddresses(['"Doe, Jane" <ap@client.test>, ops@client.test', 'x@y.test'])).toEqual([
      'ap@client.test',
      'ops@client.test',
      'x@y.test',
    ]);
  });
});

describe('EmbeddedAws.stop', () => {
  it('kills the Java child and closes every port', async () => {
    const aws = await startEmbeddedAws();
    const pid = aws.dynamodbPid ?? -1;
    expect(pidExists(pid)).toBe(true);
    expect(liveDynamoDbLocalCount()).toBeGreaterThan(0);
    const guards = process.listenerCount('SIGTERM');

    const t0 = performance.now();
    await aws.stop();
    const stopMs = performance.now() - t0;

    expect(pidExists(pid)).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
    for (const url of [aws.endpoints.dynamodb, aws.endpoints.s3, aws.endpoints.ses]) {
      expect(await refusesConnections(url ?? '')).toBe(true);
    }
    expect(stopMs).toBeLessThan(3_000);
    expect(process.listenerCount('SIGTERM')).toBe(guards - 1);
    await aws.stop(); // idempotent
  });

  it('kills the Java child on SIGINT but leaves the process to another SIGINT listener', async () => {
    const aws = await startEmbeddedAws();
    const pid = aws.dynamodbPid ?? -1;
    let otherListenerRan = false;
    const other = (): void => {
      otherListenerRan = true;
    };
    process.on('SIGINT', other);
    try {
      process.emit('SIGINT', 'SIGINT');
      expect(otherListenerRan).toBe(true);
      await aws.stop(); // still resolves after the guard killed the JVM
      expect(pidExists(pid)).toBe(false);
      expect(liveDynamoDbLocalCount()).toBe(0);
    } finally {
      process.off('SIGINT', other);
      await aws.stop();
    }
  });

  it('starts without DynamoDB when asked and says so when a DynamoDB config is requested', async () => {
    const aws = await startEmbeddedAws({ dynamodb: false });
    try {
      expect(aws.endpoints.dynamodb).toBeUndefined();
      expect(aws.dynamodbPid).toBeUndefined();
      expect(() => aws.clientConfig('dynamodb')).toThrow(/dynamodb: false/);
    } finally {
      await aws.stop();
    }
  });

  it('fails with a clear Java 17+ message when Java is missing, leaving nothing running', async () => {
    const before = liveDynamoDbLocalCount();
    const failure = startEmbeddedAws({ java: '/nonexistent/bin/java' });
    await expect(failure).rejects.toThrow(
      /DynamoDB Local needs Java 17\+ \(install e\.g\. `apt-get install openjdk-17-jre-headless`/,
    );
    await expect(failure).rejects.toBeInstanceOf(DynamoDbLocalUnavailable);
    expect(liveDynamoDbLocalCount()).toBe(before);
  });

  it.runIf(existsSync('/proc/self/cmdline'))(
    "removes the JVM's temp folder in the exit guard when the process exits without stop()",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'trueup-exit-'));
      const script = join(dir, 'forget-stop.mts');
      const module = join(import.meta.dirname, '../../../functions/adapters/local/embedded-aws.ts');
      writeFileSync(
        script,
        [
          `import { startEmbeddedAws } from ${JSON.stringify(module)};`,
          "import { readFileSync } from 'node:fs';",
          'const aws = await startEmbeddedAws();',
          "const args = readFileSync(`/proc/${aws.dynamodbPid}/cmdline`, 'utf8').split('\\0');",
          "console.log(JSON.stringify({ pid: aws.dynamodbPid, tempDir: args.find((a) => a.startsWith('-Djava.io.tmpdir='))?.slice(17) }));",
          'process.exit(0);',
        ].join('\n'),
      );
      try {
        const out = execFileSync(process.execPath, ['--import', 'tsx', script], {
          cwd: join(import.meta.dirname, '../../..'),
          encoding: 'utf8',
        });
        const { pid, tempDir } = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { pid: number; tempDir: string };
        expect(tempDir).toMatch(/trueup-dynamodb-/);
        expect(existsSync(tempDir)).toBe(false);
        // SIGKILLed in the guard; the kernel may take a moment to finish it.
        for (let i = 0; i < 50 && pidExists(pid); i++) await new Promise((r) => setTimeout(r, 100));
        expect(pidExists(pid)).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );

  it.runIf(existsSync('/proc/self/cmdline'))(
    'gives the JVM a temp folder of its own, where DynamoDB Local copies its SQLite library, and removes it on stop',
    async () => {
      const aws = await startEmbeddedAws();
      const dynamodb = new DynamoDBClient(aws.clientConfig('dynamodb'));
      let tempDir = '';
      try {
        const args = readFileSync(`/proc/${aws.dynamodbPid}/cmdline`, 'utf8').split('\0');
        tempDir = args.find((a) => a.startsWith('-Djava.io.tmpdir='))?.slice('-Djava.io.tmpdir='.length) ?? '';
        expect(tempDir).toMatch(/trueup-dynamodb-/);
        await dynamodb.send(
          new CreateTableCommand({
            TableName: 'tmp',
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          }),
        );
        expect(readdirSync(tempDir).some((name) => /libsqlite4java/.test(name))).toBe(true);
      } finally {
        dynamodb.destroy();
        await aws.stop();
      }
      expect(existsSync(tempDir)).toBe(false);
    },
  );
});

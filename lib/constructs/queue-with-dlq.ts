import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { atLeastOneAlarm } from './alarm.js';

export interface EncryptedQueueProps {
  /** A KMS key; without one the queue uses SQS-managed SSE. @default SQS-managed SSE */
  readonly encryptionKey?: kms.IKey;
  /** @default Duration.days(14) */
  readonly retentionPeriod?: Duration;
  /** @default Duration.seconds(30) */
  readonly visibilityTimeout?: Duration;
  /** @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

/** A queue with the house defaults: encrypted at rest (SQS-managed SSE or KMS) and TLS-only. */
export function encryptedQueue(
  scope: Construct,
  id: string,
  props: EncryptedQueueProps & { readonly deadLetterQueue?: sqs.DeadLetterQueue },
): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: props.encryptionKey ? sqs.QueueEncryption.KMS : sqs.QueueEncryption.SQS_MANAGED,
    encryptionMasterKey: props.encryptionKey,
    enforceSSL: true,
    retentionPeriod: props.retentionPeriod ?? Duration.days(14),
    visibilityTimeout: props.visibilityTimeout,
    deadLetterQueue: props.deadLetterQueue,
  });
  queue.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.DESTROY);
  return queue;
}

/** An alarm when a dead-letter queue holds at least one message (checked every 5 minutes). */
export function deadLetterAlarm(
  scope: Construct,
  id: string,
  queue: sqs.IQueue,
  description: string,
  topic?: sns.ITopic,
): cloudwatch.Alarm {
  return atLeastOneAlarm(scope, id, {
    description,
    metric: queue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(5),
      statistic: cloudwatch.Stats.MAXIMUM,
    }),
    topic,
  });
}

export interface QueueWithDlqProps {
  /** What the queue carries, for alarm descriptions. */
  readonly purpose: string;
  /** A KMS key for both queues. @default SQS-managed SSE */
  readonly encryptionKey?: kms.IKey;
  /** Must be ≥ the consuming function's timeout (AWS recommends 6×). @default Duration.minutes(6) */
  readonly visibilityTimeout?: Duration;
  /** Receives before a message moves to the DLQ. @default 5 */
  readonly maxReceiveCount?: number;
  /** @default Duration.days(4) */
  readonly retentionPeriod?: Duration;
  /** @default Duration.days(14) (the SQS maximum) */
  readonly deadLetterRetentionPeriod?: Duration;
  /** Topic notified when the DLQ depth reaches 1. @default the alarm has no action */
  readonly alarmTopic?: sns.ITopic;
  /** @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A work queue and its dead-letter queue, both encrypted and TLS-only, with an alarm when
 * anything lands in the DLQ.
 */
export class QueueWithDlq extends Construct {
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: QueueWithDlqProps) {
    super(scope, id);
    this.deadLetterQueue = encryptedQueue(this, 'DeadLetterQueue', {
      encryptionKey: props.encryptionKey,
      retentionPeriod: props.deadLetterRetentionPeriod ?? Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    this.queue = encryptedQueue(this, 'Queue', {
      encryptionKey: props.encryptionKey,
      retentionPeriod: props.retentionPeriod ?? Duration.days(4),
      visibilityTimeout: props.visibilityTimeout ?? Duration.minutes(6),
      removalPolicy: props.removalPolicy,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
    this.deadLetterAlarm = deadLetterAlarm(
      this,
      'DeadLetterAlarm',
      this.deadLetterQueue,
      `TrueUp ${props.purpose}: a message failed ${props.maxReceiveCount ?? 5} times and is in the dead-letter queue; inspect it and redrive.`,
      props.alarmTopic,
    );
  }
}

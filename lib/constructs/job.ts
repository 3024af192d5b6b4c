import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { grantPutPrefix, grantReadPrefix, grantTable, type ExportedBucket } from '../nag.js';
import { ScheduledJob } from './scheduled-job.js';
import { PipelineFunction, type PipelineFunctionProps } from './pipeline-function.js';

/** One permission of a job's function. Grants apply in the order listed: the order of its policy statements. */
export type Grant = (fn: PipelineFunction) => void;

/** What starts a job. */
export type JobTrigger =
  /** An EventBridge Scheduler schedule in the job's time zone, with its own DLQ (ScheduledJob). */
  | {
      readonly kind: 'schedule';
      readonly expression: string;
      readonly description: string;
      readonly rerunHint?: string;
    }
  /** An object created under a prefix of a bucket (an S3 event notification). */
  | { readonly kind: 'objectCreated'; readonly bucket: s3.IBucket; readonly prefix: string }
  /** Messages of an SQS queue, in batches, with partial batch failures reported. */
  | { readonly kind: 'queue'; readonly queue: sqs.IQueue; readonly batchSize: number; readonly maxConcurrency?: number }
  /** Messages of an SNS topic. */
  | { readonly kind: 'topic'; readonly topic: sns.ITopic };

export interface JobProps extends PipelineFunctionProps {
  /** What the function may touch, in order. @default none */
  readonly grants?: readonly Grant[];
  /** @default none: the job runs only when invoked */
  readonly trigger?: JobTrigger;
  /** IANA time zone of a schedule trigger. @default UTC */
  readonly timeZone?: string;
}

/**
 * One job of the pipeline: its function, what may start it and what it may touch. The parts
 * are created directly in `scope` (the function as `<HandlerName>`, a schedule as
 * `<HandlerName>Schedule`) rather than under a construct of their own, so that their logical
 * IDs, and with them the deployed resources, are those the stack always had.
 */
export class Job {
  public readonly fn: PipelineFunction;
  /** The schedule of a `schedule` trigger. */
  public readonly schedule?: ScheduledJob;

  constructor(scope: Construct, props: JobProps) {
    const { grants = [], trigger, timeZone = 'UTC', ...functionProps } = props;
    const id = pascalCase(props.handlerName);
    this.fn = new PipelineFunction(scope, id, functionProps);
    for (const grant of grants) grant(this.fn);
    if (trigger?.kind === 'schedule') {
      this.schedule = new ScheduledJob(scope, `${id}Schedule`, {
        function: this.fn.function,
        expression: trigger.expression,
        timeZone,
        description: trigger.description,
        alarmTopic: props.alarmTopic,
        rerunHint: trigger.rerunHint,
      });
    } else if (trigger) {
      this.connect(trigger);
    }
  }

  private connect(trigger: Exclude<JobTrigger, { kind: 'schedule' }>): void {
    const fn = this.fn.function;
    switch (trigger.kind) {
      case 'objectCreated':
        trigger.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(fn), {
          prefix: trigger.prefix,
        });
        return;
      case 'queue':
        fn.addEventSource(
          new SqsEventSource(trigger.queue, {
            batchSize: trigger.batchSize,
            reportBatchItemFailures: true,
            ...(trigger.maxConcurrency === undefined ? {} : { maxConcurrency: trigger.maxConcurrency }),
          }),
        );
        return;
      case 'topic':
        trigger.topic.addSubscription(new subscriptions.LambdaSubscription(fn));
        return;
    }
  }
}

/** Read objects under one prefix of a bucket (lib/nag.ts acknowledges the wildcards). */
export function readPrefix(bucket: ExportedBucket, prefix: string): Grant {
  return (fn) => grantReadPrefix(fn.function, fn.role, bucket, prefix);
}

/** Write objects under one prefix of a bucket. */
export function putPrefix(bucket: ExportedBucket, prefix: string): Grant {
  return (fn) => grantPutPrefix(fn.function, fn.role, bucket, prefix);
}

/** Read and write the ledger table and its indexes. */
export function tableReadWrite(table: dynamodb.ITable, tableArnExportName: string): Grant {
  return (fn) => grantTable(fn.function, fn.role, table, tableArnExportName, 'readWrite');
}

/** Send messages to a queue. */
export function sendMessages(queue: sqs.IQueue): Grant {
  return (fn) => {
    queue.grantSendMessages(fn.function);
  };
}

/** `billing-run` → `BillingRun`: the construct id of a job's function. */
export function pascalCase(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

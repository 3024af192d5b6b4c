import { Duration } from 'aws-cdk-lib';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { ARTIFACT_PREFIXES } from '../../functions/app/bucket-layout.js';
import type { ExportedBucket } from '../nag.js';
import { putPrefix, sendMessages, type Grant, type Job, type JobProps } from './job.js';

export interface StatementsJobProps {
  /** Creates a job with the pipeline's shared environment, alarm topic, logs and time zone. */
  readonly job: (props: Omit<JobProps, 'alarmTopic' | 'logRetention' | 'timeZone'>) => Job;
  /** When it runs: daily (config `schedules.statements`); it acts on trueup.json's `statements.dayOfMonth` only. */
  readonly expression: string;
  readonly tableAccess: Grant;
  readonly artifacts: ExportedBucket;
  readonly workQueue: sqs.IQueue;
  /** More grants (the Pay-link secret when payments are on). @default none */
  readonly extraGrants?: readonly Grant[];
}

/**
 * The statements job (docs/statements.md): checked daily in the MSP's time zone, it sends the
 * statements of account on trueup.json's `statements.dayOfMonth` (the day is the data folder's
 * setting, as the aging report's weekday is), and nothing on other days. It renders and stores
 * each statement (statements/), stores the raw message (emails/), records the outbox entry and
 * queues it for the invoice workers, which send under the SES rate limit: it sends no mail
 * itself.
 */
export function statementsJob(props: StatementsJobProps): Job {
  return props.job({
    handlerName: 'statements',
    description: 'Send the statements of account on statements.dayOfMonth',
    timeout: Duration.minutes(10),
    memorySize: 1024,
    reservedConcurrentExecutions: 1,
    grants: [
      props.tableAccess,
      putPrefix(props.artifacts, ARTIFACT_PREFIXES.statements),
      putPrefix(props.artifacts, ARTIFACT_PREFIXES.emails),
      sendMessages(props.workQueue),
      ...(props.extraGrants ?? []),
    ],
    trigger: {
      kind: 'schedule',
      expression: props.expression,
      description: 'TrueUp statements of account (checked daily, sent on statements.dayOfMonth)',
      rerunHint:
        'invoke the function with {"date":"YYYY-MM-DD"} (optionally "clientId") to send that date\'s statements',
    },
  });
}

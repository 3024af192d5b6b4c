import { Duration, TimeZone } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterAlarm, encryptedQueue } from './queue-with-dlq.js';

export interface ScheduledJobProps {
  /** The function the schedule invokes (asynchronously, with the input `{}`). */
  readonly function: lambda.IFunction;
  /** An EventBridge Scheduler expression, e.g. `cron(0 6 1 * ? *)`. */
  readonly expression: string;
  /** IANA time zone the expression is evaluated in (daylight saving time included). */
  readonly timeZone: string;
  /** What the job does. */
  readonly description: string;
  /** Scheduler retries when the invocation cannot be delivered. @default 3 */
  readonly retryAttempts?: number;
  /** How long Scheduler keeps retrying delivery. @default Duration.hours(1) */
  readonly maxEventAge?: Duration;
  /** Lambda's own retries when the asynchronous invocation throws. @default 2 */
  readonly functionRetryAttempts?: number;
  /** Topic notified when a run lands in the DLQ. @default the alarm has no action */
  readonly alarmTopic?: sns.ITopic;
  /** @default true */
  readonly enabled?: boolean;
  /** How to re-run after fixing the cause (in the DLQ alarm's description). @default invoke the function with {"date":"YYYY-MM-DD"} */
  readonly rerunHint?: string;
}

/**
 * An EventBridge Scheduler schedule that invokes one function in the MSP's time zone. Its role
 * (created by the L2 target) may invoke only that function and write to this job's DLQ. A run
 * that Scheduler cannot deliver, or that still fails after Lambda's retries, lands in the DLQ,
 * which alarms at depth 1.
 */
export class ScheduledJob extends Construct {
  public readonly schedule: scheduler.Schedule;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ScheduledJobProps) {
    super(scope, id);
    this.deadLetterQueue = encryptedQueue(this, 'DeadLetterQueue', { retentionPeriod: Duration.days(14) });
    this.deadLetterAlarm = deadLetterAlarm(
      this,
      'DeadLetterAlarm',
      this.deadLetterQueue,
      `TrueUp scheduled job failed: ${props.description}. The failed invocation is in the DLQ; fix the cause and ${props.rerunHint ?? 'invoke the function with {"date":"YYYY-MM-DD"}'}.`,
      props.alarmTopic,
    );

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: props.description,
      schedule: scheduler.ScheduleExpression.expression(props.expression, TimeZone.of(props.timeZone)),
      timeWindow: scheduler.TimeWindow.off(),
      enabled: props.enabled ?? true,
      target: new targets.LambdaInvoke(props.function, {
        input: scheduler.ScheduleTargetInput.fromObject({}),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: props.retryAttempts ?? 3,
        maxEventAge: props.maxEventAge ?? Duration.hours(1),
      }),
    });

    // Scheduler invokes asynchronously: a run that throws is retried by Lambda, then parked here.
    props.function.configureAsyncInvoke({
      retryAttempts: props.functionRetryAttempts ?? 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });
  }
}

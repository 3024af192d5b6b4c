import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.js';
import { atLeastOneAlarm } from './alarm.js';
import { deadLetterAlarm, encryptedQueue } from './queue-with-dlq.js';

export interface MissedRunAlarmProps {
  /** The job's schedule expression and time zone (the same as its ScheduledJob). */
  readonly expression: string;
  readonly timeZone: string;
  /** The metric namespace and `service` dimension the job publishes under. */
  readonly namespace: string;
  readonly service: string;
  /** The metric the job publishes once per completed run. */
  readonly completedMetricName: string;
  /** The metric this construct's schedule publishes at each scheduled time. */
  readonly expectedMetricName: string;
  /** What the job is, for descriptions. */
  readonly jobDescription: string;
  /** What to do when it alarms. */
  readonly remedy: string;
  readonly alarmTopic?: sns.ITopic;
}

/**
 * Alarms when a scheduled job did not complete on a day it was due, in the MSP's time zone.
 *
 * A schedule of its own, with the job's expression and time zone, publishes `expected` = 1 at
 * each due time (EventBridge Scheduler calls CloudWatch PutMetricData directly). The job
 * publishes `completed` = 1 per completed run. The alarm compares the two per calendar day of
 * the MSP's time zone (a wall-clock evaluation window, so a day is evaluated once it is over,
 * never while the run may still be ahead): expected − completed ≥ 1 alarms. No date arithmetic
 * in CloudWatch, so it holds for any time zone, daylight saving time and any expression; a
 * disabled or deleted job schedule, a run that never started and a run that failed all alarm
 * the morning after. Its own delivery failures go to a DLQ that alarms.
 */
export class MissedRunAlarm extends Construct {
  public readonly alarm: cloudwatch.Alarm;
  public readonly expectedSchedule: scheduler.Schedule;
  public readonly role: iam.Role;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: MissedRunAlarmProps) {
    super(scope, id);
    const dimensionsMap = { service: props.service };

    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      // As CDK's own schedule roles: only Scheduler, for schedules of this account's default group.
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({
              service: 'scheduler',
              resource: 'schedule-group',
              resourceName: 'default',
            }),
          },
        },
      }),
      description: `Publishes ${props.namespace}/${props.expectedMetricName} when ${props.jobDescription} is due`,
    });
    const putMetricData = new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': props.namespace } },
    });
    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      `cloudwatch:PutMetricData has no resource-level permissions; the condition limits it to the ${props.namespace} namespace.`,
    );

    this.deadLetterQueue = encryptedQueue(this, 'DeadLetterQueue', { retentionPeriod: Duration.days(14) });
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself a dead-letter queue: the Scheduler target DLQ of the expected-run marker.',
    );
    this.deadLetterAlarm = deadLetterAlarm(
      this,
      'DeadLetterAlarm',
      this.deadLetterQueue,
      `TrueUp: the expected-run marker of ${props.jobDescription} could not be published, so a missed run would not alarm. Check the schedule's role and CloudWatch.`,
      props.alarmTopic,
    );

    this.expectedSchedule = new scheduler.Schedule(this, 'ExpectedSchedule', {
      description: `TrueUp: ${props.jobDescription} is due (publishes ${props.expectedMetricName} for the missed-run alarm)`,
      schedule: scheduler.ScheduleExpression.expression(props.expression, TimeZone.of(props.timeZone)),
      timeWindow: scheduler.TimeWindow.off(),
      target: new targets.Universal({
        service: 'cloudwatch',
        action: 'putMetricData',
        role: this.role,
        policyStatements: [putMetricData],
        input: scheduler.ScheduleTargetInput.fromObject({
          Namespace: props.namespace,
          MetricData: [
            {
              MetricName: props.expectedMetricName,
              Dimensions: [{ Name: 'service', Value: props.service }],
              Unit: 'Count',
              Value: 1,
            },
          ],
        }),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
    });

    const metric = (metricName: string): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: props.namespace,
        metricName,
        dimensionsMap,
        statistic: cloudwatch.Stats.SUM,
        period: Duration.days(1),
      });
    this.alarm = atLeastOneAlarm(this, 'Alarm', {
      description: `TrueUp: ${props.jobDescription} was due but did not complete that day (${props.timeZone}). ${props.remedy}`,
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(expected, 0) - FILL(completed, 0)',
        usingMetrics: { expected: metric(props.expectedMetricName), completed: metric(props.completedMetricName) },
        period: Duration.days(1),
        label: 'Runs due but not completed',
      }),
      // A day without data is a day nothing was due.
      topic: props.alarmTopic,
    });
    // Whole days of the MSP's time zone, evaluated once complete (the default sliding window
    // would look at the 24 hours before each evaluation and miss or invent runs).
    (this.alarm.node.defaultChild as cloudwatch.CfnAlarm).evaluationWindow = {
      wallClockWindow: { timezone: props.timeZone },
    };
  }
}

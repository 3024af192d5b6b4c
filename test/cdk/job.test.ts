/**
 * The Job of lib/constructs/job.ts: a function, its grants in the order given and its trigger,
 * created in the given scope so that the logical IDs are `<HandlerName>…` and
 * `<HandlerName>Schedule…`, as the pipeline stack's resources always were.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { Job, pascalCase, sendMessages } from '../../lib/constructs/job.js';
import { testApp } from './app-fixture.js';

function build(define: (stack: Stack, queues: { a: sqs.IQueue; b: sqs.IQueue }) => void): Template {
  const stack = new Stack(testApp(), 'JobTest');
  define(stack, {
    a: sqs.Queue.fromQueueArn(stack, 'A', 'arn:aws:sqs:us-east-1:111111111111:a'),
    b: sqs.Queue.fromQueueArn(stack, 'B', 'arn:aws:sqs:us-east-1:111111111111:b'),
  });
  return Template.fromStack(stack);
}

const ids = (template: Template, type: string): string[] => Object.keys(template.findResources(type));

describe('Job', () => {
  it('names its parts after the handler, directly in the scope', () => {
    const template = build(
      (stack) =>
        new Job(stack, {
          handlerName: 'billing-run',
          timeZone: 'America/Denver',
          trigger: { kind: 'schedule', expression: 'cron(0 6 1 * ? *)', description: 'the billing run' },
        }),
    );

    expect(ids(template, 'AWS::Lambda::Function')).toEqual([expect.stringMatching(/^BillingRunFunction[0-9A-F]{8}$/)]);
    expect(ids(template, 'AWS::Scheduler::Schedule')).toEqual([
      expect.stringMatching(/^BillingRunSchedule[0-9A-F]{8}$/),
    ]);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 1 * ? *)',
      ScheduleExpressionTimezone: 'America/Denver',
    });
    expect(pascalCase('reconciliation-report')).toBe('ReconciliationReport');
  });

  it('grants in the order given, then connects a queue trigger', () => {
    const template = build(
      (stack, { a, b }) =>
        new Job(stack, {
          handlerName: 'discrepancy-worker',
          grants: [sendMessages(b), sendMessages(a)],
          trigger: { kind: 'queue', queue: a, batchSize: 10 },
        }),
    );

    const [policy] = Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } };
    }[];
    const statements = policy?.Properties.PolicyDocument.Statement ?? [];
    const queueArns = statements
      .map((s) => s.Resource)
      .filter((r) => typeof r === 'string' && r.startsWith('arn:aws:sqs'));
    // b's grant, a's grant, then the trigger's (consume a).
    expect(queueArns).toEqual([
      'arn:aws:sqs:us-east-1:111111111111:b',
      'arn:aws:sqs:us-east-1:111111111111:a',
      'arn:aws:sqs:us-east-1:111111111111:a',
    ]);
    expect(statements.at(-1)?.Action).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: 'arn:aws:sqs:us-east-1:111111111111:a',
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(JSON.stringify(template.findResources('AWS::Lambda::EventSourceMapping'))).not.toContain('ScalingConfig');
  });
});

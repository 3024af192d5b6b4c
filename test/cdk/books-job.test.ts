/**
 * The books-publish job in the pipeline stack (CDK config `books: true`): absent unless turned
 * on, and then only added (no other resource changes but the dashboard); a daily schedule in
 * the MSP time zone with its DLQ alarm; one at a time; least privilege (the table, emails/ of
 * the artifacts bucket, SES sending, and Get/PutSecretValue on its own retained secret); cdk-nag
 * clean.
 */
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTrueUp } from '../../lib/app.js';
import { parseConfig } from '../../lib/config.js';
import {
  actionsOf,
  buildFixture,
  logicalId,
  policyStatements,
  resourcesOf,
  testApp,
  type Fixture,
} from './app-fixture.js';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> } & Record<string, unknown>>;
const DESCRIPTION = 'TrueUp books publish (daily, after payments are applied)';

let off: Fixture;
let on: Fixture;
beforeAll(() => {
  off = buildFixture({ timezone: 'Europe/London' });
  on = buildFixture({ books: true, timezone: 'Europe/London' });
}, 120_000);

const resources = (fx: Fixture): Resources => fx.pipelineTemplate.toJSON().Resources as Resources;

describe('books off (the default)', () => {
  it('adds nothing: no books resource, secret, variable or output', () => {
    expect(off.pipeline.books).toBeUndefined();
    expect(off.pipeline.functions['books-publish']).toBeUndefined();
    const json = JSON.stringify(off.pipelineTemplate.toJSON());
    for (const name of ['BooksPublish', 'BooksSecret', 'BOOKS_SECRET_ARN', 'books-publish', DESCRIPTION])
      expect(json).not.toContain(name);
    off.pipelineTemplate.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(JSON.stringify(buildFixture({ books: false, timezone: 'Europe/London' }).pipelineTemplate.toJSON())).toBe(
      json,
    );
  }, 60_000);

  it('is what `books: true` leaves when its own resources are taken away (the flag only adds)', () => {
    const before = resources(off);
    const after = resources(on);
    const changed = Object.keys(before).filter((id) => JSON.stringify(before[id]) !== JSON.stringify(after[id]));
    expect(changed).toEqual([expect.stringMatching(/^Dashboard/)]);
    const added = Object.keys(after).filter((id) => !(id in before));
    expect(added.map((id) => `${after[id]?.Type} ${id.replace(/[0-9A-F]{8}$/, '')}`).sort()).toEqual(
      [
        'AWS::CloudWatch::Alarm BooksPublishErrorsAlarm',
        'AWS::CloudWatch::Alarm BooksPublishScheduleDeadLetterAlarm',
        'AWS::IAM::Policy BooksPublishRoleDefaultPolicy',
        'AWS::IAM::Policy SchedulerRoleForTargete2b16dDefaultPolicy',
        'AWS::IAM::Role BooksPublishRole',
        'AWS::IAM::Role SchedulerRoleForTargete2b16d',
        'AWS::Lambda::EventInvokeConfig BooksPublishFunctionEventInvokeConfig',
        'AWS::Lambda::Function BooksPublishFunction',
        'AWS::Logs::LogGroup BooksPublishLogs',
        'AWS::Scheduler::Schedule BooksPublishSchedule',
        'AWS::SQS::Queue BooksPublishScheduleDeadLetterQueue',
        'AWS::SQS::QueuePolicy BooksPublishScheduleDeadLetterQueuePolicy',
        'AWS::SecretsManager::Secret BooksSecret',
      ].sort(),
    );
  });
});

describe('books on', () => {
  it('runs daily at 08:45 in the MSP time zone, or on the configured schedule', () => {
    const schedules = Object.values(
      on.pipelineTemplate.findResources('AWS::Scheduler::Schedule', { Properties: { Description: DESCRIPTION } }),
    ) as Resources[string][];
    expect(schedules).toHaveLength(1);
    expect(schedules[0]?.Properties).toMatchObject({
      ScheduleExpression: 'cron(45 8 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/London',
      State: 'ENABLED',
      Target: { Input: '{}', RetryPolicy: { MaximumRetryAttempts: 3 } },
    });
    expect(on.pipeline.jobs['books-publish']).toBeDefined();
    expect(parseConfig({ books: true, schedules: { books: 'cron(0 10 * * ? *)' } }).schedules.books).toBe(
      'cron(0 10 * * ? *)',
    );
    expect(() => parseConfig({ books: true, schedules: { books: 'daily' } })).toThrow(/trueup\.schedules\.books/);
  });

  it('parks a failed run in its DLQ, which alarms at depth 1 and says how to re-run a day', () => {
    const job = on.pipeline.jobs['books-publish']!;
    const alarm = job.deadLetterAlarm.node.defaultChild as { alarmDescription?: string; threshold?: number };
    expect(alarm.threshold).toBe(1);
    expect(alarm.alarmDescription).toContain('{"date":"YYYY-MM-DD"}');
    expect(alarm.alarmDescription).toContain('trueup accounting publish --outputs');
    const fn = on.pipeline.functions['books-publish']!;
    const id = on.pipeline.getLogicalId(fn.function.node.defaultChild as never);
    const config = Object.values(on.pipelineTemplate.findResources('AWS::Lambda::EventInvokeConfig')).find((r) =>
      JSON.stringify(r).includes(id),
    ) as Resources[string];
    expect(config.Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [expect.stringMatching(/^BooksPublishScheduleDeadLetterQueue/), 'Arn'] },
        },
      },
    });
  });

  it('runs one at a time, is told its secret, and may touch exactly what it needs', () => {
    const fn = on.pipeline.functions['books-publish']!;
    const id = on.pipeline.getLogicalId(fn.function.node.defaultChild as never);
    const properties = resources(on)[id]?.Properties;
    const secret = logicalId(on.pipelineTemplate, 'AWS::SecretsManager::Secret', 'BooksSecret');
    expect(properties?.ReservedConcurrentExecutions).toBe(1);
    expect((properties?.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      BOOKS_SECRET_ARN: { Ref: secret },
      POWERTOOLS_SERVICE_NAME: 'trueup-books-publish',
    });

    const ours = policyStatements(on.pipelineTemplate).filter((s) => s.policy.startsWith('BooksPublishRole'));
    const summary = ours.map((s) => [
      actionsOf(s).join(' '),
      JSON.stringify(resourcesOf(s)).replace(/[0-9A-F]{8}"/g, '"'),
    ]);
    expect(summary).toEqual([
      ['logs:CreateLogStream logs:PutLogEvents', '[{"Fn::GetAtt":["BooksPublishLogs","Arn"]}]'],
      ['xray:PutTraceSegments xray:PutTelemetryRecords', '["*"]'],
      [
        expect.stringMatching(/^dynamodb:BatchGetItem .*dynamodb:PutItem .*dynamodb:DescribeTable$/),
        '[{"Fn::ImportValue":"TrueUp-TableArn"},{"Fn::Join":["",[{"Fn::ImportValue":"TrueUp-TableArn"},"/index/*"]]}]',
      ],
      [
        'dynamodb:GetRecords dynamodb:GetShardIterator',
        '[{"Fn::ImportValue":"TrueUp-TableArn"},{"Fn::Join":["",[{"Fn::ImportValue":"TrueUp-TableArn"},"/index/*"]]}]',
      ],
      [
        's3:GetObject* s3:GetBucket* s3:List*',
        '[{"Fn::ImportValue":"TrueUp-ArtifactsBucketArn"},{"Fn::Join":["",[{"Fn::ImportValue":"TrueUp-ArtifactsBucketArn"},"/emails/*"]]}]',
      ],
      [
        expect.stringMatching(/^s3:PutObject .*s3:Abort\*$/),
        '[{"Fn::Join":["",[{"Fn::ImportValue":"TrueUp-ArtifactsBucketArn"},"/emails/*"]]}]',
      ],
      ['ses:SendRawEmail', expect.stringMatching(/:identity\/.*:configuration-set\//)],
      [
        'secretsmanager:GetSecretValue secretsmanager:PutSecretValue',
        `[{"Ref":"${secret.replace(/[0-9A-F]{8}$/, '')}"}]`,
      ],
      [
        'sqs:SendMessage sqs:GetQueueAttributes sqs:GetQueueUrl',
        expect.stringMatching(/BooksPublishScheduleDeadLetterQueue/),
      ],
    ]);

    // No other function may touch the books secret, and the books function no other secret.
    const onSecret = policyStatements(on.pipelineTemplate).filter((s) =>
      JSON.stringify(resourcesOf(s)).includes(secret),
    );
    expect([...new Set(onSecret.map((s) => s.policy))]).toEqual([expect.stringMatching(/^BooksPublishRole/)]);
  });

  it('keeps its secret when the stack is deleted, created empty for `trueup accounting connect`, and outputs its ARN', () => {
    const secret = logicalId(on.pipelineTemplate, 'AWS::SecretsManager::Secret', 'BooksSecret');
    expect(resources(on)[secret]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { SecretString: '{}' },
    });
    expect(on.pipelineTemplate.toJSON().Outputs.BooksSecretArn).toMatchObject({ Value: { Ref: secret } });
  });

  it('has no unacknowledged cdk-nag finding', () => {
    const app = testApp({ 'aws:cdk:outdir': undefined });
    const stacks = buildTrueUp(app, parseConfig({ books: true }));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    let failure: unknown;
    try {
      app.synth({ force: true });
    } catch (error) {
      failure = error;
    }
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations?: { ruleName: string }[] }[];
    };
    expect(report.pluginReports.flatMap((r) => (r.violations ?? []).map((v) => v.ruleName))).toEqual([]);
    expect(failure).toBeUndefined();
    expect(Annotations.fromStack(stacks.pipeline).findError('*', Match.anyValue())).toEqual([]);
  }, 120_000);
});

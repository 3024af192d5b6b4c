/**
 * The collector in the pipeline stack (docs/sources.md, docs/deploy.md): one schedule in the
 * MSP's time zone fanning out over sources.json, the sources' secrets readable by the collector
 * alone, its writes limited to inbox/ and its own table items, and no inbound path.
 */
import { Capture, Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, buildFixture, logicalId, policyStatements, resourcesOf, type Fixture } from './app-fixture.js';

let fx: Fixture;
let custom: Fixture;
beforeAll(() => {
  fx = buildFixture({ timezone: 'Europe/Amsterdam' });
  custom = buildFixture({
    timezone: 'Australia/Sydney',
    sourceSecretsPrefix: 'acme/vendor-feeds/',
    schedules: { collector: 'cron(30 4 ? * MON-FRI *)' },
  });
});

const fnId = (template: Template, prefix: string): string =>
  logicalId(template, 'AWS::Lambda::Function', `${prefix}Function`);
const collectorStatements = (template: Template): ReturnType<typeof policyStatements> =>
  policyStatements(template).filter((s) => s.policy.startsWith('CollectorRoleDefaultPolicy'));
const secretArn = (prefix: string): unknown => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':secretsmanager:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:secret:${prefix}*`,
    ],
  ],
});

describe('collector schedule', () => {
  it('invokes the collector with {} daily at 05:00 in the MSP time zone, with retries and a DLQ', () => {
    const target = new Capture();

    fx.pipelineTemplate.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 5 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Amsterdam',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: target,
    });
    const dlq = logicalId(fx.pipelineTemplate, 'AWS::SQS::Queue', 'CollectorScheduleDeadLetterQueue');
    expect(target.asObject()).toEqual({
      Arn: { 'Fn::GetAtt': [fnId(fx.pipelineTemplate, 'Collector'), 'Arn'] },
      Input: '{}',
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
      RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 3 },
      RoleArn: expect.anything() as unknown,
    });
    expect(target.asObject().RoleArn).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^SchedulerRoleForTarget/), 'Arn'],
    });
    fx.pipelineTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      AlarmDescription: Match.stringLikeRegexp(
        'invoke the collector with \\{\\} \\(every enabled source\\) or \\{"source":"<name>"\\}',
      ),
    });
  });

  it('takes its expression from schedules.collector and its time zone from timezone', () => {
    const schedules = custom.pipelineTemplate.findResources('AWS::Scheduler::Schedule', {
      Properties: { Target: { Arn: { 'Fn::GetAtt': [fnId(custom.pipelineTemplate, 'Collector'), 'Arn'] } } },
    });

    expect(
      Object.values(schedules).map((r) => [r.Properties.ScheduleExpression, r.Properties.ScheduleExpressionTimezone]),
    ).toEqual([['cron(30 4 ? * MON-FRI *)', 'Australia/Sydney']]);
  });

  it('runs one collector at a time, for up to 15 minutes', () => {
    fx.pipelineTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('sources.json'),
      ReservedConcurrentExecutions: 1,
      Timeout: 900,
    });
  });
});

describe('collector secrets', () => {
  it('lets the collector read (GetSecretValue only) the secrets under trueup/sources/ and no others', () => {
    const secrets = collectorStatements(fx.pipelineTemplate).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('secretsmanager:')),
    );

    expect(secrets).toEqual([
      {
        policy: expect.any(String) as string,
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: secretArn('trueup/sources/'),
      },
    ]);
  });

  it('scopes the grant to sourceSecretsPrefix and tells the handler the same prefix', () => {
    const secrets = collectorStatements(custom.pipelineTemplate).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('secretsmanager:')),
    );
    const fn = custom.pipelineTemplate.toJSON().Resources[fnId(custom.pipelineTemplate, 'Collector')];

    expect(secrets.flatMap(resourcesOf)).toEqual([secretArn('acme/vendor-feeds/')]);
    expect(fn.Properties.Environment.Variables.SOURCE_SECRETS_PREFIX).toBe('acme/vendor-feeds/');
  });

  it('grants no other role in either stack any Secrets Manager action', () => {
    for (const template of [fx.pipelineTemplate, fx.statefulTemplate]) {
      const holders = policyStatements(template)
        .filter((s) => actionsOf(s).some((a) => a.toLowerCase().startsWith('secretsmanager:') || a === '*'))
        .map((s) => s.policy.replace(/RoleDefaultPolicy.*/, ''));
      expect(holders).toEqual(template === fx.pipelineTemplate ? ['Collector'] : []);
    }
    // …nor through a managed policy or an inline role policy.
    for (const template of [fx.pipelineTemplate, fx.statefulTemplate]) {
      for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
        expect(JSON.stringify(role.Properties.Policies ?? [])).not.toContain('secretsmanager');
        expect(JSON.stringify(role.Properties.ManagedPolicyArns ?? [])).not.toMatch(
          /SecretsManager|AdministratorAccess|ReadOnlyAccess/,
        );
      }
    }
  });

  it('reads secrets through the Parameters and Secrets extension layer for arm64', () => {
    const fn = fx.pipelineTemplate.toJSON().Resources[fnId(fx.pipelineTemplate, 'Collector')];

    expect(fn.Properties.Layers).toEqual([
      { 'Fn::FindInMap': [expect.any(String), { Ref: 'AWS::Region' }, '1x0x103xarm64'] },
    ]);
    expect(fn.Properties.Environment.Variables).toMatchObject({
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '2773',
      SECRETS_MANAGER_TTL: '300',
    });
  });
});

describe('collector access', () => {
  it('writes only under inbox/ of the usage bucket and reads no bucket of ours', () => {
    const s3 = collectorStatements(fx.pipelineTemplate).filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));

    expect(s3.flatMap(resourcesOf)).toEqual([
      { 'Fn::Join': ['', [{ 'Fn::ImportValue': 'TrueUp-UsageBucketArn' }, '/inbox/*']] },
    ]);
    expect(s3.flatMap(actionsOf).filter((a) => !a.startsWith('s3:Put') && a !== 's3:Abort*')).toEqual([]);
  });

  it('touches only its own table items: SOURCE#<name> read and written, the imported SOURCES config only read', () => {
    const dynamo = collectorStatements(fx.pipelineTemplate).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('dynamodb:')),
    );

    expect(dynamo).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
        Resource: { 'Fn::ImportValue': 'TrueUp-TableArn' },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SOURCE#*'] } },
      }),
      expect.objectContaining({
        Action: 'dynamodb:GetItem',
        Resource: { 'Fn::ImportValue': 'TrueUp-TableArn' },
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['SOURCES'] } },
      }),
    ]);
  });

  it('sends to no queue and no mail, and has only its own small environment', () => {
    const actions = collectorStatements(fx.pipelineTemplate).flatMap(actionsOf);
    const sqs = collectorStatements(fx.pipelineTemplate).filter((s) => actionsOf(s).includes('sqs:SendMessage'));
    const variables =
      fx.pipelineTemplate.toJSON().Resources[fnId(fx.pipelineTemplate, 'Collector')].Properties.Environment.Variables;

    expect(actions.filter((a) => a.startsWith('ses:') || a.startsWith('lambda:'))).toEqual([]);
    // The only queue is its schedule's DLQ (Lambda's on-failure destination).
    expect(sqs.flatMap(resourcesOf)).toEqual([
      { 'Fn::GetAtt': [logicalId(fx.pipelineTemplate, 'AWS::SQS::Queue', 'CollectorScheduleDeadLetterQueue'), 'Arn'] },
    ]);
    expect(
      Object.keys(variables)
        .filter(
          (k) => !k.startsWith('PARAMETERS_SECRETS_') && !k.startsWith('SECRETS_MANAGER_') && !k.startsWith('SSM_'),
        )
        .sort(),
    ).toEqual([
      'NODE_OPTIONS',
      'POWERTOOLS_METRICS_NAMESPACE',
      'POWERTOOLS_SERVICE_NAME',
      'SOURCE_SECRETS_PREFIX',
      'TABLE_NAME',
      'USAGE_BUCKET',
    ]);
  });

  it('is outbound-only: no VPC attachment, no function URL, no resource policy letting anything invoke it', () => {
    const collector = fnId(fx.pipelineTemplate, 'Collector');
    const fn = fx.pipelineTemplate.toJSON().Resources[collector];
    const permissions = Object.values(fx.pipelineTemplate.findResources('AWS::Lambda::Permission')).filter((p) =>
      JSON.stringify(p.Properties.FunctionName).includes(collector),
    );

    expect(fn.Properties.VpcConfig).toBeUndefined();
    fx.pipelineTemplate.resourceCountIs('AWS::Lambda::Url', 0);
    expect(permissions).toEqual([]); // Scheduler invokes it through its own role
  });
});

describe('collector alarms and outputs', () => {
  it('alarms when a source still fails after its retries (the collector logs alert: true)', () => {
    const logs = logicalId(fx.pipelineTemplate, 'AWS::Logs::LogGroup', 'CollectorLogs');
    fx.pipelineTemplate.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logs },
      FilterPattern: '{ $.alert IS TRUE }',
      MetricTransformations: [{ MetricNamespace: 'TrueUp', MetricName: 'SourcePullAlerts', MetricValue: '1' }],
    });
    fx.pipelineTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'TrueUp',
      MetricName: 'SourcePullAlerts',
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ 'Fn::ImportValue': 'TrueUp-AlarmTopicArn' }],
    });
  });

  it('publishes the collector’s function name and role (for the bucket policy of an "s3" source)', () => {
    fx.pipelineTemplate.hasOutput('CollectorFunctionName', { Value: { Ref: fnId(fx.pipelineTemplate, 'Collector') } });
    fx.pipelineTemplate.hasOutput('CollectorRoleArn', {
      Value: { 'Fn::GetAtt': [logicalId(fx.pipelineTemplate, 'AWS::IAM::Role', 'CollectorRole'), 'Arn'] },
    });
  });
});

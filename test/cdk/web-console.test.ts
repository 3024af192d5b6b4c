/**
 * The console and portal on AWS (CDK config `web: true`): CloudFront (assets from a private
 * bucket through OAC, the rest from the HTTP API uncached), one throttled `$default` route to
 * one function, Cognito with the admin and read-only groups and a PKCE app client registered
 * at the CloudFront URL, the retained portal link key read by the functions that build portal
 * links and by nothing else; least privilege; cdk-nag clean. Off: the template is unchanged.
 */
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTrueUp } from '../../lib/app.js';
import { parseConfig } from '../../lib/config.js';
import { PipelineStack } from '../../lib/pipeline-stack.js';
import { WEB_ASSETS } from '../../lib/web-assets.js';
import { statefulExports } from '../../lib/stateful-exports.js';
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

let off: Fixture;
let on: Fixture;
beforeAll(() => {
  off = buildFixture({});
  on = buildFixture({ web: true });
}, 120_000);

const resources = (fx: Fixture): Resources => fx.pipelineTemplate.toJSON().Resources as Resources;
const fnId = (fx: Fixture, name: string): string =>
  logicalId(fx.pipelineTemplate, 'AWS::Lambda::Function', `${name}Function`);

/** Every action and resource the role of a function is granted, logs and X-Ray aside. */
function grantsOf(fx: Fixture, name: string): { actions: string[]; statements: ReturnType<typeof policyStatements> } {
  const all = resources(fx);
  const role = (all[fnId(fx, name)]!.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const statements = policyStatements(fx.pipelineTemplate).filter((s) =>
    JSON.stringify(all[s.policy]!.Properties.Roles).includes(role),
  );
  const actions = statements.flatMap(actionsOf).filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'));
  return { actions, statements };
}

/** The object-key resources (`<bucket export>/<prefix>*`) of the statements that grant an action. */
function prefixesWith(statements: ReturnType<typeof policyStatements>, action: string): string[] {
  return statements
    .filter((s) => actionsOf(s).includes(action))
    .flatMap(resourcesOf)
    .flatMap((r) => {
      const join = (r as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
      if (!join) return [];
      const [exported, suffix] = join[1] as [{ 'Fn::ImportValue': string }, string];
      return [`${exported['Fn::ImportValue'].replace(/^TrueUp-/, '').replace(/BucketArn$/, '')}${suffix}`];
    })
    .filter((r) => !r.startsWith('TableArn'))
    .sort();
}

describe('web off (the default)', () => {
  it('adds nothing: no web resource, variable or output, and `web: false` is the same template', () => {
    expect(off.pipeline.web).toBeUndefined();
    const json = JSON.stringify(off.pipelineTemplate.toJSON());
    for (const name of [
      'WebConsole',
      'WebFunction',
      'PORTAL_LINK_SECRET_ARN',
      'PORTAL_BASE_URL',
      'USER_POOL_ID',
      'ConsoleUrl',
      'PortalBaseUrl',
      'UserPoolId',
      'PortalLinkSecretArn',
      'AWS::CloudFront',
      'AWS::Cognito',
      'AWS::ApiGatewayV2',
    ])
      expect(json).not.toContain(name);
    expect(JSON.stringify(buildFixture({ web: false }).pipelineTemplate.toJSON())).toBe(json);
    expect(JSON.stringify(on.statefulTemplate.toJSON())).toBe(JSON.stringify(off.statefulTemplate.toJSON()));
  }, 60_000);

  it('with `web: true` only adds, and changes only the functions that put portal links in emails (and the dashboard)', () => {
    const before = resources(off);
    const after = resources(on);
    const changed = Object.keys(before)
      .filter((id) => JSON.stringify(before[id]) !== JSON.stringify(after[id]))
      .map((id) => id.replace(/[0-9A-F]{8}$/, ''))
      .sort();
    expect(changed).toEqual(
      [
        'Dashboard',
        'DunningRunFunction',
        'DunningRunRoleDefaultPolicy',
        'InvoiceWorkerFunction',
        'InvoiceWorkerRoleDefaultPolicy',
        'StatementsFunction',
        'StatementsRoleDefaultPolicy',
      ].sort(),
    );
  });
});

describe('web on', () => {
  it('serves /assets/* from a private, versioned, SSL-only bucket through Origin Access Control, cached', () => {
    const t = on.pipelineTemplate;
    const bucket = logicalId(t, 'AWS::S3::Bucket', 'WebConsoleAssets');
    t.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
          }),
        ]),
      },
    });
    t.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    const config = (resources(on)[logicalId(t, 'AWS::CloudFront::Distribution', 'WebConsoleDistribution')]!.Properties
      .DistributionConfig ?? {}) as Record<string, unknown>;
    const [assets] = config.CacheBehaviors as Record<string, unknown>[];
    expect(assets).toMatchObject({
      PathPattern: '/assets/*',
      AllowedMethods: ['GET', 'HEAD'],
      CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6', // CachingOptimized
      ViewerProtocolPolicy: 'redirect-to-https',
    });
    expect(config.CacheBehaviors).toHaveLength(1);
  });

  it('sends everything else to the HTTP API over HTTPS: uncached, every viewer header but Host, the viewer host copied, security headers', () => {
    const t = on.pipelineTemplate;
    const config = (resources(on)[logicalId(t, 'AWS::CloudFront::Distribution', 'WebConsoleDistribution')]!.Properties
      .DistributionConfig ?? {}) as Record<string, unknown>;
    const api = logicalId(t, 'AWS::ApiGatewayV2::Api', 'WebConsoleApi');
    const def = config.DefaultCacheBehavior as Record<string, unknown>;
    expect(def).toMatchObject({
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // CachingDisabled
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac', // AllViewerExceptHostHeader
      ViewerProtocolPolicy: 'redirect-to-https',
      FunctionAssociations: [
        {
          EventType: 'viewer-request',
          FunctionARN: { 'Fn::GetAtt': [expect.stringMatching(/^WebConsoleForwardHost/), 'FunctionARN'] },
        },
      ],
    });
    expect(def.AllowedMethods).toContain('POST');
    const origin = (config.Origins as Record<string, unknown>[]).find((o) => o.Id === def.TargetOriginId)!;
    expect(origin.CustomOriginConfig).toEqual({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
    expect(JSON.stringify(origin.DomainName)).toContain(`{"Ref":"${api}"},".execute-api."`);
    const fn = resources(on)[logicalId(t, 'AWS::CloudFront::Function', 'WebConsoleForwardHost')]!;
    expect(fn.Properties.FunctionCode).toContain("r.headers['x-forwarded-host'] = { value: r.headers.host.value }");
    t.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: Match.objectLike({
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 31536000 }),
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ContentTypeOptions: { Override: true },
          ContentSecurityPolicy: Match.objectLike({
            ContentSecurityPolicy: Match.stringLikeRegexp("^default-src 'self'"),
          }),
        }),
      },
    });
  });

  it('has one $default route to the web function (payload 2.0), throttled at the stage, with an access log without paths', () => {
    const t = on.pipelineTemplate;
    t.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    t.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    t.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    t.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    t.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
    t.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [fnId(on, 'Web'), 'Arn'] },
    });
    const stage = resources(on)[logicalId(t, 'AWS::ApiGatewayV2::Stage', 'WebConsoleStage')]!.Properties;
    expect(stage).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    const format = (stage.AccessLogSettings as { Format: string }).Format;
    expect(JSON.parse(format)).toMatchObject({ status: '$context.status', ip: '$context.identity.sourceIp' });
    expect(format).not.toMatch(/path|querystring|routeKey/i);
    t.resourceCountIs('AWS::WAFv2::WebACL', 0);
  });

  it('makes a user pool with no self sign-up, a strong password policy and optional TOTP, its two groups and a PKCE client at the CloudFront URL', () => {
    const t = on.pipelineTemplate;
    const pool = logicalId(t, 'AWS::Cognito::UserPool', 'WebConsoleUsers');
    const distribution = logicalId(t, 'AWS::CloudFront::Distribution', 'WebConsoleDistribution');
    const users = resources(on)[pool]!;
    expect(users.Properties).toMatchObject({
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
          TemporaryPasswordValidityDays: 3,
        },
      },
    });
    expect(users.DeletionPolicy).toBe('Retain');
    const groups = Object.values(t.findResources('AWS::Cognito::UserPoolGroup') as Resources)
      .map((g) => ({ name: g.Properties.GroupName, pool: g.Properties.UserPoolId }))
      .sort((a, b) => String(a.name).localeCompare(String(b.name)));
    expect(groups).toEqual([
      { name: 'admin', pool: { Ref: pool } },
      { name: 'read-only', pool: { Ref: pool } },
    ]);
    const url = (path: string) => ({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution, 'DomainName'] }, path]],
    });
    t.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      UserPoolId: { Ref: pool },
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: [url('/auth/callback')],
      LogoutURLs: [url('/auth/signed-out')],
      SupportedIdentityProviders: ['COGNITO'],
      IdTokenValidity: 480,
    });
    t.hasResourceProperties('AWS::Cognito::UserPoolDomain', { UserPoolId: { Ref: pool }, ManagedLoginVersion: 2 });
  });

  it('gives the web function the Cognito settings, the CloudFront URL and the portal link key, capped concurrency', () => {
    const variables = (
      resources(on)[fnId(on, 'Web')]!.Properties as { Environment: { Variables: Record<string, unknown> } }
    ).Environment.Variables;
    const distribution = logicalId(on.pipelineTemplate, 'AWS::CloudFront::Distribution', 'WebConsoleDistribution');
    const consoleUrl = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution, 'DomainName'] }]] };
    expect(variables).toMatchObject({
      USER_POOL_ID: { Ref: expect.stringMatching(/^WebConsoleUsers/) },
      USER_POOL_CLIENT_ID: { Ref: expect.stringMatching(/^WebConsoleUsersConsoleClient/) },
      CONSOLE_URL: consoleUrl,
      PORTAL_BASE_URL: consoleUrl,
      PORTAL_LINK_SECRET_ARN: { Ref: expect.stringMatching(/^WebConsolePortalLinkKey/) },
      POWERTOOLS_SERVICE_NAME: 'trueup-web',
      TABLE_NAME: { 'Fn::ImportValue': 'TrueUp-TableName' },
    });
    expect(JSON.stringify(variables.COGNITO_DOMAIN_URL)).toContain('.auth.');
    expect(resources(on)[fnId(on, 'Web')]!.Properties.ReservedConcurrentExecutions).toBe(10);
  });

  it('grants the web function what the console and portal use and nothing else', () => {
    const { actions, statements } = grantsOf(on, 'Web');
    expect([...new Set(actions.map((a) => a.split(':')[0]))].sort()).toEqual([
      'dynamodb',
      's3',
      'secretsmanager',
      'ses',
      'sqs',
    ]);
    expect(prefixesWith(statements, 's3:GetObject*')).toEqual(
      [
        'Artifacts/credit-notes/*',
        'Artifacts/drafts/*',
        'Artifacts/emails/*',
        'Artifacts/invoices/*',
        'Artifacts/normalized/*',
        'Artifacts/reconciliation/*',
        'Artifacts/reports/*',
        'Artifacts/statements/*',
        'Usage/archive/*',
        'Usage/inbox/*',
        'Usage/rejected/*',
      ].sort(),
    );
    expect(prefixesWith(statements, 's3:PutObject')).toEqual(
      ['Artifacts/credit-notes/*', 'Artifacts/emails/*', 'Usage/inbox/*'].sort(),
    );
    expect(actions.filter((a) => a.startsWith('s3:')).some((a) => /Delete/.test(a))).toBe(false);
    expect(actions.filter((a) => a.startsWith('ses:'))).toEqual(['ses:SendRawEmail']);
    const queues = statements
      .filter((s) => actionsOf(s).includes('sqs:SendMessage'))
      .flatMap(resourcesOf)
      .map((r) => JSON.stringify(r))
      .sort();
    expect(queues).toEqual([
      '{"Fn::ImportValue":"TrueUp-DiscrepancyQueueArn"}',
      '{"Fn::ImportValue":"TrueUp-WorkQueueArn"}',
    ]);
    expect(
      actions.filter((a) => a.startsWith('sqs:') && a !== 'sqs:SendMessage' && !a.startsWith('sqs:GetQueue')),
    ).toEqual([]);
    const secrets = statements
      .filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'))
      .flatMap(resourcesOf)
      .map((r) => JSON.stringify(r));
    expect(secrets).toEqual([expect.stringMatching(/WebConsolePortalLinkKey/)]);
    expect(actions).not.toContain('secretsmanager:PutSecretValue');
    expect(actions.filter((a) => a.startsWith('cognito'))).toEqual([]);
  });

  it('gives the invoice worker, dunning and statements the portal link key and base URL, and no other function', () => {
    const all = resources(on);
    const withKey = Object.entries(all)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .filter(([, r]) => JSON.stringify(r.Properties.Environment ?? {}).includes('PORTAL_LINK_SECRET_ARN'))
      .map(([id]) => id.replace(/Function[0-9A-F]{8}$/, ''))
      .sort();
    expect(withKey).toEqual(['DunningRun', 'InvoiceWorker', 'Statements', 'Web']);
    for (const name of ['InvoiceWorker', 'DunningRun', 'Statements']) {
      const variables = (all[fnId(on, name)]!.Properties as { Environment: { Variables: Record<string, unknown> } })
        .Environment.Variables;
      expect(variables.PORTAL_LINK_SECRET_ARN).toEqual({ Ref: expect.stringMatching(/^WebConsolePortalLinkKey/) });
      expect(JSON.stringify(variables.PORTAL_BASE_URL)).toContain('WebConsoleDistribution');
      const secrets = grantsOf(on, name)
        .statements.filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'))
        .flatMap(resourcesOf)
        .map((r) => JSON.stringify(r));
      expect(secrets).toEqual([expect.stringMatching(/WebConsolePortalLinkKey/)]);
    }
  });

  it('generates the portal link key and keeps it when the stack is deleted', () => {
    const secret =
      resources(on)[logicalId(on.pipelineTemplate, 'AWS::SecretsManager::Secret', 'WebConsolePortalLinkKey')]!;
    expect(secret.Properties.GenerateSecretString).toMatchObject({ GenerateStringKey: 'linkKey', PasswordLength: 48 });
    expect(secret.DeletionPolicy).toBe('Retain');
  });

  it('outputs the console URL, the portal base URL, the user pool and the link secret', () => {
    const t = on.pipelineTemplate;
    const distribution = logicalId(t, 'AWS::CloudFront::Distribution', 'WebConsoleDistribution');
    const consoleUrl = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution, 'DomainName'] }]] };
    t.hasOutput('ConsoleUrl', { Value: consoleUrl });
    t.hasOutput('PortalBaseUrl', { Value: consoleUrl });
    t.hasOutput('UserPoolId', { Value: { Ref: logicalId(t, 'AWS::Cognito::UserPool', 'WebConsoleUsers') } });
    t.hasOutput('PortalLinkSecretArn', {
      Value: { Ref: logicalId(t, 'AWS::SecretsManager::Secret', 'WebConsolePortalLinkKey') },
    });
  });

  it("deploys the console's assets (CONSOLE_ASSETS) to the assets bucket", () => {
    expect(WEB_ASSETS.length).toBeGreaterThan(0);
    expect(WEB_ASSETS.every((a) => a.path.startsWith('/assets/'))).toBe(true);
    expect(Object.keys(on.pipelineTemplate.findResources('Custom::CDKBucketDeployment')).length).toBeGreaterThan(0);
  });
});

describe('cdk-nag', () => {
  /** Synthesizes with the AWS Solutions rules; returns the unacknowledged findings. */
  function nag(app: App, stacks: { pipeline: PipelineStack }): string[] {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    let failure: unknown;
    try {
      app.synth({ force: true });
    } catch (error) {
      failure = error;
    }
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations?: { ruleName: string; violatingConstructs: { constructPath: string }[] }[] }[];
    };
    const violations = report.pluginReports.flatMap((r) =>
      (r.violations ?? []).map(
        (v) => `${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`,
      ),
    );
    expect(failure).toBeUndefined();
    expect(Annotations.fromStack(stacks.pipeline).findError('*', Match.anyValue())).toEqual([]);
    return violations;
  }

  it('passes with web and payments on, no unacknowledged finding', () => {
    const app = testApp({ 'aws:cdk:outdir': undefined });
    const stacks = buildTrueUp(app, parseConfig({ web: true, payments: true }));
    expect(nag(app, stacks)).toEqual([]);
  }, 120_000);

  it('passes with console assets deployed (one deployment per content type, then /assets/* invalidated)', () => {
    const app = testApp({ 'aws:cdk:outdir': undefined });
    const pipeline = new PipelineStack(app, 'TrueUp-Pipeline', {
      config: parseConfig({ web: true }),
      stateful: statefulExports('TrueUp'),
      webAssets: [
        { path: '/assets/console.css', contentType: 'text/css; charset=utf-8', body: 'body{margin:0}' },
        { path: '/assets/console.js', contentType: 'text/javascript; charset=utf-8', body: 'void 0;' },
        { path: '/assets/portal.css', contentType: 'text/css; charset=utf-8', body: 'main{padding:1rem}' },
      ],
    });
    const template = Template.fromStack(pipeline);
    const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment') as Resources).map(
      (r) => r.Properties,
    );
    expect(deployments.map((d) => [d.SystemMetadata, (d.SourceObjectKeys as unknown[]).length])).toEqual([
      [{ 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=300' }, 2],
      [{ 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=300' }, 1],
    ]);
    for (const d of deployments) {
      expect(d.DistributionPaths).toEqual(['/assets/*']);
      expect(d.Prune).toBe(false);
    }
    expect(nag(app, { pipeline })).toEqual([]);
  }, 120_000);

  it('refuses an asset outside /assets/ (CloudFront would never serve it from the bucket)', () => {
    expect(
      () =>
        new PipelineStack(testApp(), 'P', {
          config: parseConfig({ web: true }),
          stateful: statefulExports('TrueUp'),
          webAssets: [{ path: '/console.css', contentType: 'text/css', body: '' }],
        }),
    ).toThrow('Console asset /console.css must be under /assets/');
  });
});

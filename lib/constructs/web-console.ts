import { Aws, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.js';
import type { WebAsset } from '../web-assets.js';
import type { Grant, Job, JobProps } from './job.js';

/**
 * API Gateway stage throttling, the API's only rate limit (see WebConsole): a steady 50
 * requests a second with bursts of 100, far above what a billing team and its clients'
 * link clicks make, low enough that a flood costs little and cannot take the account's Lambda
 * concurrency (the function is capped at 10 besides).
 */
export const WEB_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

/** How long a console sign-in lasts: the ID token's validity (no refresh token is kept). */
export const SESSION_HOURS = 8;

export interface WebConsoleProps {
  /** Makes the web function as the pipeline makes its others (environment, alarms, log retention). */
  readonly job: (props: Omit<JobProps, 'alarmTopic' | 'logRetention' | 'timeZone'>) => Job;
  /** What the console and portal may touch besides the link key: table, buckets, queues, SES. */
  readonly grants: readonly Grant[];
  /** The console's static files, deployed under `/assets/*` (lib/web-assets.ts). */
  readonly assets: readonly WebAsset[];
  /** Retention of the API's access log. */
  readonly logRetention: logs.RetentionDays;
  /** Lower-case stack prefix: the Cognito domain is `<prefix>-<account id>`. */
  readonly domainPrefix: string;
}

/**
 * The billing team's console and the client portal on AWS (CDK config `web: true`,
 * docs/web-aws.md):
 *
 * - CloudFront, the one public URL: `/assets/*` from a private S3 bucket (Origin Access
 *   Control), everything else from the HTTP API, uncached, with every viewer header but Host;
 *   HTTPS only, security headers on every answer;
 * - an API Gateway HTTP API with one Lambda integration (`$default`), throttled at the stage.
 *   No WAF: a WebACL for CloudFront must live in us-east-1 (the stacks may be elsewhere) and a
 *   regional WebACL cannot be attached to an HTTP API, so the stage throttle is the rate limit;
 * - the web function (functions/handlers/web.ts): signs the billing team in with Cognito and
 *   serves the console; serves the portal to signed links;
 * - a Cognito user pool (no self sign-up, strong passwords, optional TOTP MFA) with the groups
 *   `admin` and `read-only`, its managed login and the app client (authorization code + PKCE);
 * - the portal link key, generated and retained (a new key would break every link sent).
 */
export class WebConsole extends Construct {
  public readonly job: Job;
  public readonly bucket: s3.Bucket;
  public readonly distribution: cloudfront.Distribution;
  public readonly api: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  public readonly userPool: cognito.UserPool;
  public readonly client: cognito.UserPoolClient;
  public readonly domain: cognito.UserPoolDomain;
  public readonly linkKeySecret: secretsmanager.Secret;
  /** `https://<distribution domain>`: the console, and the base of portal links. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: WebConsoleProps) {
    super(scope, id);

    this.linkKeySecret = new secretsmanager.Secret(this, 'PortalLinkKey', {
      description:
        'TrueUp portal: the key that signs client portal links {"linkKey"}; changing it breaks every link sent',
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'linkKey',
        passwordLength: 48,
        excludePunctuation: true,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.linkKeySecret,
      'AwsSolutions-SMG4',
      'The link key signs the portal links in emails already sent (each expires on its own): rotating it would break every unexpired link; docs/web-aws.md says how to roll it by hand.',
    );

    // ---- static assets ---------------------------------------------------------------------
    this.bucket = new s3.Bucket(this, 'Assets', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Deployed from the code on every deploy: nothing in it is kept data.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.bucket,
      'AwsSolutions-S1',
      'The console CSS/JS, public by nature and rewritten by every deploy; it is read only by CloudFront (Origin Access Control).',
    );

    // ---- the API ---------------------------------------------------------------------------
    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 'TrueUp web API: the console and the client portal (behind CloudFront)',
      createDefaultStage: false,
    });
    const accessLog = new logs.LogGroup(this, 'ApiAccessLog', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: WEB_THROTTLE,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLog),
        // No path or query: a portal path carries the client's link token.
        format: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            time: '$context.requestTime',
            method: '$context.httpMethod',
            status: '$context.status',
            latency: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    // The API's own domain (its apiId, not the stage or the integration): CloudFront depends on
    // the API alone, so the function may know the CloudFront URL without a dependency cycle.
    const apiDomain = `${this.api.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`;

    // ---- CloudFront ------------------------------------------------------------------------
    const securityHeaders = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'TrueUp console and portal: security headers on every answer',
      securityHeadersBehavior: {
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.SAME_ORIGIN, override: true },
        // No third-party requests: everything the pages load comes from this origin.
        contentSecurityPolicy: {
          contentSecurityPolicy:
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
          override: true,
        },
      },
    });
    // CloudFront does not pass the viewer's Host to the API (API Gateway answers to its own);
    // this copies it to x-forwarded-host, which the function takes as the request's origin.
    const forwardHost = new cloudfront.Function(this, 'ForwardHost', {
      comment: 'TrueUp: copy the viewer Host header to x-forwarded-host',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(
        "function handler(event) { var r = event.request; if (r.headers.host) { r.headers['x-forwarded-host'] = { value: r.headers.host.value }; } return r; }",
      ),
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'TrueUp console and client portal',
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        origin: new origins.HttpOrigin(apiDomain, {
          protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        responseHeadersPolicy: securityHeaders,
        functionAssociations: [{ function: forwardHost, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        '/assets/*': {
          origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
          cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
          responseHeadersPolicy: securityHeaders,
        },
      },
    });
    this.url = `https://${this.distribution.distributionDomainName}`;
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'The portal serves clients wherever they are; no country is excluded.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR2',
      'A CloudFront WebACL must be created in us-east-1 and the stacks may be deployed elsewhere; the API stage throttle is the rate limit (docs/web-aws.md).',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR3',
      "Each request is logged by the API's access log and the web function; the assets are public CSS/JS. CloudFront standard logs would need an ACL-enabled bucket.",
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR4',
      "The distribution uses CloudFront's default *.cloudfront.net certificate, whose minimum TLS version cannot be set; with a custom domain set TLSv1.2_2021.",
    );

    if (props.assets.length > 0) this.deployAssets(props.assets);

    // ---- Cognito ---------------------------------------------------------------------------
    this.userPool = new cognito.UserPool(this, 'Users', {
      userPoolName: `${props.domainPrefix}-console`,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      userInvitation: {
        emailSubject: 'Your TrueUp console sign-in',
        emailBody: `You can now sign in to the TrueUp billing console at ${this.url} with the username {username} and the temporary password {####}.`,
      },
      // The billing team's accounts outlive a redeploy of the stateless stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.userPool,
      'AwsSolutions-COG2',
      'MFA is optional: each user may add an authenticator app (TOTP); set the pool to REQUIRED to enforce it (docs/web-aws.md).',
    );
    acknowledge(
      this.userPool,
      'AwsSolutions-COG3',
      "Threat protection (advanced security) needs Cognito's Plus plan, priced per active user; the pool has a handful of staff, no self sign-up and a strong password policy (docs/web-aws.md).",
    );
    acknowledge(
      this.userPool,
      'AwsSolutions-COG8',
      'The Essentials plan has the managed login and TOTP MFA; Plus adds threat protection at a per-user price (see COG3).',
    );
    new cognito.UserPoolGroup(this, 'AdminGroup', {
      userPool: this.userPool,
      groupName: 'admin',
      description: 'TrueUp console: reads and acts (approve, resolve, upload); every action is audited',
      precedence: 0,
    });
    new cognito.UserPoolGroup(this, 'ReadOnlyGroup', {
      userPool: this.userPool,
      groupName: 'read-only',
      description: 'TrueUp console: reads only',
      precedence: 1,
    });
    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: `${props.domainPrefix}-${Aws.ACCOUNT_ID}` },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    this.client = this.userPool.addClient('ConsoleClient', {
      userPoolClientName: 'trueup-console',
      // A public client with PKCE: the code exchange needs no secret (functions/adapters/aws/web-handler.ts).
      generateSecret: false,
      authFlows: {},
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [`${this.url}/auth/callback`],
        logoutUrls: [`${this.url}/auth/signed-out`],
      },
      idTokenValidity: Duration.hours(SESSION_HOURS),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(SESSION_HOURS),
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
    });
    // The managed login's pages need a style; Cognito's own defaults.
    new cognito.CfnManagedLoginBranding(this, 'LoginBranding', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      useCognitoProvidedValues: true,
    });

    // ---- the function ----------------------------------------------------------------------
    this.job = props.job({
      handlerName: 'web',
      description: 'The web API: the billing team console (Cognito sign-in) and the client portal (signed links)',
      timeout: Duration.seconds(30),
      memorySize: 1024,
      // Bounds what a flood of requests can cost or take from the account, with the stage throttle.
      reservedConcurrentExecutions: 10,
      grants: [
        ...props.grants,
        this.readsPortalLinkKey(),
        (fn) => {
          fn.function.addEnvironment('USER_POOL_ID', this.userPool.userPoolId);
          fn.function.addEnvironment('USER_POOL_CLIENT_ID', this.client.userPoolClientId);
          fn.function.addEnvironment('COGNITO_DOMAIN_URL', this.domain.baseUrl());
          fn.function.addEnvironment('CONSOLE_URL', this.url);
        },
      ],
    });
    // One route, `$default`: every path and method reaches the function, which routes itself.
    const route = new apigwv2.HttpRoute(this, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: apigwv2.HttpRouteKey.DEFAULT,
      integration: new HttpLambdaIntegration('Web', this.job.fn.function),
    });

    const stack = Stack.of(this);
    acknowledge(
      route,
      'AwsSolutions-APIG4',
      'The web function authorizes each request itself: console requests need a Cognito ID token from an HttpOnly cookie (API Gateway JWT authorizers read only headers), portal requests a signed link.',
    );
    new CfnOutput(stack, 'ConsoleUrl', {
      value: this.url,
      description: 'The billing team console (sign in with Cognito)',
    });
    new CfnOutput(stack, 'PortalBaseUrl', {
      value: this.url,
      description: 'The client portal: links in emails are <url>/portal/…',
    });
    new CfnOutput(stack, 'UserPoolId', {
      value: this.userPool.userPoolId,
      description: 'Console users: add them to the admin or read-only group (docs/web-aws.md)',
    });
    new CfnOutput(stack, 'PortalLinkSecretArn', {
      value: this.linkKeySecret.secretArn,
      description: 'The generated key portal links are signed with (the CLI reads it to build links)',
    });
  }

  /**
   * For a function that builds portal links (the web function, invoice worker, dunning,
   * statements): the link key's ARN and the portal's base URL in its environment, and read
   * access to that secret only.
   */
  readsPortalLinkKey(): Grant {
    return (fn) => {
      fn.function.addEnvironment('PORTAL_LINK_SECRET_ARN', this.linkKeySecret.secretArn);
      fn.function.addEnvironment('PORTAL_BASE_URL', this.url);
      this.linkKeySecret.grantRead(fn.function);
    };
  }

  /**
   * One deployment per content type (S3 keeps the type given at upload; guessing from the
   * extension could differ from the console's list), then the `/assets/*` paths invalidated.
   * Not pruned: a file dropped from the list stays until removed by hand (harmless).
   */
  private deployAssets(assets: readonly WebAsset[]): void {
    const byType = new Map<string, WebAsset[]>();
    for (const asset of assets) {
      if (!asset.path.startsWith('/assets/'))
        throw new Error(`Console asset ${asset.path} must be under /assets/ (the only path CloudFront serves from S3)`);
      byType.set(asset.contentType, [...(byType.get(asset.contentType) ?? []), asset]);
    }
    let n = 0;
    for (const [contentType, group] of byType) {
      new s3deploy.BucketDeployment(this, `DeployAssets${n++}`, {
        destinationBucket: this.bucket,
        sources: group.map((asset) => s3deploy.Source.data(asset.path.slice(1), asset.body)),
        contentType,
        cacheControl: [s3deploy.CacheControl.setPublic(), s3deploy.CacheControl.maxAge(Duration.minutes(5))],
        prune: false,
        distribution: this.distribution,
        distributionPaths: ['/assets/*'],
        memoryLimit: 256,
      });
    }
    this.acknowledgeDeploymentHandler();
  }

  /** CDK's BucketDeployment handler (one per stack, runs only on deploy): its findings are aws-cdk-lib's. */
  private acknowledgeDeploymentHandler(): void {
    const stack = Stack.of(this);
    const handler = stack.node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (!handler) return;
    const bucketArn = stack.resolve((this.bucket.node.defaultChild as s3.CfnBucket).logicalId) as string;
    const why =
      "CDK's BucketDeployment handler, defined by aws-cdk-lib, runs only on deploy: it copies the console assets from the CDK asset bucket into the assets bucket (read from one, write and delete in the other) and invalidates /assets/* (CloudFront invalidations have no resource-level permissions).";
    for (const finding of [
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'AwsSolutions-IAM5[Action::s3:GetObject*]',
      'AwsSolutions-IAM5[Action::s3:GetBucket*]',
      'AwsSolutions-IAM5[Action::s3:List*]',
      'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
      'AwsSolutions-IAM5[Action::s3:Abort*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
      `AwsSolutions-IAM5[Resource::<${bucketArn}.Arn>/*]`,
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-L1',
    ])
      acknowledge(handler, finding, why);
  }
}

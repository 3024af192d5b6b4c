import { CfnOutput, RemovalPolicy, SecretValue, type Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.js';
import type { Grant, Job, JobProps } from './job.js';
import type { PipelineFunction } from './pipeline-function.js';

export interface PaymentsEndpointProps {
  /** Makes the endpoint's job in the stack (the stack's `job` factory: common env, alarms, log retention). */
  readonly job: (props: Omit<JobProps, 'alarmTopic' | 'logRetention' | 'timeZone'>) => Job;
  /** What the endpoint may touch besides its secrets: table rw, emails/ put, the work and discrepancy queues. */
  readonly grants: readonly Grant[];
  readonly timeout: Duration;
}

/**
 * Getting paid online (docs/payments.md): the payments function behind the stack's one public
 * endpoint, a Lambda Function URL with auth NONE (the function verifies Stripe's signature and
 * each Pay link's token itself), and the two secrets:
 *
 * - the provider secret `{ "stripeSecretKey", "stripeWebhookSecret" }`, created with placeholders
 *   for the operator to fill in (docs/deploy.md "Connect Stripe"); read by the endpoint and the
 *   auto-pay job only (`readsProviderSecret`);
 * - the link key `{ "linkKey" }`, generated, that signs the Pay links; read by every function
 *   that builds Pay links (`readsLinkKey`).
 *
 * Both secrets are retained when the stack is deleted: a new link key would break the Pay links
 * of every invoice already sent.
 */
export class PaymentsEndpoint extends Construct {
  public readonly fn: PipelineFunction;
  public readonly url: lambda.FunctionUrl;
  public readonly providerSecret: secretsmanager.Secret;
  public readonly linkKeySecret: secretsmanager.Secret;
  public readonly job: Job;

  constructor(scope: Construct, id: string, props: PaymentsEndpointProps) {
    super(scope, id);
    this.providerSecret = new secretsmanager.Secret(this, 'ProviderSecret', {
      description:
        'TrueUp payments: Stripe keys {"stripeSecretKey": "sk_…" or "rk_…", "stripeWebhookSecret": "whsec_…"}; replace the placeholders (docs/deploy.md)',
      secretObjectValue: {
        stripeSecretKey: SecretValue.unsafePlainText('sk_test_replace_me'),
        stripeWebhookSecret: SecretValue.unsafePlainText('whsec_replace_me'),
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.linkKeySecret = new secretsmanager.Secret(this, 'LinkKeySecret', {
      description: 'TrueUp payments: the key that signs Pay links {"linkKey"}; changing it breaks every link sent',
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'linkKey',
        passwordLength: 48,
        excludePunctuation: true,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.providerSecret,
      'AwsSolutions-SMG4',
      'Stripe API keys are rolled in the Stripe Dashboard, not by a rotation Lambda; the operator puts the new key in this secret (docs/deploy.md).',
    );
    acknowledge(
      this.linkKeySecret,
      'AwsSolutions-SMG4',
      'The link key signs Pay links that never expire (they are printed on invoices): rotating it would break every link sent.',
    );

    this.job = props.job({
      handlerName: 'payments-endpoint',
      description: 'The payments endpoint (public Function URL): Stripe webhook and Pay links',
      timeout: props.timeout,
      // Bounds what a flood of requests to the public URL can cost or take from the account.
      reservedConcurrentExecutions: 10,
      environment: {},
      grants: [
        ...props.grants,
        (fn) => {
          fn.function.addEnvironment('PAYMENTS_SECRET_ARN', this.providerSecret.secretArn);
          this.providerSecret.grantRead(fn.function);
        },
        (fn) => {
          fn.function.addEnvironment('PAY_LINK_SECRET_ARN', this.linkKeySecret.secretArn);
          this.linkKeySecret.grantRead(fn.function);
        },
      ],
    });
    this.fn = this.job.fn;
    // The one public endpoint of the stacks (test/cdk/payments-endpoint.test.ts checks it stays so).
    this.url = this.fn.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    new CfnOutput(scope, 'PaymentsSecretArn', {
      value: this.providerSecret.secretArn,
      description:
        'Put the Stripe keys here: {"stripeSecretKey","stripeWebhookSecret"} (docs/deploy.md "Connect Stripe")',
    });
    new CfnOutput(scope, 'PayLinkSecretArn', {
      value: this.linkKeySecret.secretArn,
      description: 'The generated key Pay links are signed with (the CLI reads it to build links: statements send)',
    });
    new CfnOutput(scope, 'PaymentsEndpointUrl', {
      value: this.url.url,
      description:
        'The payments endpoint: Stripe webhook <url>webhooks/stripe (docs/deploy.md "Connect Stripe"); Pay links start with it',
    });
  }

  /**
   * For a function that builds Pay links (invoice worker, dunning, statements): the link key's
   * ARN and the endpoint URL in its environment, and read access to the link key only.
   */
  readsLinkKey(): Grant {
    return (fn) => {
      fn.function.addEnvironment('PAY_LINK_SECRET_ARN', this.linkKeySecret.secretArn);
      fn.function.addEnvironment('PAYMENTS_ENDPOINT_URL', this.url.url);
      this.linkKeySecret.grantRead(fn.function);
    };
  }

  /** For a function that charges or asks Stripe (auto-pay): the provider secret's ARN and read access. */
  readsProviderSecret(): Grant {
    return (fn) => {
      fn.function.addEnvironment('PAYMENTS_SECRET_ARN', this.providerSecret.secretArn);
      this.providerSecret.grantRead(fn.function);
    };
  }
}

import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { atLeastOneAlarm } from './alarm.js';
import {
  ALIASES,
  ESBUILD_TARGET,
  ESM_BANNER,
  EXTERNAL_MODULES,
  HANDLERS_DIR,
  MAIN_FIELDS,
  PROJECT_ROOT,
  pdfkitFontCommands,
} from '../bundling.js';

export interface PipelineFunctionProps {
  /** The handler file's name in `functions/handlers/` without `.ts` (it exports `handler`). */
  readonly handlerName: string;
  /** What the function does (shown in the console). */
  readonly description?: string;
  /** Environment variables; POWERTOOLS_SERVICE_NAME is added. @default {} */
  readonly environment?: Record<string, string>;
  /** @default Duration.seconds(60) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** Caps concurrent executions (1 = a job never overlaps itself). @default no cap */
  readonly reservedConcurrentExecutions?: number;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** Powertools service name (logs, metrics, traces). @default `trueup-<handlerName>` */
  readonly serviceName?: string;
  /** When given, an alarm on Errors ≥ 1 in 5 minutes notifies this topic. @default no alarm */
  readonly alarmTopic?: sns.ITopic;
  /** The AWS Parameters and Secrets Lambda Extension (a layer), for functions that read secrets. @default none */
  readonly paramsAndSecrets?: lambda.ParamsAndSecretsLayerVersion;
}

/**
 * The house Lambda function: Node.js 24 on ARM64, bundled by esbuild to minified ESM with a
 * source map, X-Ray tracing, its own log group with retention (no log-group creation rights),
 * a role that starts with only that log group, and an Errors alarm.
 */
export class PipelineFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;
  public readonly errorsAlarm?: cloudwatch.Alarm;
  /** Powertools service name: POWERTOOLS_SERVICE_NAME and the `service` dimension of its metrics. */
  public readonly serviceName: string;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    const serviceName = props.serviceName ?? `trueup-${props.handlerName}`;
    this.serviceName = serviceName;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // Own role instead of AWSLambdaBasicExecutionRole: write to this log group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `TrueUp ${props.handlerName} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: join(HANDLERS_DIR, `${props.handlerName}.ts`),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(60),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      paramsAndSecrets: props.paramsAndSecrets,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'TrueUp',
        NODE_OPTIONS: '--enable-source-maps', // stack traces point at the TypeScript sources
      },
      bundling: {
        format: OutputFormat.ESM,
        target: ESBUILD_TARGET,
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.EXTERNAL,
        sourcesContent: false,
        mainFields: [...MAIN_FIELDS],
        externalModules: [...EXTERNAL_MODULES],
        banner: ESM_BANNER,
        esbuildArgs: Object.fromEntries(Object.entries(ALIASES).map(([from, to]) => [`--alias:${from}`, to])),
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => pdfkitFontCommands(outputDir),
        },
      },
    });

    if (props.alarmTopic) {
      this.errorsAlarm = atLeastOneAlarm(this, 'ErrorsAlarm', {
        description: `TrueUp ${props.handlerName}: the function reported errors (see its log group ${props.handlerName}).`,
        metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        topic: props.alarmTopic,
      });
    }
  }
}

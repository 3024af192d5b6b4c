/**
 * The payments endpoint behind the stack's one public URL (a Lambda Function URL, auth NONE):
 * the provider's webhook and the Pay links (functions/app/payments-endpoint.ts). It trusts no
 * caller: the webhook checks the provider's signature, a Pay link its token.
 */
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { handlePaymentsRequest, type PaymentsRequest, type PaymentsResponse } from '../app/payments-endpoint.js';
import { deps as pipelineDeps, logger, metrics, env } from './runtime.js';
import { withStripePayments } from '../adapters/payments/aws-stripe.js';

/** The pipeline's deps with the Stripe provider: this function takes money (its bundle carries the SDK). */
const deps = withStripePayments(pipelineDeps, env);

/** The fields of a Function URL event (payload 2.0) the endpoint reads; anything else passes. */
const FunctionUrlEvent = z.looseObject({
  rawPath: z.string().default('/'),
  rawQueryString: z.string().default(''),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().default(false),
  requestContext: z.looseObject({
    domainName: z.string().optional(),
    http: z.looseObject({ method: z.string() }),
  }),
});

/** The request as the router takes it: lower-case headers, the body's exact bytes as text. */
export function requestOfFunctionUrl(event: unknown): PaymentsRequest {
  const parsed = FunctionUrlEvent.parse(event);
  const body = parsed.body ?? '';
  const { domainName } = parsed.requestContext;
  return {
    method: parsed.requestContext.http.method.toUpperCase(),
    path: parsed.rawPath,
    query: Object.fromEntries(new URLSearchParams(parsed.rawQueryString)),
    headers: Object.fromEntries(Object.entries(parsed.headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: parsed.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body,
    ...(domainName ? { origin: `https://${domainName}` } : {}),
  };
}

export function functionUrlResult(response: PaymentsResponse): {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
} {
  return { statusCode: response.status, headers: { ...response.headers }, body: response.body, isBase64Encoded: false };
}

export const handler = async (event: unknown, context: Context): Promise<ReturnType<typeof functionUrlResult>> => {
  logger.addContext(context);
  const request = requestOfFunctionUrl(event);
  const response = await handlePaymentsRequest(deps, request);
  logger.info('payments request', { method: request.method, path: request.path, status: response.status });
  metrics.addMetric(request.path.startsWith('/webhooks/') ? 'WebhookDeliveries' : 'PayLinkRequests', 'Count', 1);
  metrics.publishStoredMetrics();
  return functionUrlResult(response);
};

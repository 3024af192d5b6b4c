/**
 * One HTTP exchange as the web-facing use cases see it (the payments endpoint, the billing
 * team's console, the client portal): a plain request → response, so the same function runs
 * behind a Lambda (Function URL or API Gateway) and behind the local node:http server.
 */

export interface HttpRequest {
  readonly method: string;
  /** The path without the query string, e.g. `/pay/INV-2026-000001`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The raw body as received (a webhook's signature covers these exact bytes). */
  readonly body: string;
  /** The base URL as this request reached it (`https://<host>`), when known. */
  readonly origin?: string;
  /** The caller's address (rate limits), when known. */
  readonly sourceIp?: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The body is base64 of binary bytes (a PDF), not text. */
  readonly isBase64Encoded?: boolean;
}

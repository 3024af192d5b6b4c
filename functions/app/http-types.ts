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

/**
 * Who is using the billing team's console: on AWS a Cognito user (its `admin` or `read-only`
 * group), locally the person who ran `trueup local`. A viewer reads; only an admin acts.
 */
export interface ConsoleUser {
  /** Shown in the audit log: the Cognito username or e-mail, or the local OS user. */
  readonly id: string;
  readonly role: 'admin' | 'viewer';
}

/** A route of the web API: the console's (signed-in user) or the portal's (a client's signed link). */
export type ConsoleRoute = (request: HttpRequest, user: ConsoleUser) => Promise<HttpResponse>;
export type PortalRoute = (request: HttpRequest) => Promise<HttpResponse>;

/**
 * The local Stripe stand-in (docs/stripe-local.md): the part of Stripe's API that TrueUp's
 * adapter calls, a hosted checkout page, and webhooks signed in Stripe's scheme, on 127.0.0.1.
 * The real adapter (official SDK) is pointed at it, so the local runtime exercises the same code
 * as production. State is in memory; ids are counters, so a run is deterministic.
 *
 * Webhook delivery is `immediate` (posted as they happen: the demo) or `queued` (held until
 * `flushWebhooks()`: simulate, deterministic). A bank debit (us_bank_account) is `processing`
 * until the second `flushWebhooks()` after it was made (a day later in simulate), in either mode:
 * its success events are sent then.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { checkoutPageHtml } from './checkout-page.js';
import { parseStripeForm, type FormObject, type FormValue } from './form-body.js';
import {
  balanceTransactionObject,
  chargeObject,
  customerObject,
  disputeObject,
  errorBody,
  eventObject,
  listObject,
  paymentIntentObject,
  paymentMethodObject,
  refundObject,
  savedMethodOf,
  standardFee,
  type Json,
  type Metadata,
  type SavedMethod,
} from './stripe-objects.js';

export interface LocalStripeOptions {
  /** The `whsec_…` secret deliveries are signed with (the adapter's webhookSecret). */
  readonly webhookSecret: string;
  /** Where events are posted (the payments endpoint's `/webhooks/stripe`); settable later. */
  readonly webhookUrl?: string;
  /** The clock objects and events are created at (ms); signatures always use the real time. */
  readonly now?: () => number;
  readonly delivery: 'immediate' | 'queued';
}

/** A checkout session as the stand-in holds it (for tests and the demo to find its page). */
export interface LocalCheckoutSession {
  readonly id: string;
  readonly url: string;
  readonly status: string;
  readonly paymentStatus: string;
  readonly amountTotal: number;
  readonly currency: string;
  readonly methods: readonly string[];
  readonly metadata: Metadata;
  readonly paymentIntent: string | null;
}

export interface LocalStripe {
  /** `http://127.0.0.1:<port>`: the adapter's apiBase, and the origin of the hosted pages. */
  readonly apiBase: string;
  stop(): Promise<void>;
  setWebhookUrl(url: string | undefined): void;
  /**
   * Settles the bank debits made before the previous flush, then delivers every held event in
   * order; returns how many the endpoint accepted (2xx). A 5xx or a failed connection keeps the
   * event for the next flush, as Stripe retries.
   */
  flushWebhooks(): Promise<number>;
  /** Refunds a payment (all that is left, or `amount` in minor units, as Stripe's API); returns the `re_…` id. */
  refund(paymentIntentId: string, amount?: number): Promise<string>;
  /** Opens a dispute on a payment's charge; returns the `dp_…` id. */
  dispute(paymentIntentId: string): Promise<string>;
  sessions(): LocalCheckoutSession[];
  /** Every event emitted so far, as sent (tests read them). */
  events(): Json[];
  /** Forgets every Idempotency-Key, as Stripe does after 24 hours. */
  forgetIdempotencyKeys(): void;
}

interface Reply {
  readonly status: number;
  readonly body: Json;
}

class StripeFailure extends Error {
  constructor(readonly reply: Reply) {
    super(String((reply.body.error as { message?: string } | undefined)?.message));
  }
}

const notFound = (message: string, param?: string): StripeFailure =>
  new StripeFailure({
    status: 404,
    body: errorBody({ type: 'invalid_request_error', code: 'resource_missing', message, ...(param ? { param } : {}) }),
  });
const badRequest = (message: string, param?: string): StripeFailure =>
  new StripeFailure({
    status: 400,
    body: errorBody({ type: 'invalid_request_error', code: 'parameter_missing', message, ...(param ? { param } : {}) }),
  });

/** Starts the stand-in on 127.0.0.1 (a free port). */
export async function startLocalStripe(options: LocalStripeOptions): Promise<LocalStripe> {
  const stand = new StripeStandIn(options);
  const server = createServer((req, res) => void stand.handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const apiBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stand.apiBase = apiBase;
  return {
    apiBase,
    stop: async () => {
      await stand.settled();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    setWebhookUrl: (url) => {
      stand.webhookUrl = url;
    },
    flushWebhooks: () => stand.flush(),
    refund: (pi, amount) => stand.refund(pi, amount),
    dispute: (pi) => stand.dispute(pi),
    sessions: () => stand.listSessions(),
    events: () => stand.emitted.map((event) => structuredClone(event)),
    forgetIdempotencyKeys: () => stand.forgetIdempotencyKeys(),
  };
}

interface SessionState {
  readonly object: Json;
  readonly lines: { name: string; amount: number }[];
  readonly intentMetadata: Metadata;
}

class StripeStandIn {
  apiBase = '';
  webhookUrl: string | undefined;
  readonly emitted: Json[] = [];
  private readonly now: () => number;
  private readonly counters = new Map<string, number>();
  private readonly checkoutSessions = new Map<string, SessionState>();
  private readonly intents = new Map<string, Json>();
  private readonly charges = new Map<string, Json>();
  private readonly refunds = new Map<string, Json>();
  private readonly balanceTransactions = new Map<string, Json>();
  /** Idempotency-Key → the first request's path, body and reply; kept for the stand-in's life. */
  private readonly idempotent = new Map<string, { path: string; body: string; reply: Reply }>();
  private held: Json[] = [];
  /** Bank debits made since the last flush, and those the next flush settles. */
  private settlements: (() => void)[] = [];
  private settlingNext: (() => void)[] = [];
  private inFlight: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: LocalStripeOptions) {
    this.now = options.now ?? Date.now;
    this.webhookUrl = options.webhookUrl;
  }

  forgetIdempotencyKeys(): void {
    this.idempotent.clear();
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = await readBody(req);
      if (url.pathname.startsWith('/c/pay/')) return await this.hostedPage(req.method ?? 'GET', url, body, res);
      const reply = this.api(req, url, body);
      res.writeHead(reply.status, {
        'content-type': 'application/json',
        'request-id': `req_local_${this.next('req')}`,
        ...(reply.status === 402 ? { 'stripe-should-retry': 'false' } : {}),
      });
      res.end(JSON.stringify(reply.body));
    } catch (error) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify(errorBody({ type: 'api_error', message: (error as Error).message })));
    }
  }

  /** One API request: authenticated, idempotent for POST by its Idempotency-Key. */
  private api(req: IncomingMessage, url: URL, body: string): Reply {
    if (!/^Bearer \S+/.test(req.headers.authorization ?? ''))
      return {
        status: 401,
        body: errorBody({ type: 'invalid_request_error', message: 'You did not provide an API key.' }),
      };
    const method = req.method ?? 'GET';
    const key = method === 'POST' ? header(req, 'idempotency-key') : undefined;
    if (key !== undefined) {
      const first = this.idempotent.get(key);
      if (first && (first.path !== url.pathname || first.body !== body))
        return {
          status: 400,
          body: errorBody({
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          }),
        };
      if (first) return first.reply;
    }
    const params = parseStripeForm(method === 'GET' ? url.search.slice(1) : body);
    const reply = this.route(method, url.pathname, params, key ?? null);
    if (key !== undefined && reply.status !== 500) this.idempotent.set(key, { path: url.pathname, body, reply });
    return reply;
  }

  private route(method: string, path: string, params: FormObject, key: string | null): Reply {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const [v1, resource, id, sub] = parts;
    try {
      if (v1 !== 'v1') throw notFound(`Unrecognized request URL (${method}: ${path}).`);
      const ok = (body: Json): Reply => ({ status: 200, body });
      if (method === 'POST' && resource === 'checkout' && id === 'sessions' && parts.length === 3)
        return ok(this.createSession(params));
      if (method === 'GET' && resource === 'checkout' && id === 'sessions' && sub)
        return ok(this.expand(this.session(sub).object, params));
      if (method === 'GET' && resource === 'customers' && id && !sub) return ok(this.customer(id, params));
      if (method === 'GET' && resource === 'customers' && id && sub === 'payment_methods')
        return ok(this.paymentMethods(id, path));
      if (method === 'GET' && resource === 'payment_methods' && !id)
        return ok(this.paymentMethods(text(params.customer) ?? '', path));
      if (method === 'GET' && resource === 'payment_methods' && id && !sub)
        return ok(paymentMethodObject(this.methodFor(id, null), null, this.seconds()));
      if (method === 'POST' && resource === 'payment_intents' && !id)
        return ok(this.expand(this.createIntent(params, key), params));
      if (method === 'GET' && resource === 'payment_intents' && id === 'search' && !sub)
        return ok(this.searchIntents(params, path));
      if (method === 'GET' && resource === 'payment_intents' && id && !sub)
        return ok(this.expand(this.intent(id), params));
      if (method === 'GET' && resource === 'charges' && id && !sub) return ok(this.expand(this.charge(id), params));
      if (method === 'GET' && resource === 'refunds' && !id)
        return ok(this.expand(this.listRefunds(params, path), params));
      if (method === 'GET' && resource === 'balance_transactions' && id && !sub) return ok(this.balanceTransaction(id));
      throw notFound(`Unrecognized request URL (${method}: ${path}).`);
    } catch (error) {
      if (error instanceof StripeFailure) return error.reply;
      throw error;
    }
  }

  // ---- Checkout ----

  private createSession(params: FormObject): Json {
    if (text(params.mode) !== 'payment') throw badRequest('Only mode=payment is supported locally.', 'mode');
    const lines = list(params.line_items).map((item, i) => lineOf(item, i));
    if (lines.length === 0) throw badRequest('Missing required param: line_items.', 'line_items');
    const currency = lines[0]!.currency;
    const id = `cs_test_local_${this.next('cs')}`;
    const customer = text(params.customer) ?? null;
    const object: Json = {
      id,
      object: 'checkout.session',
      amount_subtotal: sumOf(lines),
      amount_total: sumOf(lines),
      cancel_url: text(params.cancel_url) ?? null,
      client_reference_id: text(params.client_reference_id) ?? null,
      created: this.seconds(),
      currency,
      customer,
      customer_email: text(params.customer_email) ?? null,
      expires_at: this.seconds() + 86_400,
      livemode: false,
      metadata: metadataOf(params.metadata),
      mode: 'payment',
      payment_intent: null,
      payment_method_types: methodTypesOf(params),
      payment_status: 'unpaid',
      status: 'open',
      success_url: text(params.success_url) ?? null,
      url: `${this.apiBase}/c/pay/${id}`,
    };
    if ((object.payment_method_types as string[]).length === 0) object.payment_method_types = ['card'];
    const intentData = params.payment_intent_data;
    const intentMetadata = metadataOf(isObject(intentData) ? intentData.metadata : undefined);
    this.checkoutSessions.set(id, {
      object,
      lines: lines.map(({ name, amount }) => ({ name, amount })),
      intentMetadata,
    });
    return object;
  }

  private session(id: string): SessionState {
    const session = this.checkoutSessions.get(id);
    if (!session) throw notFound(`No such checkout.session: '${id}'`, 'session');
    return session;
  }

  listSessions(): LocalCheckoutSession[] {
    return [...this.checkoutSessions.values()].map(({ object: s }) => ({
      id: s.id as string,
      url: s.url as string,
      status: s.status as string,
      paymentStatus: s.payment_status as string,
      amountTotal: s.amount_total as number,
      currency: s.currency as string,
      methods: s.payment_method_types as string[],
      metadata: { ...(s.metadata as Metadata) },
      paymentIntent: s.payment_intent as string | null,
    }));
  }

  private async hostedPage(method: string, url: URL, body: string, res: ServerResponse): Promise<void> {
    const id = decodeURIComponent(url.pathname.slice('/c/pay/'.length));
    const state = this.checkoutSessions.get(id);
    if (!state) {
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>Not found</title><p>This checkout page does not exist.</p>');
      return;
    }
    const s = state.object;
    if (method === 'POST') {
      if (s.status === 'open') this.completeSession(state, new URLSearchParams(body).get('method'));
      await this.inFlight;
      const success = String(s.success_url ?? `${this.apiBase}/c/pay/${id}`).replaceAll('{CHECKOUT_SESSION_ID}', id);
      res.writeHead(303, { location: success });
      res.end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' *",
    });
    res.end(
      checkoutPageHtml({
        sessionId: id,
        currency: s.currency as string,
        lines: state.lines,
        total: s.amount_total as number,
        methods: s.payment_method_types as string[],
        status: s.status as string,
      }),
    );
  }

  /** The client paid on the hosted page: a PaymentIntent and its charge, the session complete. */
  private completeSession(state: SessionState, chosen: string | null): void {
    const s = state.object;
    const types = s.payment_method_types as string[];
    const type = (chosen !== null && types.includes(chosen) ? chosen : types[0]) as SavedMethod['type'];
    const method: SavedMethod =
      type === 'us_bank_account' ? savedMethodOf('ach') : { id: `pm_local_${this.next('pm')}`, type, declines: false };
    const intent = this.newIntent({
      amount: s.amount_total as number,
      currency: s.currency as string,
      customer: (s.customer as string | null) ?? null,
      description: state.lines[0]?.name ?? null,
      metadata: state.intentMetadata,
      methodTypes: [type],
    });
    Object.assign(s, { status: 'complete', payment_intent: intent.id });
    const key = `checkout-${String(s.id)}`;
    if (method.type === 'us_bank_account') {
      this.charge_(intent, method, 'pending');
      this.emit('checkout.session.completed', s, key);
      this.settlements.push(() => {
        this.settle(intent);
        s.payment_status = 'paid';
        this.emit('payment_intent.succeeded', intent, key);
        this.emit('checkout.session.async_payment_succeeded', s, key);
      });
      return;
    }
    this.charge_(intent, method, 'succeeded');
    s.payment_status = 'paid';
    this.emit('checkout.session.completed', s, key);
    this.emit('payment_intent.succeeded', intent, key);
  }

  // ---- Customers and payment methods ----

  private customer(id: string, params: FormObject = {}): Json {
    if (!id.startsWith('cus_')) throw notFound(`No such customer: '${id}'`, 'id');
    const customer = customerObject(id, this.seconds());
    if (list(params.expand).includes('invoice_settings.default_payment_method'))
      (customer.invoice_settings as Json).default_payment_method = paymentMethodObject(
        savedMethodOf(id),
        id,
        this.seconds(),
      );
    return customer;
  }

  private paymentMethods(customerId: string, path: string): Json {
    const customer = this.customer(customerId);
    return listObject(path, [paymentMethodObject(savedMethodOf(customer.id as string), customerId, this.seconds())]);
  }

  // ---- PaymentIntents (off-session charges) ----

  private createIntent(params: FormObject, key: string | null): Json {
    const amount = Number(text(params.amount));
    const currency = text(params.currency);
    if (!Number.isSafeInteger(amount) || amount <= 0) throw badRequest('Invalid integer: amount.', 'amount');
    if (!currency) throw badRequest('Missing required param: currency.', 'currency');
    const customer = text(params.customer) ?? null;
    const method = this.methodFor(text(params.payment_method), customer);
    const intent = this.newIntent({
      amount,
      currency,
      customer,
      description: text(params.description) ?? null,
      metadata: metadataOf(params.metadata),
      methodTypes: methodTypesOf(params).length ? methodTypesOf(params) : [method.type],
    });
    intent.payment_method = method.id;
    if (text(params.confirm) !== 'true') return intent;
    if (method.declines) return this.decline(intent, method, key);
    if (method.type === 'us_bank_account') {
      this.charge_(intent, method, 'pending');
      this.settlements.push(() => {
        this.settle(intent);
        this.emit('payment_intent.succeeded', intent, key);
      });
      return intent;
    }
    this.charge_(intent, method, 'succeeded');
    this.emit('payment_intent.succeeded', intent, key);
    return intent;
  }

  private methodFor(paymentMethod: string | undefined, customer: string | null): SavedMethod {
    if (paymentMethod === undefined) {
      if (customer === null) throw badRequest('Missing required param: payment_method.', 'payment_method');
      return savedMethodOf(this.customer(customer).id as string);
    }
    if (paymentMethod === 'pm_card_chargeDeclined') return savedMethodOf('declined');
    if (paymentMethod.startsWith('pm_usBankAccount')) return savedMethodOf('ach');
    return { id: paymentMethod, type: 'card', declines: false };
  }

  /** Stripe's answer to a declined off-session charge: 402 card_error carrying the PaymentIntent. */
  private decline(intent: Json, method: SavedMethod, key: string | null): never {
    const charge = this.charge_(intent, method, 'failed');
    const error = {
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'generic_decline',
      message: 'Your card was declined.',
      charge: charge.id,
      payment_method: paymentMethodObject(method, intent.customer as string | null, this.seconds()),
    };
    Object.assign(intent, { status: 'requires_payment_method', last_payment_error: error, payment_method: null });
    this.emit('payment_intent.payment_failed', intent, key);
    throw new StripeFailure({
      status: 402,
      body: errorBody({
        type: 'card_error',
        code: 'card_declined',
        declineCode: 'generic_decline',
        message: 'Your card was declined.',
        paymentIntent: structuredClone(intent),
      }),
    });
  }

  private newIntent(input: Omit<Parameters<typeof paymentIntentObject>[0], 'id' | 'created'>): Json {
    const intent = paymentIntentObject({ ...input, id: `pi_local_${this.next('pi')}`, created: this.seconds() });
    this.intents.set(intent.id as string, intent);
    return intent;
  }

  /** Creates the intent's charge and sets the intent's status to match. */
  private charge_(intent: Json, method: SavedMethod, status: 'succeeded' | 'pending' | 'failed'): Json {
    const charge = chargeObject({
      id: `ch_local_${this.next('ch')}`,
      paymentIntent: intent.id as string,
      amount: intent.amount as number,
      currency: intent.currency as string,
      customer: intent.customer as string | null,
      method: method.type,
      paymentMethod: method.id,
      metadata: { ...(intent.metadata as Metadata) },
      created: this.seconds(),
      status,
    });
    this.charges.set(charge.id as string, charge);
    intent.latest_charge = charge.id;
    intent.payment_method = method.id;
    if (status === 'succeeded') {
      this.recordInBalance(charge);
      Object.assign(intent, { status: 'succeeded', amount_received: intent.amount });
    }
    if (status === 'pending') intent.status = 'processing';
    return charge;
  }

  /**
   * A bank debit settles: the charge and its PaymentIntent succeed. Its balance transaction (the
   * fee) comes one flush later with `charge.updated`, as Stripe's asynchronous capture reports it
   * after `payment_intent.succeeded`: the adapter meets a payment whose fee is not known yet.
   */
  private settle(intent: Json): void {
    const charge = this.charges.get(intent.latest_charge as string);
    if (charge) {
      Object.assign(charge, { status: 'succeeded', paid: true });
      this.settlingNext.push(() => {
        this.recordInBalance(charge);
        this.emit('charge.updated', charge, null, { balance_transaction: null });
      });
    }
    Object.assign(intent, { status: 'succeeded', amount_received: intent.amount });
  }

  /** The succeeded charge's balance transaction, with the fee of Stripe's standard pricing. */
  private recordInBalance(charge: Json): void {
    const method = (charge.payment_method_details as { type: 'card' | 'us_bank_account' }).type;
    const transaction = balanceTransactionObject({
      id: `txn_local_${this.next('txn')}`,
      amount: charge.amount as number,
      fee: standardFee(charge.amount as number, charge.currency as string, method),
      currency: charge.currency as string,
      source: charge.id as string,
      type: 'charge',
      created: this.seconds(),
    });
    this.balanceTransactions.set(transaction.id as string, transaction);
    charge.balance_transaction = transaction.id;
  }

  private balanceTransaction(id: string): Json {
    const transaction = this.balanceTransactions.get(id);
    if (!transaction) throw notFound(`No such balance transaction: '${id}'`, 'id');
    return transaction;
  }

  /** Search by metadata only: `metadata['key']:'value'` terms joined with AND. */
  private searchIntents(params: FormObject, path: string): Json {
    const query = text(params.query) ?? '';
    const terms = [...query.matchAll(/metadata\['([^']+)'\]:'((?:[^'\\]|\\.)*)'/g)].map(([, key, value]) => ({
      key: key!,
      value: value!.replace(/\\(.)/g, '$1'),
    }));
    if (terms.length === 0) throw badRequest(`Unsupported search query: ${query}`, 'query');
    const matches = [...this.intents.values()]
      .filter((intent) => terms.every(({ key, value }) => (intent.metadata as Metadata)[key] === value))
      .reverse();
    const limit = Number(text(params.limit) ?? '10');
    const expandData = list(params.expand)
      .map(String)
      .filter((field) => field.startsWith('data.'))
      .map((field) => field.slice('data.'.length));
    return {
      object: 'search_result',
      data: matches.slice(0, limit).map((intent) => this.expand(intent, { expand: expandData })),
      has_more: matches.length > limit,
      next_page: null,
      url: path,
    };
  }

  private intent(id: string): Json {
    const intent = this.intents.get(id);
    if (!intent) throw notFound(`No such payment_intent: '${id}'`, 'intent');
    return intent;
  }

  private charge(id: string): Json {
    const charge = this.charges.get(id);
    if (!charge) throw notFound(`No such charge: '${id}'`, 'charge');
    return charge;
  }

  // ---- Refunds and disputes (driven by tests and the demo) ----

  private listRefunds(params: FormObject, path: string): Json {
    const charge = text(params.charge);
    const data = [...this.refunds.values()].filter((r) => charge === undefined || r.charge === charge).reverse();
    return listObject(path, data);
  }

  async refund(paymentIntentId: string, amount?: number): Promise<string> {
    const charge = this.succeededCharge(paymentIntentId);
    const left = (charge.amount as number) - (charge.amount_refunded as number);
    const refunded = amount ?? left;
    if (!Number.isSafeInteger(refunded) || refunded <= 0 || refunded > left)
      throw new Error(`Cannot refund ${String(amount)} of ${paymentIntentId}: ${left} left`);
    const refund = refundObject({
      id: `re_local_${this.next('re')}`,
      amount: refunded,
      charge: charge.id as string,
      paymentIntent: paymentIntentId,
      currency: charge.currency as string,
      created: this.seconds(),
    });
    // Stripe keeps the payment's fee and charges none for the refund: its fee is 0.
    const transaction = balanceTransactionObject({
      id: `txn_local_${this.next('txn')}`,
      amount: -refunded,
      fee: 0,
      currency: charge.currency as string,
      source: refund.id as string,
      type: 'refund',
      created: this.seconds(),
    });
    this.balanceTransactions.set(transaction.id as string, transaction);
    refund.balance_transaction = transaction.id;
    this.refunds.set(refund.id as string, refund);
    const total = (charge.amount_refunded as number) + refunded;
    Object.assign(charge, { amount_refunded: total, refunded: total === charge.amount });
    this.emit('charge.refunded', charge, null);
    await this.inFlight;
    return refund.id as string;
  }

  async dispute(paymentIntentId: string): Promise<string> {
    const charge = this.succeededCharge(paymentIntentId);
    charge.disputed = true;
    const dispute = disputeObject({
      id: `dp_local_${this.next('dp')}`,
      amount: charge.amount as number,
      charge: charge.id as string,
      paymentIntent: paymentIntentId,
      currency: charge.currency as string,
      created: this.seconds(),
    });
    this.emit('charge.dispute.created', dispute, null);
    await this.inFlight;
    return dispute.id as string;
  }

  private succeededCharge(paymentIntentId: string): Json {
    const intent = this.intents.get(paymentIntentId);
    const charge = intent && this.charges.get(intent.latest_charge as string);
    if (!charge || charge.status !== 'succeeded') throw new Error(`No succeeded payment ${paymentIntentId}`);
    return charge;
  }

  // ---- Events and their delivery ----

  private emit(type: string, object: Json, idempotencyKey: string | null, previousAttributes?: Json): void {
    const event = eventObject({
      id: `evt_local_${this.next('evt')}`,
      type,
      object: structuredClone(object),
      created: this.seconds(),
      apiVersion: Stripe.API_VERSION,
      idempotencyKey,
      ...(previousAttributes !== undefined ? { previousAttributes } : {}),
    });
    this.emitted.push(event);
    if (this.options.delivery === 'queued') {
      this.held.push(event);
      return;
    }
    this.inFlight = this.inFlight.then(async () => {
      if (!(await this.deliver(event)).retry) return;
      this.held.push(event);
    });
  }

  async flush(): Promise<number> {
    await this.inFlight;
    const due = this.settlingNext;
    this.settlingNext = this.settlements;
    this.settlements = [];
    for (const settle of due) settle();
    await this.inFlight;
    const batch = this.held;
    this.held = [];
    let accepted = 0;
    for (const event of batch) {
      const outcome = await this.deliver(event);
      if (outcome.accepted) accepted += 1;
      if (outcome.retry) this.held.push(event);
    }
    return accepted;
  }

  async settled(): Promise<void> {
    await this.inFlight;
  }

  /** Posts one event, signed; a 5xx or a connection failure is retried at the next flush, as Stripe retries. */
  private async deliver(event: Json): Promise<{ accepted: boolean; retry: boolean }> {
    const url = this.webhookUrl;
    if (url === undefined) return { accepted: false, retry: true };
    const payload = JSON.stringify(event, null, 2);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': signatureHeader(payload, this.options.webhookSecret, Math.floor(Date.now() / 1000)),
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        },
        body: payload,
        signal: AbortSignal.timeout(30_000),
      });
      await response.arrayBuffer();
      return { accepted: response.ok, retry: response.status >= 500 };
    } catch {
      return { accepted: false, retry: true };
    }
  }

  // ---- Helpers ----

  /** `expand[]` paths, nested (`latest_charge.balance_transaction`) and through lists (`data.…`). */
  private expand(object: Json, params: FormObject): Json {
    const copy = structuredClone(object);
    for (const path of list(params.expand).map(String)) this.expandPath(copy, path.split('.'));
    return copy;
  }

  private expandPath(target: Json, path: readonly string[]): void {
    const [field, ...rest] = path;
    if (field === undefined) return;
    const value = target[field];
    if (field === 'data' && Array.isArray(value)) {
      for (const item of value) this.expandPath(item as Json, rest);
      return;
    }
    const found = typeof value === 'string' ? this.byId(value) : undefined;
    if (found) target[field] = structuredClone(found);
    const next = target[field];
    if (rest.length > 0 && typeof next === 'object' && next !== null) this.expandPath(next as Json, rest);
  }

  private byId(id: string): Json | undefined {
    return this.intents.get(id) ?? this.charges.get(id) ?? this.balanceTransactions.get(id);
  }

  private next(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return String(n).padStart(6, '0');
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }
}

/** Stripe's `Stripe-Signature` header: `t=<seconds>,v1=<HMAC-SHA256 of "t.payload" under the secret>`. */
export function signatureHeader(payload: string, secret: string, timestamp: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const isObject = (value: FormValue | undefined): value is FormObject =>
  typeof value === 'object' && !Array.isArray(value);
const text = (value: FormValue | undefined): string | undefined => (typeof value === 'string' ? value : undefined);
const list = (value: FormValue | undefined): FormValue[] =>
  Array.isArray(value) ? value : isObject(value) ? Object.values(value) : [];

/** The methods asked for: `allowed_payment_method_types` (API 2026-11) or the older `payment_method_types`. */
function methodTypesOf(params: FormObject): string[] {
  return list(params.allowed_payment_method_types ?? params.payment_method_types).map(String);
}

function metadataOf(value: FormValue | undefined): Metadata {
  if (!isObject(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** A `price_data` line item: its name and amount (unit_amount × quantity, minor units). */
function lineOf(item: FormValue, index: number): { name: string; amount: number; currency: string } {
  const priceData = isObject(item) && isObject(item.price_data) ? item.price_data : undefined;
  const product = priceData && isObject(priceData.product_data) ? priceData.product_data : undefined;
  const unit = Number(text(priceData?.unit_amount));
  const quantity = Number(text(isObject(item) ? item.quantity : undefined) ?? '1');
  const currency = text(priceData?.currency);
  if (!priceData || !product || !currency || !Number.isSafeInteger(unit) || !Number.isSafeInteger(quantity))
    throw badRequest(
      `line_items[${index}] needs price_data with currency, unit_amount and product_data.name.`,
      `line_items[${index}]`,
    );
  return { name: text(product.name) ?? '', amount: unit * quantity, currency };
}

const sumOf = (lines: readonly { amount: number }[]): number => lines.reduce((total, line) => total + line.amount, 0);

/**
 * Opening a Pay link (docs/payments.md): `/pay/<number>?t=<token>[&method=card|us_bank_account]`.
 * The link never expires; what it opens is decided now, from the ledger:
 *
 * - a token that does not match the number → refused (nothing about the invoice is read);
 * - an unknown, void or fully paid invoice → a page that says so (no payment page is made);
 * - with a card surcharge and no method chosen yet → the choice page (bank for the balance, card
 *   for the balance plus the surcharge as its own line);
 * - otherwise a hosted payment page for the balance open now, made or reused by the idempotency
 *   key `checkout-<number>-<balance in minor units>[-<method>]`: opening the link twice gives
 *   the same page; after a partial payment, a new page for the new balance.
 */
import { roundMoney, toMinorUnits, type Dec } from '../domain/money.js';
import type { PaymentMethodType, Settings } from '../domain/billing-types.js';
import type { MethodChoice } from '../render/payment-pages.js';
import type { UseCaseDeps } from './deps.js';
import { endpointBase, payLinkUrl, verifyPayLinkToken } from './pay-links.js';
import type { InvoiceBook, ReferenceDataStore } from './ports.js';

export type CheckoutDeps = UseCaseDeps<InvoiceBook & ReferenceDataStore, 'payments'>;

export interface PayLinkRequest {
  readonly number: string;
  readonly token: string | undefined;
  /** The method chosen on the choice page, if any. */
  readonly method?: string;
  /** The endpoint's own base URL as the request reached it: used when no other is configured. */
  readonly origin?: string;
}

export type PayLinkOutcome =
  | { readonly kind: 'unavailable'; readonly settings?: Settings }
  | { readonly kind: 'forbidden'; readonly settings: Settings }
  | { readonly kind: 'unknown' | 'paid' | 'void'; readonly settings: Settings }
  | {
      readonly kind: 'choose';
      readonly settings: Settings;
      readonly currency: string;
      readonly balance: Dec;
      readonly surchargePercent: Dec;
      readonly choices: readonly MethodChoice[];
    }
  | { readonly kind: 'redirect'; readonly settings: Settings; readonly url: string; readonly sessionId: string };

export async function openPayLink(deps: CheckoutDeps, request: PayLinkRequest): Promise<PayLinkOutcome> {
  const reference = await deps.ledger.loadReferenceData();
  const payments = reference?.settings.payments;
  if (!reference || !payments || !deps.payments) return { kind: 'unavailable', settings: reference?.settings };
  const { settings } = reference;
  const key = await deps.payments.linkKey();
  if (!verifyPayLinkToken(key, request.number, request.token)) return { kind: 'forbidden', settings };

  const ledgerInvoice = await deps.ledger.getInvoice(request.number);
  if (!ledgerInvoice) return { kind: 'unknown', settings };
  if (ledgerInvoice.voidedOn) return { kind: 'void', settings };
  const { invoice } = ledgerInvoice;
  const balance = roundMoney(invoice.total.minus(ledgerInvoice.paid), invoice.currency);
  if (balance.lessThanOrEqualTo(0)) return { kind: 'paid', settings };

  const base = endpointBase(settings, deps.payments.endpointUrl, request.origin);
  const payUrl = payLinkUrl(base, key, invoice.number);
  const percent = payments.cardSurchargePercent;
  const surchargeFor = (method: PaymentMethodType): Dec | undefined =>
    method === 'card' && percent && percent.greaterThan(0)
      ? roundMoney(balance.times(percent).dividedBy(100), invoice.currency)
      : undefined;
  const chosen = payments.methods.find((m) => m === request.method);
  const needsChoice = payments.methods.some((m) => surchargeFor(m) !== undefined);
  if (needsChoice && !chosen) {
    return {
      kind: 'choose',
      settings,
      currency: invoice.currency,
      balance,
      surchargePercent: percent!,
      choices: payments.methods.map((method) => {
        const surcharge = surchargeFor(method);
        return { method, url: `${payUrl}&method=${method}`, ...(surcharge ? { surcharge } : {}) };
      }),
    };
  }

  const client = reference.clients.find((c) => c.clientId === invoice.clientId);
  const methods = needsChoice && chosen ? [chosen] : payments.methods;
  const surcharge = needsChoice && chosen ? surchargeFor(chosen) : undefined;
  const minor = toMinorUnits(balance, invoice.currency);
  const number = encodeURIComponent(invoice.number);
  const page = await deps.payments.provider.createCheckout({
    invoiceNumber: invoice.number,
    clientId: invoice.clientId,
    ...(client?.paymentCustomerId
      ? { customerId: client.paymentCustomerId }
      : client?.billingEmails[0]
        ? { customerEmail: client.billingEmails[0] }
        : {}),
    description: `Invoice ${invoice.number}${client ? ` — ${client.name}` : ''}`,
    amount: balance,
    currency: invoice.currency,
    ...(surcharge ? { surcharge } : {}),
    methods,
    successUrl: `${base}/paid/${number}`,
    cancelUrl: `${base}/cancelled/${number}?t=${request.token}`,
    idempotencyKey: `checkout-${invoice.number}-${minor}${needsChoice && chosen ? `-${chosen}` : ''}`,
  });
  return { kind: 'redirect', settings, url: page.url, sessionId: page.id };
}

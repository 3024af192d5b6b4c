/**
 * Publishing to the books on one machine (docs/accounting.md, "Locally"): the local stand-in of
 * QuickBooks Online or Xero that `accounting.publish.system` names, driven by the real adapter,
 * wired into one installation's deps as `deps.books`.
 *
 * The stand-in's company holds every account the data folder names (trueup.json's `accounting`
 * and products.csv's `income_account`), as the MSP's own chart would after they set up the
 * mapping; so a local run publishes everything, and a refusal is one the real system would give
 * for the document itself.
 */
import type { AccountingSystem, BooksSystemName, BooksTokens, BooksTokenStore } from '../app/books-ports.js';
import type { BooksWiring } from '../app/deps.js';
import type { ReferenceData } from '../domain/billing-types.js';
import { DEFAULT_ACCOUNTS } from '../domain/reference/settings.js';
import { MemoryTokenStore } from '../adapters/books/memory-token-store.js';
import { createQuickBooks } from '../adapters/books/quickbooks.js';
import { xeroAccountingSystem } from '../adapters/books/xero.js';
import { localQuickBooksSystem } from '../adapters/local/books/local-quickbooks.js';
import {
  LOCAL_QBO_TOKEN_PATH,
  qboChartOf,
  startLocalQuickBooks,
  type LocalQuickBooks,
  type LocalQuickBooksState,
} from '../adapters/local/books/quickbooks-server.js';
import {
  localXeroSystem,
  startLocalXero,
  type LocalXero,
  type LocalXeroAccount,
  type LocalXeroState,
} from '../adapters/local/books/xero-server.js';

export interface EmbeddedBooks {
  readonly system: BooksSystemName;
  readonly wiring: BooksWiring;
  /** The stand-in's base URL (its API and token endpoint live under it). */
  readonly url: string;
  /** What the stand-in's company holds now: customers/contacts, invoices, credit notes, payments. */
  state(): LocalQuickBooksState | LocalXeroState;
  /** The real adapter pointed at this stand-in with another token store (the CLI of `trueup local`). */
  systemWith(tokens: BooksTokenStore): AccountingSystem;
  /** The connection a fresh `trueup accounting connect` would leave (tokens to seed a store with). */
  readonly initialTokens: BooksTokens;
  stop(): Promise<void>;
}

export interface EmbeddedBooksOptions {
  /** The stand-in's clock (epoch ms): token expiry and the timestamps it stamps; default the real time. */
  readonly now?: () => number;
}

/** Starts the stand-in `system` with the data folder's chart and the real adapter on it. */
export async function startEmbeddedBooks(
  system: BooksSystemName,
  reference: ReferenceData,
  options: EmbeddedBooksOptions = {},
): Promise<EmbeddedBooks> {
  const accounts = chartAccounts(reference);
  const now = options.now ? { now: options.now } : {};
  if (system === 'quickbooks') {
    const local = await startLocalQuickBooks({ accounts: qboChartOf(accounts), ...now });
    return embedded(system, local, local.tokens, (tokens) => localQuickBooksSystem(local, tokens));
  }
  const local = await startLocalXero({ accounts: xeroChartOf(accounts), ...now });
  return embedded(system, local, local.tokens, (tokens) => localXeroSystem(local, tokens));
}

function embedded(
  system: BooksSystemName,
  local: LocalQuickBooks | LocalXero,
  tokens: BooksTokens,
  adapter: (tokens: BooksTokenStore) => AccountingSystem,
): EmbeddedBooks {
  return {
    system,
    wiring: { system: adapter(new MemoryTokenStore(tokens)) },
    url: local.url,
    state: () => local.state(),
    systemWith: adapter,
    initialTokens: tokens,
    stop: () => local.close(),
  };
}

/** Every account the data folder names, as TrueUp names them (`4100 Licensing`), once each, sorted. */
export function chartAccounts(reference: ReferenceData): string[] {
  const settings = reference.settings.accounting ?? DEFAULT_ACCOUNTS;
  const named = [
    settings.accountsReceivable,
    settings.salesTaxPayable,
    ...Object.values(settings.salesTaxPayableByRate ?? {}),
    settings.lateFeeIncome,
    settings.defaultIncome,
    settings.undepositedFunds,
    settings.unappliedCash,
    settings.clientCredit,
    settings.surchargeIncome,
    settings.providerFees,
    ...(settings.publish?.paymentAccount ? [settings.publish.paymentAccount] : []),
    ...reference.products.flatMap((p) => (p.incomeAccount ? [p.incomeAccount] : [])),
  ];
  return [...new Set(named.map((a) => a.trim()))].sort();
}

/**
 * The same accounts in Xero's terms, and its bank account 090. Xero needs a code on every
 * account the adapter posts to: an account named without a number gets a made-up one (`T001`…)
 * that the adapter finds by name. The type follows the number's first digit (1 a current asset
 * that takes payments, 2 a liability, 4 revenue, 49… other income, anything else an expense).
 */
export function xeroChartOf(accounts: readonly string[]): LocalXeroAccount[] {
  const chart: LocalXeroAccount[] = [{ code: '090', name: 'Business Bank Account', type: 'BANK' }];
  let made = 0;
  for (const account of accounts) {
    const [first = '', ...rest] = account.split(/\s+/);
    const numbered = /\d/.test(first);
    const code = numbered ? first : `T${String(++made).padStart(3, '0')}`;
    const name = numbered && rest.length > 0 ? rest.join(' ') : account;
    if (chart.some((a) => a.code === code || a.name === name)) continue;
    chart.push({ code, name, ...xeroType(numbered ? code : '4') });
  }
  return chart;
}

function xeroType(code: string): Pick<LocalXeroAccount, 'type' | 'enablePayments'> {
  if (code.startsWith('49')) return { type: 'OTHERINCOME' };
  switch (code[0]) {
    case '1':
      return { type: 'CURRENT', enablePayments: true };
    case '2':
      return { type: 'CURRLIAB' };
    case '4':
      return { type: 'REVENUE' };
    default:
      return { type: 'EXPENSE' };
  }
}

/** The stand-in as `trueup local` records it in `.trueup/local.json`, for the CLI's other commands. */
export interface LocalBooksAddress {
  readonly system: BooksSystemName;
  readonly url: string;
}

/**
 * The real adapter pointed at a stand-in another process runs (`trueup local`), its tokens in
 * `tokens`: the CLI keeps them in a file, since the stand-ins rotate refresh tokens as the real
 * systems do and each command is a new process.
 */
export function localBooksSystem(address: LocalBooksAddress, tokens: BooksTokenStore): AccountingSystem {
  return address.system === 'quickbooks'
    ? createQuickBooks({ tokens, apiBaseUrl: address.url, tokenEndpoint: `${address.url}${LOCAL_QBO_TOKEN_PATH}` })
    : xeroAccountingSystem({ tokens, identityUrl: address.url, apiUrl: address.url });
}

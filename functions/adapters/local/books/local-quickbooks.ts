/**
 * The QuickBooks adapter wired to the local stand-in: what a local run (and the publisher's
 * local wiring) uses instead of Intuit. The tokens live in memory, starting from the stand-in's.
 */
import type { AccountingSystem, BooksTokenStore } from '../../../app/books-ports.js';
import { MemoryTokenStore } from '../../books/memory-token-store.js';
import { createQuickBooks } from '../../books/quickbooks.js';
import type { LocalQuickBooks } from './quickbooks-server.js';

export function localQuickBooksSystem(
  server: LocalQuickBooks,
  tokens: BooksTokenStore = new MemoryTokenStore(server.tokens),
): AccountingSystem {
  return createQuickBooks({ tokens, apiBaseUrl: server.url, tokenEndpoint: server.tokenEndpoint });
}

/** A `BooksTokenStore` in memory: the local stand-ins and the tests. `writes` counts refreshes written back. */
import type { BooksTokens, BooksTokenStore } from '../../app/books-ports.js';

export class MemoryTokenStore implements BooksTokenStore {
  writes = 0;
  constructor(private tokens: BooksTokens) {}
  read(): Promise<BooksTokens> {
    return Promise.resolve(this.tokens);
  }
  write(tokens: BooksTokens): Promise<void> {
    this.tokens = tokens;
    this.writes += 1;
    return Promise.resolve();
  }
}

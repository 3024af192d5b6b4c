/** CollectorState in memory: for `trueup sources test` without a running stack, and unit tests. */
import type { CollectorState, PulledItem, SourceStatus } from './collector-state.js';
import type { SourcesConfig } from './sources-config.js';

export class MemoryCollectorState implements CollectorState {
  private readonly items = new Map<string, { status: 'pulling' | 'done'; leaseUntil: number; item?: PulledItem }>();
  private readonly cursors = new Map<string, Record<string, string>>();
  private readonly statuses = new Map<string, SourceStatus>();
  private config: unknown;

  private key(source: string, remoteId: string): string {
    return `${source}\u0000${remoteId}`;
  }

  async isPulled(source: string, remoteId: string): Promise<boolean> {
    return this.items.get(this.key(source, remoteId))?.status === 'done';
  }

  async claim(source: string, remoteId: string, now: Date, leaseMs: number): Promise<boolean> {
    const current = this.items.get(this.key(source, remoteId));
    if (current && (current.status === 'done' || current.leaseUntil >= now.getTime())) return false;
    this.items.set(this.key(source, remoteId), { status: 'pulling', leaseUntil: now.getTime() + leaseMs });
    return true;
  }

  async complete(item: PulledItem): Promise<void> {
    const current = this.items.get(this.key(item.source, item.remoteId));
    if (current?.status !== 'pulling') throw new Error(`${item.source}: ${item.remoteId} is not claimed`);
    this.items.set(this.key(item.source, item.remoteId), { status: 'done', leaseUntil: 0, item });
  }

  async release(source: string, remoteId: string): Promise<void> {
    if (this.items.get(this.key(source, remoteId))?.status === 'pulling') this.items.delete(this.key(source, remoteId));
  }

  async listPulled(source: string): Promise<PulledItem[]> {
    return [...this.items.values()].flatMap((v) => (v.item && v.item.source === source ? [v.item] : []));
  }

  async getCursor(source: string): Promise<Readonly<Record<string, string>>> {
    return this.cursors.get(source) ?? {};
  }

  async putCursor(source: string, cursor: Readonly<Record<string, string>>): Promise<void> {
    this.cursors.set(source, { ...cursor });
  }

  async getStatus(source: string): Promise<SourceStatus | undefined> {
    return this.statuses.get(source);
  }

  async putStatus(source: string, status: SourceStatus): Promise<void> {
    this.statuses.set(source, status);
  }

  async saveConfig(config: SourcesConfig): Promise<void> {
    this.config = config;
  }

  async loadConfig(): Promise<unknown> {
    return this.config;
  }
}

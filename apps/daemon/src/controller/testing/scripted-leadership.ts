import { type Leadership, LeadershipLostError } from '../leadership.js';

/**
 * {@link Leadership} as a test says: leading or not, and whether the store still finds its lease. Passes the same
 * contract as the real ones (`leadership-contract.ts`).
 */
export class ScriptedLeadership implements Leadership {
  leader: boolean;
  /** The store no longer finds this replica's lease: every fenced commit fails. */
  fenceLost = false;
  fenced = 0;
  readonly #listeners = new Set<(leader: boolean) => void>();
  constructor(leader: boolean) {
    this.leader = leader;
  }
  isLeader(): boolean {
    return this.leader;
  }
  fence(): void {
    this.fenced++;
    if (this.leader && !this.fenceLost) return;
    // As the lease does: a replica whose fence failed is no longer the leader.
    this.set(false);
    throw new LeadershipLostError('lease lost');
  }
  subscribe(listener: (leader: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  set(leader: boolean): void {
    this.leader = leader;
    for (const l of [...this.#listeners]) l(leader);
  }
}

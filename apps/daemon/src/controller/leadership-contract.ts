import { expect, it } from 'vitest';
import { type Leadership, LeadershipLostError } from './leadership.js';

/** A leadership under test: one replica leading, maybe one following, and the store transaction fences run in. */
export interface LeadershipSubject {
  readonly leader: Leadership;
  /** A replica on the same database that does not lead; absent where there is only ever one (SQLite). */
  readonly follower?: Leadership;
  /** Runs `fn` inside a store transaction, as the controller's commits do. */
  transaction<T>(fn: () => T): T;
}

/**
 * What every {@link Leadership} promises the controller, run against each adapter (the sole daemon's, the PostgreSQL
 * lease, and the test's scripted one): the leader's fence passes inside a transaction, a follower's throws
 * {@link LeadershipLostError}, and a listener can stop listening.
 */
export function leadershipContract(make: () => Promise<LeadershipSubject>): void {
  it('the leader leads, and its fence passes inside a store transaction', async () => {
    const { leader, transaction } = await make();
    expect(leader.isLeader()).toBe(true);
    expect(() => transaction(() => leader.fence())).not.toThrow();
    expect(leader.isLeader()).toBe(true);
  });

  it('a follower does not lead, and its fence throws LeadershipLostError', async () => {
    const { follower, transaction } = await make();
    if (follower === undefined) return;
    expect(follower.isLeader()).toBe(false);
    expect(() => transaction(() => follower.fence())).toThrow(LeadershipLostError);
  });

  it('subscribe returns the function that stops listening', async () => {
    const { leader } = await make();
    const heard: boolean[] = [];
    const stop = leader.subscribe((l) => heard.push(l));
    stop();
    expect(() => stop()).not.toThrow();
    expect(heard).toEqual([]);
  });
}

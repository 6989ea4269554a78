/**
 * Which replica runs the rollout controller. Several replicas share one database; exactly one of them looks at
 * rollouts and commits their transitions. One process on SQLite is always the leader ({@link SoleLeadership});
 * replicas on PostgreSQL hold a lease (`PgLeaseLeadership`).
 */
export interface Leadership {
  /** Whether this replica runs the controller now. */
  isLeader(): boolean;
  /**
   * Called inside the store transaction of every controller commit, before it writes: throws
   * {@link LeadershipLostError} when this replica no longer holds the leadership it thinks it holds, so the
   * transaction rolls back and nothing of it is written. A replica that lost its lease while a look was running
   * can therefore never step or roll back after another took over.
   */
  fence(): void;
  /** Listens for this replica gaining (`true`) or losing (`false`) leadership; returns the function that stops. */
  subscribe(listener: (leader: boolean) => void): () => void;
}

/** Thrown by {@link Leadership.fence} in a replica that is not (or no longer) the leader. */
export class LeadershipLostError extends Error {
  override readonly name = 'LeadershipLostError';
}

/** The leadership of a daemon alone on its database: always the leader, nothing to fence. */
export class SoleLeadership implements Leadership {
  isLeader(): boolean {
    return true;
  }

  fence(): void {}

  subscribe(): () => void {
    return () => {};
  }
}

/**
 * The store side of the controller's lease: checked inside the transaction that commits a controller decision, on
 * the store's own connection, so the check and the commit are one.
 */
export interface LeaseFence {
  /**
   * Whether `holder` still holds lease `name` at `epoch` and it has not expired. Keeps the lease locked until the
   * transaction ends, so a replica taking the lease over waits for this transaction to commit or roll back.
   */
  holds(name: string, holder: string, epoch: number): boolean;
}

/** The monotonic config revisions: one per change that altered what providers evaluate. */
export interface RevisionStore {
  /** Records a new revision (greater than every earlier one) and returns it. */
  next(at: string, auditId: number | null): number;
  /** The latest revision, 0 before the first change. */
  current(): number;
}

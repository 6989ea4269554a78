/** One split-assigned request as its app reported it: what it served, and what the split had to go on. */
export interface ServedAssignment {
  readonly flagKey: string;
  /** `service.instance.id` of the app that served it. */
  readonly instance: string;
  /** `feature_flag.version`: the config revision the app evaluated with. */
  readonly revision: number;
  /** `promptcanary.bucket`: the unit's bucket for the flag (0–9999). */
  readonly bucket: number;
  /** The variant it served. */
  readonly variant: string;
  /** When the request began (the evaluation happens then), epoch ms. */
  readonly startMs: number;
}

/**
 * Where ingest reports split-assigned request spans (reason `SPLIT`) that carry a bucket, a revision and an
 * instance, so served variants can be checked against assigned ones. Called on the ingest path: cheap, never throws.
 */
export interface AssignmentObserver {
  served(assignment: ServedAssignment): void;
}

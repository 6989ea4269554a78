import type { Condition } from '@prompt-canary/rules';

/** A named segment: a condition on context attributes that packs refer to by name. */
export interface StoredSegment {
  name: string;
  match: Condition;
  etag: string;
  createdAt: string;
  updatedAt: string;
}

/** Named segments (`PUT /api/v1/segments/{name}`). */
export interface SegmentStore {
  get(name: string): StoredSegment | undefined;
  /** Every segment, ordered by name. */
  list(): StoredSegment[];
  put(name: string, match: Condition, at: string): StoredSegment;
  delete(name: string): boolean;
}

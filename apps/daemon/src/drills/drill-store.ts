/** One step of a rollback drill, as the API reports it. */
export interface DrillStep {
  /** `committed`, `pushed`, `applied` or `webhooks`. */
  readonly name: string;
  readonly ok: boolean;
  /** Time from the drill's start until the step held (or was given up), ms. */
  readonly ms: number;
  readonly detail: string;
}

/** A pack's last rollback drill. */
export interface DrillRecord {
  /** When it started (ISO 8601). */
  readonly at: string;
  readonly ok: boolean;
  /** The drill's config revision. */
  readonly revision: number;
  readonly steps: readonly DrillStep[];
}

/** The last rollback drill of each pack (the port; `SqliteDrillStore` is its adapter). */
export interface DrillStore {
  /** Records a pack's latest drill, replacing the one before. */
  save(pack: string, drill: DrillRecord): void;
  /** A pack's last drill. */
  last(pack: string): DrillRecord | undefined;
  /** Every pack's last drill, by pack. */
  all(): Map<string, DrillRecord>;
  /** Forgets a pack's drill (the pack was deleted: one re-created under its name has not been drilled). */
  deletePack(pack: string): void;
}

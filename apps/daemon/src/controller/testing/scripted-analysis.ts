/**
 * Test support: an {@link AnalysisSource} whose looks a test scripts, counting the looks it was asked for.
 */
import type { Rollout } from '../../rollouts/rollout-state.js';
import type {
  AnalysisOptions,
  AnalysisOutcome,
  AnalysisSource,
  LookCheck,
  LookSrm,
} from '../analysis-source.js';
import { passingChecks } from './machine-driver.js';

/** What the next looks return, as a function of the rollout and the time. */
export type Script = (rollout: Rollout, nowMs: number) => readonly LookCheck[];

/** A scripted analysis: healthy by default; `script` and `srm` may be swapped at any time. */
export class ScriptedAnalysis implements AnalysisSource {
  script: Script = (rollout) => passingChecks(rollout);
  srm: LookSrm = { result: 'Pass', reason: 'consistent' };
  /** Looks taken, by rollout id. */
  readonly looks = new Map<string, number>();
  /** The sequential states handed in, in order. */
  readonly statesSeen: unknown[] = [];

  analyze(rollout: Rollout, options: AnalysisOptions): AnalysisOutcome {
    this.looks.set(rollout.id, (this.looks.get(rollout.id) ?? 0) + 1);
    this.statesSeen.push(options.sequentialState);
    const previous = (options.sequentialState as { looks?: number } | undefined)?.looks ?? 0;
    return {
      analysis: { checks: this.script(rollout, options.nowMs), srm: this.srm },
      sequentialState: { looks: previous + 1 },
    };
  }

  /** Looks taken at `rolloutId` so far. */
  looksAt(rolloutId: string): number {
    return this.looks.get(rolloutId) ?? 0;
  }
}

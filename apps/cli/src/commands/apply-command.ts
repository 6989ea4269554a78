import { basename } from 'node:path';
import { parse } from 'yaml';
import { ApiFailure } from '../api/api-failure.js';
import { type ApplyPlan, describePlan, planApply } from '../apply/apply-plan.js';
import { contentText, fileContent, renderContentDiff } from '../apply/content-diff.js';
import { renderPackDiff } from '../apply/pack-diff.js';
import { fileDocument, liveDocument } from '../apply/pack-document.js';
import { inlinePromptFiles } from '../apply/prompt-files.js';
import {
  type CommandContext,
  printJson,
  printLines,
  readFileArgument,
  UsageError,
} from '../command-context.js';
import { formatWeight } from '../format/units.js';

/** Options of `canary apply`. */
export interface ApplyOptions {
  readonly file: string;
  readonly dryRun: boolean;
}

function readPackFile(
  text: string,
  file: string,
): { name: string; version: string; raw: unknown; json: boolean } {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  const doc = (typeof raw === 'object' && raw !== null ? raw : {}) as {
    metadata?: { name?: unknown };
    spec?: { version?: unknown };
  };
  const name = doc.metadata?.name;
  if (typeof name !== 'string' || name === '') throw new UsageError(`${file} has no metadata.name`);
  const version = doc.spec?.version;
  return {
    name,
    version: version === undefined ? '' : String(version),
    raw,
    json: text.trimStart().startsWith('{'),
  };
}

/** The pack without its content: the content has a diff of its own, by version. */
function withoutContent<T extends Record<string, unknown>>(doc: T): T {
  const spec = doc.spec;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return doc;
  const { prompts: _p, model: _m, attributes: _a, ...rest } = spec as Record<string, unknown>;
  return { ...doc, spec: rest };
}

/**
 * `canary apply -f FILE [--dry-run]`: reads prompt files the pack names (`{file: ./system.md}`, relative to the
 * pack file), shows the diff of the file against the live pack and the diff of its version's content (against the
 * same version when it was applied before, else against the stable version), then applies it (or, with
 * `--dry-run`, tells what applying would do without writing). A dry run that the server would refuse prints the
 * refusal and exits 1.
 */
export async function applyCommand(ctx: CommandContext, options: ApplyOptions): Promise<number> {
  const original = await readFileArgument(ctx, options.file);
  const parsed = readPackFile(original, options.file);
  const inlined = await inlinePromptFiles(parsed.raw, options.file, ctx.readFile);
  // With prompt files read, the document sent is no longer the file's text: send it as JSON.
  const file = inlined.read > 0 ? { ...parsed, raw: inlined.document, json: true } : parsed;
  const text = inlined.read > 0 ? JSON.stringify(inlined.document) : original;
  const { client, terminal } = ctx;
  const colors = terminal.colors;
  const current = await client.getPack(file.name);
  const fileDoc = withoutContent(fileDocument(file.raw));
  const liveDoc = current ? withoutContent(liveDocument(current, fileDoc)) : null;
  const label = current
    ? `${file.name} live (revision ${current.revision}, stable ${current.stableVersion})`
    : `${file.name} (new)`;
  const diff = renderPackDiff(liveDoc, fileDoc, {
    liveLabel: label,
    fileLabel: basename(options.file),
    colors,
  });
  const live = current?.liveRollout ? await client.getRollout(current.liveRollout) : null;
  const content = fileContent(file.raw);
  const recorded = current ? await client.getVersion(file.name, file.version) : null;
  const base =
    recorded ??
    (current && current.stableVersion !== file.version
      ? await client.getVersion(file.name, current.stableVersion)
      : null);
  const contentDiff = renderContentDiff(base, content ?? { prompts: {}, model: null, attributes: {} }, {
    fromLabel:
      base === null
        ? `${file.name} (no content)`
        : `${file.name} ${base.version}${recorded ? ' (as applied)' : ' (stable)'}`,
    toLabel: `${file.name} ${file.version} (${basename(options.file)})`,
    colors,
  });
  const versionContentChanged =
    recorded !== null &&
    contentText(recorded) !== contentText(content ?? { prompts: {}, model: null, attributes: {} });
  const plan: ApplyPlan = planApply({
    version: file.version,
    stableVersion: current?.stableVersion ?? null,
    live: live ? { id: live.id, canaryVersion: live.canaryVersion } : null,
    changed: diff.changed,
    specChanged: liveDoc !== null && JSON.stringify(liveDoc.spec) !== JSON.stringify(fileDoc.spec),
    versionContentChanged,
  });
  const diffLines = [...diff.lines, ...contentDiff.lines];
  const anyChange = diff.changed || contentDiff.changed;

  if (options.dryRun) {
    if (ctx.output === 'json') {
      printJson(terminal, {
        dryRun: true,
        pack: file.name,
        plan,
        diff: diff.lines,
        contentDiff: contentDiff.lines,
      });
    } else {
      printLines(
        terminal,
        anyChange ? diffLines : [colors.dim(`${file.name}: no changes against the live pack`)],
      );
      terminal.write(`${colors.bold('dry run:')} ${describePlan(plan)}\n`);
    }
    if (plan.kind === 'conflict') throw new ApiFailure(plan.code, `${plan.message} (dry run)`, 409);
    return 0;
  }

  if (ctx.output === 'table') {
    printLines(
      terminal,
      anyChange ? diffLines : [colors.dim(`${file.name}: no changes against the live pack`)],
    );
  }
  const result = await client.applyPack(file.name, text, file.json ? 'application/json' : 'application/yaml');
  if (ctx.output === 'json') {
    printJson(terminal, result);
    return 0;
  }
  const done =
    plan.kind === 'no_op' || plan.kind === 'conflict'
      ? 'unchanged'
      : plan.kind === 'create'
        ? `created; ${result.pack.stableVersion} is stable`
        : 'applied';
  terminal.write(`${colors.green('✔')} ${file.name}: revision ${result.revision}, ${done}\n`);
  const rollout = result.rollout;
  if (rollout && (plan.kind === 'start_rollout' || plan.kind === 'fast_rollback')) {
    terminal.write(
      `  rollout ${rollout.id}: ${rollout.phase} ${rollout.stableVersion} → ${rollout.canaryVersion} at ${formatWeight(rollout.weight)}${rollout.reason ? ` (${rollout.reason})` : ''}\n`,
    );
  }
  for (const warning of result.warnings ?? []) terminal.write(`  ${colors.yellow('warning:')} ${warning}\n`);
  return 0;
}

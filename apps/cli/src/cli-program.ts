import { readFile } from 'node:fs/promises';
import type { RolloutPhase, Scope } from '@prompt-canary/api-types';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ApiFailure } from './api/api-failure.js';
import { CanaryClient } from './api/canary-client.js';
import { type CommandContext, type OutputFormat, UsageError } from './command-context.js';
import { actionCommand } from './commands/action-command.js';
import { applyCommand } from './commands/apply-command.js';
import { deletePackCommand } from './commands/delete-command.js';
import { diffCommand } from './commands/diff-command.js';
import { drillCommand } from './commands/drill-command.js';
import { exportFlagdCommand } from './commands/export-command.js';
import { getPacksCommand, getRolloutsCommand } from './commands/get-command.js';
import { historyCommand } from './commands/history-command.js';
import {
  applySegmentsCommand,
  deleteSegmentCommand,
  getSegmentsCommand,
} from './commands/segment-commands.js';
import { statusCommand } from './commands/status-command.js';
import { createTokenCommand, listTokensCommand, revokeTokenCommand } from './commands/token-commands.js';
import type { Terminal } from './terminal.js';
import { watchCommand } from './watch/watch-command.js';

/** Exit codes (API.md "CLI"). */
export const EXIT = { ok: 0, error: 1, usage: 2, rolledBack: 3 } as const;

/** The default daemon address. */
export const DEFAULT_URL = 'http://localhost:4000';

/** What {@link runCli} needs from the outside world; tests pass fakes. */
export interface CliDeps {
  readonly terminal: Terminal;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly readFile?: (path: string) => Promise<string>;
}

interface GlobalOptions {
  url?: string;
  token?: string;
  output: OutputFormat;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
}

function duration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('expected a duration such as 500ms, 2s or 1m');
  const factor = match[2] === 'ms' ? 1 : match[2] === 'm' ? 60_000 : 1_000;
  const ms = Number(match[1]) * factor;
  if (ms < 100) throw new InvalidArgumentError('at least 100ms');
  return ms;
}

const SCOPES: readonly Scope[] = ['evaluate', 'ingest', 'read', 'operate', 'admin'];

function scopeList(value: string): Scope[] {
  const scopes = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const unknown = scopes.find((scope) => !(SCOPES as readonly string[]).includes(scope));
  if (unknown !== undefined || scopes.length === 0) {
    throw new InvalidArgumentError(`expected scopes from ${SCOPES.join(', ')}, separated by commas`);
  }
  return scopes as Scope[];
}

const PHASES: readonly RolloutPhase[] = ['Progressing', 'Paused', 'Completed', 'RolledBack'];

/**
 * Builds the `canary` program. Each action stores its exit code in `result.code`; commander's own parse errors
 * surface as {@link CommanderError} (see {@link runCli}).
 */
export function buildProgram(deps: CliDeps, result: { code: number }): Command {
  const program = new Command('canary')
    .description('Canary releases for prompt versions: apply PromptPacks, watch and act on their rollouts.')
    .version('0.1.0')
    .addOption(new Option('--url <url>', `canaryd address (env CANARY_URL, default ${DEFAULT_URL})`))
    .addOption(new Option('--token <token>', 'API token (env CANARY_TOKEN)'))
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    )
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => deps.terminal.write(text),
      writeErr: (text) => deps.terminal.error(text),
    });

  const context = (command: Command): CommandContext => {
    const options = command.optsWithGlobals<GlobalOptions>();
    const client = new CanaryClient({
      url: options.url ?? deps.env.CANARY_URL ?? DEFAULT_URL,
      token: options.token ?? deps.env.CANARY_TOKEN,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
    return {
      client,
      terminal: deps.terminal,
      output: options.output,
      now: deps.now ?? Date.now,
      readFile: deps.readFile ?? ((path) => readFile(path, 'utf8')),
    };
  };
  program
    .command('apply')
    .description('apply a PromptPack file (YAML or JSON), showing its diff against the live pack')
    .requiredOption('-f, --file <file>', 'the PromptPack file')
    .option('--dry-run', 'show the diff and what would happen, without writing', false)
    .action(async (opts: { file: string; dryRun: boolean }, command: Command) => {
      result.code = await applyCommand(context(command), opts);
    });

  program
    .command('diff')
    .description("a unified diff of two versions' prompts, model parameters and attributes")
    .argument('<pack>', 'the pack name')
    .option('--from <version>', 'the old version (default: stable, or the one before it)')
    .option('--to <version>', 'the new version (default: the live canary, or stable)')
    .action(async (pack: string, opts: { from?: string; to?: string }, command: Command) => {
      result.code = await diffCommand(context(command), pack, {
        ...(opts.from ? { from: opts.from } : {}),
        ...(opts.to ? { to: opts.to } : {}),
      });
    });

  program
    .command('get')
    .description('list packs or rollouts')
    .addArgument(new Argument('<kind>', 'what to list').choices(['packs', 'rollouts']))
    .option('--pack <name>', 'rollouts of this pack only')
    .addOption(new Option('--phase <phase>', 'rollouts in this phase only').choices(PHASES))
    .action(async (kind: string, opts: { pack?: string; phase?: RolloutPhase }, command: Command) => {
      const ctx = context(command);
      result.code =
        kind === 'packs'
          ? await getPacksCommand(ctx)
          : await getRolloutsCommand(ctx, {
              ...(opts.pack ? { pack: opts.pack } : {}),
              ...(opts.phase ? { phase: opts.phase } : {}),
            });
    });

  program
    .command('status')
    .description("a pack's rollout: phase, step, weights, versions and the metric table")
    .argument('<pack>', 'the pack name')
    .action(async (pack: string, _opts: unknown, command: Command) => {
      result.code = await statusCommand(context(command), pack);
    });

  program
    .command('watch')
    .description('follow a rollout live until it completes (exit 0) or rolls back (exit 3)')
    .argument('<pack>', 'the pack name')
    .option('--interval <duration>', 're-read at least this often', duration, 2000)
    .option('--audit-lines <n>', 'audit lines to show', positiveInt, 5)
    .action(async (pack: string, opts: { interval: number; auditLines: number }, command: Command) => {
      result.code = await watchCommand(context(command), pack, {
        intervalMs: opts.interval,
        auditLines: opts.auditLines,
      });
    });

  for (const action of ['pause', 'resume', 'promote', 'rollback'] as const) {
    const command = program
      .command(action)
      .description(`${action === 'rollback' ? 'roll back' : action} the pack's live rollout`)
      .argument('<pack>', 'the pack name')
      .option('--reason <text>', 'why (recorded in the audit log)');
    if (action === 'promote') command.option('--full', 'complete now: skip the remaining steps', false);
    command.action(async (pack: string, opts: { reason?: string; full?: boolean }, self: Command) => {
      result.code = await actionCommand(context(self), action, pack, opts);
    });
  }

  program
    .command('drill')
    .description(
      'rehearse a rollback: push a revision that changes nothing served and check every app applied it',
    )
    .argument('<pack>', 'the pack name')
    .option('--timeout <duration>', 'how long to wait for apps and webhooks (e.g. 30s, 2m)', duration, 30_000)
    .option('--reason <text>', 'why (recorded in the audit log)')
    .action(async (pack: string, opts: { timeout: number; reason?: string }, command: Command) => {
      result.code = await drillCommand(context(command), pack, {
        timeoutMs: opts.timeout,
        reason: opts.reason,
      });
    });

  program
    .command('history')
    .description("a pack's audit log, newest first")
    .argument('<pack>', 'the pack name')
    .option('--limit <n>', 'how many entries', positiveInt, 20)
    .action(async (pack: string, opts: { limit: number }, command: Command) => {
      result.code = await historyCommand(context(command), pack, opts.limit);
    });

  program
    .command('export')
    .description('export every flag')
    .addArgument(new Argument('<format>', 'the export format').choices(['flagd']))
    .action(async (_format: string, _opts: unknown, command: Command) => {
      result.code = await exportFlagdCommand(context(command));
    });

  program
    .command('delete')
    .description('delete a pack with its flag, rollouts and history (the audit log keeps the record)')
    .addArgument(new Argument('<kind>', 'what to delete').choices(['pack']))
    .argument('<name>', 'the pack name')
    .option('--force', 'delete even while a rollout is live', false)
    .action(async (_kind: string, name: string, opts: { force: boolean }, command: Command) => {
      result.code = await deletePackCommand(context(command), name, opts);
    });

  const tokens = program.command('tokens').description('create, list and revoke API tokens (scope admin)');
  tokens
    .command('create')
    .description('create a token; its secret is printed this once')
    .argument('<name>', 'the token name')
    .requiredOption('--scopes <list>', `comma-separated scopes: ${SCOPES.join(', ')}`, scopeList)
    .action(async (name: string, opts: { scopes: Scope[] }, command: Command) => {
      result.code = await createTokenCommand(context(command), name, opts.scopes);
    });
  tokens
    .command('list')
    .description('token names, scopes and ages (never the secrets)')
    .action(async (_opts: unknown, command: Command) => {
      result.code = await listTokensCommand(context(command));
    });
  tokens
    .command('revoke')
    .description('revoke a token: it stops working on its next request')
    .argument('<name>', 'the token name')
    .action(async (name: string, _opts: unknown, command: Command) => {
      result.code = await revokeTokenCommand(context(command), name);
    });

  const segments = program.command('segments').description('named segments that packs refer to');
  segments
    .command('apply')
    .description('create or replace the segments of a file mapping names to {match}')
    .requiredOption('-f, --file <file>', 'YAML or JSON: name → {match: {...}}')
    .action(async (opts: { file: string }, command: Command) => {
      result.code = await applySegmentsCommand(context(command), opts.file);
    });
  segments
    .command('get')
    .description('every segment, or the one named')
    .argument('[name]', 'a segment name')
    .action(async (name: string | undefined, _opts: unknown, command: Command) => {
      result.code = await getSegmentsCommand(context(command), name);
    });
  segments
    .command('delete')
    .description('delete a segment')
    .argument('<name>', 'the segment name')
    .action(async (name: string, _opts: unknown, command: Command) => {
      result.code = await deleteSegmentCommand(context(command), name);
    });

  return program;
}

/**
 * Runs `canary` with `argv` (without `node` and the script) and resolves the exit code: 0 ok, 1 an error from
 * the server or the network (printed in one line with the server's code), 2 usage, 3 `watch` ended in a
 * rollback.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), { terminal: processTerminal(), env: process.env });
 */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const result = { code: EXIT.ok };
  const program = buildProgram(deps, result);
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT.usage;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return result.code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof UsageError) {
      deps.terminal.error(`error: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof ApiFailure) {
      deps.terminal.error(`${error.toLine()}\n`);
      return EXIT.error;
    }
    deps.terminal.error(`error: internal: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.error;
  }
}

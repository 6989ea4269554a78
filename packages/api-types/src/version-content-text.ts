import type { VersionBundleView } from './index.js';

/** The content of a version without its version string: what two versions' diff compares. */
export type VersionContent = Pick<VersionBundleView, 'prompts' | 'model' | 'attributes'>;

function yamlScalar(value: unknown): string {
  return JSON.stringify(value);
}

/**
 * A version's content as lines of text to diff, the same in the CLI (`canary diff`) and the dashboard: each prompt
 * under a `# prompt: name (role: …)` header with its text as written, then `# model: name (provider)` and one
 * `name: value` line per parameter, then `# attributes` and one `name: value` line per attribute (values as JSON).
 * Prompts, parameters and attributes are in name order, so two versions line up whatever order their files used.
 * `null` (no version) is the empty text.
 *
 * @example
 * versionContentText({ prompts: { system: { text: 'Be brief.' } }, model: null, attributes: {} });
 * // '# prompt: system\nBe brief.\n'
 */
export function versionContentText(content: VersionContent | null): string {
  if (content === null) return '';
  const parts: string[] = [];
  const byName = <T>(record: Readonly<Record<string, T>>) =>
    Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [name, prompt] of byName(content.prompts)) {
    parts.push(`# prompt: ${name}${prompt.role === undefined ? '' : ` (role: ${prompt.role})`}`);
    parts.push(prompt.text.endsWith('\n') ? prompt.text.slice(0, -1) : prompt.text);
  }
  if (content.model !== null) {
    const { name, provider, parameters } = content.model;
    parts.push(`# model: ${name}${provider ? ` (${provider})` : ''}`);
    for (const [key, value] of byName(parameters ?? {})) parts.push(`${key}: ${yamlScalar(value)}`);
  }
  const attributes = byName(content.attributes);
  if (attributes.length > 0) {
    parts.push('# attributes');
    for (const [key, value] of attributes) parts.push(`${key}: ${yamlScalar(value)}`);
  }
  return parts.length === 0 ? '' : `${parts.join('\n')}\n`;
}

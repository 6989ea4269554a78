import { readFile } from 'node:fs/promises';
import type { ConfigSource } from './provider-options.js';

/**
 * A bootstrap loader that reads a config file (the JSON `GET /api/v1/config` returns, saved e.g. with
 * `curl -H "Authorization: Bearer $TOKEN" http://localhost:4000/api/v1/config > canary-config.json`). The file is read
 * when the provider initializes; an unreadable or invalid file is reported and ignored (fatal in offline mode).
 *
 * @example
 * ```ts
 * new PromptCanaryProvider({ offline: true, bootstrap: configFile('./canary-config.json') });
 * ```
 */
export function configFile(path: string | URL): ConfigSource {
  return () => readFile(path, 'utf8');
}

/** Resolves an API path (`/api/v1/config`) against a base URL, keeping any path prefix the base URL has. */
export function endpoint(baseUrl: string, path: string): string {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return new URL(path.replace(/^\/+/, ''), base).href;
}

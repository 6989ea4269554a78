/** A dashboard page, from the URL's fragment. */
export type Route = { readonly page: 'overview' } | { readonly page: 'rollout'; readonly id: string };

/**
 * Reads the page from `location.hash` (`#/` → overview, `#/rollouts/<id>` → that rollout). The fragment never
 * reaches the server, and no page address ever holds the token.
 */
export function parseRoute(hash: string): Route {
  const match = /^#\/rollouts\/([^/?#]+)\/?$/.exec(hash);
  if (match?.[1]) {
    try {
      return { page: 'rollout', id: decodeURIComponent(match[1]) };
    } catch {
      return { page: 'overview' };
    }
  }
  return { page: 'overview' };
}

/** The fragment of a rollout's page. */
export function rolloutHref(id: string): string {
  return `#/rollouts/${encodeURIComponent(id)}`;
}

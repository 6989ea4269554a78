import type { Whoami } from '@prompt-canary/api-types';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiCallError, ApiClient } from './api/api-client.js';
import { followEvents } from './api/event-stream.js';
import { SignIn } from './auth/sign-in.js';
import type { TokenStore } from './auth/token-store.js';
import { LiveEvents } from './live-events.js';
import { parseRoute, type Route } from './route.js';
import { canOperate } from './views/format.js';
import { OverviewPage } from './views/overview-page.js';
import { RolloutPage } from './views/rollout-page.js';

function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** A signed-in session: the token's client and who it is. */
interface Session {
  client: ApiClient;
  me: Whoami;
}

async function signInWith(token: string, onUnauthorized: () => void): Promise<Session | string> {
  const client = new ApiClient(token, { onUnauthorized });
  try {
    return { client, me: await client.whoami() };
  } catch (err) {
    if (err instanceof ApiCallError && err.status === 401) return 'The daemon does not know this token.';
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * The dashboard: the sign-in form until a token is accepted, then the overview or a rollout's page, kept live by
 * one `/api/v1/events` stream shared by every page.
 */
export function App({ tokens }: { tokens: TokenStore }) {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(() => tokens.get() !== null);
  const [notice, setNotice] = useState<string | null>(null);
  const [connected, setConnected] = useState(false);
  const route = useHashRoute();
  const nowMs = useNow(5_000);
  const live = useMemo(() => new LiveEvents(), []);

  const signOut = useCallback(
    (why: string | null) => {
      tokens.clear();
      setSession(null);
      setNotice(why);
    },
    [tokens],
  );

  // A 401 on any call after sign-in (a revoked token) ends the session; checking a token at sign-in does not.
  const signedIn = useRef(false);
  signedIn.current = session !== null;
  const onUnauthorized = useCallback(() => {
    if (signedIn.current) signOut('The token is no longer accepted; sign in again.');
  }, [signOut]);

  useEffect(() => {
    const stored = tokens.get();
    if (stored === null) return;
    void signInWith(stored, onUnauthorized).then((result) => {
      if (typeof result === 'string') signOut(result);
      else setSession(result);
      setRestoring(false);
    });
  }, [tokens, signOut, onUnauthorized]);

  useEffect(() => {
    if (!session) return;
    return followEvents(session.client, {
      onEvent: (message) => live.emit(message),
      onStatus: setConnected,
      onDenied: () => signOut('The token was revoked or lost its scope; sign in again.'),
    });
  }, [session, live, signOut]);

  if (restoring) return <p class="muted">Signing in…</p>;
  if (!session) {
    return (
      <SignIn
        notice={notice}
        onSubmit={async (token) => {
          const result = await signInWith(token, onUnauthorized);
          if (typeof result === 'string') return result;
          tokens.set(token);
          setNotice(null);
          setSession(result);
          return null;
        }}
      />
    );
  }

  const { client, me } = session;
  return (
    <div class="shell">
      <header class="top">
        <a class="brand" href="#/">
          Prompt Canary
        </a>
        <span class={`live ${connected ? 'on' : 'off'}`} title="the /api/v1/events stream">
          {connected ? 'live' : 'reconnecting…'}
        </span>
        <span class="who">
          {me.name} · {canOperate(me.scopes) ? 'operate' : 'read only'}
        </span>
        <button type="button" class="sign-out" onClick={() => signOut(null)}>
          Sign out
        </button>
      </header>
      {route.page === 'rollout' ? (
        <RolloutPage client={client} id={route.id} me={me} live={live} nowMs={nowMs} />
      ) : (
        <OverviewPage client={client} live={live} nowMs={nowMs} />
      )}
    </div>
  );
}

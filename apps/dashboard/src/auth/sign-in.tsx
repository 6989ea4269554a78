import { useState } from 'preact/hooks';

/** Props of {@link SignIn}. */
export interface SignInProps {
  /** Checks the token with the daemon; resolves to an error message, or `null` when it is accepted. */
  onSubmit(token: string): Promise<string | null>;
  /** A message to show first (a token that stopped working, a sign-out). */
  notice?: string | null;
}

/**
 * The sign-in form: one password-type field for the API token. The form never submits to the server (the token
 * must not end up in a URL); the token is checked with `GET /api/v1/whoami` and then kept in session storage.
 */
export function SignIn({ onSubmit, notice }: SignInProps) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!token.trim()) {
      setError('Enter a token.');
      return;
    }
    setBusy(true);
    setError(await onSubmit(token.trim()));
    setBusy(false);
  };

  return (
    <main class="sign-in">
      <h1>Prompt Canary</h1>
      <form method="post" action="#" onSubmit={submit} autocomplete="off">
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
        <p class="hint">
          A token with the <code>read</code> scope shows everything; <code>operate</code> adds the rollout
          actions. It stays in this tab's session storage.
        </p>
        {(error ?? notice) && (
          <p class="error" role="alert">
            {error ?? notice}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

import type { RolloutAction } from '@prompt-canary/api-types';
import { useEffect, useRef, useState } from 'preact/hooks';

/** Props of {@link ActionDialog}. */
export interface ActionDialogProps {
  action: RolloutAction;
  pack: string;
  /** Runs the action; resolves to an error message or `null` on success. */
  onConfirm(reason: string): Promise<string | null>;
  onClose(): void;
}

const VERB: Record<RolloutAction, string> = {
  pause: 'Pause',
  resume: 'Resume',
  promote: 'Promote',
  rollback: 'Roll back',
};

/** A modal asking for the reason of an operator action (it goes to the audit log and the webhooks). */
export function ActionDialog({ action, pack, onConfirm, onClose }: ActionDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const el = dialog.current;
    if (el && !el.open) el.showModal();
    return () => el?.close();
  }, []);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!reason.trim()) {
      setError('Say why: the reason goes to the audit log.');
      return;
    }
    setBusy(true);
    const failure = await onConfirm(reason.trim());
    setBusy(false);
    if (failure) setError(failure);
    else onClose();
  };

  return (
    <dialog ref={dialog} class="action-dialog" onClose={onClose} aria-labelledby="action-title">
      <form method="dialog" onSubmit={submit}>
        <h2 id="action-title">
          {VERB[action]} {pack}
        </h2>
        <label for="action-reason">Reason</label>
        <textarea
          id="action-reason"
          name="reason"
          rows={3}
          maxLength={2000}
          required
          value={reason}
          onInput={(e) => setReason(e.currentTarget.value)}
        />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="dialog-buttons">
          <button type="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" class={`action-${action}`} disabled={busy}>
            {busy ? 'Working…' : VERB[action]}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** The label of an action's button. */
export function actionLabel(action: RolloutAction): string {
  return VERB[action];
}

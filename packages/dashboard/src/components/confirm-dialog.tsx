import type { CredentialSummary } from '@qa-broker/contract';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { CredentialAction } from '../actions/registry.js';

/**
 * A modal confirmation (native <dialog>: focus is kept inside, Escape cancels). Nothing
 * runs until the confirm button is pressed; a refusal is shown in the dialog.
 */
export function ConfirmDialog(props: {
  action: CredentialAction;
  credential: CredentialSummary;
  onConfirm: (input: string) => Promise<void>;
  onClose: () => void;
}) {
  const { action, credential, onConfirm, onClose } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const [input, setInput] = useState(() => action.input?.initial(credential) ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);

  const titleId = `confirm-${action.id}-title`;
  return (
    <dialog
      ref={dialog}
      class="confirm"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onClose();
      }}
    >
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          setBusy(true);
          setError(undefined);
          onConfirm(input).catch((caught: unknown) => {
            setBusy(false);
            setError(caught instanceof Error ? caught.message : String(caught));
          });
        }}
      >
        <h2 id={titleId}>{action.label}?</h2>
        <p>{action.question(credential)}</p>
        {action.input && (
          <label class="dialog-input">
            {action.input.label}
            <input
              type="text"
              value={input}
              maxLength={action.input.maxLength}
              onInput={(e) => setInput(e.currentTarget.value)}
            />
          </label>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="dialog-buttons">
          <button type="button" autoFocus onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" class={action.destructive ? 'danger' : 'primary'} disabled={busy}>
            {action.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

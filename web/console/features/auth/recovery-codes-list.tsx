import { useState } from 'preact/hooks';
import { Button } from '../../../shared/ui/button.tsx';
import { count } from '../../../shared/format.ts';

/**
 * Recovery codes, shown once after they are made. Each works once instead of a code from the authenticator app; the
 * server keeps only keyed hashes, so this is the only time anyone can read them.
 */
export function RecoveryCodesList(props: { codes: readonly string[] }) {
  const [copied, setCopied] = useState<'idle' | 'copied' | 'manual'>('idle');

  async function copyAll() {
    try {
      await navigator.clipboard.writeText(props.codes.join('\n'));
      setCopied('copied');
    } catch {
      const list = document.getElementById('recovery-codes');
      if (list) window.getSelection()?.selectAllChildren(list);
      setCopied('manual');
    }
  }

  return (
    <div class="recovery-codes-box">
      <p>
        Keep these {count(props.codes.length, 'code', 'codes')} somewhere safe and apart from your phone — printed, or in a
        password manager. If you lose your phone, each code signs you in once instead of a code from the app. They are
        not shown again.
      </p>
      <ol id="recovery-codes" class="recovery-codes" data-testid="recovery-codes">
        {props.codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div class="form-actions">
        <Button onClick={() => void copyAll()}>{copied === 'copied' ? 'Copied' : 'Copy all codes'}</Button>
      </div>
      <p class="field-hint" aria-live="polite">
        {copied === 'copied' && 'The codes are on the clipboard.'}
        {copied === 'manual' && 'Copying is not allowed here: the codes are selected, press Ctrl+C (⌘C on a Mac).'}
      </p>
    </div>
  );
}

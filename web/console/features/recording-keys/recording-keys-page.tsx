import { useState } from 'preact/hooks';
import { createRecordingKeyPair, MIN_PASSPHRASE_CHARS } from '../../../customer/call/e2ee/recording-crypto.ts';
import { useApi } from '../../../shared/api/api-context.tsx';
import { fieldErrorsOf } from '../../../shared/api/api-error.ts';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { Button, SubmitButton } from '../../../shared/ui/button.tsx';
import { CheckboxField, TextField } from '../../../shared/ui/field.tsx';
import { Loading } from '../../../shared/ui/loading.tsx';
import { PageHeader } from '../../../shared/ui/page-header.tsx';
import { formatDateTime } from '../../../shared/format.ts';
import { useResource } from '../../../shared/use-resource.ts';
import { useSubmit } from '../../../shared/use-submit.ts';
import { can } from '../../roles.ts';
import { useMe } from '../../session.tsx';
import { createRecordingKey, listRecordingKeys, type RecordingKey } from './recording-keys.api.ts';

/**
 * The organisation's recording key (E2EE recording): made in a DPO's browser, its private half sealed under a
 * passphrase the server never sees. Administrators see the keys; only a DPO makes one, since only the DPO will hold
 * the passphrase.
 */
export function RecordingKeysPage() {
  const api = useApi();
  const me = useMe();
  const keys = useResource(() => listRecordingKeys(api), [api]);
  const [created, setCreated] = useState<RecordingKey | null>(null);
  const list = keys.state.status === 'ready' ? keys.state.data : [];
  const mayCreate = can(me.user.role, 'recordingKeys.manage');

  return (
    <>
      <PageHeader title="Recording key">
        <p>
          Calls with end-to-end encryption cannot be recorded by the server, which never sees their sound or picture. Instead,
          the host's browser records the call and encrypts the recording to this key before it is stored. Only someone who
          knows the key's passphrase can play such a recording, in this console; Parley stores the key sealed under that
          passphrase and never sees the passphrase itself.
        </p>
        <p>
          <strong>If the passphrase is lost, nobody can play those recordings — not you, not your administrators, not
          Parley.</strong>{' '}
          There is no reset and no recovery. Write the passphrase down when you make the key, and keep the written copy with
          the data protection officer, somewhere as safe as your other important keys.
        </p>
      </PageHeader>

      {created && (
        <Alert kind="success" title="Recording key made" testId="recording-key-created">
          <p>
            Recordings of encrypted calls from now on are encrypted to this key. Its fingerprint is{' '}
            <code data-testid="recording-key-fingerprint">{created.fingerprint}</code>: note it beside the passphrase, so the
            two can be matched later.
          </p>
          <div class="form-actions">
            <Button onClick={() => setCreated(null)}>I have written down the passphrase</Button>
          </div>
        </Alert>
      )}

      {keys.state.status === 'loading' && <Loading label="Loading recording keys…" />}
      {keys.state.status === 'error' && <ErrorAlert error={keys.state.error} title="The recording keys could not be loaded" />}
      {keys.state.status === 'ready' &&
        (list.length === 0 ? (
          <p class="empty" data-testid="no-recording-key">
            No recording key yet: until a data protection officer makes one, calls with end-to-end encryption cannot be
            recorded.
          </p>
        ) : (
          <KeysTable keys={list} />
        ))}

      {keys.state.status === 'ready' &&
        (mayCreate ? (
          <CreateKeyForm
            replacing={list.length > 0}
            onCreated={(key) => {
              setCreated(key);
              keys.set([key, ...list.map((k) => ({ ...k, active: false }))]);
            }}
          />
        ) : (
          <p class="muted">Only a data protection officer can make a recording key, because they will hold its passphrase.</p>
        ))}
    </>
  );
}

function KeysTable(props: { keys: readonly RecordingKey[] }) {
  return (
    <table class="table">
      <caption class="visually-hidden">Recording keys, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Fingerprint</th>
          <th scope="col">Made</th>
          <th scope="col">State</th>
        </tr>
      </thead>
      <tbody>
        {props.keys.map((k) => (
          <tr key={k.id} data-recording-key={k.id} class={k.active ? undefined : 'row-inactive'}>
            <td>
              <code>{k.fingerprint}</code>
            </td>
            <td>
              <span class="cell-primary">{formatDateTime(k.createdAt)}</span>
              {k.createdBy && <span class="cell-secondary">by user {k.createdBy}</span>}
            </td>
            <td>
              {k.active ? (
                <>
                  <span class="badge badge-status-active">Active</span>
                  <span class="cell-secondary">New recordings are encrypted to this key.</span>
                </>
              ) : (
                <>
                  <span class="badge">Replaced</span>
                  <span class="cell-secondary">Still opens the recordings made while it was active, with its own passphrase.</span>
                </>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

type Phase = 'idle' | 'deriving' | 'saving';

/**
 * Passphrase twice, then the key pair is made and sealed here (PBKDF2 with 600 000 iterations: about a second) and
 * only the public key and the sealed private key are sent.
 */
function CreateKeyForm(props: { replacing: boolean; onCreated: (key: RecordingKey) => void }) {
  const api = useApi();
  const [passphrase, setPassphrase] = useState('');
  const [repeat, setRepeat] = useState('');
  const [writtenDown, setWrittenDown] = useState(false);
  // Errors beside the fields show once a submission was tried, then follow the typing.
  const [tried, setTried] = useState(false);
  const [phase, setPhase] = useState<Phase>('idle');
  const submit = useSubmit();
  const serverErrors = fieldErrorsOf(submit.error);

  const tooShort = passphrase.length < MIN_PASSPHRASE_CHARS;
  const mismatch = repeat !== passphrase;
  const passphraseError = tried && tooShort ? `Use at least ${MIN_PASSPHRASE_CHARS} characters; a few unrelated words are easier to keep than symbols.` : undefined;
  const repeatError = tried && !tooShort && mismatch ? 'The two passphrases differ. Type the same passphrase in both fields.' : undefined;
  const writtenDownError = tried && !writtenDown ? 'Confirm that the passphrase is written down: without it the recordings are lost.' : undefined;

  async function onSubmit(e: Event) {
    e.preventDefault();
    setTried(true);
    if (tooShort || mismatch || !writtenDown) return;
    const key = await submit.run(async () => {
      try {
        setPhase('deriving');
        const made = await createRecordingKeyPair(passphrase);
        setPhase('saving');
        return await createRecordingKey(api, made);
      } finally {
        setPhase('idle');
      }
    });
    if (key) {
      // The passphrase leaves this page's memory as soon as the key is stored.
      setPassphrase('');
      setRepeat('');
      setWrittenDown(false);
      setTried(false);
      props.onCreated(key);
    }
  }

  return (
    <section class="panel" aria-labelledby="recording-key-form-heading">
      <h2 id="recording-key-form-heading">{props.replacing ? 'Replace the recording key' : 'Make the recording key'}</h2>
      {props.replacing && (
        <p>
          A new key is used for recordings from now on. The current key is kept: recordings already made stay encrypted to it
          and still need its passphrase, so keep that written copy too.
        </p>
      )}
      <ErrorAlert error={submit.error} title="The recording key was not made" />
      <form class="form" onSubmit={(e) => void onSubmit(e)} noValidate>
        <TextField
          label="Passphrase"
          hint={`At least ${MIN_PASSPHRASE_CHARS} characters. It opens every recording made with this key, so choose one not used anywhere else.`}
          type="password"
          name="passphrase"
          autoComplete="new-password"
          required
          minLength={MIN_PASSPHRASE_CHARS}
          error={passphraseError ?? serverErrors.sealed}
          value={passphrase}
          onValue={setPassphrase}
        />
        <TextField
          label="Repeat the passphrase"
          type="password"
          name="passphraseRepeat"
          autoComplete="new-password"
          required
          error={repeatError}
          value={repeat}
          onValue={setRepeat}
        />
        <CheckboxField
          label="I have written the passphrase down, and the written copy stays with the data protection officer."
          hint="Parley cannot recover a lost passphrase."
          name="writtenDown"
          error={writtenDownError}
          checked={writtenDown}
          onChecked={setWrittenDown}
        />
        {phase === 'deriving' && <Loading label="Making the key and sealing it under the passphrase… this takes a moment." />}
        {phase === 'saving' && <Loading label="Storing the sealed key…" />}
        <div class="form-actions">
          <SubmitButton busy={submit.busy} busyLabel={phase === 'saving' ? 'Storing…' : 'Making the key…'}>
            {props.replacing ? 'Make a new key' : 'Make the key'}
          </SubmitButton>
        </div>
      </form>
    </section>
  );
}

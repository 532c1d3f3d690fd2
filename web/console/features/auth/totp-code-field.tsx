import { TextField } from '../../../shared/ui/field.tsx';

/** The 6-digit code from an authenticator app; digits only, and the browser may offer a saved one-time code. */
export function TotpCodeField(props: { value: string; onValue: (value: string) => void; error?: string | undefined }) {
  return (
    <TextField
      label="6-digit code"
      hint="The code changes every 30 seconds; enter the one showing now."
      name="code"
      inputMode="numeric"
      autoComplete="one-time-code"
      pattern="[0-9]{6}"
      maxLength={6}
      required
      class="input-code"
      error={props.error}
      value={props.value}
      onValue={(v) => props.onValue(v.replace(/\D/g, '').slice(0, 6))}
    />
  );
}

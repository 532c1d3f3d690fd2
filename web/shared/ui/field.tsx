import type { ComponentChildren, InputHTMLAttributes } from 'preact';
import { useId } from 'preact/hooks';

interface FrameProps {
  label: string;
  /** Short help under the label: what to enter and why. */
  hint?: ComponentChildren;
  /** The server's (or the form's) message about this field. */
  error?: string | undefined;
  optional?: boolean;
}

interface Ids {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: boolean;
}

/** Label, hint and error wired to the control with ids, so screen readers read all three. */
function Frame(props: FrameProps & { render: (ids: Ids) => ComponentChildren }) {
  const id = useId();
  const hintId = props.hint ? `${id}-hint` : undefined;
  const errorId = props.error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ');
  return (
    <div class={`field${props.error ? ' field-invalid' : ''}`}>
      <label for={id}>
        {props.label}
        {props.optional && <span class="field-optional"> (optional)</span>}
      </label>
      {props.hint && (
        <p class="field-hint" id={hintId}>
          {props.hint}
        </p>
      )}
      {props.render({ id, ...(describedBy ? { 'aria-describedby': describedBy } : {}), ...(props.error ? { 'aria-invalid': true } : {}) })}
      {props.error && (
        <p class="field-error" id={errorId}>
          {props.error}
        </p>
      )}
    </div>
  );
}

/** The input attributes the console uses; listed rather than inherited so each field stays easy to read. */
interface InputProps {
  type?: 'text' | 'email' | 'password' | 'tel' | 'date' | 'datetime-local' | 'url';
  name?: string;
  autoComplete?: string;
  inputMode?: 'text' | 'numeric' | 'email' | 'tel';
  pattern?: string;
  required?: boolean;
  readOnly?: boolean;
  minLength?: number;
  /** The longest value accepted: a longer one is shown with a message beside the field, never cut off. */
  maxLength?: number;
  max?: string;
  class?: string;
  placeholder?: string;
}

const numbers = new Intl.NumberFormat('en-GB');

/**
 * A text over its limit, said beside the field. The limit is not given to the browser as `maxlength`: that cuts a
 * pasted text off without a word (a 5,000-character name became its first 100), and the person never learns that
 * what was saved is not what they pasted.
 */
export function lengthError(value: string, maxLength: number | undefined): string | undefined {
  if (maxLength === undefined || value.length <= maxLength) return undefined;
  return `At most ${numbers.format(maxLength)} ${maxLength === 1 ? 'character' : 'characters'}: this has ${numbers.format(value.length)}.`;
}

export function TextField(props: FrameProps & InputProps & { value: string; onValue: (value: string) => void }) {
  const { label, hint, error, optional, value, onValue, maxLength, ...input } = props;
  return (
    <Frame
      label={label}
      hint={hint}
      error={error ?? lengthError(value, maxLength)}
      optional={optional ?? false}
      render={(ids) => {
        // Preact types <input> as a union keyed by `type`; a field whose type is chosen by its caller is one of them.
        const attributes = { type: 'text', ...input, ...ids, value } as InputHTMLAttributes<HTMLInputElement>;
        return <input {...attributes} onInput={(e) => onValue(e.currentTarget.value)} />;
      }}
    />
  );
}

interface TextAreaProps {
  name?: string;
  autoComplete?: string;
  required?: boolean;
  readOnly?: boolean;
  rows?: number;
  maxLength?: number;
}

export function TextAreaField(props: FrameProps & TextAreaProps & { value: string; onValue: (value: string) => void }) {
  const { label, hint, error, optional, value, onValue, maxLength, ...area } = props;
  return (
    <Frame
      label={label}
      hint={hint}
      error={error ?? lengthError(value, maxLength)}
      optional={optional ?? false}
      render={(ids) => <textarea rows={3} {...area} {...ids} value={value} onInput={(e) => onValue(e.currentTarget.value)} />}
    />
  );
}

export interface Choice<V extends string> {
  readonly value: V;
  readonly label: string;
}

export function SelectField<V extends string>(
  props: FrameProps & { value: V; onValue: (value: V) => void; choices: readonly Choice<V>[]; disabled?: boolean; name?: string },
) {
  return (
    <Frame
      label={props.label}
      hint={props.hint}
      error={props.error}
      optional={props.optional ?? false}
      render={(ids) => (
        <select
          {...ids}
          name={props.name}
          disabled={props.disabled}
          value={props.value}
          onChange={(e) => {
            const picked = props.choices.find((c) => c.value === e.currentTarget.value);
            if (picked) props.onValue(picked.value);
          }}
        >
          {props.choices.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      )}
    />
  );
}

/** A single yes/no choice: the box first, the label beside it, the hint and error below. */
export function CheckboxField(props: {
  label: string;
  hint?: ComponentChildren;
  error?: string | undefined;
  checked: boolean;
  onChecked: (checked: boolean) => void;
  disabled?: boolean;
  name?: string;
}) {
  const id = useId();
  const hintId = props.hint ? `${id}-hint` : undefined;
  const errorId = props.error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field field-checkbox${props.error ? ' field-invalid' : ''}`}>
      <div class="checkbox-row">
        <input
          id={id}
          type="checkbox"
          name={props.name}
          checked={props.checked}
          disabled={props.disabled}
          aria-describedby={describedBy}
          aria-invalid={props.error ? true : undefined}
          onChange={(e) => props.onChecked(e.currentTarget.checked)}
        />
        <label for={id}>{props.label}</label>
      </div>
      {props.hint && (
        <p class="field-hint" id={hintId}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p class="field-error" id={errorId}>
          {props.error}
        </p>
      )}
    </div>
  );
}

export interface RadioChoice<V extends string> extends Choice<V> {
  /** What choosing it means, shown under the label. */
  readonly description?: string;
}

/** One choice out of a few, each explained: a fieldset whose legend is the question. */
export function RadioGroupField<V extends string>(props: {
  label: string;
  hint?: ComponentChildren;
  error?: string | undefined;
  value: V;
  onValue: (value: V) => void;
  choices: readonly RadioChoice<V>[];
  name: string;
}) {
  const id = useId();
  const errorId = props.error ? `${id}-error` : undefined;
  return (
    <fieldset class={`radio-group${props.error ? ' field-invalid' : ''}`} aria-describedby={errorId}>
      <legend>{props.label}</legend>
      {props.hint && <p class="field-hint">{props.hint}</p>}
      {props.choices.map((c) => (
        <div key={c.value} class="radio-choice">
          <input
            id={`${id}-${c.value}`}
            type="radio"
            name={props.name}
            value={c.value}
            checked={props.value === c.value}
            aria-describedby={c.description ? `${id}-${c.value}-description` : undefined}
            onChange={() => props.onValue(c.value)}
          />
          <div>
            <label for={`${id}-${c.value}`}>{c.label}</label>
            {c.description && (
              <p class="field-hint" id={`${id}-${c.value}-description`}>
                {c.description}
              </p>
            )}
          </div>
        </div>
      ))}
      {props.error && (
        <p class="field-error" id={errorId}>
          {props.error}
        </p>
      )}
    </fieldset>
  );
}

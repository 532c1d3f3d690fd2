/**
 * Where keys come from. The local implementation derives everything from a master key file; a KMS or Vault
 * transit implementation (later) keeps the same interface.
 */
export interface KeyProvider {
  /** A 256-bit key for one named use (e.g. `totp-secrets`), stable across restarts. */
  deriveKey(label: string): Buffer;
  /** Encrypts a small secret (AES-256-GCM) bound to a context string; the result is text for a column. */
  seal(label: string, context: string, plaintext: string): string;
  /** Reverses `seal`; throws if the text was altered or the context differs. */
  open(label: string, context: string, sealed: string): string;
}

import * as z from 'zod/mini';
import { noContent, type ApiClient } from '../../../shared/api/client.ts';
import { userSchema } from '../users/users.api.ts';

/** Where a session stands: `totp` waits for a code, `totp_enrolment` for an authenticator to be set up. */
export const stageSchema = z.enum(['active', 'totp', 'totp_enrolment']);
export type Stage = z.infer<typeof stageSchema>;
const stageAnswer = z.object({ stage: stageSchema });

export const meSchema = z.object({
  user: userSchema,
  organisation: z.object({ id: z.string(), legalName: z.string() }),
  stage: stageSchema,
  /** Unused recovery codes; null while two-factor sign-in is not on. */
  recoveryCodesLeft: z.nullable(z.number()),
});
export type Me = z.infer<typeof meSchema>;

export const getMe = (api: ApiClient) => api.get('/api/me', meSchema);

const sessionSchema = z.object({ signedIn: z.boolean() });
/** Asks whether anyone is signed in without provoking a 401 (which browsers log as an error). */
export const isSignedIn = async (api: ApiClient) => (await api.get('/api/auth/session', sessionSchema)).signedIn;

export const signIn = async (api: ApiClient, input: { email: string; password: string }) =>
  (await api.post('/api/auth/login', stageAnswer, input)).stage;

export const submitTotp = async (api: ApiClient, code: string) => (await api.post('/api/auth/totp', stageAnswer, { code })).stage;

/** Signs in with a recovery code instead of a TOTP code; answers how many unused codes are left. */
export const submitRecoveryCode = async (api: ApiClient, code: string) =>
  (await api.post('/api/auth/recovery-code', z.object({ stage: stageSchema, recoveryCodesLeft: z.number() }), { code })).recoveryCodesLeft;

const recoveryCodesSchema = z.object({ recoveryCodes: z.array(z.string()) });

/** A new set of recovery codes (the old set stops working); needs a current code from the authenticator app. */
export const regenerateRecoveryCodes = async (api: ApiClient, code: string) =>
  (await api.post('/api/auth/recovery-codes', recoveryCodesSchema, { code })).recoveryCodes;

const enrolmentSchema = z.object({ secret: z.string(), otpauthUri: z.string(), qrCodeDataUrl: z.string() });
export type TotpEnrolment = z.infer<typeof enrolmentSchema>;

export const startTotpEnrolment = (api: ApiClient) => api.post('/api/auth/totp/enrolment', enrolmentSchema);

/** Turns two-factor sign-in on; the answer carries the first recovery codes, shown this once. */
export const confirmTotpEnrolment = async (api: ApiClient, code: string) =>
  (await api.post('/api/auth/totp/enrolment/confirm', recoveryCodesSchema, { code })).recoveryCodes;

export const signOut = (api: ApiClient) => api.post('/api/auth/logout', noContent);

const setupInfoSchema = z.object({
  kind: z.enum(['first_admin', 'user']),
  organisationName: z.string(),
  email: z.nullable(z.string()),
  displayName: z.nullable(z.string()),
});
export type SetupInfo = z.infer<typeof setupInfoSchema>;

export const inspectSetupLink = (api: ApiClient, token: string) => api.post('/api/setup/inspect', setupInfoSchema, { token });

export const completeSetup = async (
  api: ApiClient,
  input: { token: string; password: string; email?: string; displayName?: string },
) => (await api.post('/api/setup/complete', stageAnswer, input)).stage;

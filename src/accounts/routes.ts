import { z } from 'zod';
import { actorOf, type Principal } from '../http/principal.ts';
import { CSRF_HEADER, type RouteModule } from '../http/app.ts';
import { principalOf, sessionCookieOptions } from '../http/auth.ts';
import { errorBodySchema } from '../http/errors.ts';
import { AppError } from '../shared/app-error.ts';
import { idSchema } from '../shared/ids.ts';
import {
  apiTokenSchema,
  attestedTrainingSchema,
  attestTrainingSchema,
  createApiTokenSchema,
  createUserSchema,
  enrolmentConfirmedSchema,
  loginSchema,
  recoveryCodesSchema,
  recoverySignInSchema,
  setupCompleteSchema,
  setupInfoSchema,
  setupLinkSchema,
  setupTokenInputSchema,
  stageSchema,
  trainingSchema,
  updateUserSchema,
  userSchema,
} from './accounts.schema.ts';
import { createApiToken, listApiTokens, revokeApiToken } from './api-tokens.ts';
import { logIn } from './log-in.ts';
import { SESSION_COOKIE } from './sessions.ts';
import { recoveryCodeSchema, recoveryCodesLeft } from './recovery-codes.ts';
import { completeSetup, inspectSetupLink } from './setup-links.ts';
import {
  confirmTotpEnrolment,
  regenerateRecoveryCodes,
  startTotpEnrolment,
  totpCodeSchema,
  verifyRecoveryCode,
  verifyTotp,
} from './totp.ts';
import { attestTraining, listTraining } from './training.ts';
import { createUser, getUser, listUsers, resendSetupLink, resetTotp, updateUser } from './users.ts';

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema };
const userParams = z.strictObject({ userId: idSchema('user') });
const ADMIN = { roles: ['admin'] } as const;
const ADMIN_OR_DPO = { roles: ['admin', 'dpo'] } as const;
const ANY_ROLE = { roles: ['admin', 'dpo', 'agent'] } as const;

export const accountRoutes: RouteModule = (app, deps) => {
  // Sign-in attempts are limited per client address on top of the per-account lockout (G46).
  const loginRate = { max: deps.config.auth.loginRatePerMinute, timeWindow: '1 minute' };

  app.get(
    '/api/auth/csrf',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: `A CSRF token to send as the ${CSRF_HEADER} header with every cookie-authenticated write`,
        response: { 200: z.object({ token: z.string() }) },
      },
    },
    async (_request, reply) => ({ token: reply.generateCsrf() }),
  );

  app.get(
    '/api/auth/session',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Whether this browser is signed in, and at which step (no 401 for a signed-out visitor)',
        response: {
          200: z.discriminatedUnion('signedIn', [
            z.object({ signedIn: z.literal(false) }),
            z.object({ signedIn: z.literal(true), stage: stageSchema.shape.stage }),
          ]),
        },
      },
    },
    async (request) => {
      const p = request.principal;
      return p?.kind === 'session' ? { signedIn: true as const, stage: p.stage } : { signedIn: false as const };
    },
  );

  app.post(
    '/api/auth/login',
    {
      config: { access: 'public', rateLimit: loginRate },
      schema: { tags: ['auth'], body: loginSchema, response: { 200: stageSchema, 401: errorBodySchema, 423: errorBodySchema } },
    },
    async (request, reply) => {
      const result = await logIn(deps, request.body);
      reply.setCookie(SESSION_COOKIE, result.token, sessionCookieOptions(deps, result.expiresAt));
      return { stage: result.stage };
    },
  );

  app.post(
    '/api/auth/totp',
    {
      config: { access: 'session', rateLimit: loginRate },
      schema: { tags: ['auth'], body: z.strictObject({ code: totpCodeSchema }), response: { 200: stageSchema, ...errors } },
    },
    async (request) => {
      await verifyTotp(deps, request.principal, request.body.code);
      return { stage: 'active' as const };
    },
  );

  app.post(
    '/api/auth/recovery-code',
    {
      config: { access: 'session', rateLimit: loginRate },
      schema: {
        tags: ['auth'],
        summary: 'Second sign-in step with a recovery code instead of a TOTP code (lost phone); each code works once',
        body: z.strictObject({ code: recoveryCodeSchema }),
        response: { 200: recoverySignInSchema, ...errors, 423: errorBodySchema },
      },
    },
    async (request) => {
      const { recoveryCodesLeft: left } = await verifyRecoveryCode(deps, request.principal, request.body.code);
      return { stage: 'active' as const, recoveryCodesLeft: left };
    },
  );

  app.post(
    '/api/auth/recovery-codes',
    {
      config: { access: 'session', rateLimit: loginRate },
      schema: {
        tags: ['auth'],
        summary: 'Make a new set of recovery codes (the old set stops working); needs a current TOTP code; shown once',
        body: z.strictObject({ code: totpCodeSchema }),
        response: { 200: recoveryCodesSchema, ...errors, 423: errorBodySchema },
      },
    },
    async (request) => regenerateRecoveryCodes(deps, request.principal, request.body.code),
  );

  app.post(
    '/api/auth/totp/enrolment',
    {
      config: { access: 'session' },
      schema: {
        tags: ['auth'],
        summary: 'Start TOTP set-up: a new secret and its QR code (active only once confirmed)',
        response: { 200: z.object({ secret: z.string(), otpauthUri: z.string(), qrCodeDataUrl: z.string() }), ...errors },
      },
    },
    async (request) => startTotpEnrolment(deps, request.principal),
  );

  app.post(
    '/api/auth/totp/enrolment/confirm',
    {
      config: { access: 'session', rateLimit: loginRate },
      schema: {
        tags: ['auth'],
        summary: 'Turn TOTP on with a code from the new secret; the answer carries the recovery codes, shown this once',
        body: z.strictObject({ code: totpCodeSchema }),
        response: { 200: enrolmentConfirmedSchema, ...errors, 423: errorBodySchema },
      },
    },
    async (request) => {
      const { recoveryCodes } = await confirmTotpEnrolment(deps, request.principal, request.body.code);
      return { stage: 'active' as const, recoveryCodes };
    },
  );

  app.post(
    '/api/auth/logout',
    { config: { access: 'session' }, schema: { tags: ['auth'], response: { 204: z.null(), ...errors } } },
    async (request, reply) => {
      const p = request.principal;
      if (p?.kind === 'session') {
        await deps.db.transaction().execute(async (tx) => {
          await tx.deleteFrom('user_sessions').where('id', '=', p.sessionId).execute();
          await deps.audit.append(tx, p.orgId, actorOf(p), { type: 'auth.logged_out', data: { userId: p.userId, sessionId: p.sessionId } });
        });
      }
      reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(deps));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/me',
    {
      config: { access: 'session' },
      schema: {
        tags: ['auth'],
        response: {
          200: z.object({
            user: userSchema,
            organisation: z.object({ id: z.string(), legalName: z.string() }),
            stage: stageSchema.shape.stage,
            /** Unused recovery codes; null while two-factor sign-in is not on. */
            recoveryCodesLeft: z.number().int().nullable(),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const p = request.principal as Extract<Principal, { kind: 'session' }>;
      const [user, org, left] = await Promise.all([
        getUser(deps.db, p.orgId, p.userId),
        deps.db.selectFrom('organisations').select(['id', 'legal_name']).where('id', '=', p.orgId).executeTakeFirstOrThrow(),
        recoveryCodesLeft(deps.db, p.orgId, p.userId),
      ]);
      return { user, organisation: { id: org.id, legalName: org.legal_name }, stage: p.stage, recoveryCodesLeft: user.totpEnabled ? left : null };
    },
  );

  app.post(
    '/api/setup/inspect',
    {
      config: { access: 'public', rateLimit: loginRate },
      schema: { tags: ['auth'], summary: 'What a set-up link is for', body: setupTokenInputSchema, response: { 200: setupInfoSchema, 410: errorBodySchema } },
    },
    async (request) => inspectSetupLink(deps, request.body.token),
  );

  app.post(
    '/api/setup/complete',
    {
      config: { access: 'public', rateLimit: loginRate },
      schema: { tags: ['auth'], body: setupCompleteSchema, response: { 200: stageSchema, 400: errorBodySchema, 409: errorBodySchema, 410: errorBodySchema } },
    },
    async (request, reply) => {
      const result = await completeSetup(deps, request.body);
      reply.setCookie(SESSION_COOKIE, result.token, sessionCookieOptions(deps, result.expiresAt));
      return { stage: result.stage };
    },
  );

  // Users and roles.
  app.get(
    '/api/users',
    { config: { access: ADMIN_OR_DPO }, schema: { tags: ['users'], response: { 200: z.object({ users: z.array(userSchema) }), ...errors } } },
    async (request) => ({ users: await listUsers(deps.db, principalOf(request).orgId) }),
  );

  app.post(
    '/api/users',
    {
      config: { access: ADMIN },
      schema: {
        tags: ['users'],
        summary: 'Invite a user: their one-time set-up link is mailed to them (without a mail server, the answer carries it to pass on)',
        body: createUserSchema,
        response: { 201: z.object({ user: userSchema, setupLink: setupLinkSchema }), ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const result = await createUser(deps, p.orgId, actorOf(p), request.body);
      return reply.code(201).send(result);
    },
  );

  app.get(
    '/api/users/:userId',
    { config: { access: ADMIN_OR_DPO }, schema: { tags: ['users'], params: userParams, response: { 200: userSchema, ...errors } } },
    async (request) => getUser(deps.db, principalOf(request).orgId, request.params.userId),
  );

  app.patch(
    '/api/users/:userId',
    {
      config: { access: ADMIN },
      schema: { tags: ['users'], params: userParams, body: updateUserSchema, response: { 200: userSchema, ...errors } },
    },
    async (request) => {
      const p = principalOf(request);
      return updateUser(deps, p.orgId, actorOf(p), request.params.userId, request.body);
    },
  );

  app.post(
    '/api/users/:userId/setup-link',
    {
      config: { access: ADMIN },
      schema: {
        tags: ['users'],
        summary: 'Mail a new one-time link to set a password (voids older ones; without a mail server, the answer carries it)',
        params: userParams,
        response: { 200: setupLinkSchema, ...errors },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return resendSetupLink(deps, p.orgId, actorOf(p), request.params.userId);
    },
  );

  app.post(
    '/api/users/:userId/totp-reset',
    {
      config: { access: ADMIN },
      schema: { tags: ['users'], summary: 'Remove a user\'s second factor; they set it up again at next sign-in', params: userParams, response: { 200: userSchema, ...errors } },
    },
    async (request) => {
      const p = principalOf(request);
      return resetTotp(deps, p.orgId, actorOf(p), request.params.userId);
    },
  );

  app.get(
    '/api/users/:userId/training',
    {
      config: { access: ADMIN_OR_DPO },
      schema: { tags: ['users'], params: userParams, response: { 200: z.object({ attestations: z.array(trainingSchema) }), ...errors } },
    },
    async (request) => ({ attestations: await listTraining(deps, deps.db, principalOf(request).orgId, request.params.userId) }),
  );

  app.post(
    '/api/users/:userId/training',
    {
      config: { access: ADMIN_OR_DPO },
      schema: {
        tags: ['users'],
        summary: "Record that another user completed GDPR training (never one's own; a date past the validity is kept with a warning)",
        params: userParams,
        body: attestTrainingSchema,
        response: { 201: attestedTrainingSchema, ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      return reply.code(201).send(await attestTraining(deps, p.orgId, actorOf(p), request.params.userId, request.body));
    },
  );

  // API tokens for server-to-server use.
  app.get(
    '/api/api-tokens',
    { config: { access: ADMIN }, schema: { tags: ['api-tokens'], response: { 200: z.object({ apiTokens: z.array(apiTokenSchema) }), ...errors } } },
    async (request) => ({ apiTokens: await listApiTokens(deps.db, principalOf(request).orgId) }),
  );

  app.post(
    '/api/api-tokens',
    {
      config: { access: ADMIN },
      schema: {
        tags: ['api-tokens'],
        summary: 'Create an API token; the secret is shown in this answer only',
        body: createApiTokenSchema,
        response: { 201: z.object({ token: z.string(), apiToken: apiTokenSchema }), ...errors },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      if (p.kind !== 'session') throw new AppError('FORBIDDEN', 'API tokens are created from a console session.');
      return reply.code(201).send(await createApiToken(deps, p.orgId, { type: 'user', id: p.userId }, request.body));
    },
  );

  app.delete(
    '/api/api-tokens/:tokenId',
    {
      config: { access: ADMIN },
      schema: { tags: ['api-tokens'], summary: 'Revoke an API token', params: z.strictObject({ tokenId: idSchema('apiToken') }), response: { 200: apiTokenSchema, ...errors } },
    },
    async (request) => {
      const p = principalOf(request);
      return revokeApiToken(deps, p.orgId, actorOf(p), request.params.tokenId);
    },
  );
};


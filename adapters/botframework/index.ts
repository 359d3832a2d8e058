import { CallerIdConstants, CloudAdapter, ConfigurationBotFrameworkAuthentication, TurnContext, type Activity } from 'botbuilder';
import type { FastifyInstance } from 'fastify';
import { CroupierError } from '../../src/core/errors.js';
import type { Inbound } from '../../src/core/message.js';
import type { ChannelAdapter, ChannelContext } from '../../src/server/channel.js';
import { unauthorized } from '../../src/server/webhook.js';
import { activitySchema, CHANNEL, conversationKeyOf, messageInbound, resolveOption, welcomeInbound, type BotActivity } from './activity.js';
import { botRequest, RecordedResponse } from './bridge.js';
import { ConversationReferences } from './references.js';
import { botframeworkCapabilities, surfaceFor, toActivities } from './render.js';
import { asPlatformError, connectorHttpClient } from './transport.js';

export { botframeworkCapabilities } from './render.js';

/** The messaging endpoint registered in Azure Bot Service. */
export const MESSAGES_PATH = '/api/messages';

const SEND_TIMEOUT_MS = 15_000;
const APP_TYPES = ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'] as const;

interface Credentials {
  readonly appId: string | undefined;
  readonly settings: Record<string, string>;
}

/**
 * Reads the bot's identity from the environment, the names Azure's templates use:
 * MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD, MICROSOFT_APP_TENANT_ID, MICROSOFT_APP_TYPE, and
 * MICROSOFT_BOT_OPENID_METADATA (private clouds only: where channel tokens' signing keys live).
 */
function credentialsFrom(env: ChannelContext['env']): Credentials {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const appId = read('MICROSOFT_APP_ID');
  const password = read('MICROSOFT_APP_PASSWORD');
  const tenantId = read('MICROSOFT_APP_TENANT_ID');
  const appType = read('MICROSOFT_APP_TYPE') ?? 'MultiTenant';
  const metadata = read('MICROSOFT_BOT_OPENID_METADATA');
  const type = APP_TYPES.find((known) => known.toLowerCase() === appType.toLowerCase());
  if (!type) throw new CroupierError('CROUPIER_CONFIG_INVALID', `MICROSOFT_APP_TYPE must be one of ${APP_TYPES.join(', ')}`);
  if (appId === undefined && (password !== undefined || tenantId !== undefined))
    throw new CroupierError('CROUPIER_CONFIG_INVALID', 'MICROSOFT_APP_PASSWORD or MICROSOFT_APP_TENANT_ID is set without MICROSOFT_APP_ID');
  if (appId !== undefined && type !== 'UserAssignedMSI' && password === undefined)
    throw new CroupierError('CROUPIER_CONFIG_INVALID', 'MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is not');
  if (appId !== undefined && type !== 'MultiTenant' && tenantId === undefined)
    throw new CroupierError('CROUPIER_CONFIG_INVALID', `MICROSOFT_APP_TYPE ${type} needs MICROSOFT_APP_TENANT_ID`);
  if (metadata !== undefined && !/^https?:\/\//.test(metadata))
    throw new CroupierError('CROUPIER_CONFIG_INVALID', 'MICROSOFT_BOT_OPENID_METADATA must be an http(s) URL');
  return {
    appId,
    settings: {
      ...(appId === undefined ? {} : { MicrosoftAppId: appId, MicrosoftAppType: type }),
      ...(password === undefined ? {} : { MicrosoftAppPassword: password }),
      ...(tenantId === undefined ? {} : { MicrosoftAppTenantId: tenantId }),
      ...(metadata === undefined ? {} : publicCloudWith(metadata)),
    },
  };
}

/**
 * The public Azure cloud's settings with another OpenID metadata URL. Once any endpoint is given,
 * botframework-connector's BotFrameworkAuthenticationFactory takes every endpoint from the settings,
 * so the others are spelled out here (the values of its AuthenticationConstants).
 */
function publicCloudWith(openIdMetadataUrl: string): Record<string, string> {
  return {
    ToBotFromChannelOpenIdMetadataUrl: openIdMetadataUrl,
    ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
    ToBotFromEmulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
    ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
    ToChannelFromBotOAuthScope: 'https://api.botframework.com',
    OAuthUrl: 'https://api.botframework.com',
    CallerId: CallerIdConstants.PublicAzureChannel,
    ValidateAuthority: 'true',
  };
}

/** An authentication failure, as the SDK reports it (AuthenticationError, jsonwebtoken's errors). */
function isAuthFailure(error: unknown): boolean {
  const { statusCode, name } = (error ?? {}) as { statusCode?: unknown; name?: unknown };
  return statusCode === 401 || name === 'JsonWebTokenError' || name === 'TokenExpiredError' || name === 'NotBeforeError';
}

/**
 * Bot Framework: one registration in Azure Bot Service reaches Teams, Web Chat, e-mail, SMS and the
 * other Azure channels. Activities arrive at `POST /api/messages` and run through botbuilder's
 * CloudAdapter (JWT authentication whenever an app id is configured); replies go back through the
 * Bot Connector at the activity's service URL, or in the HTTP response for `expectReplies`.
 */
export function createBotframeworkChannel(context: ChannelContext): ChannelAdapter | undefined {
  const settings = context.config.channels.botframework;
  if (!settings.enabled) return undefined;
  const log = context.log.child({ channel: CHANNEL });
  const credentials = credentialsFrom(context.env);
  const authentication = new ConfigurationBotFrameworkAuthentication(credentials.settings, undefined, undefined, undefined, {
    httpClient: connectorHttpClient(SEND_TIMEOUT_MS),
  });
  const adapter = new CloudAdapter(authentication);
  const references = new ConversationReferences(context.store);
  /** Per conversation, the open expectReplies requests (oldest first) whose replies are collected, not posted. */
  const collecting = new Map<string, Partial<Activity>[][]>();

  if (credentials.appId === undefined) {
    log.warn(
      'botframework: MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD are not set, so /api/messages accepts unauthenticated ' +
        'requests (Bot Framework Emulator mode). Set them in production.',
    );
  }

  const authenticate = async (activity: Record<string, unknown>, header: string | undefined) => {
    try {
      await authentication.authenticateRequest(activity as Partial<Activity> as Activity, header ?? '');
    } catch (error) {
      if (isAuthFailure(error)) {
        log.info({ code: 'CROUPIER_INPUT_UNAUTHORIZED' }, 'botframework: refused an activity that is not authenticated');
        throw unauthorized('the request is not authenticated by the Bot Framework');
      }
      throw new CroupierError('CROUPIER_NETWORK', 'could not check the Bot Framework token (signing keys unavailable)', { cause: error });
    }
  };

  /** Runs a turn and keeps its replies for the HTTP response instead of posting them. */
  const collectReplies = async (turn: TurnContext, inbound: Inbound) => {
    const buffer: Partial<Activity>[] = [];
    const open = collecting.get(inbound.conversationKey) ?? [];
    open.push(buffer);
    collecting.set(inbound.conversationKey, open);
    try {
      await context.handle(inbound);
    } finally {
      open.splice(open.indexOf(buffer), 1);
      if (open.length === 0) collecting.delete(inbound.conversationKey);
    }
    if (buffer.length > 0) await turn.sendActivities(buffer);
  };

  const onActivity = async (turn: TurnContext, activity: BotActivity) => {
    let inbound: Inbound | undefined;
    if (activity.type === 'message') inbound = messageInbound(activity, context.clock.now());
    else if (activity.type === 'conversationUpdate' && settings.welcomePayload !== null)
      inbound = welcomeInbound(activity, settings.welcomePayload, context.clock.now());
    else if (activity.type === 'invoke') await turn.sendActivity({ type: 'invokeResponse', value: { status: 200 } });
    if (!inbound) return; // typing, event, messageReaction, installationUpdate…: acknowledged, nothing to answer
    references.remember(conversationKeyOf(activity), activity);
    inbound = await resolveOption(context.store, inbound, surfaceFor(activity.channelId));
    if (activity.deliveryMode === 'expectReplies') await collectReplies(turn, inbound);
    else await context.accept(inbound);
  };

  return {
    id: CHANNEL,
    capabilities: botframeworkCapabilities,

    async register(server: FastifyInstance) {
      server.post(MESSAGES_PATH, async (request, reply) => {
        const body = request.body;
        const parsed = activitySchema.safeParse(body);
        if (!parsed.success || body === null || typeof body !== 'object') {
          const issue = parsed.error?.issues[0];
          throw new CroupierError(
            'CROUPIER_INPUT_INVALID',
            issue ? `not a Bot Framework activity: ${issue.path.join('.') || 'body'}: ${issue.message}` : 'not a Bot Framework activity',
          );
        }
        const activity = body as Record<string, unknown>;
        // Checked here first so a refusal is a coded 401 in our log; CloudAdapter checks again (cached keys).
        await authenticate(activity, request.headers.authorization);
        const response = new RecordedResponse();
        let failure: Error | undefined;
        await adapter.process(botRequest(request, activity), response, async (turn) => {
          try {
            await onActivity(turn, parsed.data);
          } catch (error) {
            // Kept for our error handler: CloudAdapter would answer a bare 500 with the message.
            failure = error instanceof Error ? error : new Error(String(error));
          }
        });
        if (failure !== undefined) throw failure;
        if (response.statusCode === 401) throw unauthorized('the request is not authenticated by the Bot Framework');
        if (response.statusCode >= 400 && response.statusCode < 500)
          throw new CroupierError('CROUPIER_INPUT_INVALID', 'the Bot Framework adapter refused the activity');
        if (response.statusCode >= 500) throw new CroupierError('CROUPIER_PIPELINE_STAGE_FAILED', 'the Bot Framework adapter failed');
        reply.status(response.statusCode);
        return response.body === undefined ? reply.send() : reply.send(response.body);
      });
    },

    async send(target, outbound) {
      const reference = await references.find(target);
      if (!reference)
        throw asPlatformError(Object.assign(new Error('no conversation reference is stored for this conversation'), { statusCode: 404 }));
      const activities = toActivities(outbound, surfaceFor(reference.channelId), reference.user?.id);
      if (activities.length === 0) return;
      const open = collecting.get(target.conversationKey)?.[0];
      if (open) {
        // An expectReplies request of this conversation is waiting: the replies go in its response.
        open.push(...activities.filter((activity) => activity.type !== 'typing'));
        return;
      }
      let last: string | undefined;
      try {
        await adapter.continueConversationAsync(credentials.appId ?? '', reference, async (turn) => {
          // Straight to the adapter: TurnContext.sendActivities would reply to the continuation
          // event's random id, not to the player's activity (which keeps Teams threads together).
          const addressed = activities.map((activity) => TurnContext.applyConversationReference({ ...activity }, reference));
          const responses = await turn.adapter.sendActivities(turn, addressed);
          last = responses.at(-1)?.id;
        });
      } catch (error) {
        throw asPlatformError(error);
      }
      return last ? { platformMessageId: last } : {};
    },

    describe() {
      const auth = credentials.appId === undefined ? 'OFF (emulator mode: set MICROSOFT_APP_ID/MICROSOFT_APP_PASSWORD)' : 'on';
      return [
        `botframework: messaging endpoint ${context.publicUrl()}${MESSAGES_PATH} (Azure Bot Service → Configuration), authentication ${auth}`,
      ];
    },
  };
}

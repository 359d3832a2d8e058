import type { Clock } from '../core/clock.js';
import { CroupierError } from '../core/errors.js';
import { linkVerifiedAccount } from '../core/identity.js';
import { textMessage, type Button } from '../core/message.js';
import type { Bot } from '../core/stages/bot.js';
import type { Turn } from '../core/turn.js';
import type { EventLog, PlayerRepository } from '../store/store.js';
import { angerSignal, type SentimentPort } from './anger.js';
import { fold, foldedWords, interpretAnswer, prefillAnswer } from './answer.js';
import type { Catalogue } from './catalogue.js';
import { evaluate } from './condition.js';
import { followingStep, kindOf, type Flow } from './flow-loader.js';
import type { FlowStep } from './flow-schema.js';
import type { BackOfficePort, HandoffPort, Parsed, Understanding } from './ports.js';
import { readState, writeState, type DialogueState, type Frame } from './state.js';
import { renderTemplate } from './template.js';

/** The content the bot runs on; swapped as a whole on hot reload. */
export interface DialogueContent {
  readonly flows: ReadonlyMap<string, Flow>;
  readonly catalogue: Catalogue;
  readonly nlu: Understanding;
}

export interface FlowBotOptions {
  readonly content: () => DialogueContent;
  readonly backOffice: BackOfficePort;
  readonly players: PlayerRepository;
  readonly events: EventLog;
  readonly clock: Clock;
  /** Confidence under which an intent is not acted on (default 0.5). */
  readonly threshold?: number;
  /** Consecutive misunderstood messages before handing off (default 3). */
  readonly maxFallbacks?: number;
  /**
   * The hand-off desk: a hand-off opens a case there and the player hears their place in the
   * queue. Without it (conversation tests) a hand-off only marks the conversation `queued`.
   */
  readonly handoff?: HandoffPort;
  /**
   * Hand an angry or abusive player to a person: `global.abuse_words` of the language, plus
   * sentiment where `sentiment` has a vocabulary. Off when absent.
   */
  readonly anger?: { readonly sentiment?: SentimentPort };
}

/** Intents the engine handles itself, before any flow. */
export const BUILT_IN_INTENTS: ReadonlySet<string> = new Set(['human_agent']);

const MAX_STEPS_PER_TURN = 50;
/** Leaving a question for another topic needs more certainty than starting a topic. */
const DIGRESSION_CONFIDENCE = 0.8;
/** New one-time codes a player can ask for while verifying. */
const MAX_CODE_RESENDS = 2;
/** The payload of the "send a new code" button. */
const RESEND_CODE = 'verify:resend';

interface Run {
  readonly turn: Turn;
  readonly state: DialogueState;
  readonly content: DialogueContent;
  readonly parsed: Parsed | undefined;
  profile: Record<string, unknown> | null | undefined;
}

/**
 * The flow interpreter: understands the message, applies the global interrupts (ask for a human,
 * cancel, change language), answers the question a flow is waiting on, starts the flow an intent
 * triggers (a digression returns to the interrupted flow afterwards), and runs steps until one
 * waits for the player or the flow ends. Never throws for content problems: a missing step or flow
 * restarts or drops the frame.
 *
 * @example const bot = new FlowBot({ content: () => current, backOffice, players, events, clock })
 */
export class FlowBot implements Bot {
  readonly #threshold: number;
  readonly #maxFallbacks: number;

  constructor(private readonly options: FlowBotOptions) {
    this.#threshold = options.threshold ?? 0.5;
    this.#maxFallbacks = options.maxFallbacks ?? 3;
  }

  async respond(turn: Turn): Promise<void> {
    const conversation = turn.conversation;
    if (!conversation) throw new CroupierError('CROUPIER_BOT_FAILED', 'the flow bot needs a loaded conversation');
    const content = this.options.content();
    const state = readState(conversation.state);
    // A "2" the numbered-reply stage mapped to the second option is only an option when the flow is
    // not waiting for a typed number: an amount, a number, a code or a pattern keeps what was typed.
    if (turn.numberedReply && this.#expectsTypedValue(state, content)) {
      const { payload: _mapped, ...typed } = turn.inbound;
      turn.inbound = typed;
    }
    const { text, payload } = turn.inbound;
    // A button press carries its meaning in the payload; its label is not classified again.
    const parsed =
      payload === undefined && text !== undefined && text.trim() !== ''
        ? content.nlu.parse(text, {
            remembered: turn.language,
            ...(turn.inbound.sender.localeHint ? { hint: turn.inbound.sender.localeHint } : {}),
          })
        : undefined;
    const run: Run = { turn, state, content, parsed, profile: undefined };
    try {
      await this.#handle(run);
    } finally {
      conversation.state = writeState(state);
    }
  }

  async #handle(run: Run): Promise<void> {
    const { turn, state, content, parsed } = run;
    const payload = turn.inbound.payload;

    // Language: an explicit choice (button or "español") wins; otherwise a confident detection.
    const requested = payload?.startsWith('lang:')
      ? payload.slice(5)
      : parsed
        ? this.#languageRequest(turn.inbound.text ?? '', content)
        : undefined;
    if (requested !== undefined && content.catalogue.languages.includes(requested)) {
      turn.language = requested;
      this.#say(run, 'language.switched');
      await this.#reprompt(run);
      return;
    }
    // A one-word answer to a question ("si", "ja", "ok") never switches the language: it is an answer.
    const waiting = state.stack.at(-1)?.waiting === true;
    const words = (turn.inbound.text ?? '').trim().split(/\s+/).filter(Boolean).length;
    if (parsed && parsed.language !== turn.language && content.catalogue.languages.includes(parsed.language) && !(waiting && words < 2)) {
      turn.language = parsed.language;
    }

    if (parsed?.intent) {
      await this.options.events.append({
        type: 'intent.detected',
        at: this.options.clock.now(),
        conversationId: turn.conversation?.id,
        playerId: turn.player?.id,
        data: { intent: parsed.intent, confidence: round(parsed.confidence), language: parsed.language },
      });
    }

    // Global interrupts.
    if (this.#angry(run)) {
      await this.#handoff(run, { reason: 'angry_player', skill: 'general', priority: 'high', say: 'handoff.angry' });
      return;
    }
    // asking for a person, unless the message answers the pending question ("yes please" to a yes/no one)
    if (this.#confident(parsed, 'human_agent') && !this.#answersPendingQuestion(run)) {
      await this.#handoff(run, { reason: 'player_request', skill: 'general', priority: 'normal' });
      return;
    }
    if (parsed && this.#isCancel(turn.inbound.text ?? '', run)) {
      if (state.stack.length > 0) await this.#endAll(run, 'unresolved');
      this.#say(run, 'flow.cancelled');
      return;
    }
    // "wait", "one sec, let me check", "ok": the player needs a moment. Nothing is answered, no try
    // is used, a pending question stays pending — unless the message is a valid answer to it ("ok"
    // to a yes/no question is a yes).
    if (
      parsed &&
      !parsed.intent &&
      payload === undefined &&
      this.#wantsAMoment(turn.inbound.text ?? '', run) &&
      !this.#answersPendingQuestion(run)
    ) {
      this.#say(run, 'global.take_your_time');
      return;
    }

    // Buttons that start a flow or jump within the current one.
    if (payload?.startsWith('flow:')) {
      await this.#start(run, payload.slice(5), 'button');
      return;
    }
    if (payload?.startsWith('goto:')) {
      const frame = state.stack.at(-1);
      if (frame && content.flows.get(frame.flow)?.byId.has(payload.slice(5))) {
        frame.step = payload.slice(5);
        frame.waiting = false;
        frame.tries = 0;
        await this.#continue(run);
        return;
      }
    }

    // The player is answering a question.
    const frame = state.stack.at(-1);
    if (frame?.waiting) {
      const flow = content.flows.get(frame.flow);
      const step = flow?.byId.get(frame.step);
      if (!flow || !step) {
        state.stack.pop();
      } else if (frame.verify) {
        await this.#verifyAnswer(run, flow, step, frame);
        return;
      } else {
        const answer = interpretAnswer(
          step,
          { ...optionalText(turn.inbound.text, payload), entities: parsed?.entities ?? [] },
          turn.language,
          content.catalogue,
        );
        if (answer.ok && !this.#digression(run, frame)) {
          state.slots[step.slot ?? step.id] = answer.value;
          frame.waiting = false;
          frame.tries = 0;
          if ((await this.#advance(run, flow, step)) === 'next') await this.#continue(run);
          return;
        }
        if (step.digressions !== false && (await this.#digress(run, flow))) return;
        frame.tries += 1;
        if (frame.tries >= (step.tries ?? 3)) {
          frame.waiting = false;
          if (step.on_give_up) {
            frame.step = step.on_give_up;
            frame.tries = 0;
            await this.#continue(run);
          } else {
            await this.#handoff(run, { reason: 'too_many_invalid_answers', skill: 'general', priority: 'normal' });
          }
          return;
        }
        this.#say(run, step.hint ?? 'answer.invalid');
        this.#ask(run, step);
        return;
      }
    }

    // Two intents too close to call: ask which one, when both have a label to show.
    if (parsed?.ambiguous) {
      const options = this.#disambiguation(run);
      if (options.length >= 2) {
        this.#say(
          run,
          'disambiguation.question',
          options.map((flow) => ({ label: content.catalogue.text(turn.language, flow.title as string), payload: `flow:${flow.id}` })),
        );
        return;
      }
    }
    const triggered = this.#triggeredFlow(run, true);
    if (triggered) {
      state.fallbacks = 0;
      await this.#start(run, triggered.id, 'intent');
      return;
    }
    if (state.stack.length > 0) {
      await this.#reprompt(run);
      return;
    }
    await this.#fallback(run);
  }

  /** The flows of the top-ranked intents that can be offered as "did you mean…?" buttons. */
  #disambiguation(run: Run): Flow[] {
    const flows = [...run.content.flows.values()];
    return (run.parsed?.ranking ?? [])
      .slice(0, 3)
      .map((candidate) => flows.find((flow) => flow.triggers.includes(candidate.intent)))
      .filter((flow): flow is Flow => flow?.title !== undefined);
  }

  /**
   * An intent confident enough to act on, and the flow it starts. An ambiguous parse counts only
   * when `evenIfAmbiguous` (the caller found nothing to ask about, e.g. "thanks, bye").
   */
  #triggeredFlow(run: Run, evenIfAmbiguous = false): Flow | undefined {
    const { parsed, content } = run;
    if (!parsed?.intent || (parsed.ambiguous && !evenIfAmbiguous) || parsed.confidence < this.#threshold) return undefined;
    const intent = parsed.intent;
    return [...content.flows.values()].find((flow) => flow.triggers.includes(intent));
  }

  /** A valid-looking answer that is really another question ("hola" while we ask for an amount is not a digression; "where is my withdrawal" is). */
  #digression(run: Run, frame: Frame): boolean {
    const other = this.#triggeredFlow(run);
    const step = run.content.flows.get(frame.flow)?.byId.get(frame.step);
    if (!other || other.id === frame.flow || !step || step.digressions === false) return false;
    return (step.expect ?? 'text') === 'text' && (run.parsed?.confidence ?? 0) >= DIGRESSION_CONFIDENCE;
  }

  #expectsTypedValue(state: DialogueState, content: DialogueContent): boolean {
    const frame = state.stack.at(-1);
    if (!frame?.waiting || frame.verify) return false;
    const expect = content.flows.get(frame.flow)?.byId.get(frame.step)?.expect;
    return expect === 'number' || expect === 'amount' || expect === 'code' || expect === 'pattern';
  }

  #confident(parsed: Parsed | undefined, intent: string): boolean {
    return parsed?.intent === intent && parsed.confidence >= this.#threshold;
  }

  /**
   * An insult, profanity or a clearly negative message. Not while the player is giving free-text
   * details a person will read anyway (an ask step with `digressions: false`, e.g. a complaint).
   */
  #angry(run: Run): boolean {
    const anger = this.options.anger;
    const text = run.turn.inbound.text ?? '';
    if (!anger || run.turn.inbound.payload !== undefined || text.trim() === '') return false;
    const frame = run.state.stack.at(-1);
    if (frame?.waiting && run.content.flows.get(frame.flow)?.byId.get(frame.step)?.digressions === false) return false;
    const signal = angerSignal(text, run.turn.language, run.content.catalogue, anger.sentiment);
    if (signal) run.turn.log.info({ signal }, 'player is angry or abusive; handing off');
    return signal !== undefined;
  }

  /** The message is a valid answer to the question the bot waits on, when that expects a value (yes/no, a choice, an e-mail…) and not free text. */
  #answersPendingQuestion(run: Run): boolean {
    const frame = run.state.stack.at(-1);
    if (!frame?.waiting || frame.verify) return false;
    const step = run.content.flows.get(frame.flow)?.byId.get(frame.step);
    if (!step || (step.expect ?? 'text') === 'text') return false;
    const input = { ...optionalText(run.turn.inbound.text, undefined), entities: run.parsed?.entities ?? [] };
    return interpretAnswer(step, input, run.turn.language, run.content.catalogue).ok;
  }

  /**
   * A message that starts with a phrase of the language's `global.wait_words` ("wait a sec",
   * "un momento", "подожди") and says at most four more words, none of them a number or an
   * address ("wait a sec, let me check"; not "wait, it's ana@example.com" nor "one sec, 50 eur").
   */
  #wantsAMoment(text: string, run: Run): boolean {
    const { catalogue } = run.content;
    const language = run.turn.language;
    if (!catalogue.has(language, 'global.wait_words') || text.includes('@')) return false;
    const said = fold(text)
      .split(/[^\p{L}\p{N}]+/u)
      .filter(Boolean);
    return foldedWords(catalogue, language, 'global.wait_words').some((phrase) => {
      const words = phrase.split(/\s+/).filter(Boolean);
      const rest = said.slice(words.length);
      return (
        words.length > 0 &&
        words.every((word, index) => said[index] === word) &&
        rest.length <= 4 &&
        !rest.some((word) => /\p{N}/u.test(word))
      );
    });
  }

  #isCancel(text: string, run: Run): boolean {
    const words = foldedWords(run.content.catalogue, run.turn.language, 'global.cancel_words');
    const said = fold(text).replace(/[!.?¡¿]+/g, '');
    return said !== '' && words.includes(said);
  }

  /** "español", "in English please", "/lang de": a language named in any catalogue's `language.names`. */
  #languageRequest(text: string, content: DialogueContent): string | undefined {
    const said = fold(text).replace(/[!.?¡¿]+/g, '');
    if (said.length > 40) return undefined;
    for (const [language, pattern] of languagePatterns(content.catalogue)) {
      if (said === `/lang ${language}` || pattern.test(said)) return language;
    }
    return undefined;
  }

  async #start(run: Run, flowId: string, cause: 'intent' | 'button' | 'digression' | 'goto'): Promise<void> {
    const flow = run.content.flows.get(flowId);
    const first = flow?.steps[0];
    if (!flow || !first) {
      await this.#fallback(run);
      return;
    }
    if (cause === 'intent' || cause === 'button' || (cause === 'digression' && flow.endsTopic)) {
      // A new topic replaces what was going on, except a digression, which comes back — unless
      // it is one that closes the conversation's topic (a goodbye).
      while (run.state.stack.length > 0) await this.#endTop(run, 'unresolved');
    }
    const text = run.turn.inbound.text;
    const opening =
      (cause === 'intent' || cause === 'digression') && text ? { opening: { text, entities: [...(run.parsed?.entities ?? [])] } } : {};
    run.state.stack.push({ flow: flow.id, step: first.id, tries: 0, waiting: false, ...opening });
    await this.#event(run, 'flow.started', { flow: flow.id, cause });
    await this.#continue(run);
  }

  /** Runs steps from the top frame until one waits for the player or nothing is left. */
  async #continue(run: Run): Promise<void> {
    for (let count = 0; count < MAX_STEPS_PER_TURN; count++) {
      const frame = run.state.stack.at(-1);
      if (!frame) return;
      if (frame.waiting) {
        // back from a digression: ask the interrupted question again
        const flow = run.content.flows.get(frame.flow);
        const step = flow?.byId.get(frame.step);
        if (flow && step && frame.verify && this.#verifiedId(run) !== null) {
          // The digression verified the player: this verification is done too.
          delete frame.verify;
          frame.waiting = false;
          if ((await this.#advance(run, flow, step)) === 'stop') return;
          continue;
        }
        if (step && !frame.verify) {
          this.#say(run, 'flow.resume');
          this.#ask(run, step);
        } else if (step && frame.verify) {
          this.#say(run, frame.verify.stage === 'email' ? 'verify.ask_email' : 'verify.ask_code');
        }
        return;
      }
      const flow = run.content.flows.get(frame.flow);
      const step = flow?.byId.get(frame.step);
      if (!flow) {
        run.state.stack.pop();
        continue;
      }
      if (!step) {
        // The content changed under this conversation: restart the flow from its first step.
        const first = flow.steps[0];
        if (!first) {
          run.state.stack.pop();
          continue;
        }
        frame.step = first.id;
        frame.tries = 0;
        continue;
      }
      const outcome = await this.#execute(run, flow, step, frame);
      if (outcome === 'wait' || outcome === 'stop') return;
    }
    throw new CroupierError(
      'CROUPIER_BOT_FAILED',
      `more than ${MAX_STEPS_PER_TURN} steps in one turn: a flow loops without asking anything`,
    );
  }

  async #execute(run: Run, flow: Flow, step: FlowStep, frame: Frame): Promise<'next' | 'wait' | 'stop'> {
    const { state, turn, content } = run;
    switch (kindOf(step)) {
      case 'say':
        this.#say(run, step.say as string, this.#buttons(run, step));
        return this.#advance(run, flow, step);
      case 'ask': {
        // Once per step: a flow that loops back to this question asks it the second time.
        if (frame.opening && step.prefill !== false && !frame.opening.used?.includes(step.id)) {
          const known = prefillAnswer(step, frame.opening, turn.language, content.catalogue);
          if (known.ok) {
            frame.opening.used = [...(frame.opening.used ?? []), step.id];
            state.slots[step.slot ?? step.id] = known.value;
            return this.#advance(run, flow, step);
          }
        }
        this.#ask(run, step);
        frame.waiting = true;
        return 'wait';
      }
      case 'branch': {
        const data = await this.#data(run);
        for (const [index, branchCase] of (step.branch ?? []).entries()) {
          const condition = flow.conditions.get(`${step.id}#${index}`);
          const target = 'goto' in branchCase ? (condition && evaluate(condition, data) ? branchCase.goto : undefined) : branchCase.else;
          if (target !== undefined) {
            frame.step = target;
            return 'next';
          }
        }
        return this.#endTop(run, 'resolved').then(() => this.#afterEnd(run));
      }
      case 'call': {
        try {
          const args = Object.fromEntries(
            Object.entries(step.args ?? {}).map(([key, value]) => [key, renderTemplate(value, { slots: state.slots }, turn.language)]),
          );
          const result = await this.options.backOffice.runAction(step.call as string, args, { casinoPlayerId: this.#verifiedId(run) });
          if (step.save_as) state.slots[step.save_as] = result;
        } catch (error) {
          turn.log.warn(
            { err: error, code: error instanceof CroupierError ? error.code : 'CROUPIER_CRM_UNAVAILABLE', action: step.call },
            'back-office action failed',
          );
          if (step.on_error) {
            frame.step = step.on_error;
            return 'next';
          }
          await this.#handoff(run, { reason: 'backoffice_error', skill: 'general', priority: 'high' });
          return 'stop';
        }
        return this.#advance(run, flow, step);
      }
      case 'verify': {
        if (this.#verifiedId(run) !== null) return this.#advance(run, flow, step);
        frame.verify = { stage: 'email', tries: 0 };
        frame.waiting = true;
        this.#say(run, 'verify.ask_email');
        return 'wait';
      }
      case 'set':
        for (const [slot, value] of Object.entries(step.set ?? {})) {
          state.slots[slot] = typeof value === 'string' ? renderTemplate(value, await this.#data(run), turn.language) : value;
        }
        return this.#advance(run, flow, step);
      case 'goto_flow': {
        await this.#endTop(run, 'resolved');
        const target = content.flows.get(step.goto_flow as string);
        if (!target?.steps[0]) return 'next';
        state.stack.push({ flow: target.id, step: target.steps[0].id, tries: 0, waiting: false });
        await this.#event(run, 'flow.started', { flow: target.id, cause: 'goto' });
        return 'next';
      }
      case 'handoff': {
        const handoff = step.handoff as NonNullable<FlowStep['handoff']>;
        await this.#handoff(run, handoff);
        return 'stop';
      }
      case 'end': {
        if (step.say) this.#say(run, step.say);
        await this.#endTop(run, step.end ?? 'resolved');
        return this.#afterEnd(run);
      }
    }
  }

  /** Moves to the step after `step`, or ends the flow when there is none. */
  async #advance(run: Run, flow: Flow, step: FlowStep): Promise<'next' | 'stop'> {
    const frame = run.state.stack.at(-1);
    const next = followingStep(flow, step);
    if (frame && next) {
      frame.step = next.id;
      frame.tries = 0;
      return 'next';
    }
    await this.#endTop(run, 'resolved');
    return this.#afterEnd(run);
  }

  /** After a flow ends: continue an interrupted one (it re-asks its question) or stop. */
  async #afterEnd(run: Run): Promise<'next' | 'stop'> {
    return run.state.stack.length > 0 ? 'next' : 'stop';
  }

  async #endTop(run: Run, outcome: 'resolved' | 'unresolved'): Promise<void> {
    const frame = run.state.stack.pop();
    if (frame) await this.#event(run, 'flow.ended', { flow: frame.flow, outcome });
  }

  async #endAll(run: Run, outcome: 'resolved' | 'unresolved'): Promise<void> {
    while (run.state.stack.length > 0) await this.#endTop(run, outcome);
  }

  /**
   * A message that does not answer the question and confidently asks something else ("what's the
   * wagering?", "thanks, bye") is a digression, on an ask step and while a verification waits for
   * the e-mail: that flow runs and the question comes back afterwards, without using up a try.
   * Resolves whether it started one.
   */
  async #digress(run: Run, flow: Flow): Promise<boolean> {
    const other = this.#triggeredFlow(run);
    if (!other || other.id === flow.id || (run.parsed?.confidence ?? 0) < DIGRESSION_CONFIDENCE) return false;
    await this.#start(run, other.id, 'digression');
    return true;
  }

  #resendButton(run: Run): Button[] {
    return [{ label: run.content.catalogue.text(run.turn.language, 'verify.resend'), payload: RESEND_CODE }];
  }

  /** The resend button, or words of the language's `verify.resend_words` ("didn't get", "new code"). */
  #wantsNewCode(run: Run): boolean {
    if (run.turn.inbound.payload === RESEND_CODE) return true;
    const said = fold(run.turn.inbound.text ?? '');
    return (
      said !== '' &&
      foldedWords(run.content.catalogue, run.turn.language, 'verify.resend_words').some((words) => words !== '' && said.includes(words))
    );
  }

  async #verifyAnswer(run: Run, flow: Flow, step: FlowStep, frame: Frame): Promise<void> {
    const { turn, state } = run;
    const verify = frame.verify as NonNullable<Frame['verify']>;
    const fail = async (key: string) => {
      this.#say(run, key);
      delete frame.verify;
      frame.waiting = false;
      if (step.on_fail) {
        frame.step = step.on_fail;
        await this.#continue(run);
      } else {
        await this.#handoff(run, { reason: 'verification_failed', skill: 'general', priority: 'normal' });
      }
    };
    try {
      if (verify.stage === 'email') {
        const answer = interpretAnswer(
          { ...step, expect: 'email' },
          { ...optionalText(turn.inbound.text, undefined), entities: run.parsed?.entities ?? [] },
          turn.language,
          run.content.catalogue,
        );
        if (!answer.ok && (await this.#digress(run, flow))) return;
        const account = answer.ok ? await this.options.backOffice.findByEmail(String(answer.value)) : null;
        if (!account) {
          verify.tries += 1;
          if (verify.tries >= 3) return await fail('verify.failed');
          this.#say(run, answer.ok ? 'verify.email_unknown' : 'verify.ask_email');
          return;
        }
        const sent = await this.options.backOffice.sendCode(account.casinoPlayerId);
        frame.verify = { stage: 'code', casinoPlayerId: account.casinoPlayerId, tries: 0 };
        this.#say(run, 'verify.code_sent', this.#resendButton(run), { sent_to: sent.sentTo });
        return;
      }
      const answer = interpretAnswer(
        { ...step, expect: 'code' },
        { ...optionalText(turn.inbound.text, undefined), entities: [] },
        turn.language,
        run.content.catalogue,
      );
      // No digression here: while waiting for the code, players write about the code ("I didn't get
      // the code", "resend it"), which the NLU reads as a promo-code or login-code question.
      const casinoPlayerId = verify.casinoPlayerId as string;
      // "I didn't get the code", "send it again", or the button under the code message: a new code,
      // a limited number of times, without using up a try.
      if (!answer.ok && this.#wantsNewCode(run)) {
        verify.resends = (verify.resends ?? 0) + 1;
        if (verify.resends > MAX_CODE_RESENDS) {
          this.#say(run, 'verify.no_more_codes');
          return;
        }
        const sent = await this.options.backOffice.sendCode(casinoPlayerId);
        this.#say(run, 'verify.code_resent', verify.resends < MAX_CODE_RESENDS ? this.#resendButton(run) : undefined, {
          sent_to: sent.sentTo,
        });
        return;
      }
      const result = answer.ok ? await this.options.backOffice.checkCode(casinoPlayerId, String(answer.value)) : 'invalid';
      if (result === 'valid') {
        const player = turn.player;
        if (player) {
          const linked = await linkVerifiedAccount(
            this.options.players,
            { channel: turn.inbound.channel, userId: turn.inbound.sender.userId },
            casinoPlayerId,
            this.options.clock.now(),
          );
          turn.player = { ...linked, casinoPlayerId, verifiedAt: linked.verifiedAt ?? this.options.clock.now() };
        }
        state.slots['verified_player'] = casinoPlayerId;
        delete frame.verify;
        frame.waiting = false;
        run.profile = undefined;
        this.#say(run, 'verify.done');
        const outcome = await this.#advance(run, flow, step);
        if (outcome === 'next') await this.#continue(run);
        return;
      }
      if (result === 'expired') return await fail('verify.expired');
      if (result === 'too_many_attempts') return await fail('verify.failed');
      verify.tries += 1;
      if (verify.tries >= 3) return await fail('verify.failed');
      // Something that is not a code at all is asked for again; a wrong code is called wrong.
      this.#say(run, answer.ok ? 'verify.bad_code' : 'verify.ask_code', answer.ok ? undefined : this.#resendButton(run));
    } catch (error) {
      turn.log.warn(
        { err: error, code: error instanceof CroupierError ? error.code : 'CROUPIER_CRM_UNAVAILABLE' },
        'verification failed in the back office',
      );
      delete frame.verify;
      frame.waiting = false;
      await this.#handoff(run, { reason: 'backoffice_error', skill: 'general', priority: 'high' });
    }
  }

  #verifiedId(run: Run): string | null {
    const player = run.turn.player;
    return player?.casinoPlayerId && player.verifiedAt ? player.casinoPlayerId : null;
  }

  /** The data conditions and templates read: slots, player (from the back office), entities, conversation. */
  async #data(run: Run): Promise<Record<string, unknown>> {
    const casinoPlayerId = this.#verifiedId(run);
    if (run.profile === undefined) {
      try {
        run.profile = casinoPlayerId ? await this.options.backOffice.profile(casinoPlayerId) : null;
      } catch (error) {
        run.turn.log.warn({ err: error }, 'player profile unavailable');
        run.profile = null;
      }
    }
    const entities: Record<string, unknown> = {};
    for (const entity of run.parsed?.entities ?? []) entities[entity.entity] ??= entity.value;
    return {
      slots: run.state.slots,
      player: { ...(run.profile ?? {}), verified: casinoPlayerId !== null, language: run.turn.language },
      entities,
      conversation: { responsible_gambling: run.state.responsibleGambling, channel: run.turn.inbound.channel },
    };
  }

  #buttons(run: Run, step: FlowStep): Button[] | undefined {
    const buttons: Button[] = [];
    for (const button of step.buttons ?? []) {
      const label = run.content.catalogue.text(run.turn.language, button.label);
      if (button.goto) buttons.push({ label, payload: `goto:${button.goto}` });
      else if (button.flow) buttons.push({ label, payload: `flow:${button.flow}` });
      else buttons.push({ label, payload: `choice:${button.value ?? button.label}` });
    }
    for (const choice of step.choices ?? [])
      buttons.push({ label: run.content.catalogue.text(run.turn.language, choice.label), payload: `choice:${choice.value}` });
    if (step.expect === 'yes_no' && buttons.length === 0) {
      buttons.push(
        { label: run.content.catalogue.text(run.turn.language, 'global.yes'), payload: 'choice:yes' },
        { label: run.content.catalogue.text(run.turn.language, 'global.no'), payload: 'choice:no' },
      );
    }
    return buttons.length > 0 ? buttons : undefined;
  }

  #ask(run: Run, step: FlowStep): void {
    this.#say(run, step.ask as string, this.#buttons(run, step));
  }

  /** Says the question the conversation is waiting on again, e.g. after a language switch. */
  async #reprompt(run: Run): Promise<void> {
    const frame = run.state.stack.at(-1);
    const step = frame && run.content.flows.get(frame.flow)?.byId.get(frame.step);
    if (frame?.waiting && step) {
      if (frame.verify) this.#say(run, frame.verify.stage === 'email' ? 'verify.ask_email' : 'verify.ask_code');
      else this.#ask(run, step);
    } else if (frame) {
      await this.#continue(run);
    } else {
      this.#say(run, 'fallback.menu', this.#menu(run));
    }
  }

  #say(run: Run, key: string, buttons?: readonly Button[], extra: Record<string, unknown> = {}): void {
    const { turn, content, state } = run;
    const template = content.catalogue.text(turn.language, key);
    const data = { slots: state.slots, player: run.profile ?? {}, ...extra };
    const text = renderTemplate(template, data, turn.language, (path) =>
      turn.log.warn({ code: 'CROUPIER_CONTENT_INVALID', key, path }, 'text refers to a missing value'),
    );
    turn.replies.push(textMessage(text, buttons));
  }

  #menu(run: Run): Button[] {
    const { content, turn } = run;
    const menu = content.catalogue.text(turn.language, 'fallback.menu_flows').split('|');
    return menu
      .map((id) => content.flows.get(id.trim()))
      .filter((flow): flow is Flow => flow?.title !== undefined && !(run.state.responsibleGambling && flow.id.startsWith('bonus')))
      .map((flow) => ({ label: content.catalogue.text(turn.language, flow.title as string), payload: `flow:${flow.id}` }));
  }

  async #fallback(run: Run): Promise<void> {
    run.state.fallbacks += 1;
    if (run.state.fallbacks >= this.#maxFallbacks) {
      run.state.fallbacks = 0;
      await this.#handoff(run, { reason: 'repeated_fallback', skill: 'general', priority: 'normal' });
      return;
    }
    this.#say(run, 'fallback.text', this.#menu(run), { text: (run.turn.inbound.text ?? '').slice(0, 200) });
  }

  async #handoff(run: Run, handoff: { reason: string; skill: string; priority: string; say?: string }): Promise<void> {
    const { turn, state } = run;
    if (handoff.skill === 'responsible_gambling') state.responsibleGambling = true;
    // Responsible gambling always jumps the queue, whatever the flow says.
    const priority = handoff.skill === 'responsible_gambling' ? 'urgent' : priorityOf(handoff.priority);
    this.#say(run, handoff.say ?? 'handoff.default');
    await this.#endAll(run, 'unresolved');
    state.fallbacks = 0;
    if (turn.conversation) turn.conversation.status = 'queued';
    await this.#event(run, 'handoff.requested', { reason: handoff.reason, skill: handoff.skill, priority });
    const conversation = turn.conversation;
    const player = turn.player;
    if (!this.options.handoff || !conversation || !player) return;
    const opened = await this.options.handoff.open({
      conversationId: conversation.id,
      channel: conversation.channel,
      conversationKey: conversation.conversationKey,
      playerId: player.id,
      casinoPlayerId: this.#verifiedId(run),
      playerName: player.displayName,
      language: turn.language,
      reason: handoff.reason,
      skill: handoff.skill,
      priority,
      responsibleGambling: state.responsibleGambling,
    });
    conversation.status = opened.status === 'assigned' ? 'agent' : 'queued';
    turn.replies.push(...opened.notices);
  }

  async #event(run: Run, type: 'flow.started' | 'flow.ended' | 'handoff.requested', data: Record<string, unknown>): Promise<void> {
    await this.options.events.append({
      type,
      at: this.options.clock.now(),
      conversationId: run.turn.conversation?.id,
      playerId: run.turn.player?.id,
      data,
    });
  }
}

const patternCache = new WeakMap<Catalogue, [string, RegExp][]>();

/** One pattern per language from its `language.names`, compiled once per catalogue. */
function languagePatterns(catalogue: Catalogue): [string, RegExp][] {
  let patterns = patternCache.get(catalogue);
  if (!patterns) {
    patterns = [];
    for (const language of catalogue.languages) {
      const names = (catalogue.own(language, 'language.names') ?? '').split('|').map(fold).filter(Boolean).map(escape);
      if (names.length === 0) continue;
      patterns.push([
        language,
        new RegExp(`^(in|en|auf|на|po|in limba|по-)?\\s*(${names.join('|')})(\\s+(please|por favor|bitte|пожалуйста|te rog))?$`, 'u'),
      ]);
    }
    patternCache.set(catalogue, patterns);
  }
  return patterns;
}

function priorityOf(value: string): 'urgent' | 'high' | 'normal' | 'low' {
  return value === 'urgent' || value === 'high' || value === 'low' ? value : 'normal';
}

function optionalText(text: string | undefined, payload: string | undefined): { text?: string; payload?: string } {
  return { ...(text !== undefined ? { text } : {}), ...(payload !== undefined ? { payload } : {}) };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

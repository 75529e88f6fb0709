/**
 * WalletSdk: card and credential management of the wallet (docs/design.md "The actors",
 * "Server ↔ TA messages"; docs/cbp-protocol.md §2–§5; docs/server-api.md "Routes").
 *
 * - Enrollment: challenge → provider.enroll (TA attestation with its enc/sig keys) →
 *   POST /v1/devices with the platform key.
 * - Provisioning and the outbox: every server message is relayed to the provider unchanged,
 *   in `seq` order, skipping what the TA already applied (its signed status says `lastSeq`).
 * - Replenishment: after each tap and on a timer, a card whose TA status says `replenishDue`,
 *   or whose credentials left fall below the profile's `replenishBelow`, gets a REPLENISH_REQUEST
 *   statement sent to the server. Offline, the card id is queued (persisted) and retried with
 *   exponential backoff; payments go on while credentials last.
 * - The TA is the source of truth: `open()` rebuilds cards, ATCs and counts from STATUS +
 *   CARD_INFO; the SDK's copy is a cache. State sync signs a status over a server nonce.
 * - History: one record per tap (amount, currency, ATC, cryptogram type, outcome, reason).
 * - V-Guard (option `guardLink`, docs/cbp-sdk.md "V-Guard"): a scan reported at open and at the
 *   start of every tap (SELECT PPSE, not awaited); a `stop_app` reaction makes the card answer
 *   6985 to everything. Blocking and wiping are the TA's (reason 7 PAYMENTS_BLOCKED in taps).
 */
import { randomBytes } from 'node:crypto';
import {
  type EnrollResult,
  type QueuedMessage,
  ReasonCode,
  type StatusCard,
  type StatusStatement,
  type SyncResult,
} from '@openvse/protocol';
import { SdkError, SdkErrorCode } from '../errors.js';
import type { GuardLink, GuardReaction } from '../guard/guard-link.js';
import { createHceService, type HceService, type TapEvent } from '../hce/hce-service.js';
import { SW } from '../hce/status-words.js';
import {
  type CredentialsProvider,
  decodeJwsPayload,
  type PublicCard,
} from '../provider/credentials-provider.js';
import { RetryScheduler } from './retry-scheduler.js';
import type { ServerClient } from './server-client.js';
import {
  createMemoryStore,
  type TransactionRecord,
  type WalletState,
  type WalletStore,
} from './wallet-store.js';

const PERMANENT_REFUSALS = new Set<string>([
  SdkErrorCode.MESSAGE_REJECTED,
  SdkErrorCode.MESSAGE_EXPIRED,
  SdkErrorCode.MESSAGE_AUDIENCE,
]);

/** A card as the wallet shows it: CARD_INFO's profile with the state from the TA's signed status. */
export interface WalletCard extends PublicCard {
  state: StatusCard['state'];
  atc: number;
  credentialsLeft: number;
  thresholdsLeft: StatusCard['thresholdsLeft'];
  replenishDue: boolean;
}

/** What the wallet tells `onEvent`: taps, messages, replenishment, V-Guard reactions, errors. */
export type WalletEvent =
  | { type: 'tap'; tap: TapEvent }
  | { type: 'message-applied'; typ: string; cardId?: string; seq: number }
  | { type: 'message-rejected'; seq: number; typ: string; error: SdkError }
  | { type: 'replenish-requested'; cardId: string }
  | { type: 'replenished'; cardId: string }
  | { type: 'replenish-queued'; cardId: string; retryInMs: number; error: string }
  | { type: 'background-error'; error: unknown }
  /** V-Guard: a reaction of the server's policy (stop_app is enforced by the SDK, the rest by the TA). */
  | { type: 'guard-reaction'; reaction: GuardReaction['reaction']; codes: string[] }
  /** V-Guard `stop_app`: the card now answers 6985 to every APDU. */
  | { type: 'app-stopped'; codes: string[] }
  /** The TA answered a tap with an AAC, reason 7 PAYMENTS_BLOCKED (V-Guard policy). */
  | { type: 'payments-blocked'; cardId: string; atc: number }
  /** A V-Guard scan / report that failed (the tap or the open goes on). */
  | { type: 'guard-error'; reason: 'start' | 'payment'; error: unknown };

/** Options of {@link WalletSdk.open}. */
export interface WalletSdkOptions {
  provider: CredentialsProvider;
  /** The CBP server; without it the wallet pays with what it has and queues replenishments. */
  server?: ServerClient;
  store?: WalletStore;
  clock?: () => number;
  /** Check replenishment and fetch the outbox every so often (ms); 0 = never (default 60000). */
  checkIntervalMs?: number;
  /** Offline retry backoff: base delay, doubled per failure, capped (ms). */
  retry?: { baseMs?: number; maxMs?: number };
  /** Run the after-tap work (status refresh, replenishment) automatically (default true). */
  autoReplenish?: boolean;
  /**
   * Delay of the after-tap work (default 3000 ms). A new LUK retires the one the tap was made
   * under (docs/server-api.md), so the tap's authorization must reach the issuer first.
   */
  afterTapDelayMs?: number;
  /** How many history records to keep (default 1000). */
  historyLimit?: number;
  onEvent?: (e: WalletEvent) => void;
  /**
   * V-Guard (createGuardLink): scanAndReport('start') when the wallet opens, scanAndReport('payment')
   * at each SELECT PPSE (not awaited); its `stop_app` reaction stops the card emulation.
   */
  guardLink?: GuardLink;
}

/**
 * The wallet: card and credential management over a credentials provider and the CBP server,
 * HCE card emulation, and V-Guard's reactions (see the module comment).
 */
export class WalletSdk {
  private readonly provider: CredentialsProvider;
  private readonly server: ServerClient | undefined;
  private readonly store: WalletStore;
  private readonly clock: () => number;
  private readonly opts: WalletSdkOptions;
  private state: WalletState;
  private cardList: WalletCard[] = [];
  private taStatus: StatusStatement | undefined;
  private background: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly retry: RetryScheduler;
  private hceService: HceService | undefined;
  private closed = false;
  private stoppedBy: string[] | undefined;
  private readonly guardWork = new Set<Promise<unknown>>();
  private unsubscribeGuard: (() => void) | undefined;

  private constructor(opts: WalletSdkOptions) {
    this.opts = opts;
    this.provider = opts.provider;
    this.server = opts.server;
    this.store = opts.store ?? createMemoryStore();
    this.clock = opts.clock ?? Date.now;
    this.state = this.store.load();
    this.retry = new RetryScheduler({
      ...opts.retry,
      isClosed: () => this.closed,
      onFire: () =>
        this.runBackground(async () => {
          await this.retryPending();
        }),
    });
  }

  /**
   * Opens the wallet over a provider: rebuilds the card view from the TA (signed status +
   * CARD_INFO), resumes a queued replenishment, and starts the periodic check.
   */
  static async open(opts: WalletSdkOptions): Promise<WalletSdk> {
    if (!opts?.provider)
      throw new SdkError(SdkErrorCode.BAD_ARGUMENT, 'WalletSdk.open: provider is required');
    const w = new WalletSdk(opts);
    await w.refresh();
    if (opts.guardLink) {
      const link = opts.guardLink;
      w.unsubscribeGuard = link.addReactionListener((r) => w.onGuardReaction(r));
      for (const r of link.reactions()) w.onGuardReaction(r);
      try {
        await link.scanAndReport('start');
      } catch (error) {
        w.emit({ type: 'guard-error', reason: 'start', error });
      }
    }
    const every = opts.checkIntervalMs ?? 60_000;
    if (every > 0) {
      w.timer = setInterval(() => w.runBackground(() => w.checkNow()), every);
      w.timer.unref();
    }
    if (w.state.replenishQueue.length > 0) w.retry.schedule(0);
    return w;
  }

  get deviceId(): string | undefined {
    return this.taStatus?.deviceId ?? this.state.deviceId;
  }

  /** The TA's last applied server message sequence number. */
  get lastSeq(): number {
    return this.taStatus?.lastSeq ?? 0;
  }

  get providerKind(): string {
    return this.provider.kind;
  }

  /** The cards, default first. */
  cards(): WalletCard[] {
    const def = this.defaultCardId;
    return [...this.cardList].sort((a, b) =>
      a.cardId === def ? -1 : b.cardId === def ? 1 : a.priority - b.priority,
    );
  }

  card(cardId: string): WalletCard | undefined {
    return this.cardList.find((c) => c.cardId === cardId);
  }

  get defaultCardId(): string | undefined {
    const d = this.state.defaultCardId;
    if (d && this.cardList.some((c) => c.cardId === d)) return d;
    return [...this.cardList].sort((a, b) => a.priority - b.priority)[0]?.cardId;
  }

  setDefaultCard(cardId: string): void {
    if (!this.cardList.some((c) => c.cardId === cardId))
      throw new SdkError(SdkErrorCode.UNKNOWN_CARD, 'setDefaultCard: no such card');
    this.state.defaultCardId = cardId;
    this.persist();
  }

  history(): TransactionRecord[] {
    return this.state.history.map((r) => ({ ...r }));
  }

  pendingReplenishments(): string[] {
    return [...this.state.replenishQueue];
  }

  /** The HCE card emulation bound to this wallet's cards (one per wallet). */
  hce(): HceService {
    if (!this.hceService) {
      this.hceService = createHceService({
        provider: this.provider,
        cards: () => this.cards(),
        defaultCardId: () => this.defaultCardId,
        atcOf: (id) => this.card(id)?.atc,
        clock: this.clock,
        onTap: (tap) => this.onTap(tap),
        ...(this.opts.guardLink ? { onSelectPpse: () => this.paymentScan() } : {}),
        refuse: () => (this.stoppedBy ? SW.CONDITIONS_NOT_SATISFIED : undefined),
      });
    }
    return this.hceService;
  }

  /**
   * CDCVM (docs/cdcvm.md): the cardholder typed the card's mobile PIN. It goes with the card's
   * next payment only (above the CVM limit it is what lets the payment through), to the issuer,
   * which checks it; wrong PINs in a row suspend the card.
   */
  verifyCardholder(cardId: string, mobilePin: string): Promise<void> {
    return this.provider.verifyCardholder(cardId, mobilePin);
  }

  /** Drops any held verification (e.g. the phone was locked). */
  forgetCardholderVerification(): Promise<void> {
    return this.provider.forgetCardholderVerification();
  }

  // ───────────────────────── TA view ─────────────────────────

  /** Rebuilds the card view from the TA (status with a local nonce + CARD_INFO). */
  async refresh(): Promise<void> {
    let status: StatusStatement | undefined;
    try {
      status = decodeJwsPayload<StatusStatement>(
        await this.provider.status(randomBytes(16).toString('base64url')),
      );
    } catch (e) {
      if (
        e instanceof SdkError &&
        (e.code === SdkErrorCode.BAD_STATE || e.code === SdkErrorCode.NOT_ENROLLED)
      ) {
        this.taStatus = undefined;
        this.cardList = [];
        return;
      }
      throw e;
    }
    const info = await this.provider.cardInfo();
    this.taStatus = status;
    const byId = new Map(status.cards.map((c) => [c.cardId, c]));
    this.cardList = info.map((p) => {
      const s = byId.get(p.cardId);
      return {
        ...p,
        state: s?.state ?? p.state ?? 'ACTIVE',
        atc: s?.atc ?? 0,
        credentialsLeft: s?.credentialsLeft ?? 0,
        thresholdsLeft: s?.thresholdsLeft ?? null,
        replenishDue: s?.replenishDue ?? false,
      };
    });
    if (status.deviceId && this.state.deviceId !== status.deviceId) {
      this.state.deviceId = status.deviceId;
      this.persist();
    }
  }

  // ───────────────────────── server flows ─────────────────────────

  private needServer(): ServerClient {
    if (!this.server) throw new SdkError(SdkErrorCode.SERVER_UNREACHABLE, 'no CBP server configured');
    return this.server;
  }

  private needDevice(): string {
    const d = this.deviceId;
    if (!d) throw new SdkError(SdkErrorCode.NOT_ENROLLED, 'the device is not enrolled');
    return d;
  }

  /** Enrollment: challenge → TA attestation → POST /v1/devices. */
  async enroll(): Promise<EnrollResult> {
    const server = this.needServer();
    const ch = await server.challenge();
    const attestation = await this.provider.enroll({
      nonce: ch.nonce,
      serverSigningJwk: ch.serverSigningJwk,
    });
    const r = await server.enroll(attestation, await this.provider.platformPublicJwk());
    this.state.deviceId = r.deviceId;
    this.persist();
    await this.refresh();
    return r;
  }

  /**
   * Relays messages to the TA in seq order; skips those it already applied. A message the TA
   * refuses for good (MESSAGE_REJECTED / EXPIRED / AUDIENCE) is remembered and skipped from then
   * on (`strict` also throws it: provisioning wants to know). Returns how many were applied.
   */
  async applyMessages(messages: readonly QueuedMessage[], strict = false): Promise<number> {
    let applied = 0;
    let refused: SdkError | undefined;
    const rejected = new Set(this.state.rejectedSeqs ?? []);
    try {
      for (const m of [...messages].sort((a, b) => a.seq - b.seq)) {
        if (m.seq <= this.lastSeq || rejected.has(m.seq)) continue;
        try {
          const r = await this.provider.processServerMessage(m.message);
          applied++;
          if (this.taStatus) this.taStatus.lastSeq = Math.max(this.taStatus.lastSeq, r.seq);
          this.emit({
            type: 'message-applied',
            typ: r.typ,
            seq: r.seq,
            ...(r.cardId ? { cardId: r.cardId } : {}),
          });
        } catch (e) {
          if (e instanceof SdkError && e.code === SdkErrorCode.MESSAGE_REPLAY) continue;
          if (e instanceof SdkError && PERMANENT_REFUSALS.has(e.code)) {
            this.state.rejectedSeqs = [...(this.state.rejectedSeqs ?? []), m.seq].slice(-200);
            this.persist();
            this.emit({ type: 'message-rejected', seq: m.seq, typ: m.typ, error: e });
            refused ??= e;
            continue;
          }
          throw e;
        }
      }
    } finally {
      await this.refresh();
    }
    if (strict && refused) throw refused;
    return applied;
  }

  /** The outbox position: after the TA's lastSeq and any message it refused for good. */
  private outboxCursor(): number {
    const rejected = (this.state.rejectedSeqs ?? []).filter((s) => s > this.lastSeq).sort((a, b) => a - b);
    let cursor = this.lastSeq;
    // Only skip refusals that directly follow what the TA has (no gap: a gap means unseen messages).
    for (const s of rejected) if (s === cursor + 1) cursor = s;
    return cursor;
  }

  /**
   * Provisioning: the server's provision + credentials messages, relayed to the TA.
   * `activationCode` is the one-time code the token requestor gave this wallet after ID&V
   * (docs/server-api.md "Activation"); a retry after the card is bound to this device needs none.
   */
  async provision(cardId: string, activationCode?: string): Promise<WalletCard> {
    const r = await this.needServer().provision(this.needDevice(), cardId, activationCode);
    await this.applyMessages(r.messages, true);
    const card = this.card(cardId);
    if (!card) throw new SdkError(SdkErrorCode.PROVIDER_FAILED, 'provisioned card not reported by the TA');
    return card;
  }

  /** Fetches the device's outbox after the TA's lastSeq and applies it (lifecycle, credentials). */
  async fetchMessages(): Promise<number> {
    const server = this.needServer();
    const device = this.needDevice();
    let total = 0;
    let after = this.outboxCursor();
    for (let page = 0; page < 1000; page++) {
      const { messages } = await server.messages(device, after, 100);
      const fresh = messages.filter((m) => m.seq > after);
      if (fresh.length === 0) break;
      total += await this.applyMessages(fresh);
      after = Math.max(after, ...fresh.map((m) => m.seq));
      if (messages.length < 100) break;
    }
    return total;
  }

  /** State sync: the TA signs its status over a server nonce; the server checks and records it. */
  async syncState(): Promise<SyncResult> {
    const server = this.needServer();
    const device = this.needDevice();
    const ch = await server.challenge();
    const statement = await this.provider.status(ch.nonce);
    return server.sync(device, statement);
  }

  /** Does this card need new credentials now? */
  needsReplenishment(card: WalletCard): boolean {
    if (card.state !== 'ACTIVE') return false;
    return card.replenishDue || card.credentialsLeft < (card.replenishBelow ?? 0);
  }

  /**
   * Replenishes one card now. Returns true when new credentials were applied; false when the
   * server could not be reached (the card is queued and retried with backoff).
   */
  async replenish(cardId: string): Promise<boolean> {
    const server = this.needServer();
    const device = this.needDevice();
    this.emit({ type: 'replenish-requested', cardId });
    try {
      const statement = await this.provider.replenishRequest(cardId);
      const r = await server.replenish(device, statement);
      await this.applyMessages(r.messages, true);
    } catch (e) {
      if (e instanceof SdkError && e.code === SdkErrorCode.SERVER_UNREACHABLE) {
        this.enqueue(cardId);
        const delay = this.retry.schedule();
        this.emit({ type: 'replenish-queued', cardId, retryInMs: delay, error: e.message });
        return false;
      }
      throw e;
    }
    this.dequeue(cardId);
    this.emit({ type: 'replenished', cardId });
    return true;
  }

  /** Retries every queued replenishment now. Returns the card ids still queued. */
  async retryPending(): Promise<string[]> {
    this.retry.cancel();
    for (const id of [...this.state.replenishQueue]) {
      if (!this.card(id)) {
        this.dequeue(id);
        continue;
      }
      const ok = await this.replenish(id);
      if (!ok) break;
    }
    if (this.state.replenishQueue.length === 0) this.retry.reset();
    return this.pendingReplenishments();
  }

  /** The periodic check: outbox, status, and replenishment of every card that needs it. */
  async checkNow(): Promise<void> {
    if (this.server && this.deviceId) {
      try {
        await this.fetchMessages();
      } catch (e) {
        if (!(e instanceof SdkError && e.code === SdkErrorCode.SERVER_UNREACHABLE)) throw e;
      }
    }
    await this.refresh();
    if (!this.server || !this.deviceId) return;
    for (const c of this.cardList) {
      if (this.needsReplenishment(c) && !this.state.replenishQueue.includes(c.cardId)) {
        const ok = await this.replenish(c.cardId);
        if (!ok) break;
      }
    }
  }

  /** Wipes a card (or every card) in the TA and forgets it. */
  async wipe(cardId: string | '*'): Promise<void> {
    await this.provider.wipe(cardId);
    if (cardId === '*' || this.state.defaultCardId === cardId) delete this.state.defaultCardId;
    this.state.replenishQueue = cardId === '*' ? [] : this.state.replenishQueue.filter((c) => c !== cardId);
    this.persist();
    await this.refresh();
  }

  /** Resolves when the background work started so far (after-tap checks, retries, V-Guard scans) is done. */
  async idle(): Promise<void> {
    let last: Promise<void> | undefined;
    while (last !== this.background || this.guardWork.size > 0) {
      last = this.background;
      await last;
      await Promise.all([...this.guardWork]);
    }
  }

  /** True once V-Guard's `stop_app` reaction stopped the card emulation (until the app restarts). */
  get stopped(): boolean {
    return this.stoppedBy !== undefined;
  }

  /** The V-Guard reactions in force (empty without a guard link). */
  guardReactions(): GuardReaction[] {
    return this.opts.guardLink?.reactions() ?? [];
  }

  /** Stops the timers; waits for background work. Does not close the provider. */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribeGuard?.();
    this.unsubscribeGuard = undefined;
    if (this.timer) clearInterval(this.timer);
    this.retry.cancel();
    this.timer = undefined;
    await this.idle();
  }

  // ───────────────────────── internals ─────────────────────────

  private onTap(tap: TapEvent): void {
    this.state.history.push({
      time: tap.time,
      cardId: tap.cardId,
      profile: tap.profile,
      amount: tap.amount,
      currency: tap.currency,
      atc: tap.atc,
      cryptogramType: tap.cryptogramType,
      outcome: tap.outcome,
      reason: tap.reason,
      reasonName: tap.reasonName,
    });
    const limit = this.opts.historyLimit ?? 1000;
    if (this.state.history.length > limit) this.state.history.splice(0, this.state.history.length - limit);
    const c = this.card(tap.cardId);
    if (c && tap.atc >= 0) c.atc = tap.atc;
    this.persist();
    this.emit({ type: 'tap', tap });
    if (tap.reason === ReasonCode.PAYMENTS_BLOCKED)
      this.emit({ type: 'payments-blocked', cardId: tap.cardId, atc: tap.atc });
    if (this.opts.autoReplenish !== false) {
      const delay = this.opts.afterTapDelayMs ?? 3000;
      this.runBackground(async () => {
        if (delay > 0) await new Promise<void>((r) => setTimeout(r, delay).unref());
        await this.afterTap(tap.cardId);
      });
    }
  }

  private async afterTap(cardId: string): Promise<void> {
    await this.refresh();
    const c = this.card(cardId);
    if (!c || !this.server || !this.deviceId) return;
    if (this.needsReplenishment(c) && !this.state.replenishQueue.includes(cardId))
      await this.replenish(cardId);
  }

  /** The pre-payment scan: started at SELECT PPSE, never awaited by the tap. */
  private paymentScan(): void {
    const link = this.opts.guardLink;
    if (!link || this.closed) return;
    const p = link.scanAndReport('payment').then(
      () => undefined,
      (error: unknown) => this.emit({ type: 'guard-error', reason: 'payment', error }),
    );
    this.guardWork.add(p);
    void p.finally(() => this.guardWork.delete(p));
  }

  private onGuardReaction(r: GuardReaction): void {
    this.emit({ type: 'guard-reaction', reaction: r.reaction, codes: [...r.codes] });
    if (r.reaction === 'stop_app' && !this.stoppedBy) {
      this.stoppedBy = [...r.codes];
      this.hceService?.reset();
      this.emit({ type: 'app-stopped', codes: [...r.codes] });
    }
  }

  private runBackground(job: () => Promise<void>): void {
    if (this.closed) return;
    this.background = this.background.then(job).catch((error: unknown) => {
      this.emit({ type: 'background-error', error });
    });
  }

  private enqueue(cardId: string): void {
    if (!this.state.replenishQueue.includes(cardId)) {
      this.state.replenishQueue.push(cardId);
      this.persist();
    }
  }

  private dequeue(cardId: string): void {
    const before = this.state.replenishQueue.length;
    this.state.replenishQueue = this.state.replenishQueue.filter((c) => c !== cardId);
    if (before !== this.state.replenishQueue.length) this.persist();
  }

  private persist(): void {
    this.store.save(this.state);
  }

  private emit(e: WalletEvent): void {
    try {
      this.opts.onEvent?.(e);
    } catch {
      // observers never break the wallet
    }
  }
}

/**
 * What every command of the CBP TA shares (docs/cbp-protocol.md §4–§5; docs/design.md "Cards,
 * keys and cryptograms"): the platform, the device object cached after its first read, the
 * handles of the TA's own keys and of the cards' LUKs, the pending cardholder verifications, the
 * once-per-core housekeeping of credential keys, the cards in memory with their sealed copies
 * (card-store.ts: tap reservations, writes behind the answer), and the helpers the command groups
 * use on cards, keys, statements and the reaction policy (§6). One context per core; the core's
 * lock (create-core.ts) serialises every use of it, so nothing here needs to guard against
 * interleaving (the card store's background writer only reads memory).
 */
import {
  type CardProfile,
  CbpError,
  CbpErrorCode,
  type PolicyVerdict,
  policyVerdict,
  SIGNATURE_ALG,
  TA_STATEMENT_TYP,
} from '@openvse/protocol';
import { CardStore, type SaveRequest } from './card-store.js';
import { jsonBytes } from './codec.js';
import type { CbpPlatform, KeyHandle } from './platform.js';
import type { ReserveSizes } from './reservation.js';
import {
  type CardState,
  cardKeyIds,
  DEVICE_ID,
  type DeviceState,
  decodeDevice,
  ENC_KEY_ID,
  HISTORY_MAX,
  SIG_KEY_ID,
} from './state.js';

/** Profile V with a LUK: what is left of each threshold (docs/cbp-protocol.md §3 `status`). */
export interface ThresholdsLeft {
  transactions: number;
  seconds: number;
  amount: number;
}

/** The state and helpers every command group works with (see the module comment). */
export class CoreContext {
  readonly platform: CbpPlatform;
  /** undefined: not read yet; null: not enrolled. */
  private device: DeviceState | null | undefined;
  private encKey: KeyHandle | undefined;
  private sigKey: KeyHandle | undefined;
  /**
   * Cardholder verifications waiting for their payment, per card (docs/cdcvm.md): the mobile PIN's
   * mask (never the PIN) and the platform.monotonic() it was given at. Memory only: a restart
   * forgets them.
   */
  private readonly pendingCdcvm = new Map<string, { mask: Uint8Array; at: number }>();
  private housekept = false;
  /** Handles of LUKs, kept loaded while the LUK is the card's (a tap needs no key load). */
  private readonly lukHandles = new Map<string, KeyHandle>();
  /** The cards in memory and their sealed copies. */
  readonly cards: CardStore;

  /** `reserve`: tap reservations (the TA in V-OS); null: write-through (card-store.ts). */
  constructor(platform: CbpPlatform, reserve: ReserveSizes | null = null) {
    this.platform = platform;
    this.cards = new CardStore(platform, reserve, (d) => {
      this.device = d;
    });
  }

  // ── the device object and the TA's own keys ─────────────────────────────────────────────────

  async loadDevice(): Promise<DeviceState | null> {
    if (this.device !== undefined) return this.device;
    const b = await this.platform.read(DEVICE_ID);
    this.device = b === null ? null : decodeDevice(b);
    return this.device;
  }

  /** The device object; ERR_NOT_ENROLLED before ENROLL. */
  async requireDevice(): Promise<DeviceState> {
    const d = await this.loadDevice();
    if (!d) throw new CbpError(CbpErrorCode.NOT_ENROLLED, 'ENROLL first');
    return d;
  }

  /** A handle on the TA's ECDH-ES (`enc`) or ES256 (`sig`) key, loaded once. */
  async ownKey(which: 'enc' | 'sig'): Promise<KeyHandle> {
    if (which === 'enc') {
      this.encKey ??= await this.platform.loadKey(ENC_KEY_ID);
      return this.encKey;
    }
    this.sigKey ??= await this.platform.loadKey(SIG_KEY_ID);
    return this.sigKey;
  }

  /** Releases the cached handles of the TA's own keys (ENROLL is about to replace them). */
  async releaseOwnKeys(): Promise<void> {
    for (const h of [this.encKey, this.sigKey])
      if (h !== undefined) await this.platform.destroyKey(h).catch(() => undefined);
    this.encKey = undefined;
    this.sigKey = undefined;
  }

  /** Keeps the handles of freshly generated and persisted own keys. */
  adoptOwnKeys(enc: KeyHandle, sig: KeyHandle): void {
    this.encKey = enc;
    this.sigKey = sig;
  }

  /**
   * One all-or-nothing durable change (card-store.ts); with `device`, the device object is
   * written in the same transaction and cached once it is committed (so `lastSeq` and the change
   * it belongs to are committed together, docs/cbp-protocol.md §2).
   */
  async save(req: SaveRequest): Promise<void> {
    await this.cards.save(req);
  }

  // ── cards ───────────────────────────────────────────────────────────────────────────────────

  /** The ids of every provisioned card, sorted. */
  async cardIds(): Promise<string[]> {
    return this.cards.cardIds();
  }

  async loadCard(cardId: string): Promise<CardState | null> {
    return this.cards.get(cardId);
  }

  /** Profile V: transactions left on the LUK (0 once expired); profile M: unused SUKs. */
  credentialsLeft(c: CardState): number {
    if (c.card.profile === 'M') return c.suks.length;
    const l = c.luk;
    if (!l) return 0;
    if (this.platform.now() >= l.notAfter * 1000) return 0;
    return Math.max(0, l.maxTransactions - l.used);
  }

  /** True when the card has fewer credentials left than its profile's `replenishBelow` (at least 1). */
  replenishDue(c: CardState): boolean {
    return this.credentialsLeft(c) < Math.max(1, c.card.replenishBelow);
  }

  /** Profile V with a LUK: what is left of each threshold; null otherwise. */
  thresholdsLeft(c: CardState): ThresholdsLeft | null {
    const l = c.luk;
    if (c.card.profile !== 'V' || !l) return null;
    return {
      transactions: Math.max(0, l.maxTransactions - l.used),
      seconds: Math.max(0, l.notAfter - Math.floor(this.platform.now() / 1000)),
      amount: Math.max(0, l.maxAmount - l.usedAmount),
    };
  }

  // ── CDCVM: the mobile PIN, held for one payment (time on the monotonic clock, which the normal
  //    world cannot set) ─────────────────────────────────────────────────────────────────────

  /** Holds the mobile PIN's mask for the card's next payment (replacing one already held). */
  holdCdcvm(cardId: string, mask: Uint8Array): void {
    this.dropCdcvm(cardId);
    this.pendingCdcvm.set(cardId, { mask, at: this.platform.monotonic() });
  }

  /** Forgets the card's held verification, or every one (`undefined`); masks are zeroed. */
  dropCdcvm(cardId?: string): void {
    for (const [id, v] of this.pendingCdcvm) {
      if (cardId !== undefined && id !== cardId) continue;
      v.mask.fill(0);
      this.pendingCdcvm.delete(id);
    }
  }

  /** True while a verification is held for the card, younger than its `cdcvmResetTimeoutSec`. */
  cdcvmHeld(card: CardProfile): boolean {
    const v = this.pendingCdcvm.get(card.cardId);
    if (!v) return false;
    const age = this.platform.monotonic() - v.at;
    if (age >= 0 && age <= card.cdcvmResetTimeoutSec * 1000) return true;
    this.dropCdcvm(card.cardId);
    return false;
  }

  /**
   * Takes the card's held verification for the payment being made (one verification, one
   * payment): its mask, which the caller zeroes after use; undefined when none is held.
   */
  takeCdcvm(card: CardProfile): Uint8Array | undefined {
    if (!this.cdcvmHeld(card)) return undefined;
    const v = this.pendingCdcvm.get(card.cardId)!;
    this.pendingCdcvm.delete(card.cardId);
    return v.mask;
  }

  // ── credential keys ─────────────────────────────────────────────────────────────────────────

  /**
   * Deletes persistent keys (and releases a cached LUK handle), best effort: housekeeping removes
   * what is left.
   */
  async deleteKeys(ids: string[]): Promise<void> {
    for (const id of ids) {
      await this.forgetKey(id);
      try {
        await this.platform.deletePersistentKey(id);
      } catch {
        // best effort: housekeeping removes what is left
      }
    }
  }

  /**
   * Keys nothing references any more: deleted behind the answer when taps run on reservations,
   * at once otherwise.
   */
  async dropKeys(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    if (!this.cards.reserving) return this.deleteKeys(ids);
    for (const id of ids) await this.forgetKey(id);
    this.cards.dropKeysLater(ids);
  }

  /** Releases the cached handle of a LUK, if any. */
  private async forgetKey(id: string): Promise<void> {
    const h = this.lukHandles.get(id);
    if (h === undefined) return;
    this.lukHandles.delete(id);
    await this.platform.destroyKey(h).catch(() => undefined);
  }

  /**
   * Once per core: persistent credential keys no card references (a crash between persisting
   * keys and committing the card state, or between commit and deletion, or SUKs a crash
   * discarded) are deleted.
   */
  async housekeeping(): Promise<void> {
    if (this.housekept) return;
    this.housekept = true;
    const referenced = new Set<string>([ENC_KEY_ID, SIG_KEY_ID]);
    for (const c of await this.cards.all()) for (const k of cardKeyIds(c)) referenced.add(k);
    const stale = (await this.platform.listPersistentKeys()).filter(
      (k) => k.startsWith('c.') && !referenced.has(k),
    );
    await this.dropKeys(stale);
  }

  /** Runs housekeeping again at its next occasion (a card whose keys could not be read was deleted). */
  housekeepingAgain(): void {
    this.housekept = false;
  }

  /** A clean stop: the exact state sealed without reservations, cached handles released. */
  async close(): Promise<void> {
    try {
      await this.cards.close();
    } finally {
      this.dropCdcvm();
      for (const id of [...this.lukHandles.keys()]) await this.forgetKey(id);
      await this.releaseOwnKeys();
    }
  }

  /** Runs `fn` on a key handle and releases the handle afterwards, whatever happens. */
  async withKey<T>(h: KeyHandle, fn: (h: KeyHandle) => Promise<T>): Promise<T> {
    try {
      return await fn(h);
    } finally {
      await this.platform.destroyKey(h).catch(() => undefined);
    }
  }

  /** A retail MAC under a persistent key, the key released afterwards. */
  async macWith(keyId: string, data: Uint8Array): Promise<Uint8Array> {
    return this.withKey(await this.platform.loadKey(keyId), (h) => this.platform.retailMac(h, data));
  }

  /** A retail MAC under a card's LUK, whose handle stays loaded until the LUK goes (deleteKeys, close). */
  async macWithLuk(keyId: string, data: Uint8Array): Promise<Uint8Array> {
    let h = this.lukHandles.get(keyId);
    if (h === undefined) {
      h = await this.platform.loadKey(keyId);
      this.lukHandles.set(keyId, h);
    }
    return this.platform.retailMac(h, data);
  }

  /**
   * A retail MAC under a card's LUK with the mobile PIN's mask XORed in (profile V's PIN MAC,
   * docs/emv-cryptography.md §4.6): `keyId` is the LUK's 'derive' copy (LukState.pinKeyId); the
   * mixed key is released afterwards.
   */
  async macWithLukMixed(keyId: string, mask: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
    let h = this.lukHandles.get(keyId);
    if (h === undefined) {
      h = await this.platform.loadKey(keyId);
      this.lukHandles.set(keyId, h);
    }
    return this.withKey(await this.platform.xorDeriveDes3Key(h, mask), (m) =>
      this.platform.retailMac(m, data),
    );
  }

  /** A retail MAC under a fresh random key (the cryptogram of a decline). */
  async macRandom(data: Uint8Array): Promise<Uint8Array> {
    return this.withKey(await this.platform.randomDes3Key(), (h) => this.platform.retailMac(h, data));
  }

  // ── statements and the reaction policy ──────────────────────────────────────────────────────

  /** A TA → server statement (docs/cbp-protocol.md §3): compact JWS by the TA's `sig` key. */
  async sign(payload: object): Promise<string> {
    const d = await this.requireDevice();
    return this.platform.signJws(await this.ownKey('sig'), jsonBytes(payload), {
      alg: SIGNATURE_ALG,
      typ: TA_STATEMENT_TYP,
      kid: d.sigKid,
    });
  }

  /**
   * The reaction policy applied to the platform's current threat flags (docs/cbp-protocol.md §6).
   * The flags are only asked for when some rule could react to them.
   */
  async verdict(d: DeviceState): Promise<PolicyVerdict> {
    const policy = d.policy ?? null;
    const active = policy?.rules.some((r) => r.reaction !== 'report') === true;
    const flags = active && this.platform.threatFlags ? await this.platform.threatFlags() : [];
    return policyVerdict(policy, flags);
  }

  /** `wipe_keys`: every LUK and SUK destroyed; the cards stay (profiles, ATCs). */
  async wipeAllCredentials(): Promise<void> {
    const cards: CardState[] = [];
    const keys: string[] = [];
    for (const c of await this.cards.all()) {
      const ids = cardKeyIds(c);
      if (ids.length === 0) continue;
      keys.push(...ids);
      const history = [...c.history, ...c.suks.map((x) => ({ atc: x.atc, status: 'DISCARDED' as const }))];
      if (history.length > HISTORY_MAX) history.splice(0, history.length - HISTORY_MAX);
      cards.push({ ...c, luk: null, suks: [], history });
    }
    if (cards.length > 0) await this.save({ cards });
    await this.deleteKeys(keys);
  }
}

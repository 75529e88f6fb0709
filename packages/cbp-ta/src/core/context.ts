/**
 * What every command of the CBP TA shares (docs/cbp-protocol.md §4–§5; docs/design.md "Cards,
 * keys and cryptograms"): the platform, the device object cached after its first read, the
 * handles of the TA's own keys, the moment of the last CDCVM, the once-per-core housekeeping of
 * credential keys, and the helpers the command groups use on cards, keys, statements and the
 * reaction policy (§6). One context per core; the core's lock (create-core.ts) serialises every
 * use of it, so nothing here needs to guard against interleaving.
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
import { jsonBytes } from './codec.js';
import type { CbpPlatform, KeyHandle, StorageOp } from './platform.js';
import {
  CARD_PREFIX,
  type CardState,
  cardKeyIds,
  cardObjectId,
  DEVICE_ID,
  type DeviceState,
  decodeCard,
  decodeDevice,
  ENC_KEY_ID,
  HISTORY_MAX,
  SIG_KEY_ID,
  writeCardOp,
  writeDeviceOp,
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
  /** platform.monotonic() of the last CDCVM, null when none counts. */
  private cdcvmAt: number | null = null;
  private housekept = false;

  constructor(platform: CbpPlatform) {
    this.platform = platform;
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
   * One all-or-nothing storage transaction; with `device`, the device object is written last in
   * the same transaction and cached once it is committed (so `lastSeq` and the change it belongs
   * to are committed together, docs/cbp-protocol.md §2).
   */
  async commit(ops: StorageOp[], device?: DeviceState): Promise<void> {
    await this.platform.transaction(device ? [...ops, writeDeviceOp(device)] : ops);
    if (device) this.device = device;
  }

  // ── cards ───────────────────────────────────────────────────────────────────────────────────

  /** The ids of every provisioned card, sorted. */
  async cardIds(): Promise<string[]> {
    return (await this.platform.list())
      .filter((id) => id.startsWith(CARD_PREFIX))
      .map((id) => id.slice(CARD_PREFIX.length))
      .sort();
  }

  async loadCard(cardId: string): Promise<CardState | null> {
    const b = await this.platform.read(cardObjectId(cardId));
    return b === null ? null : decodeCard(b);
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

  // ── CDCVM (time kept on the platform's monotonic clock, not the settable wall clock) ─────────

  /** Records a CDCVM now (`true`) or forgets any (`false`). */
  setCdcvm(verified: boolean): void {
    this.cdcvmAt = verified ? this.platform.monotonic() : null;
  }

  /** True while the last CDCVM is younger than the card's `cdcvmResetTimeoutSec`. */
  cdcvmValid(card: CardProfile): boolean {
    if (this.cdcvmAt === null) return false;
    const age = this.platform.monotonic() - this.cdcvmAt;
    return age >= 0 && age <= card.cdcvmResetTimeoutSec * 1000;
  }

  // ── credential keys ─────────────────────────────────────────────────────────────────────────

  /** Deletes persistent keys, best effort: housekeeping removes what is left. */
  async deleteKeys(ids: string[]): Promise<void> {
    for (const id of ids) {
      try {
        await this.platform.deletePersistentKey(id);
      } catch {
        // best effort: housekeeping removes what is left
      }
    }
  }

  /**
   * Once per core: persistent credential keys no card references (a crash between persisting
   * keys and committing the card state, or between commit and deletion) are deleted.
   */
  async housekeeping(): Promise<void> {
    if (this.housekept) return;
    this.housekept = true;
    const referenced = new Set<string>([ENC_KEY_ID, SIG_KEY_ID]);
    for (const id of await this.cardIds()) {
      const c = await this.loadCard(id);
      if (c) for (const k of cardKeyIds(c)) referenced.add(k);
    }
    const stale = (await this.platform.listPersistentKeys()).filter(
      (k) => k.startsWith('c.') && !referenced.has(k),
    );
    await this.deleteKeys(stale);
  }

  /** Runs housekeeping again at its next occasion (a card whose keys could not be read was deleted). */
  housekeepingAgain(): void {
    this.housekept = false;
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
    const ops: StorageOp[] = [];
    const keys: string[] = [];
    for (const id of await this.cardIds()) {
      const c = await this.loadCard(id);
      if (!c) continue;
      const ids = cardKeyIds(c);
      if (ids.length === 0) continue;
      keys.push(...ids);
      const history = [...c.history, ...c.suks.map((x) => ({ atc: x.atc, status: 'DISCARDED' as const }))];
      if (history.length > HISTORY_MAX) history.splice(0, history.length - HISTORY_MAX);
      ops.push(writeCardOp({ ...c, luk: null, suks: [], history }));
    }
    if (ops.length > 0) await this.commit(ops);
    await this.deleteKeys(keys);
  }
}

/**
 * The cards in memory and their sealed copies (docs/cbp-protocol.md §4 "Crash safety"): the
 * memory copy is the truth while the core lives; every durable change goes through one writer
 * (one sealed transaction at a time, in order), and each sealed card copy carries the tap
 * reservation of reservation.ts when the card is tapped in this core's life.
 *
 * Two modes (createCbpCore's `reserve` option):
 *  - reservation (the TA in V-OS): a tap first makes sure the sealed reservation covers it
 *    (`headroom`: usually it does, and nothing is written), answers, and its own effect (ATC,
 *    LUK use and log entry, SUK consumed) is written behind the answer by the background writer,
 *    which tops the reservation up at the same time. A crash loses at most the reservation;
 *  - write-through (no `reserve`: the software baseline): a tap's effect is committed before the
 *    answer, as every other change is.
 * Server messages, WIPE and the rest commit before they answer in both modes. `close()` commits
 * the exact state without a reservation (a clean stop loses nothing).
 *
 * Every caller holds the core's lock (create-core.ts), except the background writer, which only
 * ever writes what memory holds and never changes it.
 */
import { CbpError, CbpErrorCode } from '@openvse/protocol';
import type { CbpPlatform, StorageOp } from './platform.js';
import { covers, plannedReservation, type ReserveSizes, recoverCard, type TapNeed } from './reservation.js';
import {
  CARD_PREFIX,
  type CardState,
  cardObjectId,
  type DeviceState,
  decodeCard,
  type Reservation,
  type SukState,
  writeCardOp,
  writeDeviceOp,
} from './state.js';

interface Entry {
  state: CardState;
  /** Bumped by every change in memory. */
  gen: number;
  /** `gen` of the state the sealed copy holds. */
  savedGen: number;
  /** The reservation the sealed copy holds (undefined: none above the sealed state). */
  sealed: Reservation | undefined;
  /** A sealed copy exists. */
  stored: boolean;
  /** Tapped in this core's life: its sealed copies carry a reservation. */
  hot: boolean;
}

/** One durable change: cards written whole, cards deleted, the device object. */
export interface SaveRequest {
  cards?: CardState[];
  /** Cards to delete; each must exist sealed (or at least in memory). */
  remove?: string[];
  device?: DeviceState;
  /** Top up this card's reservation so that it covers `need` (the tap waiting for it). */
  reserve?: { cardId: string; need: TapNeed };
}

/** Microtask turns the background writer lets pass first, so the answer leaves before it works. */
const AFTER_ANSWER_TURNS = 32;

export class CardStore {
  readonly #platform: CbpPlatform;
  readonly #sizes: ReserveSizes | null;
  readonly #onDevice: (d: DeviceState) => void;
  readonly #entries = new Map<string, Entry>();
  #ids: Set<string> | undefined;
  /** The writer: one sealed transaction at a time, in call order. */
  #chain: Promise<unknown> = Promise.resolve();
  readonly #keyQueue: string[] = [];
  #background = false;
  #closing = false;

  constructor(platform: CbpPlatform, sizes: ReserveSizes | null, onDevice: (d: DeviceState) => void) {
    this.#platform = platform;
    this.#sizes = sizes;
    this.#onDevice = onDevice;
  }

  /** True when taps run on reservations (write-behind) rather than write-through. */
  get reserving(): boolean {
    return this.#sizes !== null;
  }

  /** The ids of every provisioned card, sorted. */
  async cardIds(): Promise<string[]> {
    this.#ids ??= new Set(
      (await this.#platform.list())
        .filter((id) => id.startsWith(CARD_PREFIX))
        .map((id) => id.slice(CARD_PREFIX.length)),
    );
    return [...this.#ids].sort();
  }

  /** A card (recovered from a crash on its first read, reservation.ts); null when there is none. */
  async get(cardId: string): Promise<CardState | null> {
    const known = this.#entries.get(cardId);
    if (known) return known.state;
    const b = await this.#platform.read(cardObjectId(cardId));
    if (b === null) return null;
    const r = recoverCard(decodeCard(b));
    // Raced by another reader while the sealed copy was read: keep the first.
    const again = this.#entries.get(cardId);
    if (again) return again.state;
    this.#entries.set(cardId, {
      state: r.card,
      gen: r.sealed ? 1 : 0,
      savedGen: 0,
      sealed: r.sealed,
      stored: true,
      hot: false,
    });
    if (r.dropKeys.length > 0) this.dropKeysLater(r.dropKeys);
    return r.card;
  }

  /** Every card in memory (after `cardIds` and `get`), for housekeeping. */
  async all(): Promise<CardState[]> {
    const out: CardState[] = [];
    for (const id of await this.cardIds()) {
      const c = await this.get(id);
      if (c) out.push(c);
    }
    return out;
  }

  /**
   * Reservation mode: waits until the sealed reservation covers the tap about to be made on
   * `cardId` (`suk`: profile M's SUK), committing a topped-up reservation when it does not.
   */
  async headroom(cardId: string, need: TapNeed, suk?: SukState): Promise<void> {
    if (!this.#sizes) return;
    const e = this.#entries.get(cardId);
    if (!e) throw new CbpError(CbpErrorCode.INTERNAL, 'card not loaded');
    e.hot = true;
    if (covers(e.state, e.sealed, need, suk)) return;
    await this.#chain; // a commit in flight may already top it up
    if (covers(e.state, e.sealed, need, suk)) return;
    await this.save({ reserve: { cardId, need } });
    if (!covers(e.state, e.sealed, need, suk))
      throw new CbpError(CbpErrorCode.INTERNAL, 'the reservation does not cover the tap');
  }

  /**
   * A tap's effect on its card, in memory. Reservation mode: written behind the answer (the
   * background writer starts); write-through: committed before this returns.
   */
  async tapped(next: CardState): Promise<void> {
    const e = this.#entries.get(next.card.cardId);
    if (!e) throw new CbpError(CbpErrorCode.INTERNAL, 'card not loaded');
    e.state = next;
    e.gen++;
    if (this.#sizes) this.#kick();
    else await this.save({});
  }

  /**
   * Credential keys nothing references any more (used or discarded SUKs, stale keys), deleted by
   * the background writer after the cards it has to write (CoreContext.dropKeys; in write-through
   * mode only recovery hands keys over here, the rest are deleted at once).
   */
  dropKeysLater(ids: string[]): void {
    this.#keyQueue.push(...ids);
    this.#kick();
  }

  /** One durable change, after every earlier one; memory follows it only once it is committed. */
  save(req: SaveRequest): Promise<void> {
    const run = this.#chain.then(() => this.#commit(req, false));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Commits the exact state of every card without a reservation and deletes the keys waiting to
   * be deleted (a clean stop: the next core finds nothing to recover). Best effort.
   */
  async close(): Promise<void> {
    this.#closing = true;
    const run = this.#chain.then(() => this.#commit({}, true));
    this.#chain = run.catch(() => undefined);
    await run;
    while (this.#keyQueue.length > 0) {
      const k = this.#keyQueue.shift()!;
      await this.#platform.deletePersistentKey(k).catch(() => undefined);
    }
  }

  #dirty(): boolean {
    for (const e of this.#entries.values()) if (e.gen !== e.savedGen) return true;
    return false;
  }

  #kick(): void {
    if (this.#background || this.#closing) return;
    this.#background = true;
    void this.#runBackground();
  }

  /** Writes what taps changed (topping the reservations up), then deletes keys; one at a time. */
  async #runBackground(): Promise<void> {
    try {
      for (let i = 0; i < AFTER_ANSWER_TURNS; i++) await undefined;
      for (;;) {
        if (this.#closing) return;
        if (this.#sizes && this.#dirty()) {
          await this.save({});
          continue;
        }
        const k = this.#keyQueue.shift();
        if (k === undefined) return;
        await this.#platform.deletePersistentKey(k).catch(() => undefined);
      }
    } catch {
      // the cards stay dirty: written again after the next tap, or by the next commit
    } finally {
      this.#background = false;
    }
  }

  async #commit(req: SaveRequest, release: boolean): Promise<void> {
    const undo: Array<() => void> = [];
    for (const c of req.cards ?? []) {
      const id = c.card.cardId;
      const e = this.#entries.get(id);
      if (e) {
        const prev = e.state;
        e.state = c;
        e.gen++;
        undo.push(() => {
          e.state = prev;
        });
      } else {
        this.#entries.set(id, {
          state: c,
          gen: 1,
          savedGen: 0,
          sealed: undefined,
          stored: false,
          hot: false,
        });
        undo.push(() => this.#entries.delete(id));
      }
    }
    const removed = new Set(req.remove ?? []);
    const ops: StorageOp[] = [];
    const written: Array<{ e: Entry; gen: number; resv: Reservation | undefined }> = [];
    // A removed card the caller found sealed but that memory never loaded (a corrupt one) goes too.
    for (const id of removed)
      if (this.#entries.get(id)?.stored !== false) ops.push({ op: 'delete', id: cardObjectId(id) });
    for (const [id, e] of this.#entries) {
      if (removed.has(id)) continue;
      const reserve = req.reserve?.cardId === id ? req.reserve : undefined;
      const keep = this.#sizes !== null && !release && (e.hot || reserve !== undefined);
      if (e.gen === e.savedGen && !reserve && !(release && e.sealed)) continue;
      const resv = keep ? plannedReservation(e.state, e.sealed, this.#sizes!, reserve?.need) : undefined;
      ops.push(writeCardOp(e.state, resv));
      written.push({ e, gen: e.gen, resv });
    }
    if (req.device) ops.push(writeDeviceOp(req.device));
    try {
      if (ops.length > 0) await this.#platform.transaction(ops);
    } catch (err) {
      for (const u of undo.reverse()) u();
      throw err;
    }
    for (const w of written) {
      w.e.savedGen = w.gen;
      w.e.sealed = w.resv;
      w.e.stored = true;
    }
    for (const c of req.cards ?? []) this.#ids?.add(c.card.cardId);
    for (const id of removed) {
      this.#entries.delete(id);
      this.#ids?.delete(id);
    }
    if (req.device) this.#onDevice(req.device);
  }
}

// A transport session (whitepaper 5.4.5-5.4.6): the two symmetric keys from one handshake, the
// send counter, the replay window for receiving, and who initiated it (only the initiator rekeys
// on time). Keypairs is a peer's rotation of them, current / previous / next, and the only place
// that rotates: installing a new session, confirming the responder's, and clearing them all
// (the kernel's noise.c add_new_keypair, received_with_keypair and keypairs_clear).
import { ReplayFilter } from './replay.ts';

export class Keypair {
  readonly sendKey: Uint8Array;
  readonly recvKey: Uint8Array;
  /** Next counter to send. A JS number: exact to 2^53, far beyond REKEY_AFTER_MESSAGES' reach in practice. */
  sendCounter = 0;
  readonly replay = new ReplayFilter();
  constructor(
    sendKey: Uint8Array,
    recvKey: Uint8Array,
    readonly isInitiator: boolean,
    readonly created: number, // monotonic ms
    readonly localIndex: number,
    readonly remoteIndex: number,
  ) {
    this.sendKey = sendKey;
    this.recvKey = recvKey;
  }
  zero(): void {
    this.sendKey.fill(0);
    this.recvKey.fill(0);
  }
}

/** Frees a dropped keypair's receiver index (the device's index table). */
type ForgetIndex = (localIndex: number) => void;

/** current / previous / next rotation of one peer. */
export class Keypairs {
  /** The session we send with. */
  current: Keypair | null = null;
  /** The session before it: still accepted, for packets in flight during a rekey. */
  previous: Keypair | null = null;
  /** Responder side: a new session not used for sending until the initiator's first packet on it. */
  next: Keypair | null = null;

  /**
   * A session from a just-finished handshake.
   * The initiator knows the responder has it (the response proved it), so it becomes current at
   * once; the old current stays as previous for packets still in flight. If an unconfirmed
   * responder session was waiting in next, it is older than this one: it becomes previous and the
   * old current goes.
   * The responder cannot send with it until the initiator's first packet on it arrives (it might
   * never have received the response), so it waits in next; previous goes, since current and next
   * are the two sessions either side may still use.
   */
  install(kp: Keypair, forget: ForgetIndex): void {
    if (kp.isInitiator) {
      if (this.next) {
        drop(this.previous, forget);
        this.previous = this.next;
        this.next = null;
        drop(this.current, forget);
      } else {
        drop(this.previous, forget);
        this.previous = this.current;
      }
      this.current = kp;
    } else {
      drop(this.next, forget);
      this.next = kp;
      drop(this.previous, forget);
      this.previous = null;
    }
  }

  /**
   * An authenticated packet arrived on `kp`. If it is the waiting responder session, the
   * initiator has it: it becomes current, the old current previous. True when it rotated.
   */
  confirm(kp: Keypair, forget: ForgetIndex): boolean {
    if (kp !== this.next) return false;
    drop(this.previous, forget);
    this.previous = this.current;
    this.current = kp;
    this.next = null;
    return true;
  }

  /** Every session dropped and its keys zeroed. */
  clear(forget: ForgetIndex): void {
    drop(this.previous, forget);
    drop(this.current, forget);
    drop(this.next, forget);
    this.previous = this.current = this.next = null;
  }
}

function drop(kp: Keypair | null, forget: ForgetIndex): void {
  if (!kp) return;
  forget(kp.localIndex);
  kp.zero();
}

// A transport session: the two symmetric keys from one handshake, the send counter, the replay
// window for receiving, and who initiated it (only the initiator rekeys on time).
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

/** current / previous / next rotation of one peer. */
export class Keypairs {
  current: Keypair | null = null;
  previous: Keypair | null = null;
  /** Responder side: a new session not used for sending until the initiator's first packet on it. */
  next: Keypair | null = null;
}

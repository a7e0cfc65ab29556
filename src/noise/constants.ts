// Protocol constants (whitepaper section 6; times in milliseconds).
import { hash } from '../crypto/blake2s.ts';
import { utf8Encode } from '../util/bytes.ts';

/** 2^60. Exact as a JS number. */
export const REKEY_AFTER_MESSAGES = 2 ** 60;
/**
 * 2^64 - 2^13 - 1 is not representable as a JS number; it rounds to 2^64 - 2^13 (the spacing of
 * doubles there is 2^11). Counters are JS numbers, exact up to 2^53; a sender can never get near
 * either limit in practice (2^53 packets at 10 Mpps take 28 years), and received counters read
 * from the wire above 2^53 come back as Infinity (src/util/bytes.ts readU64LE), so they compare
 * as beyond every limit and are rejected rather than mis-ordered.
 */
export const REJECT_AFTER_MESSAGES = 2 ** 64 - 2 ** 13 - 1;
export const REKEY_AFTER_TIME = 120_000;
export const REJECT_AFTER_TIME = 180_000;
export const REKEY_ATTEMPT_TIME = 90_000;
export const REKEY_TIMEOUT = 5_000;
export const REKEY_TIMEOUT_JITTER_MAX = 334; // 0..333 ms
export const KEEPALIVE_TIMEOUT = 10_000;
export const COOKIE_REFRESH_TIME = 120_000;
export const HANDSHAKE_INITIATION_RATE = 20; // ms between accepted initiations from one peer
export const MAX_TIMER_HANDSHAKES = REKEY_ATTEMPT_TIME / REKEY_TIMEOUT; // 18
/** The initiator of the current session rekeys when it receives on a session this old (165 s:
 *  a handshake still completes before REJECT_AFTER_TIME; whitepaper 6.2). */
export const REKEY_ON_RECEIVE_AGE = REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT;
export const ZERO_KEYS_AFTER = REJECT_AFTER_TIME * 3;
export const PADDING_MULTIPLE = 16;
export const MAX_STAGED_PACKETS = 128;
/** How long the device stays under load after its handshake work last exceeded the share. */
export const UNDER_LOAD_AFTER = 1_000;

export const CONSTRUCTION = utf8Encode('Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s');
export const IDENTIFIER = utf8Encode('WireGuard v1 zx2c4 Jason@zx2c4.com');
export const LABEL_MAC1 = utf8Encode('mac1----');
export const LABEL_COOKIE = utf8Encode('cookie--');
/** Ci = HASH(CONSTRUCTION), Hi = HASH(Ci || IDENTIFIER): the same for every handshake. */
export const INITIAL_CHAIN_KEY = hash(CONSTRUCTION);
export const INITIAL_HASH = hash(INITIAL_CHAIN_KEY, IDENTIFIER);

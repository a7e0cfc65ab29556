// Globals available both under Node (tests) and QuickJS (product). Nothing else is assumed:
// no Buffer, no TextEncoder, no crypto, no process in src/.
declare const console: {
  log(...args: unknown[]): void;
  error(...args: unknown[]): void;
};
declare function setTimeout(fn: () => void, ms?: number): unknown;
declare function clearTimeout(handle: unknown): void;

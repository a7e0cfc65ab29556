// The parts of quickjs-ng's qjs:std and qjs:os (quickjs-libc) that wgjs uses.
declare module 'qjs:std' {
  export interface FILE {
    puts(s: string): void;
    printf(fmt: string, ...args: unknown[]): void;
    flush(): void;
    close(): number;
    readAsString(maxSize?: number): string;
    /** fread into buf[position, +length) (an ArrayBuffer); returns the bytes read (0 at the end). */
    read(buf: ArrayBuffer, position?: number, length?: number): number;
    getline(): string | null;
    eof(): boolean;
    fileno(): number;
  }
  export const out: FILE;
  export const err: FILE;
  const stdin: FILE;
  export { stdin as in };
  export function exit(code: number): never;
  export function getenv(name: string): string | undefined;
  export function setenv(name: string, value: string): void;
  export function unsetenv(name: string): void;
  export function getenviron(): Record<string, string>;
  export function loadFile(path: string, options?: { binary?: false }): string | null;
  export function loadFile(path: string, options: { binary: true }): Uint8Array | null;
  export function writeFile(path: string, data: string | ArrayBuffer | Uint8Array): void;
  export function open(path: string, mode: string, errObj?: { errno?: number }): FILE | null;
  export function popen(cmd: string, mode: string, errObj?: { errno?: number }): FILE | null;
  export function fdopen(fd: number, mode: string, errObj?: { errno?: number }): FILE | null;
  export function strerror(errno: number): string;
  export function gc(): void;
}
declare module 'qjs:os' {
  export function setReadHandler(fd: number, fn: (() => void) | null): void;
  export function setWriteHandler(fd: number, fn: (() => void) | null): void;
  export function signal(sig: number, fn: (() => void) | null | undefined): void;
  export function setTimeout(fn: () => void, ms: number): unknown;
  export function clearTimeout(handle: unknown): void;
  export function now(): number;
  export function exec(args: string[], options?: {
    block?: boolean; usePath?: boolean; file?: string; cwd?: string;
    stdin?: number; stdout?: number; stderr?: number; env?: Record<string, string>;
  }): number;
  export function waitpid(pid: number, options: number): [number, number];
  export const WNOHANG: number;
  export function kill(pid: number, sig: number): number;
  export function readdir(path: string): [string[], number];
  export function stat(path: string): [{ mode: number; ino: number; size: number; mtime: number }, number];
  export function remove(path: string): number;
  export function rename(oldPath: string, newPath: string): number;
  export function open(path: string, flags: number, mode?: number): number;
  export function close(fd: number): number;
  export function read(fd: number, buf: ArrayBuffer, off: number, len: number): number;
  export function write(fd: number, buf: ArrayBuffer, off: number, len: number): number;
  export function isatty(fd: number): boolean;
  export function getpid(): number;
  export function sleep(ms: number): void;
  export function realpath(path: string): [string, number];
  export function exePath(): string | undefined;
  export function pipe(): [number, number] | null;
  export const O_RDONLY: number;
  export const O_WRONLY: number;
  export const O_RDWR: number;
  export const O_CREAT: number;
  export const O_TRUNC: number;
  export const O_APPEND: number;
  export const S_IFMT: number;
  export const S_IFSOCK: number;
  export const S_IFREG: number;
  export const S_IFDIR: number;
  export const SIGINT: number;
  export const SIGTERM: number;
  export const SIGCHLD: number;
}

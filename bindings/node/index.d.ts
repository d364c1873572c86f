// Type declarations of Warden for Node.js.

/** The level of a guest console line: the `console` method that printed it. */
export type LogLevel = 'log' | 'debug' | 'info' | 'warn' | 'error';

/** The `code` of every error Warden throws or rejects with. */
export declare const ErrorCode: {
  /** A call was killed: by a monitor (see `monitor`) or `InterruptHandle.kill()`. */
  readonly CANCELLED: 'ERR_CANCELLED';
  /** The sandbox is poisoned by an earlier killed or trapped call: restore a snapshot. */
  readonly POISONED: 'ERR_POISONED';
  /** The guest failed: it threw, did not compile, returned no JSON, or ran out of memory or stack. */
  readonly HANDLER: 'ERR_HANDLER';
  /** The guest aborted (a WebAssembly trap other than a kill or running out of memory or stack): the sandbox is poisoned. */
  readonly GUEST_ABORT: 'ERR_GUEST_ABORT';
  /** An argument is invalid (timeouts, an event without a JSON form, an unknown handler...). */
  readonly INVALID_ARG: 'ERR_INVALID_ARG';
  /** The object was consumed by an earlier call (`build`, `loadRuntime`, `getLoadedSandbox`, `unload`). */
  readonly CONSUMED: 'ERR_CONSUMED';
  /** `callHandlerSync` was called while a job of the sandbox was in flight. */
  readonly BUSY: 'ERR_BUSY';
  /** Warden itself failed. */
  readonly INTERNAL: 'ERR_INTERNAL';
};

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * What a guest exception looked like inside the sandbox. `name`, `message` and `stack`
 * each hold at most 64 KiB: longer text is cut, ending with `… [cut from N bytes]`.
 */
export interface GuestError {
  name: string;
  message: string;
  stack?: string;
  /** 1-based line, for syntax errors. */
  line?: number;
  /** 1-based column, for syntax errors. */
  column?: number;
}

/** Every error Warden throws or rejects with. */
export interface WardenError extends Error {
  code: ErrorCodeValue;
  /** A finer, stable name of the failure, e.g. `killed`, `handler_threw`, `stack_overflow`, `invalid_event`. */
  kind: string;
  /** ERR_CANCELLED: the monitor that fired (`wall-clock`, `cpu-time`) or `interrupt-handle` for a manual kill. */
  monitor?: string;
  /** ERR_CANCELLED by a monitor: its budget in milliseconds. */
  budgetMs?: number;
  /** ERR_HANDLER from a guest exception, a compile error or an unawaited handler change that failed: the handler's name. */
  handler?: string;
  /** ERR_HANDLER from a guest exception or compile error. */
  guestError?: GuestError;
  /** ERR_HANDLER from `getLoadedSandbox()` for a handler change nobody awaited: that change's error. */
  cause?: unknown;
}

/** Configures sandboxes. Every setter returns the builder. */
/** A fetch handler's answer, when it is not a `Response`. */
export interface FetchReply {
  status?: number;
  statusText?: string;
  headers?: Record<string, string> | [string, string][];
  body?: string | Uint8Array | ArrayBuffer | null;
}

export declare class SandboxBuilder {
  constructor();
  /** The most linear memory the guest may use, in bytes (default 64 MiB), beside its 16 MiB stack region; at least enough to parse any event of `maxEventSize`. */
  guestMemoryLimit(bytes: number): this;
  /** The native stack of a call, in bytes of address space (default 64 MiB, 1 to 256 MiB); JavaScript may recurse a sixth of it deep. */
  maxWasmStack(bytes: number): this;
  /** The largest event accepted, in bytes of JSON (default 1 MiB). */
  maxEventSize(bytes: number): this;
  /** The largest result a handler may return, in bytes of JSON (default 1 MiB); also bounds the JSON arguments of one host-function call. */
  maxResultSize(bytes: number): this;
  /** The most console output one call may print, in bytes (default 1 MiB); past it, lines are dropped and one line says how many. */
  maxConsoleOutput(bytes: number): this;
  /** Receives each line the guest prints with `console.*` (at most 64 KiB; longer lines are cut), before the call's promise settles. `ProtoJSSandbox.setHostPrintFn` replaces it. */
  print(callback: (level: LogLevel, line: string) => void): this;
  /**
   * Lets handlers `fetch` from `origins` (e.g. `"https://api.example.com"`,
   * `"http://127.0.0.1:8080"`), matched exactly (scheme, host, port); calling
   * it again adds to the list. Without it every `fetch` rejects with a
   * `TypeError`. Redirects are followed only to allowed origins; a name that
   * resolves to a loopback or private address is refused (allow the address
   * itself); requests and responses are bounded by `maxResultSize`. An origin
   * that is not one makes `build()` reject with `ERR_INVALID_ARG`.
   */
  allowFetch(origins: string[]): this;
  /**
   * Serves handlers' fetches with `callback` in place of the built-in client:
   * it gets each request the policy allows (with `allowFetch` origins, only to
   * those; without, every http and https request) as a `Request`, and answers
   * with a `Response` (so `(request) => fetch(request)` proxies through Node's
   * own fetch) or `{ status, statusText?, headers?, body? }` (body a string,
   * bytes or null). A throw or rejection fails the guest's fetch with a
   * `TypeError`. Redirects it answers with are followed as for the built-in
   * client.
   */
  fetchHandler(callback: (request: Request) => Response | FetchReply | Promise<Response | FetchReply>): this;
  /** The most fetches one call may start (default 64; 0 refuses every fetch). */
  maxFetchesPerCall(fetches: number): this;
  /** hyperlight-js's name: gives the JavaScript heap at least `bytes` (sets `guestMemoryLimit`, raised to what events of `maxEventSize` need). */
  setHeapSize(bytes: number): this;
  /** hyperlight-js's name: gives calls at least `bytes` of stack (raises `maxWasmStack`, never lowers it). */
  setScratchSize(bytes: number): this;
  /** hyperlight-js's name for `maxEventSize`. */
  setInputBufferSize(bytes: number): this;
  /** hyperlight-js's name for `maxResultSize`. */
  setOutputBufferSize(bytes: number): this;
  /** Validates the settings and prepares the engine; rejects with `ERR_INVALID_ARG` on bad settings. Consumes the builder (a second call rejects with `ERR_CONSUMED`). */
  build(): Promise<ProtoJSSandbox>;
}

/** A sandbox before its JavaScript runtime starts: register host functions here. */
export declare class ProtoJSSandbox {
  /** The host module `name`, imported by handlers as `import * as m from "host:<name>"`. */
  hostModule(name: string): HostModule;
  /** The same as `hostModule(module).register(name, callback)`, as hyperlight-js has it. */
  register(module: string, name: string, callback: (...args: any[]) => unknown): void;
  /**
   * hyperlight-js's host print function: `callback` receives each line the guest
   * prints with `console.*`, whatever its level, ending in `\n`, before the call's
   * promise settles; what it returns is ignored. Replaces the builder's `print`
   * callback. Throws `ERR_INVALID_ARG` for a non-function, `ERR_CONSUMED` after
   * `loadRuntime()`.
   */
  setHostPrintFn(callback: (line: string) => unknown): void;
  /** Starts the JavaScript runtime on a thread of its own. Consumes this object (a second call rejects with `ERR_CONSUMED`). */
  loadRuntime(): Promise<JSSandbox>;
  /**
   * Starts a sandbox in the state of `snapshot` (from this process, or read with
   * `Snapshot.load`): its handlers loaded, its globals as they were. The sandbox
   * must have the snapshot's memory limits and the same host functions; a
   * mismatch rejects with `ERR_INVALID_ARG` (kind `snapshot_mismatch`) saying
   * what differs. Consumes this object.
   */
  loadSnapshot(snapshot: Snapshot): Promise<LoadedJSSandbox>;
  /**
   * Starts a sandbox in the state of the snapshot file at `path`: what
   * `loadSnapshot(Snapshot.load(path))` does, with the same errors (as a
   * rejection), but the file's memory image is read straight into the guest
   * rather than into a `Snapshot` first. For a sandbox started once from a file;
   * load a snapshot that starts many sandboxes once. Consumes this object.
   */
  loadSnapshotFile(path: string): Promise<LoadedJSSandbox>;
  /** Frees this object now; later use throws or rejects with `ERR_CONSUMED`. Calling it again does nothing. */
  dispose(): void;
  /** The same as `dispose()`, for `using`. */
  [Symbol.dispose](): void;
}

/** The functions of one host module. */
export declare class HostModule {
  /**
   * Registers `callback` as function `name`. It receives the JSON-decoded
   * arguments and may return a value or a promise; the guest waits for it.
   * A throw or rejection becomes an `Error` inside the guest. An argument
   * the handler passed as a `Uint8Array`, `ArrayBuffer` or other view
   * arrives as a `Uint8Array`; a `Uint8Array`, `Buffer`, other view or
   * `ArrayBuffer` returned reaches the handler as a `Uint8Array`. Both are
   * bounded by `maxResultSize`, like JSON.
   */
  register(name: string, callback: (...args: any[]) => unknown): this;
  /**
   * Registers `callback` as asynchronous function `name`: in the guest it
   * returns a promise at once, so a handler can have many calls in flight
   * (`await Promise.all(ids.map(db.get))` runs them together). The
   * callback's value, or what its promise resolves to, resolves the guest's
   * promise; a throw or rejection rejects it with an `Error`. Waiting counts
   * toward `wallClockTimeoutMs`, not `cpuTimeoutMs`; when the call ends or
   * is killed, calls still in flight are forgotten and their late
   * settlements ignored.
   */
  registerAsync(name: string, callback: (...args: any[]) => unknown): this;
}

/**
 * What `addHandler`, `removeHandler`, `clearHandlers`, `addModule`,
 * `removeModule` and `clearModules` return. Awaiting it
 * is optional: if it rejects and nobody awaited it (or called `then`, `catch`
 * or `finally` on it), there is no unhandled rejection; the next
 * `getLoadedSandbox()` rejects instead (with `ERR_HANDLER` for a handler
 * change, with the module change's own code for a module change).
 */
export interface HandlerPromise extends Promise<void> {}

/**
 * A sandbox with its runtime started: add handlers, then `getLoadedSandbox()`.
 * Handler changes run in the order they were called, with or without `await`.
 */
export declare class JSSandbox {
  /**
   * Compiles `source` (exports `handler` or declares `function handler(event)`)
   * under `name`, running its top-level code under the given timeouts. A load
   * that fails leaves the sandbox as it was before. Throws `ERR_INVALID_ARG`
   * for an empty or non-string name, a non-string source or bad options, and
   * `ERR_CONSUMED` once consumed; the promise rejects with the load's error.
   */
  addHandler(name: string, source: string, options?: LoadOptions): HandlerPromise;
  /** Unregisters handler `name`. Throws like `addHandler`; rejects if there is no such handler. */
  removeHandler(name: string): HandlerPromise;
  /** Unregisters every handler. Throws `ERR_CONSUMED` once consumed. */
  clearHandlers(): HandlerPromise;
  /**
   * Adds user module `name` (a path in the module tree: `'math'`,
   * `'lib/util.js'`), which handlers added later import
   * (`import { f } from 'math'`, or `'./math'` from the root). Replaces a
   * module added under the same name. Throws `ERR_INVALID_ARG` for an empty
   * or non-string name or a non-string source; the promise rejects with
   * `ERR_INVALID_ARG` for a name that leaves the tree or a source with a NUL
   * byte. Awaiting is optional, as for `addHandler`; a failure nobody awaited
   * makes `getLoadedSandbox()` reject with its error, naming the `module`.
   */
  addModule(name: string, source: string): HandlerPromise;
  /** Removes module `name`; handlers that imported it keep it. Rejects if it was never added. */
  removeModule(name: string): HandlerPromise;
  /** Removes every added module. */
  clearModules(): HandlerPromise;
  /**
   * Finishes loading, once the handler changes asked for before have run.
   * Rejects with `ERR_HANDLER` (naming the `handler`, with the failure as
   * `cause`) when one of them failed and nobody awaited it. Consumes this
   * object (a second call rejects with `ERR_CONSUMED`).
   */
  getLoadedSandbox(): Promise<LoadedJSSandbox>;
  /**
   * Frees the sandbox and its thread now: kills the running code, rejects
   * jobs not yet started with `ERR_CONSUMED`; later use throws or rejects with `ERR_CONSUMED`.
   */
  dispose(): void;
  /** The same as `dispose()`, for `using`. */
  [Symbol.dispose](): void;
  /** Kills the code running in this sandbox (also valid for the LoadedJSSandbox it becomes). */
  readonly interruptHandle: InterruptHandle;
  /** Whether the sandbox is poisoned. */
  readonly poisoned: boolean;
}

/** Options of `addHandler`: budgets for the script's top-level code. */
export interface LoadOptions {
  /** Kill the load after this much real time, in whole milliseconds (1 to 3,600,000). */
  wallClockTimeoutMs?: number;
  /** Kill the load after this much guest CPU time, in whole milliseconds (1 to 3,600,000). */
  cpuTimeoutMs?: number;
}

/** Options of `callHandler`. */
export interface CallOptions {
  /** Kill the call after this much real time, in whole milliseconds (1 to 3,600,000). */
  wallClockTimeoutMs?: number;
  /** Kill the call after this much guest CPU time, in whole milliseconds (1 to 3,600,000). */
  cpuTimeoutMs?: number;
  /**
   * Collect garbage after the call (default true). Generational: what calls
   * made since the last full collection, and everything once the heap has
   * doubled since (or used half the room left below its limit, or the call
   * ran out of memory).
   */
  gc?: boolean;
}

/** Statistics of one call. */
export interface CallStats {
  /** Real time the call took, in milliseconds. */
  wallTimeMs: number;
  /** Guest CPU time, in milliseconds; measured on calls with a timeout, else null. */
  guestCpuTimeMs: number | null;
  /**
   * Real time the guest spent waiting on the host (host functions, timers,
   * asynchronous host calls), in milliseconds: part of `wallTimeMs`, not of
   * `guestCpuTimeMs`.
   */
  hostWaitTimeMs: number;
  /** What killed the call: `wall-clock`, `cpu-time`, `interrupt-handle`, or null. */
  terminatedBy: string | null;
  /** `wallTimeMs` under hyperlight-js's name. */
  wallClockMs: number;
  /** `guestCpuTimeMs` under hyperlight-js's name. */
  cpuTimeMs: number | null;
}

/** A sandbox with its handlers loaded. Calls on one sandbox run one at a time. */
export declare class LoadedJSSandbox {
  /**
   * Calls handler `name` with `event` (any JSON-serializable value) and
   * resolves with its result. No timeout: no monitor; one: that monitor;
   * both: the first to fire wins. Rejects with a `WardenError`.
   */
  callHandler(name: string, event: unknown, options?: CallOptions): Promise<any>;
  /**
   * The same call on this thread: blocks the event loop until the handler
   * returns or a timeout kills it, and returns the result or throws the
   * `WardenError` `callHandler` would reject with. No thread hand-off, so it
   * stays fast on one core. JavaScript host functions (and `fetchHandler`)
   * cannot run meanwhile: a handler that calls one gets an error. Throws
   * `ERR_BUSY` while another job of this sandbox is in flight.
   */
  callHandlerSync(name: string, event: unknown, options?: CallOptions): any;
  /** Saves the sandbox's state. */
  snapshot(): Promise<Snapshot>;
  /** Returns to `snapshot`, clearing poison. */
  restore(snapshot: Snapshot): Promise<void>;
  /** Unloads every handler; resolves with a JSSandbox with a fresh runtime. Consumes this object (a second call rejects with `ERR_CONSUMED`). */
  unload(): Promise<JSSandbox>;
  /**
   * Frees the sandbox and its thread now: kills the running call, rejects
   * calls not yet started with `ERR_CONSUMED`; later use throws or rejects with `ERR_CONSUMED`.
   */
  dispose(): void;
  /** The same as `dispose()`, for `using`. */
  [Symbol.dispose](): void;
  /** Kills the running call; answers at once, even while a call runs. */
  readonly interruptHandle: InterruptHandle;
  /** Whether a killed or trapped call left the sandbox poisoned; answers at once. */
  readonly poisoned: boolean;
  /** Statistics of the last call, or null before the first. */
  readonly lastCallStats: CallStats | null;
}

/** Kills the call running in a sandbox, from anywhere. */
export declare class InterruptHandle {
  /** Kills the running call; returns whether one was running. Does nothing to later calls. */
  kill(): boolean;
  /** Whether a call is running. */
  readonly running: boolean;
  /** Whether the sandbox is poisoned. */
  readonly poisoned: boolean;
}

/**
 * A saved sandbox state, for `LoadedJSSandbox.restore` and
 * `ProtoJSSandbox.loadSnapshot`. It outlives the process through `save` and
 * `Snapshot.load`: the file names the Warden version and guest build that made
 * it and carries a checksum, so a file from another version or a damaged one
 * throws `ERR_INVALID_ARG` (kind `invalid_snapshot`) when loaded.
 */
export declare class Snapshot {
  /** Bytes of guest state held. */
  readonly size: number;
  /** Writes the snapshot to the file `path`, replacing it (synchronously). Throws `ERR_INVALID_ARG` (kind `snapshot_io`) when it cannot. */
  save(path: string): void;
  /** Reads a snapshot file that `save` wrote (synchronously). */
  static load(path: string): Snapshot;
  /** The snapshot as bytes, in the format `save` writes. */
  toBytes(): Buffer;
  /** The snapshot `toBytes` made. Throws as `load` does. */
  static fromBytes(bytes: Uint8Array): Snapshot;
}

// The vm context one execution runs in, and the membrane between it and the host fakes.
// Apps Script hands scripts objects of the script's own realm: `x instanceof Array` and
// `d instanceof Date` hold for what a service returns, and a service error is an Error the script
// can catch. So values crossing into the vm are rebuilt with the vm's own Array/Object/Date, host
// objects (fake Sheets, Ranges, Caches) are wrapped in proxies, and host errors are rethrown as vm
// errors. Values crossing out (arguments to fakes) become plain host values again.
import { types } from 'node:util';
import vm from 'node:vm';

/** Installs a Date whose now() and no-argument constructor read the emulator's clock. */
const INSTALL_CLOCK_DATE = `(function (clockNow) {
  'use strict';
  const RealDate = Date;
  const EmulatedDate = function Date(...args) {
    if (!new.target) return new RealDate(clockNow()).toString();
    return Reflect.construct(RealDate, args.length === 0 ? [clockNow()] : args, new.target);
  };
  EmulatedDate.prototype = RealDate.prototype;
  Object.defineProperty(RealDate.prototype, 'constructor', { value: EmulatedDate, writable: true, configurable: true });
  EmulatedDate.now = function now() { return clockNow(); };
  EmulatedDate.parse = RealDate.parse;
  EmulatedDate.UTC = RealDate.UTC;
  Object.defineProperty(globalThis, 'Date', { value: EmulatedDate, writable: true, configurable: true });
  return { ObjectCtor: Object, ArrayCtor: Array, RealDate, ErrorCtor: Error };
})`;

interface Intrinsics {
  ObjectCtor: ObjectConstructor;
  ArrayCtor: ArrayConstructor;
  RealDate: DateConstructor;
  ErrorCtor: ErrorConstructor;
}

export class Realm {
  readonly context: vm.Context;
  private readonly intrinsics: Intrinsics;
  private readonly proxyByTarget = new WeakMap<object, object>();
  private readonly targetByProxy = new WeakMap<object, object>();
  private readonly methodCache = new WeakMap<object, Map<PropertyKey, Function>>();

  constructor(clockNow: () => number) {
    this.context = vm.createContext({}, { name: 'Apps Script execution', codeGeneration: { strings: true, wasm: false } });
    const install = vm.runInContext(INSTALL_CLOCK_DATE, this.context) as (now: () => number) => Intrinsics;
    this.intrinsics = install(() => clockNow());
  }

  /** Defines a global the script sees (services: wrapped in the membrane). */
  defineGlobal(name: string, value: unknown): void {
    Object.defineProperty(this.context, name, { value: this.toScript(value), writable: true, configurable: true, enumerable: false });
  }

  /** Runs code in the vm, with a real-time watchdog against endless loops. */
  run(script: vm.Script, realTimeoutMs?: number): unknown {
    return script.runInContext(this.context, { timeout: realTimeoutMs, displayErrors: false });
  }

  /** Calls a global function of the script with arguments rebuilt in the vm realm, under the watchdog. */
  callGlobal(name: string, args: unknown[], realTimeoutMs?: number): unknown {
    const slot = '__emulatorInvocation__';
    Object.defineProperty(this.context, slot, {
      value: { name, args: this.toScript(args) },
      configurable: true,
      enumerable: false,
    });
    try {
      return vm.runInContext(
        `(function (call) { return globalThis[call.name].apply(undefined, call.args); })(globalThis.${slot})`,
        this.context,
        { timeout: realTimeoutMs, displayErrors: false },
      );
    } finally {
      delete (this.context as Record<string, unknown>)[slot];
    }
  }

  /** True for an object created inside this vm (its prototype chain ends in the vm's Object). */
  isScriptObject(value: object): boolean {
    return value instanceof this.intrinsics.ObjectCtor;
  }

  isScriptError(value: unknown): value is Error {
    return value instanceof this.intrinsics.ErrorCtor;
  }

  newScriptDate(ms: number): Date {
    return new this.intrinsics.RealDate(ms);
  }

  /** Host value -> what the script should see. */
  toScript(value: unknown, seen = new Map<object, unknown>()): unknown {
    if (value === null || typeof value !== 'object') return value;
    if (this.targetByProxy.has(value) || this.isScriptObject(value)) return value;
    if (seen.has(value)) return seen.get(value);
    if (Array.isArray(value)) {
      const copy = new this.intrinsics.ArrayCtor(value.length);
      seen.set(value, copy);
      for (let i = 0; i < value.length; i++) copy[i] = this.toScript(value[i], seen);
      return copy;
    }
    if (types.isDate(value)) return this.newScriptDate((value as Date).getTime());
    if (types.isTypedArray(value)) return this.toScript(Array.from(value as unknown as ArrayLike<number>), seen);
    if (isPlainData(value)) {
      const copy = new this.intrinsics.ObjectCtor() as Record<string, unknown>;
      seen.set(value, copy);
      for (const key of Object.keys(value)) copy[key] = this.toScript((value as Record<string, unknown>)[key], seen);
      return copy;
    }
    if (value instanceof Error) return this.toScriptError(value);
    return this.wrapHostObject(value);
  }

  /** Script value -> a plain host value for a fake service. */
  toHost(value: unknown, seen = new Map<object, unknown>()): unknown {
    if (value === null || typeof value !== 'object') return value;
    const target = this.targetByProxy.get(value);
    if (target) return target;
    if (!this.isScriptObject(value) && !isNullPrototype(value)) return value;
    if (seen.has(value)) return seen.get(value);
    if (Array.isArray(value)) {
      const copy: unknown[] = new Array(value.length);
      seen.set(value, copy);
      for (let i = 0; i < value.length; i++) copy[i] = this.toHost(value[i], seen);
      return copy;
    }
    if (types.isDate(value)) return new Date((value as Date).getTime());
    const proto = Object.getPrototypeOf(value);
    if (proto === null || proto === this.intrinsics.ObjectCtor.prototype) {
      const copy: Record<string, unknown> = {};
      seen.set(value, copy);
      for (const key of Object.keys(value)) copy[key] = this.toHost((value as Record<string, unknown>)[key], seen);
      return copy;
    }
    return value;
  }

  /** A host error as the script sees it: a vm Error named Exception, message intact. */
  toScriptError(error: unknown): unknown {
    if (this.isScriptError(error)) return error;
    if (!(error instanceof Error)) return this.toScript(error);
    const scriptError = new this.intrinsics.ErrorCtor(error.message);
    scriptError.name = error.name === 'Error' ? 'Exception' : error.name;
    Object.defineProperty(scriptError, 'emulatorStack', { value: error.stack, enumerable: false });
    return scriptError;
  }

  /** A proxy whose methods convert arguments to host values, and results and errors to the script's realm. */
  private wrapHostObject(target: object): object {
    const existing = this.proxyByTarget.get(target);
    if (existing) return existing;
    const proxy = new Proxy(target, {
      get: (obj, prop) => {
        const value = Reflect.get(obj, prop, obj);
        // A frozen property must come back as itself (Proxy invariant).
        const own = Object.getOwnPropertyDescriptor(obj, prop);
        if (own && !own.configurable && !own.writable && 'value' in own) return value;
        if (typeof value === 'function') return this.wrapMethod(obj, prop, value as Function);
        return this.toScript(value);
      },
      set: (obj, prop, value) => Reflect.set(obj, prop, this.toHost(value), obj),
    });
    this.proxyByTarget.set(target, proxy);
    this.targetByProxy.set(proxy, target);
    return proxy;
  }

  private wrapMethod(target: object, prop: PropertyKey, method: Function): Function {
    let methods = this.methodCache.get(target);
    if (!methods) this.methodCache.set(target, (methods = new Map()));
    const cached = methods.get(prop);
    if (cached) return cached;
    const realm = this;
    const wrapper = function (this: unknown, ...args: unknown[]) {
      let result: unknown;
      try {
        result = method.apply(target, args.map((arg) => realm.toHost(arg)));
      } catch (error) {
        throw realm.toScriptError(error);
      }
      return realm.toScript(result);
    };
    Object.defineProperty(wrapper, 'name', { value: typeof prop === 'string' ? prop : 'method' });
    methods.set(prop, wrapper);
    return wrapper;
  }
}

function isNullPrototype(value: object): boolean {
  return Object.getPrototypeOf(value) === null;
}

/** A plain object holding data; one with methods is a service object and gets wrapped instead. */
function isPlainData(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  if (proto !== null && proto !== Object.prototype) return false;
  for (const key of Object.keys(value)) if (typeof (value as Record<string, unknown>)[key] === 'function') return false;
  return true;
}

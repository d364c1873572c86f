// Throws (or rejects with) values that are not Error objects and resist
// being described: a Proxy whose every trap throws, a Symbol, an object whose
// toJSON and toString throw, an object with a cycle, a revoked Proxy.
function hostileProxy() {
  const boom = () => {
    throw new Error("trap");
  };
  return new Proxy(
    {},
    {
      get: boom,
      has: boom,
      ownKeys: boom,
      getOwnPropertyDescriptor: boom,
      getPrototypeOf: boom,
    },
  );
}
function thrown(how) {
  switch (how) {
    case "proxy":
      return hostileProxy();
    case "proxy-of-error":
      return new Proxy(new TypeError("wrapped"), {
        get() {
          throw new Error("trap");
        },
      });
    case "revoked-proxy": {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    }
    case "symbol":
      return Symbol("thrown symbol");
    case "resisting-object":
      return {
        toJSON() {
          throw new Error("no JSON for you");
        },
        toString() {
          throw new Error("no string either");
        },
      };
    case "cycle": {
      const o = { label: "cyclic" };
      o.self = o;
      return o;
    }
    case "null-prototype":
      return Object.create(null);
    default:
      return new Error("unknown mode");
  }
}
async function handler(event) {
  if (event.async) {
    await null;
  }
  throw thrown(event.how);
}

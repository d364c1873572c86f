// `DOMException`, as Web IDL defines it: an `Error` with a `name`, a
// `message` and the legacy numeric `code` of the standard names. Returns
// the globals it defines.
(function () {
  const { defineProperty } = Object;

  // The legacy codes, as constants (`DOMException.ABORT_ERR`...) and by the
  // error name that has each; names outside the table have code 0.
  const constants = [
    ["INDEX_SIZE_ERR", "IndexSizeError"],
    ["DOMSTRING_SIZE_ERR"],
    ["HIERARCHY_REQUEST_ERR", "HierarchyRequestError"],
    ["WRONG_DOCUMENT_ERR", "WrongDocumentError"],
    ["INVALID_CHARACTER_ERR", "InvalidCharacterError"],
    ["NO_DATA_ALLOWED_ERR"],
    ["NO_MODIFICATION_ALLOWED_ERR", "NoModificationAllowedError"],
    ["NOT_FOUND_ERR", "NotFoundError"],
    ["NOT_SUPPORTED_ERR", "NotSupportedError"],
    ["INUSE_ATTRIBUTE_ERR", "InUseAttributeError"],
    ["INVALID_STATE_ERR", "InvalidStateError"],
    ["SYNTAX_ERR", "SyntaxError"],
    ["INVALID_MODIFICATION_ERR", "InvalidModificationError"],
    ["NAMESPACE_ERR", "NamespaceError"],
    ["INVALID_ACCESS_ERR", "InvalidAccessError"],
    ["VALIDATION_ERR"],
    ["TYPE_MISMATCH_ERR", "TypeMismatchError"],
    ["SECURITY_ERR", "SecurityError"],
    ["NETWORK_ERR", "NetworkError"],
    ["ABORT_ERR", "AbortError"],
    ["URL_MISMATCH_ERR", "URLMismatchError"],
    ["QUOTA_EXCEEDED_ERR", "QuotaExceededError"],
    ["TIMEOUT_ERR", "TimeoutError"],
    ["INVALID_NODE_TYPE_ERR", "InvalidNodeTypeError"],
    ["DATA_CLONE_ERR", "DataCloneError"],
  ];
  const codes = { __proto__: null };

  class DOMException extends Error {
    #name;
    #message;

    constructor(message = "", name = "Error") {
      super();
      this.#message = `${message}`;
      this.#name = `${name}`;
    }

    get name() {
      return this.#name;
    }

    get message() {
      return this.#message;
    }

    get code() {
      return codes[this.#name] ?? 0;
    }
  }

  for (let i = 0; i < constants.length; i++) {
    const [constant, name] = constants[i];
    const code = i + 1;
    if (name !== undefined) codes[name] = code;
    const property = { __proto__: null, value: code, writable: false, enumerable: true, configurable: false };
    defineProperty(DOMException, constant, property);
    defineProperty(DOMException.prototype, constant, property);
  }
  defineProperty(DOMException.prototype, Symbol.toStringTag, {
    __proto__: null,
    value: "DOMException",
    configurable: true,
  });
  return { DOMException };
})

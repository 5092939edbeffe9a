// Imported first by the CLI's and the web console's entry points (and by the test setup),
// before any request or response is decoded. Import it for its effect only:
// `import "@guardian/kit/plain-proto-keys"`.
//
// Makes "__proto__" an ordinary property name in this process (or page), as `node --disable-proto=delete`
// does: Object.prototype's __proto__ accessor is removed, so `obj["__proto__"] = v` creates an
// own property instead of replacing the object's prototype. protobuf-es builds the members of
// google.protobuf.Struct and the entries of map fields by assignment; with the accessor, a JSON
// member or map key named "__proto__" in a message (a config document's content, a schema) is
// dropped silently or becomes the object's prototype. Code that needs a prototype uses
// Object.getPrototypeOf and Object.setPrototypeOf, which are unaffected.
Reflect.deleteProperty(Object.prototype, "__proto__");

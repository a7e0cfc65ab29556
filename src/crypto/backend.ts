// The crypto backend seam (architecture.md, "The crypto seam"): the one place the protocol's
// primitives come from. This file wires the reference backend, @noble (src/crypto/noble.ts): what
// the Node unit tests and the type check see. The QuickJS bundles (the product and wgjs-test)
// resolve this file to src/crypto/native.ts instead (src/tools/bundle.mjs), so the daemon runs
// libsodium/libb2 and the product binary carries no noble code. Both export exactly the
// signatures below (native.ts checks that at compile time).
export * from './noble.ts';

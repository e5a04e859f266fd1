// Loaded with `node -r` into the Jazzer.js process by fuzz/run.ts: when the runner had to write a
// patched copy of the libFuzzer addon (see jazzer-addon.ts), Node's dlopen loads that copy instead.
const from = process.env.GLASSWING_FUZZ_ADDON_FROM;
const to = process.env.GLASSWING_FUZZ_ADDON_TO;
if (from && to && from !== to) {
  const dlopen = process.dlopen;
  process.dlopen = function (module, filename, ...rest) {
    return dlopen.call(this, module, filename === from ? to : filename, ...rest);
  };
}

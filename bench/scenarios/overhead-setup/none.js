'use strict';
// Overhead scenario, variant "no hook": the application alone (the same preload layout as the
// other variants, with nothing in it).
globalThis.benchRun = (fn) => fn();
globalThis.benchFlush = () => Promise.resolve();

export type { FakeSyncServer, FakeSyncServerOptions, RecordedRequest } from './fake-sync-server.js';
export { startFakeSyncServer } from './fake-sync-server.js';
export { ManualClock } from './manual-clock.js';
export type { SyncSourceHarness } from './sync-contract-suite.js';
export { describeSyncContract, waitUntil } from './sync-contract-suite.js';

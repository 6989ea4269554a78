import { startFakeSyncServer } from './testing/fake-sync-server.js';
import { describeSyncContract } from './testing/sync-contract-suite.js';

describeSyncContract('fake sync server', async () => {
  const fake = await startFakeSyncServer();
  return {
    baseUrl: fake.baseUrl,
    token: fake.token,
    putFlag: async (flag) => {
      fake.putFlag(flag);
    },
    close: () => fake.close(),
  };
});

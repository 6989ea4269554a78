// An app process for the end-to-end tests: the real OpenFeature SDK with our provider, reading the prompt bundle
// of each unit's assigned version. It counts the provider's HTTP requests, so a test can check that reading
// bundles costs no network call after the first sync. Commands arrive as JSON lines on stdin; answers leave as JSON
// lines on stdout.
import { createInterface } from 'node:readline';
import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { getPrompt, PromptCanaryProvider } from '@prompt-canary/openfeature-provider';

const requests = [];
const provider = new PromptCanaryProvider({
  baseUrl: process.env.CANARY_URL,
  token: process.env.CANARY_TOKEN,
  tracking: false,
  fetch: (input, init) => {
    requests.push(new URL(String(input)).pathname);
    return fetch(input, init);
  },
});
await OpenFeature.setProviderAndWait(provider);
const client = OpenFeature.getClient();

const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

async function read(units) {
  const bundles = {};
  for (const unit of units) {
    const { bundle, version } = await getPrompt(client, 'support-prompts', { targetingKey: unit });
    bundles[unit] = {
      version,
      system: bundle?.prompts.system?.text ?? null,
      temperature: bundle?.model?.parameters?.temperature ?? null,
    };
  }
  return bundles;
}

/** Pending `await` commands: resolved when every unit reads `text`. */
const waiting = new Set();
async function check() {
  for (const wait of [...waiting]) {
    const bundles = await read(wait.units);
    if (wait.units.every((unit) => bundles[unit].system === wait.text)) {
      waiting.delete(wait);
      send({ op: 'await', at: Date.now() });
    }
  }
}
OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, () => void check());

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line);
  if (command.op === 'read')
    send({ op: 'read', bundles: await read(command.units), requests: [...requests] });
  else if (command.op === 'await') {
    waiting.add({ units: command.units, text: command.text });
    await check();
  } else if (command.op === 'exit') break;
}
await OpenFeature.close();
process.exit(0);

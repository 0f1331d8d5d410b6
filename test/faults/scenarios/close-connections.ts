import type { Scenario } from '../support/scenario';
import { CONNECTION_LOST_LINE, consumersBack, faultUnderLoad } from './under-load';

/** Each round waits for the runtime to consume again before the next close. */
const ROUNDS = 3;

/** `rabbitmqctl close_all_connections "fault test"`, three times, while a publisher and a runtime are busy. */
export const closeConnectionsScenario: Scenario = {
  id: 'close-connections',
  title: `close_all_connections ×${ROUNDS} under load`,
  duplicatesAllowed: true,
  needsNodeControl: true,
  timeoutMs: 150_000,
  async run(ctx) {
    const node = ctx.broker.node;
    if (!node) throw new Error('needs node control');
    await faultUnderLoad(ctx, `close_all_connections ×${ROUNDS}`, async ({ runtime }) => {
      for (let round = 1; round <= ROUNDS; round++) {
        const drops = runtime.countLines(CONNECTION_LOST_LINE);
        await node.ctl(['close_all_connections', 'fault test']);
        await ctx.waitFor(`the runtime to notice (round ${round})`, () => runtime.countLines(CONNECTION_LOST_LINE) > drops, { timeoutMs: 10_000, failIf: ctx.noRuntimeAlive });
        await consumersBack(ctx);
      }
    }, ROUNDS);
  },
};

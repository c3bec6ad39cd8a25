// The loop of a device whose chains are served synchronously, one by one, within the turn's
// budget of host work (see TURN_BUDGET_BYTES): the one place that decides when to stop.

import type { VirtioHost, WorkBudget } from "./virtioDevice.js";
import type { Chain, Virtqueue } from "./virtqueue.js";

/**
 * Takes the chains available on `queue` and gives each to `serve`, which pushes it back and
 * returns the bytes of host work it cost, until the ring is empty, the budget is spent, or
 * `blocked()` says the host cannot take more now. Raises the used-buffer interrupt if any chain
 * went back. Returns true when it stopped on the budget (the caller returns it from notify()).
 */
export function serveChains(
  host: VirtioHost,
  queue: number,
  budget: WorkBudget,
  serve: (chain: Chain, q: Virtqueue) => number,
  blocked: () => boolean = () => false,
): boolean {
  const q = host.queue(queue);
  let used = false;
  let more = false;
  for (;;) {
    if (blocked()) break;
    if (budget.bytes <= 0) {
      more = true;
      break;
    }
    const chain = q.pop();
    if (!chain) break;
    budget.bytes -= Math.max(1, serve(chain, q));
    used = true;
  }
  if (used) host.usedBuffers(queue);
  return more;
}

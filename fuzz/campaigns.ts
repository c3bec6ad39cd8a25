// The campaigns by name, for the runner's command line and its worker.

import type { Campaign } from "./campaign.js";
import { MmioCampaign } from "./mmio.js";
import { RingsCampaign } from "./rings.js";
import { SbiCampaign } from "./sbi.js";

export const CAMPAIGNS = ["rings", "sbi", "mmio"] as const;
export type CampaignName = (typeof CAMPAIGNS)[number];

export function makeCampaign(name: CampaignName): Campaign<unknown> {
  switch (name) {
    case "rings":
      return new RingsCampaign() as Campaign<unknown>;
    case "sbi":
      return new SbiCampaign() as Campaign<unknown>;
    case "mmio":
      return new MmioCampaign() as Campaign<unknown>;
  }
}

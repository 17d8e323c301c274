import { requireService } from "../../../scripts/services/require-service.ts";
import { requireVenv } from "../src/py-key-value.ts";
import { services } from "./services.ts";

export default async (): Promise<void> => {
  requireVenv();
  for (const [name, url] of Object.entries(services)) await requireService(name, url);
};

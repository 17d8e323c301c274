import { requireService } from "../../../scripts/services/require-service.ts";
import { elasticsearchUrl } from "./helpers.ts";

export default (): Promise<void> => requireService("elasticsearch", elasticsearchUrl);

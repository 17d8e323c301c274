import { elasticsearchUrl, requireService } from "../../../scripts/services/require-service.ts";

export default (): Promise<void> => requireService("elasticsearch", elasticsearchUrl());

import { postgresUrl, requireService } from "../../../scripts/services/require-service.ts";

export default (): Promise<void> => requireService("postgres", postgresUrl());

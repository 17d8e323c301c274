import { requireService, s3Url } from "../../../scripts/services/require-service.ts";

export default (): Promise<void> => requireService("s3", s3Url());

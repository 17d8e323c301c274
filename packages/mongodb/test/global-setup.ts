import { requireService } from "../../../scripts/services/require-service.ts";
import { mongoUrl } from "./server.ts";

export default (): Promise<void> => requireService("mongodb", mongoUrl);

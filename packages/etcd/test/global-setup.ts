import { etcdUrl, requireService } from "../../../scripts/services/require-service.ts";

export default (): Promise<void> => requireService("etcd", etcdUrl());

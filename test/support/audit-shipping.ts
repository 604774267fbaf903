/** A prod config with usage on and the audit shipper to a stand-in Elasticsearch address, for the shipper's tests. */
import { auditSchema } from "../../config/schema/audit";
import type { PlatformConfig } from "../../config/schema/platform";
import { usageSchema } from "../../config/schema/usage";
import { editableProdConfig } from "../helpers";

export const ES_ADDRESS = "10.21.7.15";
export const SHIPPING = {
  elasticsearch: {
    hosts: [`https://${ES_ADDRESS}:9200`],
    addresses: [`${ES_ADDRESS}/32`],
    credentialsSecret: "es-audit",
    caSecret: "es-ca",
  },
};

export function withShipping(shipping: object = SHIPPING): PlatformConfig {
  const config = editableProdConfig();
  config.usage = usageSchema.parse({ enabled: true });
  config.audit = auditSchema.parse({ shipping });
  return config;
}

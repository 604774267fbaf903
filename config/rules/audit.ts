/**
 * The audit section's shipping: there must be lines to ship (usage on), a password must not cross
 * the network in clear, and the network policy must open what Filebeat will dial.
 */
import { quote, type RuleIssue } from "../issues";
import { CLOUD_METADATA_ADDRESS, cidrContains, isIpv4, rangeHolding } from "../schema/network-ranges";
import type { PlatformConfig } from "../schema/platform";

const at = (...path: (string | number)[]) => ["audit", "shipping", ...path];

export function auditShippingIsSound(config: PlatformConfig): RuleIssue[] {
  const shipping = config.audit.shipping;
  if (!shipping) return [];
  const es = shipping.elasticsearch;
  const issues: RuleIssue[] = [];
  if (!config.usage.enabled) {
    issues.push({ path: at(), message: "needs usage.enabled: only the usage hooks write audit lines" });
  }
  es.hosts.forEach((text, index) => {
    const url = new URL(text);
    if (url.protocol === "http:" && es.credentialsSecret) {
      issues.push({
        path: at("elasticsearch", "hosts", index),
        message: `${quote(text)} is plain http: the login in ${quote(es.credentialsSecret)} would cross the network in clear; use https`,
      });
    }
    if (url.username || url.password || url.pathname.length > 1 || url.search) {
      issues.push({
        path: at("elasticsearch", "hosts", index),
        message: `${quote(text)}: write scheme, host and port only (the login belongs in credentialsSecret)`,
      });
    }
    if (isIpv4(url.hostname) && !rangeHolding(url.hostname, es.addresses)) {
      issues.push({
        path: at("elasticsearch", "hosts", index),
        message: `${url.hostname} is not in elasticsearch.addresses (${es.addresses.join(", ")}): the network policy would block it`,
      });
    }
  });
  es.addresses.forEach((range, index) => {
    if (cidrContains(range, CLOUD_METADATA_ADDRESS)) {
      issues.push({
        path: at("elasticsearch", "addresses", index),
        message: `${range} holds the metadata address ${CLOUD_METADATA_ADDRESS}, which stays closed; name the Elasticsearch hosts' addresses`,
      });
    }
  });
  return issues;
}

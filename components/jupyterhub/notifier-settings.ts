/**
 * The idle-GPU notifier's part of the hub settings (monitoring.notifier): absent when it is off, or
 * when what it needs is missing (validation reports that: config/rules/monitoring.ts). Pure.
 */
import type { PlatformConfig } from "../../config/schema/platform";
import { notifierEnabled, notifierPrometheusUrl } from "../cluster/monitoring-targets";
import type { HubSettings } from "./hub-settings-schema";

export function idleGpuNotifierSettings(
  config: Pick<PlatformConfig, "monitoring">,
): Pick<HubSettings, "idle_gpu_notifier"> {
  const { monitoring } = config;
  if (!notifierEnabled(monitoring)) return {};
  const { notifier } = monitoring;
  const prometheusUrl = notifierPrometheusUrl(monitoring);
  if (!prometheusUrl || !notifier.smtp.host || !notifier.smtp.from) return {};
  return {
    idle_gpu_notifier: {
      prometheus_url: prometheusUrl,
      every: notifier.every,
      stop_after: notifier.stopAfterMinutes * 60,
      smtp_host: notifier.smtp.host,
      smtp_port: notifier.smtp.port,
      smtp_from: notifier.smtp.from,
      smtp_starttls: notifier.smtp.starttls,
      ...(notifier.smtp.username ? { smtp_user: notifier.smtp.username } : {}),
      subject: notifier.email.subject,
      body: notifier.email.body,
    },
  };
}

/**
 * Whether the hub gets the notifier's SMTP password (Secret `hub`, HUB_SECRET_KEYS.smtpPassword):
 * the notifier runs and logs in (a username and a password's config key; validation wants both).
 */
export function notifierSmtpLogin(config: Pick<PlatformConfig, "monitoring">): boolean {
  const { smtp } = config.monitoring.notifier;
  return Boolean(
    idleGpuNotifierSettings(config).idle_gpu_notifier && smtp.username && smtp.passwordSecretKey,
  );
}

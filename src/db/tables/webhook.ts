import type { Generated, Selectable } from 'kysely'

/** A subscriber's endpoint: signed deliveries of the topics it asked for. */
export interface WebhookTable {
  id: string
  url: string
  topics: unknown
  /** Kept as given: the service signs with it (HMAC-SHA256). */
  secret: string
  enabled: boolean
  consecutive_failures: number
  /** The first failed attempt since the last success: when the current outage began. */
  failing_since: Date | null
  disabled_reason: string | null
  /** The feed position fan-out has reached for this webhook. */
  cursor_position: string
  created_by: string
  created_at: Date
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed'

export interface WebhookDeliveryTable {
  id: string
  webhook_id: string
  outbox_id: string
  topic: string
  payload: unknown
  status: DeliveryStatus
  attempts: number
  next_attempt_at: Date
  last_status_code: number | null
  last_error: string | null
  delivered_at: Date | null
  created_at: Date
}

export interface WebhookAttemptTable {
  id: Generated<string>
  delivery_id: string
  attempt: number
  status_code: number | null
  error: string | null
  duration_ms: number
  at: Date
}

export type WebhookRow = Selectable<WebhookTable>
export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>
export type WebhookAttemptRow = Selectable<WebhookAttemptTable>

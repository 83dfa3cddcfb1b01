/**
 * The settlement as one server-side function (docs/decisions/0004-postgres-settle-function.md):
 * the same conditional writes `SqliteStore.settle` makes, in the same order, run by PostgreSQL in
 * one statement. A transaction of a dozen statements cost a dozen round trips, and held the
 * account's row lock across them while the issuer's event loop was busy elsewhere; one call holds
 * it only while PostgreSQL works.
 *
 * A refusal raises `P0001` with the message `dualpay:<conflict>`: the statement, and so every
 * write it made, rolls back, and the store reports the conflict. Applied by migration 6; a change
 * is a new migration with `CREATE OR REPLACE FUNCTION` (the text of an applied one never changes).
 */

/** The function as migration 6 created it (its NOTIFY channel is base.ts's EVENTS_CHANNEL). */
export const SETTLE_FUNCTION_V6 = `
CREATE FUNCTION dualpay_settle(
  p_session TEXT, p_settlement TEXT, p_token TEXT, p_now BIGINT, p_challenge TEXT,
  p_card TEXT, p_expected_counter BIGINT, p_new_counter BIGINT,
  p_account TEXT, p_since BIGINT, p_amount BIGINT, p_max BIGINT,
  p_webhook_id TEXT, p_webhook_type TEXT, p_webhook_payload TEXT, p_webhook_at BIGINT,
  p_audit_at BIGINT, p_audit_actor TEXT, p_audit_action TEXT, p_audit_session TEXT,
  p_audit_account TEXT, p_audit_card TEXT, p_audit_merchant TEXT, p_audit_ip TEXT,
  p_audit_user_agent TEXT, p_audit_detail TEXT
) RETURNS SETOF sessions LANGUAGE plpgsql AS $fn$
DECLARE
  settled sessions;
  frozen BIGINT;
  used BIGINT;
BEGIN
  -- Racing settlements of one session queue on its row; the first moves it to 'settled', the
  -- others re-check status = 'claimed' on the new version and update nothing.
  UPDATE sessions SET status = 'settled', settlement_id = p_settlement,
      settlement_token = p_token, event_seq = event_seq + 1
    WHERE id = p_session AND status = 'claimed' AND expires_at > p_now
    RETURNING * INTO settled;
  IF NOT FOUND THEN RAISE EXCEPTION 'dualpay:session_state'; END IF;

  UPDATE challenges SET used_at = p_now
    WHERE challenge = p_challenge AND session_id = p_session AND used_at IS NULL
      AND expires_at > p_now;
  IF NOT FOUND THEN RAISE EXCEPTION 'dualpay:challenge_spent'; END IF;

  -- Compare-and-set on the counter: a payment by the same card that moved it meanwhile holds
  -- the card's row until it commits; this one then finds another counter and updates nothing.
  UPDATE cards SET counter = p_new_counter, last_used_at = p_now
    WHERE id = p_card AND counter = p_expected_counter AND revoked_at IS NULL
      AND (activates_at IS NULL OR activates_at <= p_now);
  IF NOT FOUND THEN
    IF EXISTS (SELECT 1 FROM cards WHERE id = p_card AND revoked_at IS NULL
                 AND (activates_at IS NULL OR activates_at <= p_now)) THEN
      RAISE EXCEPTION 'dualpay:counter_moved';
    END IF;
    RAISE EXCEPTION 'dualpay:card_inactive';
  END IF;

  -- The account's row lock makes the month's sum and this entry one step: a settlement of the
  -- same account in another process waits here until this one commits, and its sum (a new
  -- statement inside this function, a new snapshot) then counts this entry. It also waits out a
  -- freeze in progress.
  SELECT frozen_at INTO frozen FROM accounts WHERE id = p_account FOR NO KEY UPDATE;
  IF frozen IS NOT NULL THEN RAISE EXCEPTION 'dualpay:account_frozen'; END IF;
  -- A refund gives back to the month of the payment it refunds.
  SELECT COALESCE(SUM(limit_amount), 0) - (
      SELECT COALESCE(SUM(r.limit_amount), 0) FROM refunds r
      WHERE r.account_id = p_account AND r.payment_at >= p_since)
    INTO used
    FROM ledger_entries WHERE account_id = p_account AND created_at >= p_since;
  IF used + p_amount > p_max THEN RAISE EXCEPTION 'dualpay:over_limit'; END IF;

  INSERT INTO ledger_entries (id, session_id, merchant_id, account_id, card_id, amount, currency,
      limit_amount, created_at)
    VALUES (p_settlement, p_session, settled.merchant_id, p_account, p_card, settled.amount,
      settled.currency, p_amount, p_now);
  -- The accounts each phone paid for (the risk policy's shared-phone count); the pair's row is
  -- only ever locked under its account's row lock, taken above.
  IF settled.phone_token_hash IS NOT NULL THEN
    INSERT INTO phone_accounts (phone_token_hash, account_id, last_paid_at)
      VALUES (settled.phone_token_hash, p_account, p_now)
      ON CONFLICT (phone_token_hash, account_id) DO UPDATE
        SET last_paid_at = GREATEST(phone_accounts.last_paid_at, EXCLUDED.last_paid_at);
  END IF;

  INSERT INTO session_events (session_id, seq, status, error_code, created_at)
    VALUES (p_session, settled.event_seq, 'settled', NULL, p_now);
  PERFORM pg_notify('dualpay_events', json_build_object('sessionId', p_session,
    'seq', settled.event_seq, 'status', 'settled', 'errorCode', NULL,
    'createdAt', p_now)::text);

  -- The merchant's webhook event, only while it has a webhook URL.
  IF p_webhook_id IS NOT NULL THEN
    INSERT INTO webhook_events (id, merchant_id, type, payload, created_at, status, attempts,
        next_attempt_at)
      SELECT p_webhook_id, id, p_webhook_type, p_webhook_payload, p_webhook_at, 'pending', 0,
        p_webhook_at
      FROM merchants WHERE id = settled.merchant_id AND webhook_url IS NOT NULL;
  END IF;

  INSERT INTO audit_log (at, actor, action, session_id, account_id, card_id, merchant_id, ip,
      user_agent, detail)
    VALUES (p_audit_at, p_audit_actor, p_audit_action, p_audit_session, p_audit_account,
      p_audit_card, p_audit_merchant, p_audit_ip, p_audit_user_agent, p_audit_detail);
  RETURN NEXT settled;
END
$fn$;
`;

/**
 * Versioned schema migrations shared by both adapters (docs/design.md "Storage and scale").
 * Each migration is applied once, in order, inside a transaction, and recorded in
 * `schema_migrations`. The only dialect difference is the integer type (SQLite INTEGER is
 * already 64-bit). The guards the authorization path relies on are constraints here, not
 * application code: PRIMARY KEY (card_id, atc) on atc_ledger, UNIQUE idempotency_key,
 * PRIMARY KEY (device_id, seq) on outbox, UNIQUE token_pan.
 */

export type Dialect = 'sqlite' | 'postgres';

/** One schema version: its number, its name and its statements per dialect. */
export interface Migration {
  version: number;
  name: string;
  statements(dialect: Dialect): string[];
}

function big(d: Dialect): string {
  return d === 'postgres' ? 'BIGINT' : 'INTEGER';
}

/**
 * The PostgreSQL function that writes one authorization plan (migration 6; see there). `create`
 * is `CREATE` the first time and `CREATE OR REPLACE` for a migration that adds columns to
 * `authorizations`: the column lists are written out, so such a migration replaces it.
 */
function commitAuthorizationFunction(
  create: 'CREATE' | 'CREATE OR REPLACE',
  insertColumns: string,
  selectColumns: string,
): string {
  return `${create} FUNCTION openvse_commit_authorization(
               auth json, ledger json, suk_atc integer, luk json, pin text, risk json
             ) RETURNS json LANGUAGE plpgsql AS $$
             DECLARE
               n integer;
               existing json;
               card text := auth->>'card_id';
             BEGIN
               INSERT INTO authorizations (${insertColumns})
                 SELECT ${selectColumns}
                 FROM json_populate_record(NULL::authorizations, auth)
                 ON CONFLICT (idempotency_key) DO NOTHING;
               GET DIAGNOSTICS n = ROW_COUNT;
               IF n = 0 THEN
                 SELECT row_to_json(a) INTO existing FROM authorizations a
                   WHERE a.idempotency_key = auth->>'idempotency_key';
                 RETURN json_build_object('kind', 'idempotent', 'existing', existing);
               END IF;
               IF ledger IS NOT NULL THEN
                 INSERT INTO atc_ledger (card_id, atc, api, un, amount, authorization_id, decision, created_at)
                   SELECT card_id, atc, api, un, amount, authorization_id, decision, created_at
                   FROM json_populate_record(NULL::atc_ledger, ledger)
                   ON CONFLICT (card_id, atc) DO NOTHING;
                 GET DIAGNOSTICS n = ROW_COUNT;
                 IF n = 0 THEN RAISE EXCEPTION 'atc-replay' USING ERRCODE = 'OV001'; END IF;
               END IF;
               IF suk_atc IS NOT NULL THEN
                 UPDATE suks SET status = 'USED' WHERE card_id = card AND atc = suk_atc AND status = 'UNUSED';
                 GET DIAGNOSTICS n = ROW_COUNT;
                 IF n <> 1 THEN RAISE EXCEPTION 'suk-unavailable' USING ERRCODE = 'OV002'; END IF;
               END IF;
               IF luk IS NOT NULL THEN
                 IF (luk->>'count_amount')::boolean THEN
                   UPDATE luks SET used_count = used_count + 1, used_amount = used_amount + (luk->>'amount')::bigint
                     WHERE card_id = card AND api = luk->>'api' AND retired_at IS NULL
                       AND used_count < max_transactions
                       AND used_amount + (luk->>'amount')::bigint <= max_amount;
                 ELSE
                   UPDATE luks SET used_count = used_count + 1
                     WHERE card_id = card AND api = luk->>'api' AND retired_at IS NULL
                       AND used_count < max_transactions;
                 END IF;
                 GET DIAGNOSTICS n = ROW_COUNT;
                 IF n <> 1 THEN RAISE EXCEPTION 'luk-threshold' USING ERRCODE = 'OV003'; END IF;
               END IF;
               IF pin = 'wrong' THEN
                 UPDATE cards SET mobile_pin_failures = mobile_pin_failures + 1 WHERE card_id = card;
               ELSIF pin = 'verified' THEN
                 UPDATE cards SET mobile_pin_failures = 0 WHERE card_id = card AND mobile_pin_failures <> 0;
               END IF;
               IF risk IS NOT NULL THEN
                 INSERT INTO risk_decisions (id, context, device_id, card_id, authorization_id, score,
                     outcome, reason, rules, created_at)
                   SELECT id, context, device_id, card_id, authorization_id, score, outcome, reason,
                     rules, created_at
                   FROM json_populate_record(NULL::risk_decisions, risk);
               END IF;
               RETURN json_build_object('kind', 'stored');
             END
             $$`;
}

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'core',
    statements: (d: Dialect) => {
      const B = big(d);
      return [
        `CREATE TABLE issuer_keys (
          name TEXT NOT NULL,
          version INTEGER NOT NULL,
          kind TEXT NOT NULL,
          kcv TEXT NOT NULL,
          wrapped TEXT NOT NULL,
          public_jwk TEXT,
          created_at ${B} NOT NULL,
          PRIMARY KEY (name, version)
        )`,
        `CREATE TABLE cards (
          card_id TEXT PRIMARY KEY,
          token_pan TEXT NOT NULL UNIQUE,
          psn TEXT NOT NULL,
          funding_pan_enc TEXT NOT NULL,
          funding_pan_hash TEXT NOT NULL,
          expiry TEXT NOT NULL,
          profile TEXT NOT NULL CHECK (profile IN ('V', 'M')),
          card_type TEXT NOT NULL CHECK (card_type IN ('cloud', 'plain')),
          status TEXT NOT NULL CHECK (status IN ('ACTIVE', 'SUSPENDED', 'DELETED')),
          device_id TEXT,
          mobile_pin_enc TEXT,
          kdi TEXT NOT NULL,
          next_atc ${B} NOT NULL DEFAULT 1,
          created_at ${B} NOT NULL,
          updated_at ${B} NOT NULL
        )`,
        'CREATE INDEX cards_funding_hash ON cards (funding_pan_hash)',
        `CREATE TABLE devices (
          device_id TEXT PRIMARY KEY,
          platform_jwk TEXT NOT NULL,
          platform_kid TEXT NOT NULL,
          ta_enc_jwk TEXT NOT NULL,
          ta_enc_kid TEXT NOT NULL,
          ta_sig_jwk TEXT NOT NULL,
          ta_sig_kid TEXT NOT NULL,
          ta_code_sha256 TEXT NOT NULL,
          protection_level TEXT NOT NULL,
          last_state_counter TEXT NOT NULL,
          last_seq ${B} NOT NULL DEFAULT 0,
          enrolled_at ${B} NOT NULL
        )`,
        `CREATE TABLE nonces (
          nonce TEXT PRIMARY KEY,
          kind TEXT NOT NULL,
          created_at ${B} NOT NULL,
          expires_at ${B} NOT NULL,
          used_at ${B}
        )`,
        'CREATE INDEX nonces_expiry ON nonces (expires_at)',
        `CREATE TABLE luks (
          card_id TEXT NOT NULL REFERENCES cards (card_id),
          api TEXT NOT NULL,
          dki TEXT NOT NULL,
          max_transactions INTEGER NOT NULL,
          not_after ${B} NOT NULL,
          max_amount ${B} NOT NULL,
          issued_at ${B} NOT NULL,
          retired_at ${B},
          used_count INTEGER NOT NULL DEFAULT 0,
          used_amount ${B} NOT NULL DEFAULT 0,
          PRIMARY KEY (card_id, api)
        )`,
        `CREATE TABLE suks (
          card_id TEXT NOT NULL REFERENCES cards (card_id),
          atc INTEGER NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('UNUSED', 'USED', 'DISCARDED')),
          issued_at ${B} NOT NULL,
          PRIMARY KEY (card_id, atc)
        )`,
        `CREATE TABLE outbox (
          device_id TEXT NOT NULL REFERENCES devices (device_id),
          seq ${B} NOT NULL,
          typ TEXT NOT NULL,
          card_id TEXT,
          message TEXT NOT NULL,
          created_at ${B} NOT NULL,
          expires_at ${B} NOT NULL,
          PRIMARY KEY (device_id, seq)
        )`,
        `CREATE TABLE authorizations (
          id TEXT PRIMARY KEY,
          idempotency_key TEXT NOT NULL UNIQUE,
          request_hash TEXT NOT NULL,
          card_id TEXT,
          atc INTEGER,
          amount ${B} NOT NULL,
          currency TEXT NOT NULL,
          cryptogram TEXT,
          decision TEXT NOT NULL CHECK (decision IN ('APPROVE', 'DECLINE')),
          reason TEXT NOT NULL,
          arpc TEXT,
          response_json TEXT NOT NULL,
          created_at ${B} NOT NULL
        )`,
        'CREATE INDEX authorizations_card ON authorizations (card_id, created_at)',
        `CREATE TABLE atc_ledger (
          card_id TEXT NOT NULL REFERENCES cards (card_id),
          atc INTEGER NOT NULL,
          api TEXT,
          un TEXT NOT NULL,
          amount ${B} NOT NULL,
          authorization_id TEXT NOT NULL REFERENCES authorizations (id),
          decision TEXT NOT NULL,
          created_at ${B} NOT NULL,
          CONSTRAINT atc_ledger_card_atc UNIQUE (card_id, atc)
        )`,
        'CREATE INDEX atc_ledger_api ON atc_ledger (card_id, api)',
      ];
    },
  },
  {
    // Threat intelligence and the fraud engine (docs/fraud-engine.md): per-device risk state
    // (the last accepted report seq is the replay guard, a conditional update), the accepted
    // reports and their threats, the stored reaction policies and every fraud decision.
    version: 2,
    name: 'fraud',
    statements: (d: Dialect) => {
      const B = big(d);
      const serial = d === 'postgres' ? 'BIGSERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT';
      return [
        `CREATE TABLE device_risk (
          device_id TEXT PRIMARY KEY REFERENCES devices (device_id),
          last_report_seq ${B} NOT NULL DEFAULT 0,
          last_report_at ${B},
          last_heartbeat_at ${B},
          last_seen_at ${B},
          active_threats TEXT NOT NULL DEFAULT '[]',
          seq_gaps ${B} NOT NULL DEFAULT 0,
          reports ${B} NOT NULL DEFAULT 0,
          updated_at ${B} NOT NULL
        )`,
        `CREATE TABLE threat_reports (
          device_id TEXT NOT NULL REFERENCES devices (device_id),
          seq ${B} NOT NULL,
          typ TEXT NOT NULL CHECK (typ IN ('threat-report', 'heartbeat')),
          scan_id TEXT,
          scan_reason TEXT,
          clean INTEGER,
          threat_count INTEGER NOT NULL,
          gap_before ${B} NOT NULL,
          iat ${B} NOT NULL,
          state_counter TEXT,
          received_at ${B} NOT NULL,
          PRIMARY KEY (device_id, seq)
        )`,
        'CREATE INDEX threat_reports_received ON threat_reports (received_at)',
        `CREATE TABLE threats (
          id ${serial},
          device_id TEXT NOT NULL REFERENCES devices (device_id),
          seq ${B} NOT NULL,
          class TEXT NOT NULL,
          code TEXT NOT NULL,
          severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
          reaction TEXT NOT NULL,
          evidence TEXT NOT NULL,
          detected_at TEXT NOT NULL,
          received_at ${B} NOT NULL
        )`,
        'CREATE INDEX threats_received ON threats (received_at)',
        'CREATE INDEX threats_device ON threats (device_id, received_at)',
        `CREATE TABLE reaction_policies (
          version INTEGER PRIMARY KEY,
          policy TEXT NOT NULL,
          created_at ${B} NOT NULL
        )`,
        `CREATE TABLE risk_decisions (
          id TEXT PRIMARY KEY,
          context TEXT NOT NULL CHECK (context IN ('authorization', 'provision', 'replenish', 'enroll')),
          device_id TEXT,
          card_id TEXT,
          authorization_id TEXT,
          score INTEGER NOT NULL,
          outcome TEXT NOT NULL CHECK (outcome IN ('approve', 'step_up', 'decline')),
          reason TEXT NOT NULL,
          rules TEXT NOT NULL,
          created_at ${B} NOT NULL
        )`,
        'CREATE INDEX risk_decisions_time ON risk_decisions (created_at)',
        'CREATE INDEX risk_decisions_device ON risk_decisions (device_id, context, created_at)',
        'CREATE INDEX risk_decisions_card ON risk_decisions (card_id, context, created_at)',
      ];
    },
  },
  {
    // The mobile PIN try counter (docs/cdcvm.md): wrong mobile PINs in a row since the last one
    // the issuer verified; the authorization that finds a wrong PIN counts it in its transaction.
    version: 3,
    name: 'mobile-pin-tries',
    statements: () => ['ALTER TABLE cards ADD COLUMN mobile_pin_failures INTEGER NOT NULL DEFAULT 0'],
  },
  {
    // Operators (storage/operator-store.ts): browser sessions (by the hash of their id), fleet
    // policy changes awaiting a second security admin, and the audit log, append-only in the
    // database too: a trigger refuses every UPDATE and DELETE (and, on PostgreSQL, TRUNCATE).
    version: 4,
    name: 'operators',
    statements: (d: Dialect) => {
      const B = big(d);
      const serial = d === 'postgres' ? 'BIGSERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT';
      const appendOnly =
        d === 'postgres'
          ? [
              `CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$`,
              `CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
               FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`,
            ]
          : [
              `CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
               BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
              `CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
               BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
            ];
      return [
        `CREATE TABLE operator_sessions (
          id_hash TEXT PRIMARY KEY,
          username TEXT NOT NULL,
          role TEXT NOT NULL,
          created_at ${B} NOT NULL,
          last_seen_at ${B} NOT NULL,
          expires_at ${B} NOT NULL
        )`,
        'CREATE INDEX operator_sessions_expiry ON operator_sessions (expires_at)',
        `CREATE TABLE policy_changes (
          id TEXT PRIMARY KEY,
          base_version INTEGER NOT NULL,
          policy TEXT NOT NULL,
          proposed_by TEXT NOT NULL,
          proposed_at ${B} NOT NULL,
          expires_at ${B} NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('pending', 'approved')),
          decided_by TEXT,
          decided_at ${B},
          version INTEGER,
          CHECK (decided_by IS NULL OR decided_by <> proposed_by)
        )`,
        `CREATE TABLE audit_log (
          id ${serial},
          at ${B} NOT NULL,
          actor TEXT NOT NULL,
          role TEXT,
          action TEXT NOT NULL,
          target TEXT,
          outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
          status INTEGER NOT NULL,
          detail TEXT NOT NULL,
          ip TEXT,
          request_id TEXT
        )`,
        'CREATE INDEX audit_log_action ON audit_log (action, id)',
        ...appendOnly,
      ];
    },
  },
  {
    // Device reset (devices/reset.ts): until this time the device may enroll with a new platform
    // key once (a reinstalled wallet); NULL = pinned for good.
    version: 5,
    name: 'device-reset',
    statements: (d: Dialect) => [`ALTER TABLE devices ADD COLUMN repin_until ${big(d)}`],
  },
  {
    // One authorization, one round trip (docs/scaling.md): on PostgreSQL a server-side function
    // writes a decision with its guards in the single statement's transaction — the idempotency
    // record (ON CONFLICT on the UNIQUE key: the first answer wins), the ATC gate (ON CONFLICT on
    // UNIQUE (card_id, atc): still a uniqueness constraint, so it holds across instances), the
    // SUK / LUK counters (conditional updates) and the fraud decision. A guard that refuses
    // raises its own SQLSTATE (OV001 ATC spent, OV002 SUK unavailable, OV003 LUK threshold), which
    // rolls the statement back. The column lists are written out: a later migration that adds a
    // column to these tables replaces the function. SQLite writes the same plan in its own
    // transaction (storage/sqlite-store.ts).
    version: 6,
    name: 'authorize-function',
    statements: (d: Dialect) =>
      d === 'sqlite'
        ? []
        : [
            commitAuthorizationFunction(
              'CREATE',
              `id, idempotency_key, request_hash, card_id, atc, amount,
                   currency, cryptogram, decision, reason, arpc, response_json, created_at`,
              `id, idempotency_key, request_hash, card_id, atc, amount, currency, cryptogram,
                   decision, reason, arpc, response_json, created_at`,
            ),
          ],
  },
  {
    // What the dashboard shows of an authorization (docs/dashboard.md): the merchant and terminal
    // ids the acquirer sent (POST /v1/authorizations `merchantId`, `terminalId`; kept until now
    // only inside the request hash) and the device the card was bound to at that moment (a reset
    // unbinds cards later). NULL for the rows written before. Indexes for the dashboard's filters:
    // by device and time, by time, and a fraud decision by its authorization. PostgreSQL: the
    // commit function of migration 6 lists the columns it writes, so it is replaced.
    version: 7,
    name: 'authorization-context',
    statements: (d: Dialect) => [
      'ALTER TABLE authorizations ADD COLUMN merchant_id TEXT',
      'ALTER TABLE authorizations ADD COLUMN terminal_id TEXT',
      'ALTER TABLE authorizations ADD COLUMN device_id TEXT',
      'CREATE INDEX authorizations_device ON authorizations (device_id, created_at)',
      'CREATE INDEX authorizations_created ON authorizations (created_at)',
      'CREATE INDEX risk_decisions_authorization ON risk_decisions (authorization_id)',
      ...(d === 'sqlite'
        ? []
        : [
            commitAuthorizationFunction(
              'CREATE OR REPLACE',
              `id, idempotency_key, request_hash, card_id, atc, amount, currency, cryptogram,
                   decision, reason, arpc, response_json, created_at, merchant_id, terminal_id, device_id`,
              `id, idempotency_key, request_hash, card_id, atc, amount, currency, cryptogram,
                   decision, reason, arpc, response_json, created_at, merchant_id, terminal_id, device_id`,
            ),
          ]),
    ],
  },
]);

/** The table that records which migrations were applied. */
export const SCHEMA_MIGRATIONS_DDL = (d: Dialect): string =>
  `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at ${big(d)} NOT NULL
  )`;

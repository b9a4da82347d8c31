"""state token: on PostgreSQL, every committed write to the tables statistics read gives the
store a new random state token

Statistics keep a copy of the fact table and trust it only while the store shows the state
token it was read at (see salvo/analysis/facts.py and docs/caching.md). On PostgreSQL the
token is the ``state_token`` row of ``meta``, renewed by triggers, so that writes from
anywhere — Salvo, a codebook sync, plain SQL — renew it:

* a statement-level trigger on each table the fact table reads notes, once per transaction,
  that the transaction wrote: it inserts a ``pending:<transaction id>`` row into ``meta``
  and sets a transaction-local setting that keeps the trigger quiet for the transaction's
  other statements (a bulk import's million INSERTs pay one check of a setting each);
* a deferred constraint trigger on that row renews the token when the transaction commits
  and deletes the row. The token row is locked only while committing, as the revision row
  already was: writers do not wait on each other for the length of their transactions, nor
  deadlock on it. A rolled-back transaction or savepoint takes its row and setting with it.

The setting's name is made unique for each database here, so that one transaction writing
to two Salvo schemas renews both tokens. The triggers fire in replica mode too (logical
replication applies writes that way). A database restored from a dump carries the token of
the state it was dumped in, and its next write replaces it with a new random one, so no
two different states share a token.

On SQLite there is nothing to do: the token is read from the database file's and its
write-ahead log's metadata (salvo.storage.store), which every write changes. Per-row
triggers would do it too, but SQLite has no statement-level ones and, measured, they made
a bulk insert of a million rows eight times slower.

Revision ID: 0004
Revises: 0003
"""

import uuid

from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# Every table salvo.analysis.facts reads (tests/analysis/test_fact_cache.py checks it).
TRACKED = ('incidents', 'munition_lines', 'actors')

NOTE_WRITE = """
CREATE OR REPLACE FUNCTION salvo_note_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config(TG_ARGV[0], 'yes', true);
    EXECUTE format('INSERT INTO %I.meta (key, value) VALUES ($1, '''') ON CONFLICT (key) DO NOTHING',
                   TG_TABLE_SCHEMA)
        USING 'pending:' || pg_current_xact_id()::text;
    RETURN NULL;
END
$$
"""

NEW_STATE = """
CREATE OR REPLACE FUNCTION salvo_new_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('UPDATE %I.meta SET value = gen_random_uuid()::text WHERE key = ''state_token''',
                   TG_TABLE_SCHEMA);
    EXECUTE format('DELETE FROM %I.meta WHERE key = $1', TG_TABLE_SCHEMA) USING NEW.key;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    pending = f'salvo.pending_{uuid.uuid4().hex}'
    op.execute(NOTE_WRITE)
    op.execute(NEW_STATE)
    for table in TRACKED:
        op.execute(f"CREATE TRIGGER salvo_state AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                   f"FOR EACH STATEMENT WHEN (current_setting('{pending}', true) IS DISTINCT FROM 'yes') "
                   f"EXECUTE FUNCTION salvo_note_write('{pending}')")
        op.execute(f'ALTER TABLE {table} ENABLE ALWAYS TRIGGER salvo_state')
    op.execute("CREATE CONSTRAINT TRIGGER salvo_state AFTER INSERT ON meta DEFERRABLE INITIALLY DEFERRED "
               "FOR EACH ROW WHEN (NEW.key LIKE 'pending:%') EXECUTE FUNCTION salvo_new_state()")
    op.execute('ALTER TABLE meta ENABLE ALWAYS TRIGGER salvo_state')
    op.execute("DELETE FROM meta WHERE key = 'state_token'")
    op.execute("INSERT INTO meta (key, value) VALUES ('state_token', gen_random_uuid()::text)")


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in (*TRACKED, 'meta'):
        op.execute(f'DROP TRIGGER IF EXISTS salvo_state ON {table}')
    op.execute('DROP FUNCTION IF EXISTS salvo_note_write()')
    op.execute('DROP FUNCTION IF EXISTS salvo_new_state()')
    op.execute("DELETE FROM meta WHERE key = 'state_token'")

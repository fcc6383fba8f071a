"""Carry a database made by the previous release over to this release's apps.

Why: the previous release kept every model in one app, ``comments``, whose
migrations ran 0001 to 0016. This release moved most of those models to apps of
their own (commenters, policies, lab, outbox, desk), each with fresh migrations.
Run on such a database, ``migrate`` would try to create tables that are already
there (and refuses, since ``comments.0001_initial`` looks applied before the new
apps it depends on). This command, run once BEFORE ``migrate``, does in one
transaction what those fresh migrations would have done to it:

* renames the moved models' tables (``comments_sanction`` becomes
  ``commenters_sanction`` ...), and the indexes, constraints and sequences named
  after them, to the names fresh migrations give them; foreign keys of other
  tables follow the renamed tables (on SQLite, because Django opens it with
  ``PRAGMA legacy_alter_table = OFF``, under which ``ALTER TABLE ... RENAME``
  rewrites the references to the table);
* points the moved models' content types at their new apps, so permissions,
  the groups and users granted them and the admin's log keep theirs, and no
  second content type is made;
* replaces the history of the ``comments`` app in ``django_migrations`` by the
  new apps' migrations whose schema the old tables already have (each app's
  0001_initial, and commenters 0002, the data migration that makes the one
  site switch the old release made too).

``migrate`` then applies whatever came after them (a new field, say) as usual.

It refuses, writing nothing, unless the database is at the previous release's
last migration (``comments.0016_model_thresholds_for_the_marked_words_model``);
on a database already carried over, or made by this release, or empty, it says
so and does nothing. ``--dry-run`` prints what it would do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

OLD_APP = "comments"

# The previous release's migrations of ``comments``, all of which a database must have to be carried over.
OLD_MIGRATIONS = (
    "0001_initial",
    "0002_longer_event_reason",
    "0003_policy_model_thresholds",
    "0004_topic_probability_and_flag",
    "0005_name_limit",
    "0006_indexed_context",
    "0007_thread_counts",
    "0008_thread_count_index",
    "0009_model_thresholds_for_the_nb_model",
    "0010_email_outbox",
    "0011_story_controls",
    "0012_commenter_sanctions",
    "0013_commenter_identity",
    "0014_policy_drafts_and_shadow",
    "0015_policy_lab",
    "0016_model_thresholds_for_the_marked_words_model",
)
OLD_LAST = f"{OLD_APP}.{OLD_MIGRATIONS[-1]}"

# The models that left ``comments``, by model name, and the app each went to. Their tables were
# ``comments_<model>`` and are ``<app>_<model>`` (the names the new 0001_initial migrations give them).
MOVED = {
    "commenter": "commenters",
    "siteswitch": "commenters",
    "controlevent": "commenters",
    "sanction": "commenters",
    "storysettings": "commenters",
    "moderationpolicy": "policies",
    "labrun": "lab",
    "simulationrun": "lab",
    "outboundemail": "outbox",
    "emailoptout": "outbox",
    "reviewqueueitem": "desk",  # a proxy of Comment: no table, but a content type and permissions
}
PROXIES = {"reviewqueueitem"}
TABLES = {f"{OLD_APP}_{model}": f"{app}_{model}" for model, app in MOVED.items() if model not in PROXIES}

# This release's migrations that the old tables already match, in the order they apply. Commenters 0002
# only makes the one site switch (pk 1), which the old release's 0011 made too.
SITE_SWITCH = ("commenters", "0002_one_site_switch")
CARRIED = (
    ("commenters", "0001_initial"),
    SITE_SWITCH,
    ("policies", "0001_initial"),
    ("lab", "0001_initial"),
    ("comments", "0001_initial"),
    ("desk", "0001_initial"),
    ("outbox", "0001_initial"),
)
MARKER = CARRIED[0]  # present only in a database of this release (made or carried over)

# PostgreSQL names a constraint it is not given a name for <table>_<column>_<kind>, cut at 63 bytes.
POSTGRES_NAME_LENGTH = 63


@dataclass
class Plan:
    """What carrying over will do, worked out before anything is written (and printed by --dry-run)."""

    statements: list[str] = field(default_factory=list)
    content_types: dict[str, str] = field(default_factory=dict)  # model -> new app label
    forget: list[str] = field(default_factory=list)  # comments migrations removed from the history
    record: list[tuple[str, str]] = field(default_factory=list)  # migrations recorded as applied


class Command(BaseCommand):
    help = (
        "Run once, before `migrate`, on a database made by the previous release (comments 0001-0016): moves its "
        "tables, content types and migration history to this release's apps (commenters, policies, lab, outbox, "
        "desk) in one transaction. Then run `migrate`. Does nothing on a database already carried over."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="print what would be done, write nothing")
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help='the database to carry over (default: "default")'
        )

    def handle(self, *args: Any, dry_run: bool, database: str, **options: Any) -> None:
        connection = connections[database]
        if connection.vendor not in ("sqlite", "postgresql"):
            raise CommandError(f"Only SQLite and PostgreSQL databases can be carried over, not {connection.vendor}.")
        if connection.vendor == "sqlite":
            # Django opens SQLite so already; said again because the foreign keys of other tables follow a
            # renamed table only in this mode (in the legacy one they would go on naming the old table).
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA legacy_alter_table = OFF")
        with transaction.atomic(using=database):
            plan = self.plan(connection)
            if plan is None:
                return
            if dry_run:
                self.describe(plan, connection)
                transaction.set_rollback(True, using=database)
                return
            self.carry_over(plan, connection)
        self.stdout.write(
            self.style.SUCCESS(
                f"Carried over: {len(TABLES)} tables renamed, {len(plan.content_types)} content types moved, "
                f"{len(plan.record)} migrations recorded. Now run `manage.py migrate`."
            )
        )

    # -- what state the database is in ------------------------------------------------------------------

    def plan(self, connection: BaseDatabaseWrapper) -> Plan | None:
        """The work to do, or None (having said why) when there is none; CommandError when it must not be done."""
        recorder = MigrationRecorder(connection)
        if not recorder.has_table():
            self.stdout.write("Nothing to carry over: this database has no migrations yet. Run `manage.py migrate`.")
            return None
        applied = set(recorder.applied_migrations())
        old = {name for app, name in applied if app == OLD_APP}
        # Names only the previous release's comments app had (this release's comments migrations may follow).
        old_only = (old & set(OLD_MIGRATIONS)) - {"0001_initial"}
        if MARKER in applied:
            if old_only:
                raise CommandError(
                    f"This database records migrations of both releases ({MARKER[0]}.{MARKER[1]} and "
                    f"{OLD_APP}.{sorted(old_only)[0]}): it was not carried over by this command. Nothing was changed."
                )
            self.stdout.write(
                "Nothing to carry over: this database is already on this release's apps (carried over before, "
                "or made by this release). Run `manage.py migrate` for any newer migrations."
            )
            return None
        if not old:
            self.stdout.write(
                "Nothing to carry over: no migration of the comments app was applied here. Run `manage.py migrate`."
            )
            return None
        missing = [name for name in OLD_MIGRATIONS if name not in old]
        unknown = sorted(old - set(OLD_MIGRATIONS))
        if unknown:
            raise CommandError(
                f"This database has comments migrations the previous release did not have ({', '.join(unknown)}); "
                "it cannot be carried over. Nothing was changed."
            )
        if missing:
            raise CommandError(
                f"This database is not at the previous release's last migration ({OLD_LAST}): "
                f"{len(missing)} of its migrations, from {OLD_APP}.{missing[0]}, are not applied. Migrate it with the "
                "previous release first (`manage.py migrate` there), then run this command again. Nothing was changed."
            )

        tables = set(connection.introspection.table_names())
        absent = sorted(old_table for old_table in TABLES if old_table not in tables)
        taken = sorted(new_table for new_table in TABLES.values() if new_table in tables)
        if absent or taken:
            raise CommandError(
                "The tables are not those the previous release leaves: "
                + "; ".join(
                    ([f"missing {', '.join(absent)}"] if absent else [])
                    + ([f"already present {', '.join(taken)}"] if taken else [])
                )
                + ". Nothing was changed."
            )
        clashes = ContentType.objects.db_manager(connection.alias).filter(
            app_label__in=set(MOVED.values()), model__in=list(MOVED)
        )
        clash_names = sorted(f"{ct.app_label}.{ct.model}" for ct in clashes if MOVED.get(ct.model) == ct.app_label)
        if clash_names:
            raise CommandError(
                f"Content types of this release already exist ({', '.join(clash_names)}): this release's code ran on "
                "the database before it was carried over. Moving the previous release's onto them would make two of "
                "each; delete those (their permissions go with them: check that no group or user was granted any), "
                "then run this command again. Nothing was changed."
            )

        loader = MigrationLoader(connection, ignore_no_migrations=True)
        record = []
        for key in CARRIED:
            if key not in loader.graph.nodes:
                raise CommandError(f"This release has no migration {key[0]}.{key[1]} to record. Nothing was changed.")
            for parent in loader.graph.node_map[key].parents:
                if parent.key not in CARRIED and parent.key not in applied:
                    raise CommandError(
                        f"{parent.key[0]}.{parent.key[1]}, which {key[0]}.{key[1]} needs, is not applied. Migrate "
                        "with the previous release first (`manage.py migrate` there), then run this command again. "
                        "Nothing was changed."
                    )
            if key == SITE_SWITCH and not self.has_site_switch(connection):
                continue  # left for migrate to run: it makes the switch
            record.append(key)

        ctypes = ContentType.objects.db_manager(connection.alias).filter(app_label=OLD_APP, model__in=list(MOVED))
        return Plan(
            statements=self.renames(connection),
            content_types={ct.model: MOVED[ct.model] for ct in ctypes},
            forget=sorted(old),
            record=record,
        )

    def has_site_switch(self, connection: BaseDatabaseWrapper) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(OLD_APP + '_siteswitch')} WHERE id = 1")
            return cursor.fetchone() is not None

    # -- the statements ---------------------------------------------------------------------------------

    def renames(self, connection: BaseDatabaseWrapper) -> list[str]:
        """The tables' renames, then those of the indexes, constraints and sequences named after a moved table
        (or, for a foreign key, after the moved table it points to), to the names fresh migrations give them."""
        quote = connection.ops.quote_name
        statements = [f"ALTER TABLE {quote(old)} RENAME TO {quote(new)}" for old, new in TABLES.items()]
        with connection.cursor() as cursor:
            for table in sorted(connection.introspection.table_names(cursor)):
                new_table = TABLES.get(table, table)
                for name, info in connection.introspection.get_constraints(cursor, table).items():
                    new_name = renamed(
                        connection, table, new_table, name, info["columns"], info["foreign_key"], info["primary_key"]
                    )
                    if new_name is None or new_name == name:
                        continue
                    if connection.vendor == "sqlite":
                        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s", [name])
                        row = cursor.fetchone()
                        if row is None or row[0] is None:  # an index SQLite made for a constraint: renamed with it
                            continue
                        old_head, new_head = (
                            f"{quote(name)} ON {quote(table)}",
                            f"{quote(new_name)} ON {quote(new_table)}",
                        )
                        create = str(row[0]).replace(old_head, new_head, 1)
                        if create == row[0]:
                            raise CommandError(f"Cannot read the definition of index {name}. Nothing was changed.")
                        statements += [f"DROP INDEX {quote(name)}", create]
                    elif info["index"]:
                        statements.append(f"ALTER INDEX {quote(name)} RENAME TO {quote(new_name)}")
                    else:
                        statements.append(
                            f"ALTER TABLE {quote(new_table)} RENAME CONSTRAINT {quote(name)} TO {quote(new_name)}"
                        )
                if connection.vendor == "postgresql" and table in TABLES:
                    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [quote(table)])
                    row = cursor.fetchone()
                    sequence = str(row[0]).rpartition(".")[2] if row and row[0] else None
                    if sequence == f"{table}_id_seq" and len(f"{new_table}_id_seq") <= POSTGRES_NAME_LENGTH:
                        statements.append(f"ALTER SEQUENCE {quote(sequence)} RENAME TO {quote(new_table + '_id_seq')}")
        return statements

    def carry_over(self, plan: Plan, connection: BaseDatabaseWrapper) -> None:
        with connection.cursor() as cursor:
            for statement in plan.statements:
                cursor.execute(statement)
        for model, app_label in plan.content_types.items():
            ContentType.objects.db_manager(connection.alias).filter(app_label=OLD_APP, model=model).update(
                app_label=app_label
            )
        ContentType.objects.clear_cache()
        recorder = MigrationRecorder(connection)
        recorder.migration_qs.filter(app=OLD_APP).delete()
        for app, name in plan.record:
            recorder.record_applied(app, name)

    def describe(self, plan: Plan, connection: BaseDatabaseWrapper) -> None:
        self.stdout.write(f"Dry run: this database is at {OLD_LAST}; carrying it over would, in one transaction:")
        self.stdout.write("  run on the schema:")
        for statement in plan.statements:
            self.stdout.write(f"    {statement};")
        self.stdout.write("  move content types (their permissions, group grants and admin log entries go with them):")
        for model, app_label in plan.content_types.items():
            self.stdout.write(f"    {OLD_APP}.{model} -> {app_label}.{model}")
        first, last = plan.forget[0], plan.forget[-1]
        self.stdout.write(f"  forget the previous release's migrations: {OLD_APP}.{first} ... {OLD_APP}.{last}")
        self.stdout.write("  record as applied (their schema is already there):")
        for app, name in plan.record:
            self.stdout.write(f"    {app}.{name}")
        self.stdout.write("Nothing was written. Run without --dry-run to do it, then `manage.py migrate`.")


def renamed(
    connection: BaseDatabaseWrapper,
    table: str,
    new_table: str,
    name: str,
    columns: list[str],
    foreign_key: tuple[str, str] | None,
    primary_key: bool,
) -> str | None:
    """The name fresh migrations give the index or constraint ``name`` of ``table`` (``new_table`` after the
    renames) on ``columns``, when it is named after a moved table (its own, or for a foreign key the one it
    points to); None when its name is not one Django or PostgreSQL made from the table's name."""
    if not columns or (table == new_table and not (foreign_key and foreign_key[0] in TABLES)):
        return None
    # Django's own naming (a digest of the table's and columns' names), so the names are those it gives.
    index_name = cast(Callable[[str, list[str], str], str], cast(Any, connection.schema_editor())._create_index_name)
    candidates = [
        (index_name(table, columns, suffix), index_name(new_table, columns, suffix))
        for suffix in ("", "_like", "_uniq")
    ]
    if foreign_key:
        to_table, to_column = foreign_key  # to_table is its name before the renames
        new_to = TABLES.get(to_table, to_table)
        candidates.append(
            (
                index_name(table, columns, f"_fk_{to_table}_{to_column}"),
                index_name(new_table, columns, f"_fk_{new_to}_{to_column}"),
            )
        )
    if connection.vendor == "postgresql" and len(columns) == 1:
        for kind in ["pkey"] if primary_key else [f"{columns[0]}_key", f"{columns[0]}_check"]:
            old_name, new_name = f"{table}_{kind}", f"{new_table}_{kind}"
            if max(len(old_name), len(new_name)) <= POSTGRES_NAME_LENGTH:
                candidates.append((old_name, new_name))
    return next((new_name for old_name, new_name in candidates if name == old_name), None)

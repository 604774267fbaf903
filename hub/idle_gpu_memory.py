"""What the idle-GPU notifier has done, kept in the hub's database so a hub restart (which restarts the
notifier, a hub service) neither emails a user a second time for the same idle period nor starts the
grace period before a stop again. One row per server notified: when, and whether it was stopped.
The table is the notifier's own (`idle_gpu_notified`), made on first use beside the hub's tables.
"""

from __future__ import annotations

import sqlalchemy as sa

Key = tuple[str, str]  # (user, server name; "" is the default server)

METADATA = sa.MetaData()
NOTIFIED = sa.Table(
    "idle_gpu_notified",
    METADATA,
    sa.Column("username", sa.Unicode(255), primary_key=True),
    sa.Column("server", sa.Unicode(255), primary_key=True),
    sa.Column("notified_at", sa.Float, nullable=False),  # seconds since the epoch
    sa.Column("stopped", sa.Boolean, nullable=False, default=False),
)


class NotifiedStore:
    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url, pool_pre_ping=True)
        METADATA.create_all(self.engine, checkfirst=True)

    def load(self) -> dict[Key, tuple[float, bool]]:
        """Every server notified and not yet cleared: (when, stopped)."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(NOTIFIED)).all()
        return {(row.username, row.server): (row.notified_at, row.stopped) for row in rows}

    def save(self, key: Key, notified_at: float, stopped: bool) -> None:
        with self.engine.begin() as connection:
            connection.execute(sa.delete(NOTIFIED).where(NOTIFIED.c.username == key[0], NOTIFIED.c.server == key[1]))
            connection.execute(
                sa.insert(NOTIFIED).values(username=key[0], server=key[1], notified_at=notified_at, stopped=stopped)
            )

    def forget(self, key: Key) -> None:
        with self.engine.begin() as connection:
            connection.execute(sa.delete(NOTIFIED).where(NOTIFIED.c.username == key[0], NOTIFIED.c.server == key[1]))

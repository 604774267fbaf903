"""A first-come wait for full GPU profiles: one line per profile, a place offered to the first in line.

When a place frees, the first waiting user is offered it for `window` seconds: the place is held for
them (others see it taken), the spawn page tells them, and a start of that profile within the window
takes it. An offer not taken in time is dropped and the next in line gets the place. A user waits in
one line at a time. Kept in the hub's memory: a hub restart empties the lines (users join again).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Waiting:
    user: str
    slug: str
    joined: float
    offer_until: float | None = None

    def holds_offer(self, now: float) -> bool:
        return self.offer_until is not None and now < self.offer_until


class FairQueue:
    def __init__(self, window: float, clock: Callable[[], float] = time.time) -> None:
        self.window = window
        self.clock = clock
        self.lines: dict[str, list[Waiting]] = {}

    def join(self, user: str, slug: str) -> int:
        """Put the user at the end of the profile's line (leaving any other line); their position."""
        if (current := self.entry(user)) and current.slug == slug:
            return self.position(user) or 0
        self.leave(user)
        self.lines.setdefault(slug, []).append(Waiting(user, slug, self.clock()))
        return len(self.lines[slug])

    def leave(self, user: str) -> bool:
        for slug, line in self.lines.items():
            for waiting in line:
                if waiting.user == user:
                    line.remove(waiting)
                    if not line:
                        del self.lines[slug]
                    return True
        return False

    def entry(self, user: str) -> Waiting | None:
        return next((w for line in self.lines.values() for w in line if w.user == user), None)

    def position(self, user: str) -> int | None:
        """1 for the first in line."""
        entry = self.entry(user)
        return None if entry is None else self.lines[entry.slug].index(entry) + 1

    def waiting(self, slug: str) -> list[Waiting]:
        return list(self.lines.get(slug, []))

    def offers(self) -> list[Waiting]:
        now = self.clock()
        return [w for line in self.lines.values() for w in line if w.holds_offer(now)]

    def expire(self) -> list[Waiting]:
        """Drop the offers not taken in time; those users leave the line."""
        now = self.clock()
        expired = [w for line in self.lines.values() for w in line if w.offer_until is not None and now >= w.offer_until]
        for waiting in expired:
            self.leave(waiting.user)
        return expired

    def offer(self, slug: str, places: int) -> list[Waiting]:
        """Offer up to `places` free places to the first in line without one; the new offers."""
        offered = []
        for waiting in self.lines.get(slug, []):
            if len(offered) >= places:
                break
            if waiting.offer_until is None:
                waiting.offer_until = self.clock() + self.window
                offered.append(waiting)
        return offered

    def take(self, user: str, slug: str) -> bool:
        """Whether the user holds an offer for this profile; taking it leaves the line."""
        entry = self.entry(user)
        if entry is None or entry.slug != slug or not entry.holds_offer(self.clock()):
            return False
        self.leave(user)
        return True

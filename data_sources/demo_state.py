"""The built demo market (``DemoSource``'s state): three years of simulated history, the
macro model, the ~2,000-name universe (made when first read) and the live sessions so far, each
computed once and in order. Deterministic for a seed and a scenario."""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from data_sources.demo_macro import MacroModel, MacroState
from data_sources.demo_market import (
    BRENT,
    OVX,
    STREAM_MACRO,
    STREAM_MACRO_DAY,
    VIX,
    WTI,
    History,
    LiveDay,
    keeper_pull,
    live_day,
    rng_for,
    simulate_history,
)
from data_sources.demo_scenarios import scenario_spec
from data_sources.demo_universe import (
    Universe,
    UniverseDay,
    build_universe,
    last_day_returns,
    member_closes,
    universe_day,
)
from data_sources.market_calendar import previous_session, sessions
from data_sources.model import (
    RETURN_WINDOWS,
)

HISTORY_YEARS = 3
"""Years of daily history before the demo's start."""


@dataclass(frozen=True, slots=True, eq=False)
class LiveSession:
    """A live session with everything derived from it."""

    day: LiveDay
    macro: Mapping[str, float]  # daily FRED values at its close
    macro_state: MacroState
    universe: UniverseDay | None = None


class BuiltMarket:
    """The built demo market: history, macro model, universe and the live sessions so far."""

    def __init__(self, seed: int, scen: int, scenario: str, anchor: date) -> None:
        self.seed, self.scen = seed, scen
        self.spec = scenario_spec(scenario)
        self.anchor = anchor
        last = previous_session(anchor)
        try:
            first = anchor.replace(year=anchor.year - HISTORY_YEARS)
        except ValueError:  # 29 February
            first = anchor.replace(year=anchor.year - HISTORY_YEARS, day=28)
        days = sessions(first, last)
        self.hist: History = simulate_history(days, seed, scen, self.spec)
        self.macro_model = MacroModel(seed, scen, self.spec, anchor)
        self.daily, self.macro_end = self.macro_model.history(
            days, self.hist.logp[:, VIX], self.hist.vix_theta
        )
        spot = rng_for(seed, scen, STREAM_MACRO, 2).standard_normal((len(days), 2))
        closes = np.exp(self.hist.logp)
        self.daily["VIXCLS"] = np.round(closes[:, VIX], 2)
        self.daily["OVXCLS"] = np.round(closes[:, OVX], 2)
        self.daily["DCOILWTICO"] = np.round(closes[:, WTI] * np.exp(0.002 * spot[:, 0]), 2)
        self.daily["DCOILBRENTEU"] = np.round(closes[:, BRENT] * np.exp(0.003 * spot[:, 1]), 2)
        self.monthly = self.macro_model.monthly(first)
        self.weekly = {"ICSA": self.macro_model.weekly(first)}
        # The ~2,000-name universe is made when first read (a sector screen, a member's bars,
        # the jump list): a dashboard never reads it.
        self._universe: tuple[Universe, np.ndarray] | None = None
        self._universe_lock = threading.Lock()
        self.live: list[LiveSession] = []
        self._uclose: list[np.ndarray] = []  # members' closes after each live session
        self._stack: tuple[int, pd.DatetimeIndex, np.ndarray, np.ndarray] | None = None
        # Members' last history closes, rounded (members x rows), made member by member when
        # first asked (``_have``): ~50 us and 4 KB a member.
        self._tails: np.ndarray | None = None
        self._have: np.ndarray | None = None

    @property
    def universe(self) -> Universe:
        return self._members()[0]

    @property
    def last_returns(self) -> np.ndarray:
        """Each member's log return on the last history row."""
        return self._members()[1]

    def _members(self) -> tuple[Universe, np.ndarray]:
        made = self._universe
        if made is None:
            with self._universe_lock:
                made = self._universe
                if made is None:
                    universe = build_universe(self.seed)
                    made = (universe, last_day_returns(universe, self.hist, self.seed, self.scen))
                    self._universe = made
        return made

    # -- live sessions ------------------------------------------------------------------------

    def live_until(self, today: date) -> list[LiveSession]:
        """Live sessions from the history's end through ``today`` (computed once, in order)."""
        last = self.live[-1].day.day if self.live else self.hist.days[-1].date()
        for d in sessions(last + timedelta(days=1), today):
            prev = self.live[-1] if self.live else None
            state = prev.day.end if prev else self.hist.end
            mstate = prev.macro_state if prev else self.macro_end
            recent = np.vstack(
                [self.hist.logp[-64:], *(lv.day.logp[-1:] for lv in self.live[-64:])]
            )
            pull = keeper_pull(recent[-64:], self.spec)
            day = live_day(
                state, d.date(), self.seed, self.scen, self.spec, self.hist.offsets, pull
            )
            values, mnext = self.macro_model.step(mstate, d.date(), float(day.logp[-1, VIX]))
            z = rng_for(self.seed, self.scen, STREAM_MACRO_DAY, d.toordinal(), 1).standard_normal(2)
            close = np.exp(day.logp[-1])
            values["VIXCLS"] = round(float(close[VIX]), 2)
            values["OVXCLS"] = round(float(close[OVX]), 2)
            values["DCOILWTICO"] = round(float(close[WTI] * math.exp(0.002 * z[0])), 2)
            values["DCOILBRENTEU"] = round(float(close[BRENT] * math.exp(0.003 * z[1])), 2)
            self.live.append(LiveSession(day, values, mnext))
        return [lv for lv in self.live if lv.day.day <= today]

    def universe_live(self, k: int) -> UniverseDay:
        """The universe's moves in live session ``k`` (and its closes up to it), lazily."""
        while len(self._uclose) <= k:
            i = len(self._uclose)
            live = self.live[i]
            uday = live.universe or universe_day(self.universe, live.day, self.seed, self.scen)
            self.live[i] = LiveSession(live.day, live.macro, live.macro_state, uday)
            prev = self._uclose[-1] if self._uclose else self.universe.close
            move = uday.log_move(self.universe, live.day.minutes)
            self._uclose.append(prev * np.exp(move))
        made = self.live[k].universe
        assert made is not None
        return made

    def universe_prev_close(self, k: int) -> np.ndarray:
        """Members' closes before live session ``k`` (k = 0: the history's last close)."""
        if k == 0:
            return self.universe.close
        self.universe_live(k - 1)
        return self._uclose[k - 1]

    def member_bases(
        self, complete: int, running: bool, members: np.ndarray
    ) -> list[np.ndarray | None]:
        """The ``members``' closes (rounded, as their bars show them) at the start of every return
        window (RETURN_WINDOWS order), counted back from the last bar: the running session's
        when ``running``, else the ``complete``-th live session's. None: the history is too
        short. The caller holds the source's lock (the live sessions and tails grow)."""
        longest = max(rows for _, rows in RETURN_WINDOWS.values())
        n = len(self.hist.days)  # bar rows from the history; live sessions follow
        last = n + complete - (0 if running else 1)  # the row of the last bar
        if complete:
            self.universe_live(complete - 1)
        tail = self._member_tails(members, longest + 1)
        bases: list[np.ndarray | None] = []
        for _, rows in RETURN_WINDOWS.values():
            row = last - rows
            if row < 0 or row < n - tail.shape[1]:
                bases.append(None)
            elif row < n:
                bases.append(tail[:, row - n])
            else:
                bases.append(np.round(self._uclose[row - n], 2)[members])
        return bases

    def _member_tails(self, members: np.ndarray, rows: int) -> np.ndarray:
        """The last ``rows`` history closes of ``members``, rounded (members x rows): each
        member's made once, when first asked."""
        u = self.universe
        if self._tails is None or self._have is None:
            self._tails = np.empty((len(u.tickers), min(rows, len(self.hist.days))))
            self._have = np.zeros(len(u.tickers), dtype=bool)
        missing = np.unique(members[~self._have[members]])
        if missing.size:
            made = member_closes(
                u, self.hist, self.last_returns, self.seed, self.scen, rows, missing
            )
            self._tails[missing] = np.round(made, 2).T
            self._have[missing] = True
        return self._tails[members]

    # -- closes ---------------------------------------------------------------------------------

    def stacked(self, complete: int) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
        """Index, log closes and rounded closes of the history plus ``complete`` live sessions."""
        if self._stack is None or self._stack[0] != complete:
            days = [lv.day.day for lv in self.live[:complete]]
            idx = self.hist.days
            logp = self.hist.logp
            if days:
                idx = idx.append(pd.DatetimeIndex(pd.to_datetime(days)).as_unit(idx.unit))
                logp = np.vstack([logp, *(lv.day.logp[-1:] for lv in self.live[:complete])])
            self._stack = (complete, idx, logp, np.round(np.exp(logp), 2))
        return self._stack[1], self._stack[2], self._stack[3]

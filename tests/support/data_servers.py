"""FRED (graph CSV and JSON API) and iShares endpoints on loopback, serving recorded files."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from tests.support.loopback import Reply, Request

FRED_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fred_live"
SHARED_ISHARES = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "realdata"
    / "ishares-IWM-holdings-2025-11-05.csv"
)
DGS10_CSV = "fred-graph-DGS10-2021_2026-observation_date-header-empty-missing.csv"
DGS10_OLD_CSV = "fred-graph-DGS10-2012_2017-DATE-header.csv"
GNPCA_JSON = "fred-api-observations-GNPCA-limit20.json"


# Two made-up rows in the iShares layout (PAYLOADS 10): BOM, preamble, no-break-space line.
SMALL_HOLDINGS = (
    "\ufeffiShares Russell 2000 ETF\n"
    'Fund Holdings as of,"Nov 05, 2025"\n'
    'Inception Date,"May 22, 2000"\n'
    "\u00a0\n"
    "Ticker,Name,Sector,Asset Class,Market Value,Weight (%),Notional Value,Quantity,Price,"
    "Location,Exchange,Currency,FX Rate,Market Currency,Accrual Date\n"
    '"AAA","ALPHA \x1b[31mCORP","Industrials","Equity","1,000.00","0.50","1,000.00","10.00",'
    '"100.00","United States","NYSE","USD","1.00","USD","-"\n'
    '"USD","USD CASH","Cash and/or Derivatives","Cash","5.00","0.01","5.00","5.00","100.00",'
    '"United States","-","USD","1.00","USD","-"\n'
)


def fred_csv(name: str) -> str:
    return (FRED_FIXTURES / name).read_text(encoding="utf-8")


def relabel_csv(text: str, series_id: str) -> str:
    """A graph CSV with its value column renamed (the header is the series id)."""
    head, _, rest = text.partition("\n")
    date_col = head.split(",", 1)[0]
    return f"{date_col},{series_id}\n{rest}"


class FredApp:
    """``/graph/fredgraph.csv?id=X`` and ``/fred/series/observations?series_id=X``.

    ``csv_files`` maps a series id to a fixture, served with its value column named after the
    requested id; any other id gets the first fixture so relabelled (the tests say so).
    The API answers the recorded GNPCA observations for any id.
    """

    def __init__(self, csv_files: Mapping[str, str] | None = None) -> None:
        self.csv_files = dict(csv_files or {"DGS10": DGS10_CSV})
        self.api_body = (FRED_FIXTURES / GNPCA_JSON).read_text(encoding="utf-8")

    def __call__(self, req: Request) -> Reply:
        if req.path.endswith("/fredgraph.csv"):
            sid = req.query.get("id", "")
            name = self.csv_files.get(sid) or next(iter(self.csv_files.values()))
            return Reply(200, relabel_csv(fred_csv(name), sid), "text/csv")
        if req.path.endswith("/fred/series/observations"):
            if not req.query.get("api_key"):
                body = {
                    "error_code": 400,
                    "error_message": "Bad Request.  Variable api_key is not set.",
                }
                return Reply(400, json.dumps(body))
            return Reply(200, self.api_body)
        return Reply(404, "Not Found", "text/plain")


class HoldingsApp:
    """The iShares holdings download; the body is given (the BlackRock file is read from
    ../shared by tests that skip when it is absent)."""

    def __init__(self, body: str) -> None:
        self.body = body

    def __call__(self, req: Request) -> Reply:
        return Reply(200, self.body, "text/csv;charset=utf-8")

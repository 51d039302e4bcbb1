"""The schema of the project's own coded datasets (docs/codebook_restrictions.md), checked on load.

``export_restrictions_events.csv`` and ``china_ree_export_quotas.csv`` were compiled for this project. Each row is
validated by a pydantic model: types, allowed values, ISO3 codes, start <= end, a source for every row. Every row's
problems are collected and reported in one message naming the file, the rows and the fields.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar, Iterable, Optional

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from griparm_econ.errors import DataError
from griparm_econ.sources.country_names import EU_JURISDICTION_CODES, iso3_codes

MEASURES = ("export_quota", "export_tax", "export_ban", "export_licence", "export_control", "other")
# Value-chain stages an event targets (several separated by ';') and its stated motive; both coded only where the
# event's own text says so, the phrase that says so quoted in stage_basis / motive_basis.
STAGES = ("ore_concentrate", "intermediate", "refined", "scrap")
MOTIVES = ("downstream_processing", "revenue", "conservation", "security", "other")
_EVENT_ID = re.compile(r"^[A-Z]{3}-(\d{4}|undated)-[a-z_]+-\d+$")
FIRST_YEAR, LAST_YEAR = 1900, 2100
_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")   # YYYY-MM-DD, or YYYY-MM when the day is unknown
_DATE_OR_YEAR = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")   # coded dates: year precision too
_HS = re.compile(r"^\d{4}(\.?\d{2}){0,3}$")                                # 4-10 digit HS codes, dots allowed
_URL = re.compile(r"^https?://\S+$")
SHOWN = 12                                                                  # problems listed before "and N more"


def _optional_year(value: str) -> Optional[int]:
    if value.strip() == "":
        return None
    if not value.strip().isdigit() or not FIRST_YEAR <= int(value) <= LAST_YEAR:
        raise ValueError(f"{value!r} is not a calendar year {FIRST_YEAR}-{LAST_YEAR} (or empty)")
    return int(value)


def _optional_date(value: str) -> str:
    if value.strip() and not _DATE.match(value.strip()):
        raise ValueError(f"{value!r} is not YYYY-MM-DD or YYYY-MM (or empty)")
    return value.strip()


class EventRow(BaseModel):
    """One export-restriction event (a measure of one jurisdiction on one material class)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    UNIQUE: ClassVar[tuple[str, ...]] = ("event_id",)

    event_id: str
    iso3: str
    country: str
    material: str
    hs_codes: str
    measure: str
    stage: str
    stage_basis: str
    motive: str
    motive_basis: str
    start_year: Optional[int]
    end_year: Optional[int]
    start_date: str
    end_date: str
    announced_date: str
    in_force_date: str
    legal_instrument: str
    detail: str
    source_title: str
    source_url: str
    source_note: str

    @field_validator("iso3")
    @classmethod
    def _iso3(cls, value: str) -> str:
        if value not in iso3_codes() and value not in EU_JURISDICTION_CODES:
            raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-3 code (nor EUU for the European Union)")
        return value

    @field_validator("country", "material", "source_title")
    @classmethod
    def _required(cls, value: str) -> str:
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("hs_codes")
    @classmethod
    def _hs(cls, value: str) -> str:
        bad = [code for code in value.split(";") if value and not _HS.match(code.strip())]
        if bad:
            raise ValueError(f"{bad} are not HS codes (4 to 10 digits, ';'-separated)")
        return value

    @field_validator("event_id")
    @classmethod
    def _event_id(cls, value: str) -> str:
        if not _EVENT_ID.match(value):
            raise ValueError(f"{value!r} is not <ISO3>-<start year or 'undated'>-<measure>-<n>")
        return value

    @field_validator("stage")
    @classmethod
    def _stage(cls, value: str) -> str:
        bad = [part for part in value.split(";") if value and part.strip() not in STAGES]
        if bad:
            raise ValueError(f"{bad} are not stages ({', '.join(STAGES)}; ';'-separated, or empty)")
        return value

    @field_validator("motive")
    @classmethod
    def _motive(cls, value: str) -> str:
        if value and value not in MOTIVES:
            raise ValueError(f"{value!r} is not one of {', '.join(MOTIVES)} (or empty)")
        return value

    @field_validator("measure")
    @classmethod
    def _measure(cls, value: str) -> str:
        if value not in MEASURES:
            raise ValueError(f"{value!r} is not one of {', '.join(MEASURES)}")
        return value

    @field_validator("start_year", "end_year", mode="before")
    @classmethod
    def _year(cls, value: str) -> Optional[int]:
        return _optional_year(str(value))

    @field_validator("start_date", "end_date")
    @classmethod
    def _date(cls, value: str) -> str:
        return _optional_date(value)

    @field_validator("announced_date", "in_force_date")
    @classmethod
    def _coded_date(cls, value: str) -> str:
        if value.strip() and not _DATE_OR_YEAR.match(value.strip()):
            raise ValueError(f"{value!r} is not YYYY, YYYY-MM or YYYY-MM-DD (or empty)")
        return value.strip()

    @field_validator("source_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not _URL.match(value):
            raise ValueError("every row needs a source: an http(s) URL")
        return value

    @model_validator(mode="after")
    def _order(self) -> "EventRow":
        if not self.event_id.startswith(f"{self.iso3}-{self.start_year or 'undated'}-{self.measure}-"):
            raise ValueError(f"event_id {self.event_id} does not match iso3, start_year and measure")
        # Where each basis is quoted from (this row, another row, the IEA or GTA snapshot) is checked against the
        # field-coding table (restrictions_coding.py), which names the passage.
        for coded, basis, name in ((self.stage, self.stage_basis, "stage"), (self.motive, self.motive_basis, "motive")):
            if bool(coded) != bool(basis):
                raise ValueError(f"{name} and {name}_basis must both be given or both be empty")
        if self.in_force_date and self.start_year is not None and int(self.in_force_date[:4]) != self.start_year:
            raise ValueError(f"in_force_date {self.in_force_date} is not in start_year {self.start_year} (a second "
                             "version of a disputed date belongs in the coding table as a disputed row)")
        if self.start_year is not None and self.end_year is not None and self.end_year < self.start_year:
            raise ValueError(f"end_year {self.end_year} is before start_year {self.start_year}")
        if self.start_date and self.end_date and self.end_date < self.start_date[:len(self.end_date)]:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        for year, date, name in ((self.start_year, self.start_date, "start"), (self.end_year, self.end_date, "end")):
            if date and year is not None and int(date[:4]) != year:
                raise ValueError(f"{name}_date {date} is not in {name}_year {year}")
            if date and year is None:
                raise ValueError(f"{name}_date {date} is given but {name}_year is empty")
        return self


class QuotaRow(BaseModel):
    """One published figure of China's rare-earth export quota (several per year where sources differ)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    year: int
    quota_tonnes: Optional[float]
    source_url: str
    note: str

    @field_validator("year", mode="before")
    @classmethod
    def _year(cls, value: str) -> int:
        year = _optional_year(str(value))
        if year is None:
            raise ValueError("must not be empty")
        return year

    @field_validator("quota_tonnes", mode="before")
    @classmethod
    def _tonnes(cls, value: str) -> Optional[float]:
        text = str(value).strip()
        if text == "":
            return None
        number = float(text)
        if not number >= 0:
            raise ValueError(f"{text} is not a non-negative number of tonnes")
        return number

    @field_validator("source_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not _URL.match(value):
            raise ValueError("every row needs a source: an http(s) URL")
        return value


def _problems(model: type[BaseModel], raw: pd.DataFrame) -> Iterable[str]:
    for position, record in enumerate(raw.to_dict(orient="records")):
        try:
            model.model_validate(record)
        except ValidationError as err:
            for item in err.errors():
                field = ".".join(str(part) for part in item["loc"]) or "row"
                message = str(item["msg"]).removeprefix("Value error, ")
                yield f"data row {position + 1} {field}: {message}"


def validate(model: type[BaseModel], raw: pd.DataFrame, path: Path | str) -> None:
    """One DataError listing every row problem of ``raw`` (read with dtype=str, keep_default_na=False)."""
    columns = list(model.model_fields)
    missing = [c for c in columns if c not in raw.columns]
    extra = [c for c in raw.columns if c not in columns]
    if missing or extra:
        raise DataError(f"columns differ from the codebook (missing {missing or 'none'}, unknown {extra or 'none'}).",
                        where=path, field=", ".join(missing + extra),
                        fix=f"the columns are {', '.join(columns)} (docs/codebook_restrictions.md).")
    problems = list(_problems(model, raw))
    for column in getattr(model, "UNIQUE", ()):
        repeated = sorted(set(raw.loc[raw[column].duplicated(), column]))
        if repeated:
            problems.append(f"{column}: {', '.join(repeated)} used more than once (must be unique)")
    if problems:
        more = f"; and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
        raise DataError(f"{len(problems)} value(s) break the codebook: " + "; ".join(problems[:SHOWN]) + more + ".",
                        where=path, field="rows", fix="correct the rows (docs/codebook_restrictions.md gives each "
                                                      "column's type and allowed values) and log the correction "
                                                      "in docs/restrictions_changelog.md.")

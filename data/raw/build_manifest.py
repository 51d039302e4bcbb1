"""Writes data/raw/MANIFEST.csv from the files stored here (run from the repository root after adding or replacing a
file: `.venv/bin/python data/raw/build_manifest.py`). Source, licence and URL per folder come from sources.csv;
the vintage per file from VINTAGES below (the same words the loaders record in the panel's provenance)."""

import csv
import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from griparm_econ.sources.snapshot import MANIFEST_NAME, count_rows, logical_name, manifest_text, read_bytes  # noqa

OWN = {"restrictions/export_restrictions_events.csv", "restrictions/export_restrictions_coding.csv",
       "restrictions/china_ree_export_quotas.csv"}
VINTAGES = {
    "gvc/adb_mrio72_gvc_participation_country_sector_2017_2022.csv": "ADB MRIO 72-economy tables, July 2023",
    "gvc/adb_mrio72_gvc_participation_country_total_2017_2022.csv": "ADB MRIO 72-economy tables, July 2023",
    "gvc/adb_mrio_gvc_participation_kazakhstan_report_chartdata_2000_2022.csv": "ADB MRIO 62/72-economy tables "
                                                                                "(report chart data)",
    "gvc/wits_gvc_output_participation_selected_sectors_by_source.csv": "WITS GVC output table, copy 2023-05-01",
    "production/bgs_world_mineral_statistics_rare_earths_production_1975_2023.csv": "BGS World Mineral Statistics, "
                                                                                    "copy of 2026-04",
    "production/usgs_mcs_rare_earths_mine_production_reserves_by_country_2020_2025.csv": "USGS MCS 2022-2026 data "
                                                                                         "releases",
    "restrictions/export_restrictions_events.csv": "hand-compiled 2026-11-28, stage and motive coded 2026-11-29, "
                                                   "fields coded 2026-11-30",
    "restrictions/export_restrictions_coding.csv": "field coding of 2026-11-30: one source per field",
    "restrictions/china_ree_export_quotas.csv": "hand-compiled 2026-11-28",
    "restrictions/gta_critical_minerals_interventions_in_force_calvincj_snapshot.json": "GTA extract, snapshot "
                                                                                         "2026-06-01",
    "restrictions/iea_critical_minerals_policy_tracker_calvincj_snapshot.csv": "IEA tracker snapshot, dateModified "
                                                                               "to 2026-04-14",
    "trade/baci_hs02_kazakhstan_exports_by_product_group_2002_2021.csv": "CEPII BACI HS02 V202301",
    "trade/baci_hs02_kazakhstan_exports_hs6_2002_2019_2021.csv": "CEPII BACI HS02 V202301",
    "trade/comtrade_ree_hs2846_280530_chn_usa_2020_2024.csv": "UN Comtrade+ API pull 2025-12-28",
    "trade/comtrade_nickel_hs2604_hs75_reporter_world_2001_2024_tidy.csv": "UN Comtrade reporter-world exports "
                                                                           "2001-2024 (trade/PROVENANCE.md)",
    "trade/oec_hs2846_rare_earth_compounds_country_year_1995_2022.csv": "OEC net-trade tables, committed 2024-07",
    "worldbank/wdi.csv": "WDI series of 2018-2026 vintages (dates per series in wdi_sources.csv)",
    "worldbank/wdi_supplementary.csv": "WDI series of 2018-2026 vintages (dates per series in wdi_sources.csv)",
    "worldbank/wdi_open_numbers.csv": "Open Numbers WDI copy, undated, later than 2022-05 (worldbank/PROVENANCE.md)",
    "worldbank/wdi_legacy_2013.csv": "WDI bundle of December 2013",
    "worldbank/wdi_sources.csv": "vintage table of the worldbank/ files",
    "worldbank/wgi.csv": "WGI 2024 update",
    "worldbank/countries.csv": "WDI R package cache of the API /country endpoint (2026-04-30)",
    "state_capacity/StateCapacityDataset_v1.csv": "Hanson-Sigman v1 (Dataverse file of 2020-10-04), CSV extract",
    "vdem/vdemlite_v14_capacity_subset.csv": "V-Dem v14 via vdemlite, capacity subset",
    "tax_revenue/owid_taxes_ictd_grd_2021.csv": "UNU-WIDER GRD 2021 (OWID copy)",
    "prices/pinksheet_annual_prices_long.csv": "World Bank Pink Sheet annual prices (CMO historical data), long "
                                               "extract",
}


def main() -> None:
    with open(HERE / "sources.csv", newline="", encoding="utf-8") as handle:
        sources = {row["folder"]: row for row in csv.DictReader(handle)}
    rows = []
    for stored in sorted(p for p in HERE.glob("*/*") if p.is_file() and p.name != "PROVENANCE.md"):
        path = f"{stored.parent.name}/{logical_name(stored)}"
        data = read_bytes(stored)
        meta = sources["restrictions-own" if path in OWN else stored.parent.name]
        rows.append({"path": path, "stored_as": stored.relative_to(HERE).as_posix(),
                     "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "rows": count_rows(path, data),
                     "source": meta["source"], "vintage": VINTAGES[path], "licence": meta["licence"],
                     "url": meta["url"]})
    (HERE / MANIFEST_NAME).write_text(manifest_text(rows), encoding="utf-8")
    print(f"wrote {HERE / MANIFEST_NAME}: {len(rows)} files")


if __name__ == "__main__":
    main()

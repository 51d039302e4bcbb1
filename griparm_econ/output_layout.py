"""The output folder's layout: the names of its folders, in one leaf module. The report writes there, freshness
checks what was written, and the pipeline sequences both; each imports the names from here, so the layout is said
once (the pipeline's ``layout.py`` adds where specs are found and the paths built from these names)."""

TABLES_DIR = "tables"
ESTIMATES_DIR = "estimates"
FIGURES_DIR = "figures"
OUTPUT_FOLDERS = (TABLES_DIR, ESTIMATES_DIR, FIGURES_DIR)
TABLE_SUFFIXES = (".html", ".tex", ".md", ".csv", ".docx")   # every table is written in each (report/tables.py)
FIGURE_FORMATS = ("png", "pdf")                              # every figure is saved in each (report/figures.py)

"""Everything that formats output: tables, figures, the index page. Nothing here fits a model."""

"""Published reference values for Grunfeld, Petersen and AJR (2001), with their sources.

Numbers are kept as printed (strings) so that tests can compare at the printed precision where a source prints few
digits, and to 1e-6 relative where it prints many. See each data folder's PROVENANCE.md.
"""

# Grunfeld (10 firms x 20 years, 1935-1954; $GRIPARM_DATA/reference/grunfeld_plm/Grunfeld.csv = Stata grunfeld.dta).
# Stata `xtreg invest mvalue kstock, fe` and `..., fe vce(robust)`; source: colin-fraser/regressions.py test module
# (Stata output typed in); textbook anchor Baltagi, Econometric Analysis of Panel Data, Table 2.1.
GRUNFELD_FE = {
    "params": {"value": ".1101238", "capital": ".3100653", "Intercept": "-58.74393"},
    "unadjusted": {"value": ".0118567", "capital": ".0173545", "Intercept": "12.45369"},
    # xtreg, fe vce(robust) = clustered by company, G/(G-1)*(N-1)/(N-K), K = 3
    "cluster:entity": {"value": ".0151945", "capital": ".0527518", "Intercept": "27.60286"},
}
# Stata `regress invest mvalue kstock` on the same data; sources: colin-fraser/regressions.py and
# statsmodels/regression/tests/results/results_grunfeld_ols_robust_cluster.py (commit 05d27349).
GRUNFELD_POOLED = {
    "params": {"value": ".11556215606596", "capital": ".23067848754982", "Intercept": "-42.714369016733"},
    "unadjusted": {"value": ".0058357", "capital": ".0254758", "Intercept": "9.511676"},            # vce(ols)
    "robust": {"value": ".006811", "capital": ".0488655", "Intercept": "11.5747"},                 # vce(robust), HC1
    "cluster:entity": {"value": ".01589433647768", "capital": ".08496711097464",
                       "Intercept": "20.425202580078"},                                            # vce(cluster company)
    # ivreg2 invest mvalue kstock, cluster(company time) small: one min(G1,G2)=10 adjustment
    "cluster:entity+time/min_g": {"value": ".01635175387097", "capital": ".07847391274682",
                                  "Intercept": "19.505607409785"},
    # xtscc invest mvalue kstock, lag(4) (= ivreg2 ..., dkraay(5)): Bartlett kernel, no df adjustment
    "driscoll_kraay/4": {"value": ".0134360177573", "capital": ".04930800664089", "Intercept": "12.190347184209"},
}
GRUNFELD_FE_R2_WITHIN = ".7668"   # recomputed (PROVENANCE.md), Stata prints R-sq within = 0.7668

# Petersen (2009) test data, OLS of y on x with constant; Petersen's page test_data.htm as quoted by statsmodels
# statsmodels/examples/ex_sandwich3.py (asserted to 4 d.p.); 500 firms x 10 years.
PETERSEN = {
    "params": {"Intercept": "0.0297", "x": "1.0348"},
    "unadjusted": {"Intercept": "0.0284", "x": "0.0286"},
    "cluster:entity": {"Intercept": "0.0670", "x": "0.0506"},
    "cluster:time": {"Intercept": "0.0234", "x": "0.0334"},
    # Cameron-Gelbach-Miller: each of the three meat terms with its own G/(G-1)*(N-1)/(N-K)
    "cluster:entity+time": {"Intercept": "0.0651", "x": "0.0536"},
}
# R sandwich::vcovCL recomputed from the same file (PROVENANCE.md "recomputed" column), Stata conventions.
PETERSEN_RECOMPUTED = {
    "params": {"Intercept": "0.0296797", "x": "1.0348334"},
    "unadjusted": {"Intercept": "0.0283593", "x": "0.0285833"},
    "cluster:entity": {"Intercept": "0.0670127", "x": "0.0505957"},
    "cluster:time": {"Intercept": "0.0233867", "x": "0.0333889"},
    "cluster:entity+time": {"Intercept": "0.0650639", "x": "0.0535580"},
}

# Acemoglu, Johnson and Robinson (2001), AER 91(5), Table 4 (base sample baseco == 1, N = 64) and Table 2 col 2.
# Stata: `ivreg logpgp95 (avexpr=logem4) if baseco==1, first` (jpmvbastos/ColonialLegacy HausmanAJR2001-Tab4.do).
AJR_PUBLISHED = {
    "iv": {"avexpr": ("0.94", "0.16")},                  # Panel A, 2SLS
    "first_stage": {"logem4": ("-0.61", "0.13")},        # Panel B, R2 = 0.27
    "ols": {"avexpr": ("0.52", "0.06")},                 # Panel C / Table 2 col 2, R2 = 0.54
}
AJR_FIRST_STAGE_R2 = "0.27"
AJR_OLS_R2 = "0.54"
# Recomputed from maketable4.dta with conventional small-sample SEs (PROVENANCE.md), 5 significant digits.
AJR_RECOMPUTED = {
    "iv": {"avexpr": ("0.94428", "0.15653")},
    "first_stage": {"logem4": ("-0.60678", "0.12667")},
    "ols": {"avexpr": ("0.52211", "0.06119")},
}

"""Sales analytics shared by the domains: series panels (:mod:`~retail.analytics.aggregate`),
the overview KPIs and lists (:mod:`~retail.analytics.overview`) and their charts."""

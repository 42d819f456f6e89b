"""Customers and targeted marketing: RFM segments, who will buy again (propensity), what they are
worth (BG/NBD + Gamma-Gamma, LightGBM), and campaign lists with recommended products.

Start at :func:`retail.customers.analysis.analyse`; what exists is declared in
:mod:`retail.customers.registry`.
"""

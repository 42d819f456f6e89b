"""Campaign experiments: read a randomised test campaign honestly (per arm and segment, with
intervals and a sample-ratio check), target the next campaign by uplift (who buys *because* they
were contacted), and allocate the next wave across offers with bandit policies proven by replay.

Start at :func:`retail.experiments.results.read_campaign` (a campaign results file),
:func:`retail.experiments.readout.read_out`, :func:`retail.experiments.evaluation.compare_uplift`
and :func:`retail.experiments.replay.compare_policies`; what exists is declared in
:mod:`retail.experiments.registry`.
"""

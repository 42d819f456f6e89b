"""Retail analytics: the library behind the app and the command line (no Streamlit here).

pandas copy-on-write is on for everything that imports the library (pandas 3 makes it the default):
the app shares one cached frame per dataset between every session and page, and with copy-on-write
a frame or column derived from it (a filter, a selection, a renamed copy) behaves as a copy, so no
page can change what the next one reads through it.
"""

from retail.threads import passive_openmp

passive_openmp()  # before pandas (and through it any native runtime) loads: see retail.threads

import pandas as pd  # noqa: E402

pd.set_option("mode.copy_on_write", True)

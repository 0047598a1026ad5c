"""The contract suite: one list of every public estimator (``estimators.py``), checked for
the behaviour every estimator of the package promises (clone, pickle, safe save/load,
NotFittedError, feature names, set_output, dtypes, seeds, input errors)."""

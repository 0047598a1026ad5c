"""The contract suite: one list of every public estimator (``estimators.py``), checked for
the behaviour every estimator of the package promises (clone, pickle, safe save/load,
NotFittedError, feature names, set_output, dtypes, seeds) and for the bad-input matrix: bad
inputs (``bad_inputs.py``), bad parameters and method arguments (``bad_params.py``), damaged
model directories and dataset files (``bad_files.py``). What fails today is listed, as strict
xfails, in ``known_failures.py``."""

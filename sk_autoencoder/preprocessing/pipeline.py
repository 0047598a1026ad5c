"""A Pipeline that hands the preprocessor's column layout to the final estimator.

:class:`TabularPipeline` / :func:`make_tabular_pipeline` wire a :class:`TabularPreprocessor`
and an autoencoder together: the preprocessor's ``feature_blocks_`` are passed to the final
estimator's ``fit`` automatically, and ``sample`` decodes generated rows all the way back to a
DataFrame.
"""

from __future__ import annotations

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .._core.frames import accepts_param
from .._core.params import int_seed
from ..generation.conditions import MAX_BATCH, Conditions
from ..generation.marginals import N_REFERENCE, MarginalCalibration
from .tabular import TabularPreprocessor


def _samples_rows(estimator) -> bool:
    """Whether ``estimator`` generates rows (a ``sample`` that takes ``draw``, as a VAE's)."""
    return hasattr(estimator, "sample") and accepts_param(estimator.sample, "draw")


def _final_estimator_has(attr):
    def check(self):
        # Raises AttributeError (-> method unavailable) if the final step lacks ``attr``.
        getattr(self.steps[-1][1], attr)
        return True

    return check


class _FeatureBlocksInjector:
    """Stands in for the final step while :meth:`TabularPipeline.fit` runs.

    ``Pipeline.fit`` does the validation, metadata routing, caching and callbacks; this proxy
    only adds ``feature_blocks=...`` to the final estimator's ``fit`` call. Every other
    attribute access, assignment and deletion goes to the wrapped estimator, so the proxy is
    invisible to ``Pipeline``.
    """

    def __init__(self, estimator, pipeline):
        object.__setattr__(self, "_tp_estimator", estimator)
        object.__setattr__(self, "_tp_pipeline", pipeline)

    def __getattr__(self, name):
        return getattr(object.__getattribute__(self, "_tp_estimator"), name)

    def __setattr__(self, name, value):
        setattr(self._tp_estimator, name, value)

    def __delattr__(self, name):
        delattr(self._tp_estimator, name)

    def __repr__(self):
        return repr(self._tp_estimator)

    def _params(self, params: dict) -> dict:
        blocks = self._tp_pipeline._feature_blocks()
        if (
            blocks is not None
            and "feature_blocks" not in params
            and accepts_param(self._tp_estimator.fit, "feature_blocks")
        ):
            # A copy, so the estimator cannot alter the preprocessor's attribute.
            params = {**params, "feature_blocks": [tuple(b) for b in blocks]}
        return params

    def fit(self, X, y=None, **params):
        self._tp_estimator.fit(X, y, **self._params(params))
        return self

    def fit_transform(self, X, y=None, **params):
        est = self._tp_estimator
        if hasattr(est, "fit_transform"):
            return est.fit_transform(X, y, **self._params(params))
        return est.fit(X, y, **self._params(params)).transform(X)


class TabularPipeline(Pipeline):
    """A :class:`~sklearn.pipeline.Pipeline` that tells its final estimator the column layout.

    Identical to ``Pipeline`` (same constructor, ``transform``, ``inverse_transform``,
    ``score_samples``, ``get_params``/``set_params``, ...), except that:

    - :meth:`fit` and :meth:`fit_transform` pass ``feature_blocks=`` - the ``feature_blocks_``
      of the first preceding step that has one, normally a :class:`TabularPreprocessor` - to
      the final estimator's ``fit``. Estimators whose ``fit`` takes no ``feature_blocks``
      argument are fitted as usual, and a ``feature_blocks`` given explicitly as
      ``<final step>__feature_blocks`` wins. Steps between the preprocessor and the final
      estimator must not change the columns, or the blocks would not match.
    - :meth:`sample` draws rows from a generative final estimator and decodes them through the
      preceding steps' ``inverse_transform`` (so a VAE yields DataFrame rows), optionally
      given fixed values for some columns (``conditions``).
    - When the first step is a :class:`TabularPreprocessor` and the final estimator samples
      with ``draw="likelihood"`` (``VAEGenerator``), :meth:`fit` ends by drawing a reference
      sample of 20,000 rows and keeping, per numeric column, the model's and the training
      quantiles (``marginals_``); :meth:`sample` maps every numeric column through them, so
      sampled columns have the training marginals (see
      :mod:`sk_autoencoder.generation.marginals`).

    Usually built with :func:`make_tabular_pipeline`.
    """

    def _feature_blocks(self):
        for _, step in self.steps[:-1]:
            blocks = getattr(step, "feature_blocks_", None)
            if blocks is not None:
                return blocks
        return None

    def _with_injector(self, method: str, X, y, params):
        # Copy the steps list so the caller's list is never modified, then put the proxy in
        # the final slot for the duration of Pipeline's own fit and restore it afterwards
        # (also on error). Pipeline never clones its final step, so the wrapped estimator is
        # the one that ends up fitted.
        self.steps = list(self.steps)
        name, estimator = self.steps[-1]
        if estimator is None or isinstance(estimator, str):
            return getattr(super(), method)(X, y, **params)
        self.steps[-1] = (name, _FeatureBlocksInjector(estimator, self))
        try:
            return getattr(super(), method)(X, y, **params)
        finally:
            self.steps = list(self.steps)
            self.steps[-1] = (name, estimator)

    def _generative(self) -> bool:
        return _samples_rows(self.steps[-1][1])

    def _preprocessor(self):
        first = self.steps[0][1]
        return first if isinstance(first, TabularPreprocessor) else None

    def _fit_marginals(self, X) -> None:
        """``marginals_``: the calibration of sampled numeric columns (see the class notes)."""
        self.marginals_ = None
        pre = self._preprocessor()
        if pre is None or not self._generative():
            return
        final = self.steps[-1][1]
        seed = int_seed(final.random_state)
        reference = self._encoded_sample(N_REFERENCE, check_random_state(seed + 1))
        encoded = np.asarray(pre.transform(X), dtype=np.float64)  # set_output may give a frame
        self.marginals_ = MarginalCalibration.fit(pre._specs, encoded, np.asarray(reference))

    def fit(self, X, y=None, **params):
        """Fit all steps; the final one gets ``feature_blocks`` from the preprocessor.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Training table.
        y : None
            Ignored by the preprocessor; passed on like ``Pipeline.fit`` does.
        **params : dict
            ``<step>__<param>`` fit parameters, as for ``Pipeline.fit``.

        Returns
        -------
        self : TabularPipeline
        """
        self._with_injector("fit", X, y, params)
        self._fit_marginals(X)
        return self

    @available_if(Pipeline._can_fit_transform)
    def fit_transform(self, X, y=None, **params):
        """Fit like :meth:`fit`, then return the final estimator's transform of ``X``.

        Returns
        -------
        Xt : ndarray of shape (n_samples, n_components)
            Output of the final estimator (e.g. the autoencoder's codes).
        """
        out = self._with_injector("fit_transform", X, y, params)
        self._fit_marginals(X)
        return out

    def _encoded_sample(self, n: int, rng) -> np.ndarray:
        """``n`` rows from the final step, in the first step's output space, calibrated."""
        final = self.steps[-1][1]
        kwargs = {"draw": "likelihood"} if self._generative() else {}
        Xs = final.sample(n_samples=n, random_state=rng, **kwargs)
        for _, step in reversed(self.steps[1:-1]):
            if step is None or step == "passthrough":
                continue
            Xs = step.inverse_transform(Xs)
        Xs = np.asarray(Xs) if self._preprocessor() is not None else Xs
        # Marginal calibration (only fitted with a TabularPreprocessor as the first step).
        marginals = getattr(self, "marginals_", None)
        return Xs if marginals is None else marginals.apply(Xs)

    def _decode(self, Xs):
        """Rows in the first step's output space -> the training form."""
        first = self.steps[0][1]
        if first is None or first == "passthrough":
            return Xs
        return first.inverse_transform(Xs)

    @available_if(_final_estimator_has("sample"))
    def sample(self, n_samples=1, random_state=None, conditions=None):
        """Generate rows with the final estimator and decode them to the input space.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows.
        random_state : int, RandomState instance or None, default=None
            Seeds the final estimator's ``sample`` (the same seed gives the same rows, also
            after :func:`sk_autoencoder.save` / :func:`~sk_autoencoder.load`).
        conditions : dict or None, default=None
            ``{column: value}``: every returned row has these values, and the other columns
            are drawn given them (rejection sampling from the model, see
            :mod:`sk_autoencoder.generation.conditions`; like SDV's
            ``sample_from_conditions``). Values must be training levels of categorical
            columns, numbers within the training range of numeric ones, or None for a
            missing value where the column had missing values. Needs a
            :class:`TabularPreprocessor` as the first step. Raises ``ValueError`` when the
            model generates the conditions too rarely to find ``n_samples`` rows.

        Returns
        -------
        X_new : DataFrame or ndarray of shape (n_samples, n_features)
            Generated rows, in the same form as the training input (a DataFrame with the
            original columns and dtypes if the pipeline was fitted on one).
        """
        check_is_fitted(self)
        rng = check_random_state(random_state)
        if conditions is None:
            return self._decode(self._encoded_sample(n_samples, rng))
        pre = self._preprocessor()
        if pre is None:
            raise ValueError(
                "sample: conditions need a TabularPreprocessor as the pipeline's first step "
                "(it knows the columns and their levels)."
            )
        cond = Conditions(pre, conditions, getattr(self, "marginals_", None))
        n = int(n_samples)
        kept, found, drawn, budget = [], 0, 0, cond.budget(n)
        while found < n and drawn < budget:
            rate = (found + 1) / (drawn + 1) if drawn else 1.0
            batch = int(min(MAX_BATCH, budget - drawn, max(1000, 2 * (n - found) / rate)))
            Xs = self._encoded_sample(batch, rng)
            drawn += batch
            hit = Xs[cond.matches(Xs)]
            kept.append(hit)
            found += len(hit)
        if found < n:
            raise cond.failure(n, found, drawn)
        rows = np.concatenate(kept)[:n]
        out = pre.inverse_transform(rows)
        return cond.write(out, pre._fitted_on_frame)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if tags.transformer_tags is not None:
            # The preprocessor's output, and so the final step's input, is float32.
            tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def _check_loaded_params(self) -> None:
        """The loaded steps are (name, estimator) pairs and ``verbose`` a flag."""
        steps = self.steps
        if not (
            isinstance(steps, list)
            and steps
            and all(
                isinstance(s, (list, tuple)) and len(s) == 2 and isinstance(s[0], str)
                for s in steps
            )
        ):
            raise ValueError(
                f"TabularPipeline: steps must be (name, estimator) pairs, got {steps!r}"
            )
        for name, step in steps[:-1]:
            if not (hasattr(step, "fit") and hasattr(step, "transform")):
                raise ValueError(f"TabularPipeline: steps step {name!r} is not a transformer")
        if not isinstance(self.verbose, bool) or self.memory is not None:
            raise ValueError("TabularPipeline: verbose must be True or False and memory None")

    def _save_state(self, writer) -> dict:
        """The marginal calibration of a generating pipeline (else nothing).

        A fitted pipeline is otherwise its fitted steps, which are parameters (``steps``) and
        are saved as child nodes with their own state.
        """
        marginals = getattr(self, "marginals_", None)
        return {} if marginals is None else {"marginals": marginals.state(writer)}

    def _load_state(self, state, reader) -> None:
        """Restore the marginal calibration, if one was saved (see :meth:`_save_state`)."""
        if not isinstance(state, dict) or set(state) - {"marginals"}:
            raise ValueError(f"TabularPipeline keeps only its marginals, got {state!r}.")
        self.marginals_ = None
        if "marginals" in state:
            pre = self._preprocessor()
            if pre is None:
                raise ValueError("saved marginals need a TabularPreprocessor as the first step")
            self.marginals_ = MarginalCalibration.from_state(
                state["marginals"], reader, pre.n_features_out_
            )


def make_tabular_pipeline(estimator, preprocessor=None):
    """Build a :class:`TabularPipeline` ``preprocess -> autoencoder``.

    Parameters
    ----------
    estimator : estimator
        Final step, e.g. an ``AutoencoderTransformer`` or ``VAEGenerator``; its ``fit``
        receives ``feature_blocks`` from the preprocessor. Reached as ``autoencoder__<param>``
        in ``set_params`` / ``GridSearchCV``.
    preprocessor : transformer, default=None
        First step. If None: a default :class:`TabularPreprocessor`, or, for an estimator
        that samples rows (``VAEGenerator``), ``TabularPreprocessor(numeric_transform=
        "quantile", min_frequency=0)``: numeric columns as normal scores (their shapes survive
        generation) and every level kept apart up to ``max_categories`` (rare levels are
        generated too).

    Returns
    -------
    pipeline : TabularPipeline
        Steps ``[("preprocess", preprocessor), ("autoencoder", estimator)]``.
    """
    if preprocessor is None:
        if _samples_rows(estimator):
            preprocessor = TabularPreprocessor(numeric_transform="quantile", min_frequency=0)
        else:
            preprocessor = TabularPreprocessor()
    return TabularPipeline([("preprocess", preprocessor), ("autoencoder", estimator)])

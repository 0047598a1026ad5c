"""A Pipeline that hands the preprocessor's column layout to the final estimator.

:class:`TabularPipeline` / :func:`make_tabular_pipeline` wire a :class:`TabularPreprocessor`
and an autoencoder together: the preprocessor's ``feature_blocks_`` are passed to the final
estimator's ``fit`` automatically, and ``sample`` decodes generated rows all the way back to a
DataFrame.
"""

from __future__ import annotations

from sklearn.pipeline import Pipeline
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .._core.frames import accepts_param
from .tabular import TabularPreprocessor


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
      preceding steps' ``inverse_transform`` (so a VAE yields DataFrame rows).

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
        return self

    @available_if(Pipeline._can_fit_transform)
    def fit_transform(self, X, y=None, **params):
        """Fit like :meth:`fit`, then return the final estimator's transform of ``X``.

        Returns
        -------
        Xt : ndarray of shape (n_samples, n_components)
            Output of the final estimator (e.g. the autoencoder's codes).
        """
        return self._with_injector("fit_transform", X, y, params)

    @available_if(_final_estimator_has("sample"))
    def sample(self, n_samples=1, random_state=None):
        """Generate rows with the final estimator and decode them to the input space.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows.
        random_state : int, RandomState instance or None, default=None
            Passed to the final estimator's ``sample``.

        Returns
        -------
        X_new : DataFrame or ndarray of shape (n_samples, n_features)
            Generated rows, in the same form as the training input (a DataFrame with the
            original columns and dtypes if the pipeline was fitted on one).
        """
        check_is_fitted(self)
        Xs = self.steps[-1][1].sample(n_samples=n_samples, random_state=random_state)
        for _, step in reversed(self.steps[:-1]):
            if step is None or step == "passthrough":
                continue
            Xs = step.inverse_transform(Xs)
        return Xs

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
        """No state of its own.

        A fitted pipeline is its fitted steps, which are parameters (``steps``) and are saved as
        child nodes with their own state.
        """
        return {}

    def _load_state(self, state, reader) -> None:
        """Nothing to restore beyond the steps (see :meth:`_save_state`)."""
        if state != {}:
            raise ValueError(f"TabularPipeline keeps no state of its own, got {state!r}.")


def make_tabular_pipeline(estimator, preprocessor=None):
    """Build a :class:`TabularPipeline` ``preprocess -> autoencoder``.

    Parameters
    ----------
    estimator : estimator
        Final step, e.g. an ``AutoencoderTransformer`` or ``VAEGenerator``; its ``fit``
        receives ``feature_blocks`` from the preprocessor. Reached as ``autoencoder__<param>``
        in ``set_params`` / ``GridSearchCV``.
    preprocessor : transformer, default=None
        First step; a default :class:`TabularPreprocessor` if None.

    Returns
    -------
    pipeline : TabularPipeline
        Steps ``[("preprocess", preprocessor), ("autoencoder", estimator)]``.
    """
    if preprocessor is None:
        preprocessor = TabularPreprocessor()
    return TabularPipeline([("preprocess", preprocessor), ("autoencoder", estimator)])

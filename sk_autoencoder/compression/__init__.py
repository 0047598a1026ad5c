"""Learned image compression to real bytes: :class:`ImageCodec` and its blob format.

``codec`` holds the estimator; ``bitstream`` the entropy tables, the range coding
(``constriction``) and the header and check of each blob.
"""

from .bitstream import BitstreamError
from .codec import ImageCodec

__all__ = ["BitstreamError", "ImageCodec"]

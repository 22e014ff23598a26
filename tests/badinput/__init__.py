"""The bad-input corpus of issue 13: small edits to the mini fixture and the error each gives."""

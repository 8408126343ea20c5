"""A differential fuzzer of the reader against gcc (see run.py; README "Fuzzing")."""

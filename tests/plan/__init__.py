"""Tests of the plan language: models, loading, overrides."""

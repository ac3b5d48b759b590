"""Tests of the calculation engine."""

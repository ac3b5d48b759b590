"""Tests of plan comparison and sweeps."""
